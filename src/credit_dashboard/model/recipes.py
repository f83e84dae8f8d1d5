"""The chosen recipe against the plain baseline on the same folds and held-out rows, then the
final fit of the shipped one on every labelled row.

A *recipe* is what gets refitted: feature groups + LightGBM settings + imbalance option, plus the
rule turning its scores into decisions (calibration and threshold). Figures always come from
models that did not see the rows they score, and each choice (settings, imbalance option,
calibration, threshold) is made without the rows that judge it; see ``oof``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from credit_dashboard.model import oof
from credit_dashboard.model.calibration import PlattScaling
from credit_dashboard.model.candidates import build_baseline, build_pipeline
from credit_dashboard.model.estimator import CreditRiskModel
from credit_dashboard.model.evaluation import holdout_report
from credit_dashboard.model.feature_groups import DEFAULT_GROUPS
from credit_dashboard.model.oof import (
    FoldPredictions,
    OperatingPoint,
    fixed_operating_point,
    fold_predictions,
    nested_fold_scores,
    to_logit,
)
from credit_dashboard.model.params import (
    BASELINE_PARAMS,
    BASELINE_THRESHOLD,
    MAX_TREES,
    final_tree_count,
    regularised_params,
)
from credit_dashboard.model.time_budget import TimeBudget
from credit_dashboard.model.tuning import TuningResult, tune_lightgbm
from credit_dashboard.storage.schema import ID_COLUMN

logger = logging.getLogger(__name__)

CHOSEN = "lightgbm"
BASELINE = "baseline"


@dataclass
class Evaluation:
    """Everything measured before the final fit (all on development folds or held-out rows)."""

    params: dict
    tuning: TuningResult | None
    options: dict[str, FoldPredictions]
    baseline_folds: FoldPredictions
    cv_chosen: dict
    cv_by_option: dict[str, dict]
    cv_baseline: dict
    point: OperatingPoint
    evaluation_trees: int
    holdout_chosen: dict
    holdout_baseline: dict
    raw_hold_chosen: np.ndarray
    raw_hold_baseline: np.ndarray
    p_hold_chosen: np.ndarray
    p_hold_baseline: np.ndarray
    dev_index: pd.Index
    hold_index: pd.Index
    ship: str
    reason: str
    #: Seconds the search was given (0 without a search).
    search_seconds: float = 0.0

    @property
    def shipped_holdout(self) -> dict:
        return self.holdout_chosen if self.ship == CHOSEN else self.holdout_baseline

    @property
    def shipped_holdout_probability(self) -> np.ndarray:
        return self.p_hold_chosen if self.ship == CHOSEN else self.p_hold_baseline


@dataclass
class FinalFit:
    """The shipped model, fitted on every labelled row, and how it was made."""

    model: CreditRiskModel
    name: str
    imbalance: str
    params: dict
    rows: int
    trees: int
    point: OperatingPoint
    oof_probability: np.ndarray


def _elapsed(started: float) -> str:
    return f"{time.perf_counter() - started:.0f} s"


def _lightgbm(config: object, option: str, params: dict, trees: int) -> object:
    return build_pipeline(CHOSEN, option, seed=config.seed, n_jobs=config.n_jobs,
                          params={**params, "n_estimators": trees}, groups=DEFAULT_GROUPS,
                          exclude=config.excluded)


def _baseline(config: object) -> object:
    return build_baseline(seed=config.seed, n_jobs=config.n_jobs, exclude=config.excluded)


def _settings(config: object, X_dev: pd.DataFrame, y_dev: pd.Series, folds: int,
              started: float, budget: TimeBudget) -> tuple[dict, TuningResult | None, float]:
    """Optuna's best settings (full mode), or the rule-based ones for the fold size (quick).

    Also returns the seconds the search was given: what is left until the search stage's deadline,
    capped by ``search_seconds`` when set.
    """
    rate = float(y_dev.mean())
    fold_rows = int(len(X_dev) * (folds - 1) / folds * 0.9)
    if config.budget <= 0:
        return regularised_params(fold_rows, rate), None, 0.0
    seconds = budget.left("search")
    if config.search_seconds is not None:
        seconds = min(seconds, float(config.search_seconds))
    if seconds <= 0:
        budget.note("search", "no time left for a search: the rule-based settings are used")
        return regularised_params(fold_rows, rate), None, 0.0
    X_tune, y_tune = X_dev, y_dev
    if len(X_dev) > config.tune_row_cap:
        X_tune, _, y_tune, _ = _stratified_part(X_dev, y_dev, config.tune_row_cap, config.seed)
    inner = 5 if len(X_tune) <= 30_000 else 3
    logger.info("tuning lightgbm: up to %d trials / %.0f s, %d-fold CV on %d rows (%s)",
                config.budget, seconds, inner, len(X_tune), _elapsed(started))
    tuning = tune_lightgbm(X_tune, y_tune, imbalance="none", budget=config.budget,
                           seconds=seconds, seed=config.seed, n_jobs=config.n_jobs,
                           folds=inner, exclude=config.excluded, started=started)
    # The search ran on fewer rows; the learning rate follows the rule for the folds' size.
    params = {k: v for k, v in tuning.best_params.items() if k != "n_estimators"}
    params["learning_rate"] = regularised_params(fold_rows, rate)["learning_rate"]
    return params, tuning, seconds


#: Expected time of an extra imbalance option's folds relative to the first option's. On the
#: 307 k embedded rows under-sampling (minority 1:2 majority, a quarter of the rows) took 0.27 of
#: it and class weights 0.88; 0.5 and 1.0 keep a margin.
_RELATIVE_COST = {"undersample": 0.5, "smote": 2.0}


def _option_folds(config: object, option: str, params: dict, X_dev: pd.DataFrame,
                  y_dev: pd.Series, splits: list, started: float) -> FoldPredictions:
    return fold_predictions(
        lambda: _lightgbm(config, option, params, MAX_TREES), X_dev, y_dev, splits,
        early_stopping=True, seed=config.seed, label=f"[cv] lightgbm/{option}", started=started)


def _compare_options(config: object, params: dict, X_dev: pd.DataFrame, y_dev: pd.Series,
                     splits: list, started: float, budget: TimeBudget
                     ) -> tuple[dict[str, FoldPredictions], FoldPredictions]:
    """Fold predictions of the first imbalance option and of the baseline (always), then of each
    other option whose expected time still fits before the comparison's deadline."""
    first, *others = config.imbalance_options
    options = {first: _option_folds(config, first, params, X_dev, y_dev, splits, started)}
    baseline_folds = fold_predictions(lambda: _baseline(config), X_dev, y_dev, splits,
                                      early_stopping=False, seed=config.seed,
                                      label="[cv] baseline", started=started)
    for option in others:
        expected = options[first].fit_seconds * _RELATIVE_COST.get(option, 1.0)
        left = budget.left("comparison")
        if expected > left:
            budget.note("comparison", f"imbalance option {option} skipped: about {expected:.0f} s "
                                      f"expected, {max(left, 0):.0f} s left")
            continue
        options[option] = _option_folds(config, option, params, X_dev, y_dev, splits, started)
    # The order of config.imbalance_options, whatever ran: ties go to the first.
    return {o: options[o] for o in config.imbalance_options if o in options}, baseline_folds


