"""The chosen recipe against the plain baseline on the same folds and held-out rows, then the
final fit of the shipped one on every labelled row.

With credit records (``CR_*`` columns beside the application columns), the chosen recipe is also
fitted without them (the *application-only* variant: same settings, same imbalance option, same
folds, same held-out rows), and the records must earn their place: each step keeps the simpler
model unless the richer one beats it beyond the noise of the held-out comparison
(``ship_rules.beats``: with records against application only, then the tuned model against the
plain baseline). The plain baseline never reads the records.

A *recipe* is what gets refitted: feature groups + LightGBM settings + imbalance option, plus the
rule turning its scores into decisions (calibration and threshold). Figures always come from
models that did not see the rows they score, and each choice (settings, imbalance option,
calibration, threshold) is made without the rows that judge it; see ``oof``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.special import expit

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
from credit_dashboard.model.ship_rules import (
    RESAMPLES,
    SHIP_RULE,
    beats,
    decision_section,
    paired_bootstrap,
    threshold_decision,
)
from credit_dashboard.model.time_budget import TimeBudget
from credit_dashboard.model.tuning import TuningResult, tune_lightgbm
from credit_dashboard.storage.schema import ID_COLUMN

logger = logging.getLogger(__name__)

CHOSEN = "lightgbm"
BASELINE = "baseline"
#: The chosen recipe's two variants when credit records are available.
WITH_RECORDS = "with_records"
APPLICATION_ONLY = "application_only"


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
    #: Out-of-fold predictions of the tuned candidate as evaluated (with or without records).
    chosen_folds: FoldPredictions | None = None
    #: ``CR_*`` columns of the tables (empty: trained on the application table alone).
    record_columns: tuple[str, ...] = ()
    #: Which variant of the tuned recipe is the candidate (``WITH_RECORDS``, ``APPLICATION_ONLY``;
    #: ``None`` without records).
    variant: str | None = None
    #: The card's ``ship_decision`` section.
    ship_decision: dict | None = None
    #: The records comparison's figures (the card's ``credit_records`` section adds the data).
    records_comparison: dict | None = None

    @property
    def shipped_holdout(self) -> dict:
        return self.holdout_chosen if self.ship == CHOSEN else self.holdout_baseline

    @property
    def shipped_holdout_probability(self) -> np.ndarray:
        return self.p_hold_chosen if self.ship == CHOSEN else self.p_hold_baseline

    @property
    def shipped_uses_records(self) -> bool:
        return self.ship == CHOSEN and self.variant == WITH_RECORDS

    @property
    def candidate_folds(self) -> FoldPredictions:
        return self.chosen_folds or self.options[self.point.option]


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


def _lightgbm(config: object, option: str, params: dict, trees: int,
              exclude: tuple[str, ...] | None = None) -> object:
    """The tuned recipe's pipeline; ``exclude`` defaults to what the feature policy forbids."""
    return build_pipeline(CHOSEN, option, seed=config.seed, n_jobs=config.n_jobs,
                          params={**params, "n_estimators": trees}, groups=DEFAULT_GROUPS,
                          exclude=config.forbidden_inputs if exclude is None else exclude)


def _baseline(config: object, exclude: tuple[str, ...] | None = None) -> object:
    return build_baseline(seed=config.seed, n_jobs=config.n_jobs,
                          exclude=config.forbidden_inputs if exclude is None else exclude)


def without_policy_holdout(config: object, evaluation: Evaluation, X_dev: pd.DataFrame,
                           y_dev: pd.Series, X_hold: pd.DataFrame) -> np.ndarray:
    """The shipped recipe (same model, settings, trees, imbalance option and columns: with or
    without the records) fitted on the development rows with *every* feature, as the default
    model was before the feature policy, and its raw default probabilities on the held-out rows:
    what the policy's cost is measured against. One fit, no search."""
    if evaluation.ship == CHOSEN:
        pipeline = _lightgbm(config, evaluation.point.option, evaluation.params,
                             evaluation.evaluation_trees, exclude=())
        columns = () if evaluation.shipped_uses_records else evaluation.record_columns
    else:
        pipeline = _baseline(config, exclude=())
        columns = evaluation.record_columns
    pipeline.fit(application_only(X_dev, columns), y_dev)
    return pipeline.predict_proba(application_only(X_hold, columns))[:, 1]


