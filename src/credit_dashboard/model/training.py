"""``train(config)``: from the two client tables to a verified artifact, step by step.

1. read + validate the tables, and the credit records when there are some (``records_input``:
   their ``CR_*`` features are attached to the history and the applicants right away); hold out a
   stratified 20 % (the *evaluation* split) that no choice ever sees; the other 80 % are the
   *development* rows, cut into K stratified folds;
2. full mode: Optuna search of LightGBM settings on the development rows (cross-validated trials,
   early stopping, pruning, the time the run's budget gives it); quick mode: the rule-based
   settings of ``params``;
3. out-of-fold predictions on the development folds for each imbalance option and for the plain
   baseline, on the same folds;
4. honest figures: fold k is scored with the imbalance option, calibration and threshold chosen
   on the other folds' rows; the held-out rows are scored by a model fitted on the development
   rows with the operating point chosen on their out-of-fold predictions. The baseline gets the
   very same folds and held-out rows;
5. with records, the chosen recipe is also fitted on the application columns alone (same folds,
   same held-out rows); a richer model ships only when it beats the simpler one beyond the noise
   of a paired bootstrap of the held-out rows (``ship_rules``): with records against application
   only, then the tuned model against the baseline. The shipped recipe is refitted on *all*
   labelled rows (calibration and threshold from the out-of-sample predictions of all of them;
   the threshold stays 1/11 unless the evidence for another is clear), explained, audited;
6. the feature policy (``feature_policy``): every pipeline above leaves out the features it
   forbids, the shipped model is checked against it (a forbidden input stops the run before
   anything is written), and what it costs is measured (``policy_cost``: the shipped recipe
   once more without it, same development and held-out rows; the proxy check);
7. model + card + drift report + out-of-fold tables written atomically.

The whole run shares one wall-clock budget (``time_budget``: 900 s full, 180 s quick); the card's
``time_budget`` section records it and each stage's wall and CPU seconds.

The final model is always LightGBM: its exact TreeSHAP values are what makes the per-client
explanation fast and additive.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, train_test_split
from threadpoolctl import threadpool_limits

from credit_dashboard.config import MODEL_CARD_FILE, MODEL_FILE, _env_int
from credit_dashboard.model.artifact import ensure_writable, write_artifacts
from credit_dashboard.model.drift import compute_drift
from credit_dashboard.model.estimator import CreditRiskModel
from credit_dashboard.model.feature_policy import (
    FeaturePolicy,
    check_fitted_features,
    load_policy,
)
from credit_dashboard.model.params import folds_for
from credit_dashboard.model.policy_cost import policy_cost, proxy_check
from credit_dashboard.model.recipes import Evaluation, evaluate_recipes, fit_final
from credit_dashboard.model.record_features import attach, is_record_feature
from credit_dashboard.model.records_input import load_records
from credit_dashboard.model.time_budget import TimeBudget
from credit_dashboard.model.tracking import RunTracker, mlflow_requested
from credit_dashboard.model.training_card import build_card
from credit_dashboard.model.versions import version_dir
from credit_dashboard.storage.loading import read_table
from credit_dashboard.storage.schema import ID_COLUMN, TARGET_COLUMN

logger = logging.getLogger(__name__)

class TrainingInputError(ValueError):
    """The tables are readable but cannot train a model (e.g. a single class); names the file."""


@dataclass(frozen=True)
class TrainConfig:
    """What to train on, where to write, and how much compute to spend.

    - ``folds``: development folds; ``None`` = 5 up to 100 k development rows, 3 above.
    - ``time_budget``: wall-clock seconds for the whole run, shared by its stages (``time_budget``
      module); ``None`` = ``CREDIT_TRAIN_TIME_BUDGET`` or 900 s (full) / 180 s (quick).
    - ``search_budget`` / ``search_seconds``: Optuna trials and an extra cap on the search's time
      (full mode; quick mode does no search). Defaults: 40 trials, the time the budget gives.
    - ``tune_rows``: stratified subsample of the development rows the search runs on (default
      60,000); every other step uses all rows.
    - ``feature_policy``: the policy file (``feature_policy``) saying which features the model
      may use; ``None`` = the packaged ``feature_policy.toml``. Its forbidden features are never
      model inputs, and the fitted model is checked against it before anything is written.
    - ``credit_records`` / ``use_credit_records``: a folder of Kaggle's credit-record files to
      train with; ``None`` = the store beside the training table when it holds tables.
      ``use_credit_records=False`` trains on the application table alone (``records_input``).
    """

    train_path: Path
    applicants_path: Path
    out_dir: Path
    folds: int | None = None
    search_budget: int | None = None
    search_seconds: float | None = None
    time_budget: float | None = None
    quick: bool = False
    seed: int = 42
    drift_sample_rows: int = 5000
    #: At most this many raw columns in the training drift report, the model's most important
    #: first; 0: every column (``CREDIT_TRAINING_DRIFT_COLUMNS``, as ``CREDIT_BATCH_DRIFT_COLUMNS``
    #: caps a batch's: Evidently costs about 60 ms per column).
    drift_columns: int = field(
        default_factory=lambda: _env_int("CREDIT_TRAINING_DRIFT_COLUMNS", 0))
    holdout_share: float = 0.2
    tune_rows: int | None = None
    shap_rows: int = 2000
    n_jobs: int = 2
    mlflow: bool = False
    feature_policy: Path | None = None
    #: Make the new version the one the app serves (False: store it, keep the active one).
    activate: bool = True
    credit_records: Path | None = None
    use_credit_records: bool = True

    @property
    def budget(self) -> int:
        """Search trials (0 in quick mode unless asked for)."""
        if self.search_budget is not None:
            return self.search_budget if not self.quick else 0
        return 0 if self.quick else 40

    @property
    def tune_row_cap(self) -> int:
        return self.tune_rows if self.tune_rows is not None else 60_000

    @cached_property
    def policy(self) -> FeaturePolicy:
        """The loaded policy (read once; ``FeaturePolicyError`` names what is wrong)."""
        return load_policy(self.feature_policy)

    @property
    def forbidden_inputs(self) -> tuple[str, ...]:
        """Raw columns and engineered features the model's pipelines must not use."""
        return self.policy.model_inputs_forbidden

    @property
    def imbalance_options(self) -> tuple[str, ...]:
        """Imbalance options compared inside the folds. SMOTE is not among them: on these data it
        never beat plain weighting in cross-validation and costs more than the rest together."""
        return ("none",) if self.quick else ("none", "class_weight", "undersample")



