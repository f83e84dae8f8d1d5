"""Back-testing a batch once outcomes are known: did the scores hold?

For the clients of a batch whose outcome came back: AUC (ranking), calibration by decile (predicted
against observed default rate), Brier score, and the realised business cost ``10·FN + FP`` per
client, split into granted clients (a default among them is a missed defaulter, cost 10) and refused
clients (a repayment among them is a good client turned away, cost 1). In a real lender only granted
loans have an outcome; the figures say how many of each group they rest on.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from credit_dashboard.model.calibration import brier_score, reliability_table
from credit_dashboard.model.cost import COST_FN, COST_FP, is_refused


def backtest(y_true: np.ndarray, probability: np.ndarray, threshold: float) -> dict[str, Any]:
    """The back-test figures of one batch (JSON-ready); AUC is None with a single class."""
    y = np.asarray(y_true).astype(int)
    p = np.asarray(probability, dtype=float)
    if len(y) == 0:
        raise ValueError("a back-test needs at least one outcome")
    refused = is_refused(p, threshold)
    granted = ~refused
    missed = int(np.sum((y == 1) & granted))
    turned_away = int(np.sum((y == 0) & refused))
    auc = float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else None
    return {
        "n": int(len(y)),
        "defaults": int(y.sum()),
        "default_rate": float(y.mean()),
        "mean_predicted": float(p.mean()),
        "roc_auc": auc,
        "brier": brier_score(y, p),
        "calibration": reliability_table(y, p, bins=10),
        "business_cost": int(COST_FN * missed + COST_FP * turned_away),
        "normalised_cost": float((COST_FN * missed + COST_FP * turned_away) / len(y)),
        "granted_with_outcome": int(granted.sum()),
        "refused_with_outcome": int(refused.sum()),
        "defaults_among_granted": missed,
        "repaid_among_refused": turned_away,
    }