def application_only(X: pd.DataFrame, record_columns: tuple[str, ...]) -> pd.DataFrame:
    """The application table's columns alone: what the baseline (always) and the application-only
    variant read. Dropped here rather than excluded in the features so that the fitted model does
    not ask for them when it scores."""
    return X.drop(columns=list(record_columns)) if record_columns else X


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
                           folds=inner, exclude=config.forbidden_inputs,
                           started=started)
    # The search ran on fewer rows; the learning rate follows the rule for the folds' size.
    params = {k: v for k, v in tuning.best_params.items() if k != "n_estimators"}
    params["learning_rate"] = regularised_params(fold_rows, rate)["learning_rate"]
    return params, tuning, seconds


#: Expected time of an extra imbalance option's folds relative to the first option's. On the
#: 307 k embedded rows under-sampling (minority 1:2 majority, a quarter of the rows) took 0.27 of
#: it and class weights 0.88; 0.5 and 1.0 keep a margin.
_RELATIVE_COST = {"undersample": 0.5, "smote": 2.0}


def _option_folds(config: object, option: str, params: dict, X_dev: pd.DataFrame,
                  y_dev: pd.Series, splits: list, started: float,
                  label: str = "") -> FoldPredictions:
    return fold_predictions(
        lambda: _lightgbm(config, option, params, MAX_TREES), X_dev, y_dev, splits,
        early_stopping=True, seed=config.seed, label=f"[cv] lightgbm/{option}{label}",
        started=started)


def _compare_options(config: object, params: dict, X_dev: pd.DataFrame, y_dev: pd.Series,
                     splits: list, started: float, budget: TimeBudget,
                     record_columns: tuple[str, ...] = ()
                     ) -> tuple[dict[str, FoldPredictions], FoldPredictions]:
    """Fold predictions of the first imbalance option and of the baseline (always, on the
    application columns only), then of each other option whose expected time still fits before
    the comparison's deadline."""
    first, *others = config.imbalance_options
    options = {first: _option_folds(config, first, params, X_dev, y_dev, splits, started)}
    X_app = application_only(X_dev, record_columns)
    baseline_folds = fold_predictions(lambda: _baseline(config), X_app, y_dev, splits,
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
                     started: float, budget: TimeBudget,
                     record_columns: tuple[str, ...] = ()) -> Evaluation:
    """Steps 2-5 of ``training``: settings, fold predictions, honest figures, the ship decisions;
    timed as the ``search``, ``comparison`` and ``holdout`` stages of ``budget``.

    ``record_columns``: the ``CR_*`` columns of ``X_dev`` / ``X_hold`` (empty without records).
    With them, the chosen recipe is also evaluated on the application columns alone.
    """
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
                                                   budget, record_columns)
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

    point = oof.choose_operating_point(ids, y, raw, fold_of)
    chosen = options[point.option]
    app = None
    if record_columns:
        app = _application_only_folds(config, params, point.option, X_dev, y_dev, splits,
                                      record_columns, chosen.fit_seconds, started, budget)
        tracker.log("cv", CHOSEN, f"{point.option}/{APPLICATION_ONLY}",
                    {**app["cv"]["summary"], "fit_seconds": app["folds"].fit_seconds}, params,
                    rows=len(X_dev))
    trees = final_tree_count(chosen.trees, chosen.fit_rows, len(X_dev))
    logger.info("evaluation model: lightgbm/%s, %d trees on %d development rows (%s)",
                point.option, trees, len(X_dev), _elapsed(started))
    with budget.stage("holdout"):
        evaluation_model = _lightgbm(config, point.option, params, trees).fit(X_dev, y_dev)
        raw_hold = to_logit(evaluation_model.predict_proba(X_hold)[:, 1])
        p_hold = point.calibration.probability(raw_hold)
        baseline_model = _baseline(config).fit(application_only(X_dev, record_columns), y_dev)
        p_hold_base = baseline_model.predict_proba(application_only(X_hold, record_columns))[:, 1]
        if app is not None:
            app_folds: FoldPredictions = app["folds"]
            app_trees = final_tree_count(app_folds.trees, app_folds.fit_rows, len(X_dev))
            app_model = _lightgbm(config, point.option, params, app_trees).fit(
                application_only(X_dev, record_columns), y_dev)
            app["trees"] = app_trees
            app["raw_hold"] = to_logit(app_model.predict_proba(
                application_only(X_hold, record_columns))[:, 1])
            app["p_hold"] = app["point"].calibration.probability(app["raw_hold"])
    y_h = y_hold.to_numpy()
    holdout_chosen = holdout_report(y_h, p_hold, point.threshold)
    holdout_baseline = holdout_report(y_h, p_hold_base, BASELINE_THRESHOLD)

    variant, records_comparison, records_section = None, None, None
    chosen_folds = chosen
    if app is not None:
        holdout_app = holdout_report(y_h, app["p_hold"], app["point"].threshold)
        with budget.stage("holdout"):
            comparison = paired_bootstrap(y_h, p_hold, point.threshold, app["p_hold"],
                                          app["point"].threshold, seed=config.seed)
        outcome = beats(comparison, WITH_RECORDS, APPLICATION_ONLY)
        records_section = decision_section(WITH_RECORDS, APPLICATION_ONLY, comparison, outcome)
        records_comparison = {
            WITH_RECORDS: _variant_figures(cv_by_option[point.option], holdout_chosen,
                                           point.threshold, trees),
            APPLICATION_ONLY: _variant_figures(app["cv"], holdout_app, app["point"].threshold,
                                               app["trees"]),
            BASELINE: _variant_figures(cv_baseline, holdout_baseline, BASELINE_THRESHOLD,
                                       int(BASELINE_PARAMS["n_estimators"])),
            "comparison": records_section,
            "imbalance": point.option,
            "rows": {"development": len(X_dev), "holdout": len(X_hold),
                     "folds": len(splits)},
            "fit_seconds": {WITH_RECORDS: round(chosen.fit_seconds, 1),
                            APPLICATION_ONLY: round(app["folds"].fit_seconds, 1)},
        }
        variant = WITH_RECORDS if outcome.richer_wins else APPLICATION_ONLY
        logger.info("credit records: %s", outcome.reason)
        if variant == APPLICATION_ONLY:
            point, chosen_folds, trees = app["point"], app["folds"], app["trees"]
            raw_hold, p_hold, holdout_chosen = app["raw_hold"], app["p_hold"], holdout_app
            cv_chosen = app["cv"]
    with budget.stage("holdout"):
        comparison = paired_bootstrap(y_h, p_hold, point.threshold, p_hold_base,
                                      BASELINE_THRESHOLD, seed=config.seed)
    outcome = beats(comparison, CHOSEN, BASELINE)
    ship = CHOSEN if outcome.richer_wins else BASELINE
    reason = _ship_reason(ship, outcome.reason, point.option, variant)
    ship_decision = {
        "rule": SHIP_RULE.format(resamples=RESAMPLES),
        "tuned_vs_baseline": decision_section(CHOSEN, BASELINE, comparison, outcome),
        "records": records_section,
        "shipped": ship, "variant": variant if ship == CHOSEN else None,
        "uses_credit_records": ship == CHOSEN and variant == WITH_RECORDS,
        "reason": reason,
    }
    logger.info("held-out AUC %.4f vs baseline %.4f, cost %.4f vs %.4f: shipping %s (%s)",
                holdout_chosen["roc_auc"], holdout_baseline["roc_auc"],
                holdout_chosen["normalised_cost"], holdout_baseline["normalised_cost"], ship,
                _elapsed(started))
    return Evaluation(params, tuning, options, baseline_folds, cv_chosen, cv_by_option,
                      cv_baseline, point, trees, holdout_chosen, holdout_baseline, raw_hold,
                      to_logit(p_hold_base), p_hold, p_hold_base, X_dev.index, X_hold.index,
                      ship, reason, search_seconds, chosen_folds=chosen_folds,
                      record_columns=tuple(record_columns), variant=variant,
                      ship_decision=ship_decision, records_comparison=records_comparison)