def _stratified_part(X: pd.DataFrame, y: pd.Series, rows: int, seed: int) -> tuple:
    from sklearn.model_selection import train_test_split

    return train_test_split(X, y, train_size=rows, stratify=y, random_state=seed)


def evaluate_recipes(config: object, X_dev: pd.DataFrame, y_dev: pd.Series, X_hold: pd.DataFrame,
                     y_hold: pd.Series, splits: list, tracker: object,
                     started: float, budget: TimeBudget) -> Evaluation:
    """Steps 2-5 of ``training``: settings, fold predictions, honest figures, the ship decision;
    timed as the ``search``, ``comparison`` and ``holdout`` stages of ``budget``."""
    with budget.stage("search"):
        params, tuning, search_seconds = _settings(config, X_dev, y_dev, len(splits), started,
                                                   budget)
    if tuning is not None:
        for trial in tuning.trials:
            tracker.log("tune", CHOSEN, "none", trial, trial, rows=tuning_rows(config, X_dev))
    ids = X_dev[ID_COLUMN].to_numpy()
    y = y_dev.to_numpy()
    with budget.stage("comparison"):
        options, baseline_folds = _compare_options(config, params, X_dev, y_dev, splits, started,
                                                   budget)
    fold_of = baseline_folds.fold_of
    raw = {o: p.raw_logit for o, p in options.items()}
    cv_chosen = nested_fold_scores(ids, y, fold_of, raw)
    cv_by_option = {o: nested_fold_scores(ids, y, fold_of, {o: r}) for o, r in raw.items()}

    def baseline_rule(ids_in: np.ndarray, y_in: np.ndarray, _raw: dict) -> OperatingPoint:
        return fixed_operating_point(BASELINE, BASELINE_THRESHOLD, len(ids_in))

    cv_baseline = nested_fold_scores(ids, y, fold_of, {BASELINE: baseline_folds.raw_logit},
                                     choose=baseline_rule)
    for option, scores in cv_by_option.items():
        tracker.log("cv", CHOSEN, option, {**scores["summary"],
                    "fit_seconds": options[option].fit_seconds}, params, rows=len(X_dev))
    tracker.log("cv", BASELINE, "none", {**cv_baseline["summary"],
                "fit_seconds": baseline_folds.fit_seconds}, BASELINE_PARAMS, rows=len(X_dev))

    point = oof.choose_operating_point(ids, y, raw)
    chosen = options[point.option]
    trees = final_tree_count(chosen.trees, chosen.fit_rows, len(X_dev))
    logger.info("evaluation model: lightgbm/%s, %d trees on %d development rows (%s)",
                point.option, trees, len(X_dev), _elapsed(started))
    with budget.stage("holdout"):
        evaluation_model = _lightgbm(config, point.option, params, trees).fit(X_dev, y_dev)
        raw_hold = to_logit(evaluation_model.predict_proba(X_hold)[:, 1])
        p_hold = point.calibration.probability(raw_hold)
        baseline_model = _baseline(config).fit(X_dev, y_dev)
        p_hold_base = baseline_model.predict_proba(X_hold)[:, 1]
    y_h = y_hold.to_numpy()
    holdout_chosen = holdout_report(y_h, p_hold, point.threshold)
    holdout_baseline = holdout_report(y_h, p_hold_base, BASELINE_THRESHOLD)
    ship, reason = _ship_decision(holdout_chosen, holdout_baseline, point.option)
    logger.info("held-out AUC %.4f vs baseline %.4f, cost %.4f vs %.4f: shipping %s (%s)",
                holdout_chosen["roc_auc"], holdout_baseline["roc_auc"],
                holdout_chosen["normalised_cost"], holdout_baseline["normalised_cost"], ship,
                _elapsed(started))
    return Evaluation(params, tuning, options, baseline_folds, cv_chosen, cv_by_option,
                      cv_baseline, point, trees, holdout_chosen, holdout_baseline, raw_hold,
                      to_logit(p_hold_base), p_hold, p_hold_base, X_dev.index, X_hold.index,
                      ship, reason, search_seconds)