def drift_columns(columns: list[str], ranked_features: list[str], limit: int) -> list[str]:
    """The columns the training drift report compares: all of them when ``limit`` is 0, else the
    model's most important raw columns first (a drift there moves the scores), then the table's
    order, up to ``limit``."""
    if limit <= 0 or limit >= len(columns):
        return columns
    present = set(columns)
    ranked = [c for c in ranked_features if c in present]
    order = ranked + [c for c in columns if c not in set(ranked)]
    return order[:limit]

@dataclass
class TrainResult:
    """The fitted model and the card as written next to it."""

    model: CreditRiskModel
    card: dict
    out_dir: Path
    seconds: float = field(default=0.0)


def _check_target(y: pd.Series, path: Path, folds: int) -> None:
    counts = y.value_counts()
    if len(counts) < 2:
        only = int(counts.index[0]) if len(counts) else "none"
        raise TrainingInputError(
            f"{path}: {TARGET_COLUMN} has a single class ({only}); training needs both defaulters "
            f"(1) and clients who repaid (0)"
        )
    needed = 5 * folds
    if int(counts.min()) < needed:
        raise TrainingInputError(
            f"{path}: only {int(counts.min())} rows of class {int(counts.idxmin())} in "
            f"{TARGET_COLUMN}; {folds}-fold cross-validation plus a held-out split needs at least "
            f"{needed}"
        )