def _application_only_folds(config: object, params: dict, option: str, X_dev: pd.DataFrame,
                            y_dev: pd.Series, splits: list, record_columns: tuple[str, ...],
                            expected: float, started: float, budget: TimeBudget) -> dict:
    """The chosen recipe without the records on the same folds: fold predictions, nested CV
    scores and its operating point. Always run (the records must be judged against it); when
    its expected time overruns the comparison's deadline the card's time budget says so."""
    with budget.stage("comparison"):
        left = budget.left("comparison")
        if expected > left:
            budget.note("comparison", f"application-only variant: about {expected:.0f} s "
                                      f"expected, {max(left, 0):.0f} s left; run anyway (the "
                                      f"credit-record comparison needs it)")
        folds = _option_folds(config, option, params, application_only(X_dev, record_columns),
                              y_dev, splits, started, label=", application only")
    ids, y = X_dev[ID_COLUMN].to_numpy(), y_dev.to_numpy()
    raw = {option: folds.raw_logit}
    return {"folds": folds, "cv": nested_fold_scores(ids, y, folds.fold_of, raw),
            "point": oof.choose_operating_point(ids, y, raw, folds.fold_of)}


def _variant_figures(cv: dict, holdout: dict, threshold: float, trees: int) -> dict:
    """One variant's figures for the card: cross-validated (mean and per fold) and held out."""
    per_fold = cv["per_fold"]
    return {
        "cv": {"roc_auc": cv["summary"]["roc_auc"], "roc_auc_std": cv["summary"]["roc_auc_std"],
               "normalised_cost": cv["summary"]["normalised_cost"],
               "normalised_cost_mean": float(np.mean([f["normalised_cost"] for f in per_fold])),
               "per_fold": [{"fold": f["fold"], "rows": f["rows"], "roc_auc": f["roc_auc"],
                             "normalised_cost": f["normalised_cost"],
                             "threshold": f["threshold"]} for f in per_fold]},
        "holdout": {"roc_auc": holdout["roc_auc"], "normalised_cost": holdout["normalised_cost"],
                    "threshold": float(threshold)},
        "trees": int(trees),
    }


