"""Out-of-fold predictions, and the operating point (imbalance option, calibration, threshold)
chosen only on rows that the figures it is judged by do not come from.

``fold_predictions`` gives every row of a table one raw log-odds from a model that never saw it.
``choose_operating_point`` picks, on such predictions, the imbalance option, its Platt calibration
and the threshold: 1/11 unless the out-of-fold evidence for another one is clear
(``ship_rules.threshold_decision``). ``nested_fold_scores`` scores fold k with the operating point
chosen on the other folds' rows only, so neither the threshold nor the imbalance choice ever sees
the labels of the fold that scores them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import expit, logit
from sklearn.metrics import accuracy_score, f1_score, recall_score, roc_auc_score
from sklearn.model_selection import train_test_split

from credit_dashboard.model.calibration import PlattScaling
from credit_dashboard.model.cost import business_cost, is_refused
from credit_dashboard.model.params import patience_for
from credit_dashboard.model.ship_rules import threshold_decision
from credit_dashboard.model.tuning import fit_early_stopped

logger = logging.getLogger(__name__)

#: Share of each training fold set aside to stop the trees (never the fold being predicted).
EARLY_STOP_SHARE = 0.1


@dataclass
class FoldPredictions:
    """Raw log-odds of one recipe for every row, each from the fold model that left it out."""

    raw_logit: np.ndarray
    fold_of: np.ndarray
    trees: list[int]
    fit_rows: float
    fit_seconds: float


@dataclass(frozen=True)
class OperatingPoint:
    """What turns a recipe's raw scores into decisions, and the rows it was chosen on."""

    option: str
    calibration: PlattScaling
    threshold: float
    chosen_on_rows: int
    normalised_cost_on_those_rows: float
    #: ``ship_rules.ThresholdDecision.to_dict()``: why this threshold (None for a fixed rule).
    threshold_rule: dict | None = field(default=None, compare=False, hash=False)


ChooseFn = Callable[[np.ndarray, np.ndarray, Mapping[str, np.ndarray]], OperatingPoint]


def to_logit(probability: np.ndarray) -> np.ndarray:
    return logit(np.clip(np.asarray(probability, dtype=np.float64), 1e-12, 1 - 1e-12))


def fold_predictions(
    make_pipeline: Callable[[], object],
    X: pd.DataFrame,
    y: pd.Series,
    splits: list[tuple[np.ndarray, np.ndarray]],
    *,
    early_stopping: bool,
    seed: int,
    label: str = "",
    started: float | None = None,
) -> FoldPredictions:
    """Fit a fresh pipeline per fold on the other folds (trees stopped early on a stratified 10 %
    of those, when ``early_stopping``) and predict the fold."""
    started = time.perf_counter() if started is None else started
    raw = np.full(len(X), np.nan)
    fold_of = np.full(len(X), -1)
    trees: list[int] = []
    fit_rows: list[int] = []
    seconds = 0.0
    for k, (train_idx, valid_idx) in enumerate(splits):
        tick = time.perf_counter()
        pipeline = make_pipeline()
        X_train, y_train = X.iloc[train_idx], y.iloc[train_idx]
        if early_stopping:
            X_fit, X_stop, y_fit, y_stop = train_test_split(
                X_train, y_train, test_size=EARLY_STOP_SHARE, stratify=y_train,
                random_state=seed + k,
            )
            kept, _ = fit_early_stopped(pipeline, X_fit, y_fit, X_stop, y_stop,
                                        patience=patience_for(len(X_fit)))
            fit_rows.append(len(X_fit))
        else:
            pipeline.fit(X_train, y_train)
            kept = int(pipeline.steps[-1][1].n_estimators)
            fit_rows.append(len(X_train))
        trees.append(kept)
        raw[valid_idx] = to_logit(pipeline.predict_proba(X.iloc[valid_idx])[:, 1])
        fold_of[valid_idx] = k
        seconds += time.perf_counter() - tick
        logger.info("%s fold %d/%d: AUC %.4f, %d trees, %.1f s (elapsed %.0f s)", label, k + 1,
                    len(splits), roc_auc_score(y.iloc[valid_idx], raw[valid_idx]), kept,
                    time.perf_counter() - tick, time.perf_counter() - started)
    return FoldPredictions(raw, fold_of, trees, float(np.mean(fit_rows)), seconds)