def tuning_rows(config: object, X_dev: pd.DataFrame) -> int:
    return min(len(X_dev), config.tune_row_cap)


def _ship_decision(chosen: dict, baseline: dict, option: str) -> tuple[str, str]:
    auc_gain = chosen["roc_auc"] - baseline["roc_auc"]
    cost_gain = baseline["normalised_cost"] - chosen["normalised_cost"]
    figures = (f"held-out AUC {chosen['roc_auc']:.4f} vs {baseline['roc_auc']:.4f} for the "
               f"baseline, normalised cost {chosen['normalised_cost']:.4f} vs "
               f"{baseline['normalised_cost']:.4f}")
    if auc_gain > 0 and cost_gain > 0:
        return CHOSEN, (f"LightGBM ({option}) beats the plain baseline on both AUC "
                        f"(+{auc_gain:.4f}) and business cost (-{cost_gain:.4f}): {figures}.")
    lost = [name for name, gain in (("AUC", auc_gain), ("business cost", cost_gain)) if gain <= 0]
    return BASELINE, (f"The tuned LightGBM did not beat the plain baseline on {' and '.join(lost)} "
                      f"({figures}), so the baseline is shipped.")


def fit_final(config: object, evaluation: Evaluation, X_all: pd.DataFrame, y_all: pd.Series,
              started: float) -> FinalFit:
    """Refit the shipped recipe on every labelled row.

    Its calibration and threshold are chosen on the out-of-sample predictions of all labelled rows
    (development rows: their folds' models; held-out rows: the evaluation model), which are also
    the out-of-fold probabilities stored for the similar-clients panel.
    """
    ids = X_all[ID_COLUMN].to_numpy()
    y = y_all.to_numpy()
    if evaluation.ship == CHOSEN:
        option = evaluation.point.option
        folds = evaluation.options[option]
        raw_all = _align(X_all.index, evaluation.dev_index, folds.raw_logit,
                         evaluation.hold_index, evaluation.raw_hold_chosen)
        point = oof.choose_operating_point(ids, y, {option: raw_all})
        trees = final_tree_count(folds.trees, folds.fit_rows, len(X_all))
        logger.info("final fit: lightgbm/%s, %d trees on all %d labelled rows (%s)", option,
                    trees, len(X_all), _elapsed(started))
        pipeline = _lightgbm(config, option, evaluation.params, trees).fit(X_all, y_all)
        model = CreditRiskModel(pipeline, point.calibration, point.threshold,
                                batch_threads=config.n_jobs)
        return FinalFit(model, CHOSEN, option, {**evaluation.params, "n_estimators": trees},
                        len(X_all), trees, point, point.calibration.probability(raw_all))
    raw_all = _align(X_all.index, evaluation.dev_index, evaluation.baseline_folds.raw_logit,
                     evaluation.hold_index, evaluation.raw_hold_baseline)
    logger.info("final fit: baseline on all %d labelled rows (%s)", len(X_all), _elapsed(started))
    pipeline = _baseline(config).fit(X_all, y_all)
    point = fixed_operating_point(BASELINE, BASELINE_THRESHOLD, len(X_all))
    model = CreditRiskModel(pipeline, PlattScaling(1.0, 0.0), BASELINE_THRESHOLD,
                            batch_threads=config.n_jobs)
    return FinalFit(model, BASELINE, "none", dict(BASELINE_PARAMS), len(X_all),
                    int(BASELINE_PARAMS["n_estimators"]), point,
                    point.calibration.probability(raw_all))


def _align(index: pd.Index, dev_index: pd.Index, dev_values: np.ndarray, hold_index: pd.Index,
           hold_values: np.ndarray) -> np.ndarray:
    """Development and held-out values put back in the order of ``index``."""
    series = pd.concat([pd.Series(dev_values, index=dev_index),
                        pd.Series(hold_values, index=hold_index)])
    return series.reindex(index).to_numpy()