def train(config: TrainConfig) -> TrainResult:
    """Run the whole training and write the artifact; raises before writing anything on bad input.

    BLAS runs single-threaded meanwhile: on a small shared machine OpenBLAS' spinning threads made
    a logistic regression fit 17 times slower (9.6 s instead of 0.55 s), and the parallelism that
    matters here is LightGBM's, set by ``n_jobs``.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return _train(config)


def _train(config: TrainConfig) -> TrainResult:
    started = time.perf_counter()
    try:
        budget = TimeBudget.for_run(config.time_budget, config.quick)
    except ValueError as exc:
        raise TrainingInputError(str(exc)) from exc
    out_dir = Path(config.out_dir)
    ensure_writable(out_dir)
    if config.folds is not None and config.folds < 2:
        raise TrainingInputError(f"--folds must be at least 2, got {config.folds}")
    policy = config.policy  # a wrong policy file stops the run before any work
    logger.info("feature policy %s (sha256 %s): %d features forbidden as model inputs",
                policy.path, policy.sha256[:12], len(policy.model_inputs_forbidden))
    logger.info("time budget %.0f s (%s)", budget.total, budget.source)
    with budget.stage("read"):
        logger.info("reading %s and %s", config.train_path, config.applicants_path)
        history = read_table(Path(config.train_path), "train")
        applicants = read_table(Path(config.applicants_path), "applicants")
        records = load_records(Path(config.train_path), config.credit_records,
                               config.use_credit_records,
                               np.concatenate([history[ID_COLUMN].to_numpy(dtype=np.int64),
                                               applicants[ID_COLUMN].to_numpy(dtype=np.int64)]))
        if records.used:
            history = attach(history, records.aggregates)
            applicants = attach(applicants, records.aggregates)
        record_columns = tuple(c for c in history.columns if is_record_feature(c))
        y_all = history[TARGET_COLUMN].astype(int)
        folds = _folds(config, len(history))
        _check_target(y_all, Path(config.train_path), folds)
        X_all = history.drop(columns=[TARGET_COLUMN])
        logger.info("%d training rows (%.2f%% defaults), %d applicants, %d folds (%s)",
                    len(history), 100 * y_all.mean(), len(applicants), folds, _elapsed(started))
        X_dev, X_hold, y_dev, y_hold = train_test_split(
            X_all, y_all, test_size=config.holdout_share, stratify=y_all,
            random_state=config.seed)
        splits = list(StratifiedKFold(folds, shuffle=True, random_state=config.seed)
                      .split(X_dev, y_dev.to_numpy()))
    tracker = RunTracker(out_dir, use_mlflow=mlflow_requested(config.mlflow))

    evaluation: Evaluation = evaluate_recipes(config, X_dev, y_dev, X_hold, y_hold, splits,
                                              tracker, started, budget, record_columns)
    with budget.stage("final_fit"):
        final = fit_final(config, evaluation, X_all, y_all, started)
    model = final.model
    # Whatever built it, the model that would ship must follow the policy: nothing is written
    # otherwise.
    check_fitted_features(policy, model.pipeline.steps[0][1], "the shipped model")
    with budget.stage("policy"):
        policy_section = {
            **policy.card_section(),
            "cost": policy_cost(config, evaluation, X_dev, y_dev, X_hold, y_hold),
            "proxy_check": proxy_check(model.pipeline.steps[0][1], X_all, seed=config.seed),
        }
    tracker.log("final", final.name, final.imbalance,
                {**evaluation.shipped_holdout, "threshold": model.decision_threshold},
                final.params, rows=len(X_all))

    with budget.stage("reports"):
        explain_rows = X_hold.sample(n=min(config.shap_rows, len(X_hold)),
                                     random_state=config.seed)
        contributions, _ = model.contributions(explain_rows)
        importance = contributions.abs().mean().sort_values(ascending=False)
        logger.info("drift report on up to %d rows per side (%s)", config.drift_sample_rows,
                    _elapsed(started))
        candidates = [c for c in X_all.columns if c != ID_COLUMN]
        columns = drift_columns(candidates, list(importance.index), config.drift_columns)
        drift = compute_drift(X_all[columns], applicants[[c for c in columns
                                                          if c in applicants.columns]],
                              sample_rows=config.drift_sample_rows, seed=config.seed)
        drift.summary["columns_left_out"] = len(candidates) - len(columns)
        card = build_card(config, history, applicants, X_dev, X_hold, y_hold, evaluation, final,
                          importance, len(explain_rows), drift, folds, records)
    card["feature_policy"] = policy_section
    card["training_seconds"] = round(time.perf_counter() - started, 1)
    card["time_budget"] = budget.summary()
    tables = {
        "oof_predictions": pd.DataFrame({
            ID_COLUMN: X_all[ID_COLUMN].to_numpy(), TARGET_COLUMN: y_all.to_numpy(),
            "default_probability": final.oof_probability,
        }),
        "holdout_predictions": pd.DataFrame({
            ID_COLUMN: X_hold[ID_COLUMN].to_numpy(), TARGET_COLUMN: y_hold.to_numpy(),
            "default_probability": evaluation.shipped_holdout_probability,
            "baseline_probability": evaluation.p_hold_baseline,
        }),
    }
    written = write_artifacts(out_dir, model, card, drift, tables=tables,
                              activate=config.activate)
    stored = version_dir(out_dir, written["model_version"])
    tracker.register_final(stored / MODEL_FILE, stored / MODEL_CARD_FILE, written)
    logger.info("wrote model %s to %s in %s (budget %.0f s)", written["model_version"], out_dir,
                _elapsed(started), budget.total)
    return TrainResult(model, written, out_dir, time.perf_counter() - started)


def _folds(config: TrainConfig, rows: int) -> int:
    return folds_for(int(rows * (1 - config.holdout_share)), config.folds, config.quick)


def _elapsed(started: float) -> str:
    return f"{time.perf_counter() - started:.0f} s"