def tuning_rows(config: object, X_dev: pd.DataFrame) -> int:
    return min(len(X_dev), config.tune_row_cap)


def _ship_reason(ship: str, rule_reason: str, option: str, variant: str | None) -> str:
    """The card's ``chosen.reason``: which model ships and the rule's own words."""
    what = f"LightGBM ({option}" + (
        "" if variant is None else
        ", with credit records" if variant == WITH_RECORDS else ", application table only") + ")"
    if ship == CHOSEN:
        return (f"The tuned {what} is shipped: it beats the plain baseline beyond the noise of "
                f"the held-out comparison; {rule_reason}")
    return (f"The plain baseline is shipped: the tuned {what} did not beat it beyond the noise "
            f"of the held-out comparison; {rule_reason}")


def fit_final(config: object, evaluation: Evaluation, X_all: pd.DataFrame, y_all: pd.Series,
              started: float) -> FinalFit:
    """Refit the shipped recipe on every labelled row.

    Its calibration and threshold are chosen on the out-of-sample predictions of all labelled rows
    (development rows: their folds' models; held-out rows: the evaluation model), which are also
    the out-of-fold probabilities stored for the similar-clients panel.
    """
    ids = X_all[ID_COLUMN].to_numpy()
    y = y_all.to_numpy()
    # Every row's part for the threshold rule's per-fold check: its development fold, or one
    # more part for the held-out rows (scored by the evaluation model).
    dev_folds = evaluation.baseline_folds.fold_of
    fold_of = _align(X_all.index, evaluation.dev_index, dev_folds, evaluation.hold_index,
                     np.full(len(evaluation.hold_index), int(dev_folds.max()) + 1))
    X_app = application_only(X_all, evaluation.record_columns)
    if evaluation.ship == CHOSEN:
        option = evaluation.point.option
        folds = evaluation.candidate_folds
        raw_all = _align(X_all.index, evaluation.dev_index, folds.raw_logit,
                         evaluation.hold_index, evaluation.raw_hold_chosen)
        point = oof.choose_operating_point(ids, y, {option: raw_all}, fold_of)
        trees = final_tree_count(folds.trees, folds.fit_rows, len(X_all))
        X_fit = X_all if evaluation.shipped_uses_records else X_app
        logger.info("final fit: lightgbm/%s, %d trees on all %d labelled rows, %d columns (%s)",
                    option, trees, len(X_all), X_fit.shape[1], _elapsed(started))
        pipeline = _lightgbm(config, option, evaluation.params, trees).fit(X_fit, y_all)
        model = CreditRiskModel(pipeline, point.calibration, point.threshold,
                                batch_threads=config.n_jobs)
        return FinalFit(model, CHOSEN, option, {**evaluation.params, "n_estimators": trees},
                        len(X_all), trees, point, point.calibration.probability(raw_all))
    raw_all = _align(X_all.index, evaluation.dev_index, evaluation.baseline_folds.raw_logit,
                     evaluation.hold_index, evaluation.raw_hold_baseline)
    logger.info("final fit: baseline on all %d labelled rows (%s)", len(X_all), _elapsed(started))
    pipeline = _baseline(config).fit(X_app, y_all)
    # The baseline's rule is 1/11 on its raw probabilities; the searched threshold is recorded
    # for information only.
    informative = threshold_decision(y, expit(raw_all), fold_of).to_dict()
    informative.update(threshold=BASELINE_THRESHOLD, kept="one_eleventh", reason=(
        "the plain baseline always refuses at 1/11 of its raw probabilities (issue 11's rule); "
        "the searched threshold is shown for information only"))
    point = replace(fixed_operating_point(BASELINE, BASELINE_THRESHOLD, len(X_all)),
                    threshold_rule=informative)
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
