"""The model card of a training run: every figure with the rows it comes from.

The ``feature_policy`` section (the policy followed, with its sha256, what it costs and the proxy
check) is measured after the final fit and added by ``training``; cards written before the policy
have a ``protected`` section instead (``--exclude-protected``), still read by ``versions``."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from credit_dashboard.model import card as card_parts
from credit_dashboard.model.calibration import brier_score, reliability_table
from credit_dashboard.model.cost import COST_FN, COST_FP
from credit_dashboard.model.evaluation import curves
from credit_dashboard.model.fairness import fairness_section
from credit_dashboard.model.features import ENGINEERED_FEATURES
from credit_dashboard.model.params import BASELINE_PARAMS, BASELINE_THRESHOLD
from credit_dashboard.model.recipes import (
    APPLICATION_ONLY,
    BASELINE,
    CHOSEN,
    WITH_RECORDS,
    Evaluation,
    FinalFit,
)
from credit_dashboard.model.record_features import RECORD_FEATURES
from credit_dashboard.model.records_input import ORIGIN_DISABLED, RecordsInput, share_with_records
from credit_dashboard.storage.schema import ID_COLUMN, TARGET_COLUMN


def ids_fingerprint(ids: object) -> str:
    """sha256 of the sorted client ids: two figures with the same value come from the same rows."""
    values = np.sort(np.asarray(ids, dtype=np.int64))
    return hashlib.sha256(values.tobytes()).hexdigest()[:16]


def _cv_rows(evaluation: Evaluation) -> list[dict]:
    rows = []
    for option, scores in evaluation.cv_by_option.items():
        rows.append({"model": CHOSEN, "imbalance": option, **scores["summary"],
                     "fit_seconds": evaluation.options[option].fit_seconds,
                     "trees": evaluation.options[option].trees})
    rows.append({"model": BASELINE, "imbalance": "none", **evaluation.cv_baseline["summary"],
                 "fit_seconds": evaluation.baseline_folds.fit_seconds,
                 "trees": evaluation.baseline_folds.trees})
    return rows


def _search(config: object, evaluation: Evaluation, dev_rows: int) -> dict:
    tuning = evaluation.tuning
    if tuning is None:
        return {"budget": 0, "trials": [], "best_roc_auc": None, "rows": 0,
                "note": "quick mode: no search; the settings follow params.regularised_params "
                        "(a rule of the number of rows), trees found by early stopping"}
    return {"budget": config.budget, "seconds": round(evaluation.search_seconds, 1),
            "rows": min(dev_rows, config.tune_row_cap), "best_roc_auc": tuning.best_roc_auc,
            "completed": sum(1 for t in tuning.trials if t.get("roc_auc") is not None),
            "pruned": sum(1 for t in tuning.trials if t.get("roc_auc") is None),
            "trials": tuning.trials,
            "note": "Optuna TPE, median pruner after each fold, cross-validated trials with early "
                    "stopping on each validation fold; trial 0 = the rule-based settings"}


def build_card(config: object, history: pd.DataFrame, applicants: pd.DataFrame,
               X_dev: pd.DataFrame, X_hold: pd.DataFrame, y_hold: pd.Series,
               evaluation: Evaluation, final: FinalFit, importance: pd.Series,
               importance_rows: int, drift: object, folds: int,
               records: RecordsInput | None = None) -> dict:
    """Assemble the card (without the artifact hash, added when the model is written)."""
    model = final.model
    y_h = y_hold.to_numpy()
    p_hold = evaluation.shipped_holdout_probability
    y_all = history[TARGET_COLUMN].to_numpy()
    hold_ids = ids_fingerprint(X_hold[ID_COLUMN])
    holdout = {**evaluation.shipped_holdout, "rows": len(X_hold), "ids_sha256": hold_ids}
    baseline = {
        **evaluation.holdout_baseline, "rows": len(X_hold), "ids_sha256": hold_ids,
        "threshold": BASELINE_THRESHOLD, "params": dict(BASELINE_PARAMS),
        "features": "raw columns + CREDIT_INCOME_RATIO, ANNUITY_INCOME_RATIO, PAYMENT_RATE",
        "cv": {**evaluation.cv_baseline["summary"], "rows": len(X_dev), "folds": folds},
        "cv_per_fold": evaluation.cv_baseline["per_fold"],
    }
    evaluated = {"model": CHOSEN, "imbalance": evaluation.point.option, "params":
                 {**evaluation.params, "n_estimators": evaluation.evaluation_trees},
                 **evaluation.holdout_chosen, "rows": len(X_hold), "ids_sha256": hold_ids,
                 "threshold": evaluation.point.threshold,
                 "cv": {**evaluation.cv_chosen["summary"], "rows": len(X_dev), "folds": folds},
                 "cv_per_fold": evaluation.cv_chosen["per_fold"]}
    card = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "quick" if config.quick else "full",
        "seed": config.seed,
        "decision_threshold": model.decision_threshold,
        "decision_rule": "refuse when default_probability >= decision_threshold",
        "cost_fn": COST_FN,
        "cost_fp": COST_FP,
        "chosen": {"model": final.name, "imbalance": final.imbalance, "params": final.params,
                   "reason": evaluation.reason},
        "candidate": evaluated,
        "baseline": baseline,
        "holdout": holdout,
        "cv": _cv_rows(evaluation),
        "cv_setup": {
            "folds": folds, "rows": len(X_dev),
            "note": (f"{folds} stratified folds of the {len(X_dev)} development rows, the same "
                     f"for every row of this table and for the baseline. Each fold is scored by "
                     f"a model fitted on the other folds (trees stopped early on 10% of those), "
                     f"with the imbalance option, Platt calibration and threshold chosen on the "
                     f"other folds' out-of-fold predictions only. The baseline uses 1/11 on its "
                     f"raw probabilities."),
        },
        "evaluation": {
            "rows": len(X_dev) + len(X_hold), "development_rows": len(X_dev),
            "holdout_rows": len(X_hold), "folds": folds,
            "note": ("cv figures: development rows, out-of-fold. holdout / baseline / candidate: "
                     "the held-out rows, scored by models fitted on the development rows only, "
                     "with the threshold, calibration and imbalance option chosen on the "
                     "development rows' out-of-fold predictions (the held-out rows never enter "
                     "any choice). fairness: the same held-out rows and predictions. The search "
                     "(full mode) ran on development rows only."),
        },
        "final_fit": {
            "rows": final.rows, "trees": final.trees, "model": final.name,
            "calibration_rows": final.point.chosen_on_rows,
            "note": ("The shipped model is refitted on all labelled rows; its calibration and "
                     "threshold are chosen on the out-of-sample predictions of all of them "
                     "(development rows from their folds' models, held-out rows from the "
                     "evaluation model). No figure in this card comes from this fit's own rows, "
                     "except the global importance (held-out rows, explanations only)."),
        },
        "search": _search(config, evaluation, len(X_dev)),
        "threshold_search": {
            "rows": final.point.chosen_on_rows,
            "decision_threshold": model.decision_threshold,
            **card_parts.threshold_summary(_searched(final, model.decision_threshold), y_all,
                                           final.oof_probability),
        },
        "threshold_rule": final.point.threshold_rule,
        "ship_decision": evaluation.ship_decision,
        "credit_records": credit_records_section(records, evaluation, history, applicants,
                                                 X_hold),
        "curves": curves(y_h, p_hold),
        "calibration": {
            "method": ("platt (sigmoid) on the out-of-fold log-odds" if final.name == CHOSEN
                       else "none: the baseline's raw probabilities"),
            "slope": model.calibration.slope, "intercept": model.calibration.intercept,
            "brier_oof_uncalibrated": brier_score(
                y_all, _uncalibrated(final)),
            "brier_oof": brier_score(y_all, final.oof_probability),
            "brier_holdout": holdout["brier"],
            "reliability_oof": reliability_table(y_all, final.oof_probability),
            "reliability_holdout": reliability_table(y_h, p_hold),
        },
        "fairness": fairness_section(X_hold, y_h, p_hold, evaluation_threshold(evaluation),
                                     config.forbidden_inputs),
        # The training run adds ``feature_policy`` (the policy, its cost and the proxy check).
        "global_importance": [{"feature": name, "mean_abs_shap": float(value)}
                              for name, value in importance.items()],
        "global_importance_rows": importance_rows,
        "input_schema": {"columns": model.input_columns,
                         "dtypes": {c: str(history[c].dtype) for c in model.input_columns}},
        "explained_features": model.explained_features,
        "engineered_features": {k: v for k, v in ENGINEERED_FEATURES.items()
                                if k in model.explained_features},
        "feature_groups": list(model.pipeline.steps[0][1].groups),
        "dropped_columns": dict(model.pipeline.steps[0][1].dropped_columns_),
        "data_fingerprint": card_parts.data_fingerprint(
            Path(config.train_path), history, Path(config.applicants_path), applicants,
            float(y_all.mean())),
        "split": {"development_rows": len(X_dev), "holdout_rows": len(X_hold),
                  "fit_rows": final.rows, "holdout_share": config.holdout_share},
        "library_versions": card_parts.library_versions(),
        "bayes_auc": None,
        "drift_share": drift.summary["share_drifted"],
    }
    bayes = card_parts.bayes_reference(Path(config.train_path), X_hold[ID_COLUMN], y_h)
    if bayes is not None:
        card["bayes_auc"] = bayes["roc_auc"]
        card["bayes"] = bayes
    return card


def _searched(final: FinalFit, fallback: float) -> float:
    """The cost-optimal out-of-fold threshold the threshold rule weighed against 1/11."""
    rule = final.point.threshold_rule or {}
    return float(rule.get("searched", fallback))


def credit_records_section(records: RecordsInput | None, evaluation: Evaluation,
                           history: pd.DataFrame, applicants: pd.DataFrame,
                           X_hold: pd.DataFrame) -> dict:
    """The card's ``credit_records``: which records, how many clients had some, and the chosen
    recipe with and without them against the baseline on the same folds and held-out rows."""
    if records is None or not records.used:
        origin = records.origin if records is not None else ORIGIN_DISABLED
        why = ("--no-credit-records: trained on the application table alone"
               if origin == ORIGIN_DISABLED else
               "no credit-record table beside the training table (and no --credit-records): "
               "trained on the application table alone")
        return {"used": False, "origin": origin,
                "source": records.source if records is not None else None, "note": why}
    comparison = evaluation.records_comparison or {}
    aggregates = records.aggregates
    features = [c for c in evaluation.record_columns]
    return {
        "used": True,
        "origin": records.origin,
        "source": records.source,
        "tables": dict(records.tables),
        "clients_with_records": {
            "history": share_with_records(history[ID_COLUMN], aggregates),
            "applicants": share_with_records(applicants[ID_COLUMN], aggregates),
            "holdout": share_with_records(X_hold[ID_COLUMN], aggregates),
        },
        "clients_in_records": int(len(aggregates)),
        "features": features,
        "feature_descriptions": {c: RECORD_FEATURES.get(c, "") for c in features},
        APPLICATION_ONLY: comparison.get(APPLICATION_ONLY),
        WITH_RECORDS: comparison.get(WITH_RECORDS),
        BASELINE: comparison.get(BASELINE),
        "comparison": comparison.get("comparison"),
        "imbalance": comparison.get("imbalance"),
        "rows": comparison.get("rows"),
        "fit_seconds": comparison.get("fit_seconds"),
        "winner": evaluation.variant,
        "in_shipped_model": evaluation.shipped_uses_records,
        "note": ("The chosen recipe (settings, imbalance option) fitted twice on the same "
                 "development folds and the same held-out rows: with the CR_* record features "
                 "and on the application columns alone; the plain baseline (application "
                 "columns only) beside them. With records ships only when it beats the "
                 "application-only variant beyond the noise (ship_decision.rule); the winner "
                 "then faces the baseline. All development rows are used in both modes."),
    }


def evaluation_threshold(evaluation: Evaluation) -> float:
    """The threshold the held-out figures were computed at (of the shipped recipe)."""
    return evaluation.point.threshold if evaluation.ship == CHOSEN else BASELINE_THRESHOLD


def _uncalibrated(final: FinalFit) -> np.ndarray:
    """The out-of-fold probabilities before calibration (Platt undone)."""
    from scipy.special import expit, logit

    slope = final.point.calibration.slope or 1.0
    z = logit(np.clip(final.oof_probability, 1e-12, 1 - 1e-12))
    return expit((z - final.point.calibration.intercept) / slope)