def choose_operating_point(
    ids: np.ndarray, y: np.ndarray, raw_by_option: Mapping[str, np.ndarray],
    fold_of: np.ndarray | None = None,
) -> OperatingPoint:
    """Per option: Platt calibration of the raw log-odds, then the threshold of the threshold
    rule (1/11 unless the cost-optimal cut of ``10·FN + FP`` is cheaper beyond the noise and on
    the same side of 1/11 in every fold); the cheapest option at its threshold wins (first on
    ties).

    ``ids`` are the rows the choice is made on (logged; the choice depends on nothing else).
    ``fold_of``: their folds, for the rule's per-fold check (``None``: 5 fixed random parts).
    Why not simply the cost-optimal threshold: on real data it wandered between 0.078 and 0.109
    across folds, following noise on a flat cost curve, while calibrated probabilities call for
    1/11.
    """
    y = np.asarray(y)
    best: OperatingPoint | None = None
    for option, raw in raw_by_option.items():
        platt = PlattScaling.fit(raw, y)
        decision = threshold_decision(y, platt.probability(raw), fold_of)
        cost = (decision.cost_at_searched if decision.kept == "searched"
                else decision.cost_at_one_eleventh)
        point = OperatingPoint(option, platt, decision.threshold, len(ids), cost,
                               decision.to_dict())
        if best is None or point.normalised_cost_on_those_rows < best.normalised_cost_on_those_rows:
            best = point
    if best is None:
        raise ValueError("no option to choose from")
    return best


def fixed_operating_point(option: str, threshold: float, rows: int) -> OperatingPoint:
    """The baseline's rule: raw probabilities as they are, a fixed threshold."""
    return OperatingPoint(option, PlattScaling(1.0, 0.0), threshold, rows, float("nan"))


def scores_at(y: np.ndarray, probability: np.ndarray, threshold: float) -> dict[str, float]:
    """AUC and the decision metrics at ``threshold`` (refuse when probability >= threshold)."""
    y = np.asarray(y).astype(int)
    refused = is_refused(probability, threshold)
    cost = business_cost(y, refused)
    return {
        "roc_auc": float(roc_auc_score(y, probability)) if len(np.unique(y)) == 2 else float("nan"),
        "business_cost": int(cost),
        "normalised_cost": cost / max(len(y), 1),
        "accuracy": float(accuracy_score(y, refused)),
        "recall": float(recall_score(y, refused, zero_division=0)),
        "f1": float(f1_score(y, refused, zero_division=0)),
        "threshold": float(threshold),
    }


def nested_fold_scores(
    ids: np.ndarray,
    y: np.ndarray,
    fold_of: np.ndarray,
    raw_by_option: Mapping[str, np.ndarray],
    choose: ChooseFn | None = None,
) -> dict[str, object]:
    """Score each fold with the operating point chosen on the *other* folds' rows.

    Returns the CV summary (mean and spread of the fold AUCs; cost, accuracy, recall and F1 pooled
    over the folds, each fold at its own threshold), the per-fold figures and choices, and the
    calibrated out-of-fold probability of every row.
    """
    choose = choose or choose_operating_point  # looked up at call time (tests record it)
    y = np.asarray(y).astype(int)
    probability = np.full(len(y), np.nan)
    refused = np.zeros(len(y), dtype=bool)
    per_fold = []
    for k in np.unique(fold_of):
        inside = fold_of != k
        point = choose(ids[inside], y[inside], {o: r[inside] for o, r in raw_by_option.items()})
        p = point.calibration.probability(raw_by_option[point.option][~inside])
        probability[~inside] = p
        refused[~inside] = is_refused(p, point.threshold)
        per_fold.append({"fold": int(k), "rows": int((~inside).sum()), "option": point.option,
                         "threshold": point.threshold,
                         **scores_at(y[~inside], p, point.threshold)})
    aucs = [f["roc_auc"] for f in per_fold]
    cost = business_cost(y, refused)
    summary = {
        "roc_auc": float(np.mean(aucs)),
        "roc_auc_std": float(np.std(aucs)),
        "business_cost": int(cost),
        "normalised_cost": cost / max(len(y), 1),
        "accuracy": float(accuracy_score(y, refused)),
        "recall": float(recall_score(y, refused, zero_division=0)),
        "f1": float(f1_score(y, refused, zero_division=0)),
        "threshold": float(np.mean([f["threshold"] for f in per_fold])),
    }
    return {"summary": summary, "per_fold": per_fold, "probability": probability}


def raw_probability(raw_logit: np.ndarray) -> np.ndarray:
    return expit(np.asarray(raw_logit, dtype=np.float64))
