"""The lender's business cost of a decision rule, and the threshold that minimises it.

A missed defaulter (false negative: credit granted, client defaults) costs ten times a wrongly
refused good client (false positive). The decision rule everywhere in the product is
``refuse when default_probability >= decision_threshold``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

COST_FN = 10
COST_FP = 1
GRANT = "grant"
REFUSE = "refuse"


def is_refused(default_probability: np.ndarray | float, decision_threshold: float) -> np.ndarray:
    """The decision rule, vectorised: True where credit is refused (at or above the threshold)."""
    return np.asarray(default_probability) >= decision_threshold


def decision_for(default_probability: float, decision_threshold: float) -> str:
    """The model's recommendation for one client, in the lender's words ("grant" / "refuse")."""
    return REFUSE if bool(is_refused(default_probability, decision_threshold)) else GRANT


@dataclass(frozen=True)
class ThresholdChoice:
    """The cost-optimal threshold on a set of scores and the cost it achieves there."""

    threshold: float
    business_cost: int
    normalised_cost: float


def business_cost(y_true: np.ndarray, refused: np.ndarray) -> int:
    """``10·FN + 1·FP`` for boolean decisions ``refused`` (True = credit refused)."""
    y = np.asarray(y_true).astype(bool)
    refused = np.asarray(refused).astype(bool)
    false_negatives = int(np.sum(y & ~refused))
    false_positives = int(np.sum(~y & refused))
    return COST_FN * false_negatives + COST_FP * false_positives


def normalised_cost(y_true: np.ndarray, scores: np.ndarray, threshold: float) -> float:
    """Business cost per client, ``(10·FN + FP) / n``, of refusing when ``score >= threshold``."""
    y = np.asarray(y_true)
    return business_cost(y, is_refused(scores, threshold)) / max(len(y), 1)


def optimal_threshold(y_true: np.ndarray, scores: np.ndarray) -> ThresholdChoice:
    """Exact minimiser of ``10·FN + FP`` over every distinct cut of ``scores``.

    Sorting once and accumulating the confusion counts evaluates all ``n + 1`` possible decision
    rules in O(n log n), so no grid resolution can miss the optimum. The returned threshold is one
    of the scores themselves (refuse from that score up), or just above the highest score when
    granting everybody is cheapest.
    """
    y = np.asarray(y_true).astype(bool)
    s = np.asarray(scores, dtype=np.float64)
    if len(y) == 0:
        raise ValueError("cannot choose a threshold on zero rows")
    order = np.argsort(-s, kind="mergesort")
    s_sorted, y_sorted = s[order], y[order]
    tp = np.cumsum(y_sorted)
    fp = np.cumsum(~y_sorted)
    # Only the last position of a run of tied scores is a reachable rule: ties are refused together.
    last_of_tie = np.r_[s_sorted[1:] != s_sorted[:-1], True]
    positives = int(y.sum())
    costs = COST_FN * (positives - tp[last_of_tie]) + COST_FP * fp[last_of_tie]
    thresholds = s_sorted[last_of_tie]
    grant_all_cost = COST_FN * positives
    best = int(np.argmin(costs))
    if grant_all_cost < costs[best]:
        threshold, cost = float(np.nextafter(s_sorted[0], np.inf)), grant_all_cost
    else:
        threshold, cost = float(thresholds[best]), int(costs[best])
    return ThresholdChoice(threshold, int(cost), cost / len(y))


def cost_curve(y_true: np.ndarray, scores: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Normalised cost at each threshold of ``thresholds`` (vectorised with a sort)."""
    y = np.asarray(y_true).astype(bool)
    s = np.asarray(scores, dtype=np.float64)
    t = np.asarray(thresholds, dtype=np.float64)
    pos_scores = np.sort(s[y])
    neg_scores = np.sort(s[~y])
    # Refused = score >= t; FN = positives with score < t, FP = negatives with score >= t.
    false_negatives = np.searchsorted(pos_scores, t, side="left")
    false_positives = len(neg_scores) - np.searchsorted(neg_scores, t, side="left")
    return (COST_FN * false_negatives + COST_FP * false_positives) / max(len(y), 1)
