"""The one-time evaluation on the held-out split: metrics at the threshold and the curves' points.

Curves are thinned to a few hundred points: enough for a smooth chart on the model page, small
enough that the model card stays a few hundred kilobytes.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_curve,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)

from credit_dashboard.model.calibration import brier_score, reliability_table
from credit_dashboard.model.cost import cost_curve, is_refused, normalised_cost

CURVE_POINTS = 300


def thin(n: int, points: int = CURVE_POINTS) -> np.ndarray:
    """Indices of at most ``points`` evenly spread positions of ``n``, always keeping both ends."""
    if n <= points:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, points).round().astype(int))


def threshold_grid(scores: np.ndarray, points: int = CURVE_POINTS) -> np.ndarray:
    """Thresholds for the cost curve: an even grid on [0, 1] plus score quantiles (dense where
    clients actually are, since most probabilities sit far below 0.5)."""
    even = np.linspace(0.0, 1.0, points // 2 + 1)
    quantiles = np.quantile(scores, np.linspace(0.0, 1.0, points // 2))
    return np.unique(np.round(np.r_[even, quantiles], 6))


def holdout_report(y_true: np.ndarray, probability: np.ndarray, threshold: float) -> dict:
    """Metrics at ``threshold`` on the held-out split (refuse when probability >= threshold)."""
    y = np.asarray(y_true).astype(int)
    refused = is_refused(probability, threshold).astype(int)
    tn, fp, fn, tp = (int(v) for v in confusion_matrix(y, refused, labels=[0, 1]).ravel())
    return {
        "n": int(len(y)),
        "roc_auc": float(roc_auc_score(y, probability)),
        "normalised_cost": normalised_cost(y, probability, threshold),
        "brier": brier_score(y, probability),
        "accuracy": float(accuracy_score(y, refused)),
        "precision": float(precision_score(y, refused, zero_division=0)),
        "recall": float(recall_score(y, refused, zero_division=0)),
        "f1": float(f1_score(y, refused, zero_division=0)),
        "confusion_matrix": {"tn": tn, "fp": fp, "fn": fn, "tp": tp},
    }


def curves(y_true: np.ndarray, probability: np.ndarray) -> dict:
    """ROC, precision-recall, calibration and cost-vs-threshold points for the model page."""
    y = np.asarray(y_true).astype(int)
    p = np.asarray(probability, dtype=np.float64)
    fpr, tpr, _ = roc_curve(y, p)
    keep = thin(len(fpr))
    precision, recall, _ = precision_recall_curve(y, p)
    keep_pr = thin(len(recall))
    grid = threshold_grid(p)
    return {
        "roc": {"fpr": fpr[keep].tolist(), "tpr": tpr[keep].tolist()},
        "pr": {"recall": recall[keep_pr].tolist(), "precision": precision[keep_pr].tolist()},
        "calibration": reliability_table(y, p, bins=10),
        "cost_vs_threshold": {
            "threshold": grid.tolist(),
            "normalised_cost": cost_curve(y, p, grid).tolist(),
        },
    }
