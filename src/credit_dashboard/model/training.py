"""``train(config)``: from the two client tables to a verified artifact, step by step.

1. read + validate the tables; hold out a stratified 20% that is scored exactly once, at the end;
2. compare the candidates (model family x imbalance strategy) by stratified K-fold CV;
3. tune LightGBM with the best imbalance strategy (random search, early stopping);
4. out-of-fold predictions of the tuned pipeline -> Platt calibration -> cost-optimal threshold;
5. fit on the development rows, evaluate on the held-out split, explain, measure drift;
6. write model + card + drift files atomically.

The final model is always LightGBM: its exact TreeSHAP values are what makes the per-client
explanation fast and additive. The CV table shows how it compares with the other families.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import logit
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from credit_dashboard.config import MODEL_CARD_FILE, MODEL_FILE
from credit_dashboard.model import card as card_parts
from credit_dashboard.model.artifact import ensure_writable, write_artifacts
from credit_dashboard.model.calibration import PlattScaling, brier_score, reliability_table
from credit_dashboard.model.candidates import build_pipeline, candidate_grid
from credit_dashboard.model.cost import COST_FN, COST_FP, ThresholdChoice, optimal_threshold
from credit_dashboard.model.crossval import cross_validate, summarise
from credit_dashboard.model.drift import compute_drift
from credit_dashboard.model.estimator import CreditRiskModel
from credit_dashboard.model.evaluation import curves, holdout_report
from credit_dashboard.model.features import ENGINEERED_FEATURES
from credit_dashboard.model.tracking import RunTracker, mlflow_requested
from credit_dashboard.model.tuning import tune_lightgbm
from credit_dashboard.storage.loading import read_table
from credit_dashboard.storage.schema import ID_COLUMN, TARGET_COLUMN

logger = logging.getLogger(__name__)


class TrainingInputError(ValueError):
    """The tables are readable but cannot train a model (e.g. a single class); names the file."""


@dataclass(frozen=True)
class TrainConfig:
    """What to train on, where to write, and how much compute to spend.

    Row caps (``None`` picks the mode's default; subsamples are stratified):

    - ``cv_rows``: rows of the development split used to compare candidates; a subsample keeps
      the slow ones (random forest, SMOTE) affordable. Default 15,000 quick, 50,000 full.
    - ``tune_rows``: rows for the random search. Default 30,000 quick, 100,000 full.
    - ``fit_rows``: rows for the out-of-fold predictions (calibration, threshold) and the final
      fit. Default 40,000 quick, all of the development split in a full run.
    """

    train_path: Path
    applicants_path: Path
    out_dir: Path
    folds: int = 5
    search_budget: int | None = None
    quick: bool = False
    seed: int = 42
    drift_sample_rows: int = 5000
    holdout_share: float = 0.2
    cv_rows: int | None = None
    tune_rows: int | None = None
    fit_rows: int | None = None
    shap_rows: int = 2000
    n_jobs: int = 2
    mlflow: bool = False

    @property
    def budget(self) -> int:
        return self.search_budget if self.search_budget is not None else (3 if self.quick else 12)

    @property
    def cv_row_cap(self) -> int:
        return self.cv_rows if self.cv_rows is not None else (15_000 if self.quick else 50_000)

    @property
    def tune_row_cap(self) -> int:
        return self.tune_rows if self.tune_rows is not None else (30_000 if self.quick else 100_000)

    @property
    def fit_row_cap(self) -> int | None:
        return self.fit_rows if self.fit_rows is not None else (40_000 if self.quick else None)


@dataclass
class TrainResult:
    """The fitted model and the card as written next to it."""

    model: CreditRiskModel
    card: dict
    out_dir: Path
    seconds: float = field(default=0.0)


def stratified_subsample(
    X: pd.DataFrame, y: pd.Series, rows: int | None, seed: int
) -> tuple[pd.DataFrame, pd.Series]:
    """At most ``rows`` rows with the same default rate (all of them when ``rows`` is None)."""
    if rows is None or rows >= len(X):
        return X, y
    X_sub, _, y_sub, _ = train_test_split(X, y, train_size=rows, stratify=y, random_state=seed)
    return X_sub, y_sub


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


@dataclass
class _Calibrated:
    """Step 4's outcome: the tuned pipeline (unfitted), its calibration and threshold, and the
    out-of-fold predictions they were chosen on."""

    pipeline: object
    platt: PlattScaling
    threshold: ThresholdChoice
    y: np.ndarray
    raw_probability: np.ndarray
    probability: np.ndarray


def _train(config: TrainConfig) -> TrainResult:
    started = time.perf_counter()
    out_dir = Path(config.out_dir)
    ensure_writable(out_dir)
    if config.folds < 2:
        raise TrainingInputError(f"--folds must be at least 2, got {config.folds}")
    logger.info("reading %s and %s", config.train_path, config.applicants_path)
    history = read_table(Path(config.train_path), "train")
    applicants = read_table(Path(config.applicants_path), "applicants")
    y_all = history[TARGET_COLUMN].astype(int)
    _check_target(y_all, Path(config.train_path), config.folds)
    X_all = history.drop(columns=[TARGET_COLUMN])
    logger.info("%d training rows (%.2f%% defaults), %d applicants (%s)", len(history),
                100 * y_all.mean(), len(applicants), _elapsed(started))
    X_dev, X_hold, y_dev, y_hold = train_test_split(
        X_all, y_all, test_size=config.holdout_share, stratify=y_all, random_state=config.seed
    )
    tracker = RunTracker(out_dir, use_mlflow=mlflow_requested(config.mlflow))

    X_cv, y_cv = stratified_subsample(X_dev, y_dev, config.cv_row_cap, config.seed)
    cv_table = _compare_candidates(config, X_cv, y_cv, tracker, started)
    best_lgbm = _cheapest(r for r in cv_table if r["model"] == "lightgbm")
    imbalance = best_lgbm["imbalance"]

    X_fit, y_fit = stratified_subsample(X_dev, y_dev, config.fit_row_cap, config.seed)
    X_tune, y_tune = stratified_subsample(X_fit, y_fit, config.tune_row_cap, config.seed)
    logger.info("tuning lightgbm/%s: %d trials on %d rows", imbalance, config.budget, len(X_tune))
    tuning = tune_lightgbm(X_tune, y_tune, imbalance=imbalance, budget=config.budget,
                           seed=config.seed, n_jobs=config.n_jobs,
                           max_trees=1000 if config.quick else 2000, started=started)
    for trial in tuning.trials:
        tracker.log("tune", "lightgbm", imbalance, trial, trial, rows=len(X_tune))

    calibrated = _calibrate(config, imbalance, tuning.best_params, X_fit, y_fit, started)
    logger.info("fitting the final model on %d rows (%s)", len(X_fit), _elapsed(started))
    calibrated.pipeline.fit(X_fit, y_fit)
    model = CreditRiskModel(calibrated.pipeline, calibrated.platt, calibrated.threshold.threshold,
                            batch_threads=config.n_jobs)

    p_hold = model.default_probability(X_hold)
    holdout = holdout_report(y_hold.to_numpy(), p_hold, model.decision_threshold)
    logger.info("held-out AUC %.4f, normalised cost %.4f, Brier %.4f (%s)", holdout["roc_auc"],
                holdout["normalised_cost"], holdout["brier"], _elapsed(started))
    tracker.log("final", "lightgbm", imbalance, {**holdout, "threshold": model.decision_threshold},
                tuning.best_params, rows=len(X_fit))

    explain_rows = X_hold.sample(n=min(config.shap_rows, len(X_hold)), random_state=config.seed)
    contributions, _ = model.contributions(explain_rows)
    importance = contributions.abs().mean().sort_values(ascending=False)

    logger.info("drift report on up to %d rows per side (%s)", config.drift_sample_rows,
                _elapsed(started))
    drift = compute_drift(X_all, applicants, sample_rows=config.drift_sample_rows, seed=config.seed)
    logger.info("drift: %d of %d columns drifted", drift.summary["n_drifted"],
                drift.summary["n_columns"])

    card = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "quick" if config.quick else "full",
        "seed": config.seed,
        "decision_threshold": model.decision_threshold,
        "decision_rule": "refuse when default_probability >= decision_threshold",
        "cost_fn": COST_FN,
        "cost_fp": COST_FP,
        "chosen": {
            "model": "lightgbm",
            "imbalance": imbalance,
            "params": tuning.best_params,
            "reason": _choice_reason(best_lgbm, _cheapest(cv_table)),
        },
        "cv": cv_table,
        "cv_setup": _cv_setup(config, len(X_cv), len(X_dev)),
        "search": {"budget": config.budget, "rows": len(X_tune),
                   "best_roc_auc": tuning.best_roc_auc, "trials": tuning.trials},
        "threshold_search": {
            "rows": len(X_fit),
            **card_parts.threshold_summary(model.decision_threshold, calibrated.y,
                                           calibrated.probability),
        },
        "holdout": holdout,
        "curves": curves(y_hold.to_numpy(), p_hold),
        "calibration": {
            "method": "platt (sigmoid) on the out-of-fold log-odds",
            "slope": calibrated.platt.slope,
            "intercept": calibrated.platt.intercept,
            "brier_oof_uncalibrated": brier_score(calibrated.y, calibrated.raw_probability),
            "brier_oof": brier_score(calibrated.y, calibrated.probability),
            "brier_holdout": holdout["brier"],
            "reliability_oof": reliability_table(calibrated.y, calibrated.probability),
            "reliability_holdout": reliability_table(y_hold, p_hold),
        },
        "global_importance": [
            {"feature": name, "mean_abs_shap": float(value)} for name, value in importance.items()
        ],
        "global_importance_rows": len(explain_rows),
        "input_schema": {
            "columns": model.input_columns,
            "dtypes": {c: str(history[c].dtype) for c in model.input_columns},
        },
        "explained_features": model.explained_features,
        "engineered_features": {
            k: v for k, v in ENGINEERED_FEATURES.items() if k in model.explained_features
        },
        "dropped_columns": dict(calibrated.pipeline.steps[0][1].dropped_columns_),
        "data_fingerprint": card_parts.data_fingerprint(
            Path(config.train_path), history, Path(config.applicants_path), applicants,
            float(y_all.mean()),
        ),
        "split": {"development_rows": len(X_dev), "holdout_rows": len(X_hold),
                  "fit_rows": len(X_fit), "holdout_share": config.holdout_share},
        "library_versions": card_parts.library_versions(),
        "bayes_auc": None,
        "drift_share": drift.summary["share_drifted"],
    }
    bayes = card_parts.bayes_reference(
        Path(config.train_path), X_hold[ID_COLUMN], y_hold.to_numpy()
    )
    if bayes is not None:
        card["bayes_auc"] = bayes["roc_auc"]
        card["bayes"] = bayes
    card["training_seconds"] = round(time.perf_counter() - started, 1)
    written = write_artifacts(out_dir, model, card, drift)
    tracker.register_final(out_dir / MODEL_FILE, out_dir / MODEL_CARD_FILE, written)
    logger.info("wrote model %s to %s in %s", written["model_version"], out_dir,
                _elapsed(started))
    return TrainResult(model, written, out_dir, time.perf_counter() - started)


def _elapsed(started: float) -> str:
    return f"{time.perf_counter() - started:.0f} s"


def _cheapest(rows: Iterable[dict]) -> dict:
    """Lowest business cost at the candidate's own threshold; AUC breaks ties."""
    return min(rows, key=lambda r: (r["normalised_cost"], -r["roc_auc"]))


def _compare_candidates(
    config: TrainConfig, X: pd.DataFrame, y: pd.Series, tracker: RunTracker, started: float
) -> list[dict]:
    """Step 2: one CV table row per (model, imbalance) candidate, all on the same rows/folds."""
    logger.info("comparing candidates by %d-fold CV on %d rows", config.folds, len(X))
    table: list[dict] = []
    for model_name, imbalance in candidate_grid(config.quick):
        label = f"[cv] {model_name}/{imbalance}"
        pipeline = build_pipeline(model_name, imbalance, seed=config.seed, n_jobs=config.n_jobs)
        result = cross_validate(pipeline, X, y, folds=config.folds, seed=config.seed,
                                label=label, started=started)
        row = {"model": model_name, "imbalance": imbalance, **summarise(y, result)}
        table.append(row)
        tracker.log("cv", model_name, imbalance, row, {}, rows=len(X))
        logger.info("%s: AUC %.4f, normalised cost %.4f (%s)", label, row["roc_auc"],
                    row["normalised_cost"], _elapsed(started))
    return table


def _calibrate(
    config: TrainConfig, imbalance: str, params: dict, X: pd.DataFrame, y: pd.Series,
    started: float,
) -> _Calibrated:
    """Step 4: OOF predictions of the tuned pipeline -> Platt on their log-odds -> threshold.

    The threshold is searched on the *calibrated* OOF probabilities, so it is directly comparable
    with the theoretical 1/11 and with the probability the advisor sees.
    """
    pipeline = build_pipeline("lightgbm", imbalance, seed=config.seed, n_jobs=config.n_jobs,
                              params=params)
    oof = cross_validate(pipeline, X, y, folds=config.folds, seed=config.seed + 1,
                         label="[oof] tuned lightgbm", started=started)
    y_values = y.to_numpy()
    raw_logit = logit(np.clip(oof.oof_probability, 1e-12, 1 - 1e-12))
    platt = PlattScaling.fit(raw_logit, y_values)
    probability = platt.probability(raw_logit)
    choice = optimal_threshold(y_values, probability)
    logger.info("calibration slope %.3f intercept %.3f; threshold %.4f (OOF normalised cost %.4f)",
                platt.slope, platt.intercept, choice.threshold, choice.normalised_cost)
    return _Calibrated(pipeline, platt, choice, y_values, oof.oof_probability, probability)


def _cv_setup(config: TrainConfig, cv_rows: int, dev_rows: int) -> dict:
    return {
        "folds": config.folds,
        "rows": cv_rows,
        "note": (
            f"Candidates compared on a stratified subsample of {cv_rows} of the {dev_rows} "
            f"development rows (the same rows and folds for every candidate: random forest and "
            f"SMOTE would not fit the time budget on all of them); resampling happens inside each "
            f"training fold only. Metrics other than AUC are at each candidate's own "
            f"cost-optimal out-of-fold threshold."
        ),
        "smote": (
            "SMOTENC on the engineered features before any one-hot encoding (numbers filled with "
            "the training median and standardised, missing categories as their own level): it "
            "interpolates numbers only and copies a real neighbour's level for each category, so "
            "no fractional one-hot category is invented."
        ),
    }


def _choice_reason(best_lgbm: dict, best_any: dict) -> str:
    text = (
        f"LightGBM with {best_lgbm['imbalance']} had the lowest CV business cost among LightGBM "
        f"candidates ({best_lgbm['normalised_cost']:.4f} per client, "
        f"AUC {best_lgbm['roc_auc']:.4f})"
    )
    if best_any is best_lgbm:
        return text + " and overall."
    return text + (
        f"; {best_any['model']}/{best_any['imbalance']} was cheaper in CV "
        f"({best_any['normalised_cost']:.4f}), but only LightGBM gives exact, additive per-client "
        f"explanations fast enough for the dashboard."
    )
