"""Platt scaling of the model's log-odds, and the checks that the result is calibrated.

Why Platt on the log-odds rather than isotonic regression: the calibrated log-odds are an affine
function of the raw LightGBM log-odds (``a·raw + b``), so the exact TreeSHAP contributions of the
raw model, multiplied by ``a`` and with base value ``a·base + b``, still add up to the calibrated
log-odds. The advisor's waterfall therefore explains exactly the probability on screen. Isotonic
calibration would break that additivity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit


@dataclass(frozen=True)
class PlattScaling:
    """``calibrated_logit = slope · raw_logit + intercept``."""

    slope: float = 1.0
    intercept: float = 0.0

    @classmethod
    def fit(cls, raw_logit: np.ndarray, y_true: np.ndarray) -> PlattScaling:
        """Maximum-likelihood slope and intercept (unpenalised logistic regression on one input)."""
        x = np.asarray(raw_logit, dtype=np.float64)
        y = np.asarray(y_true, dtype=np.float64)

        def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
            z = params[0] * x + params[1]
            # log(1 + e^z) - y·z, written stably; the gradient is (sigmoid(z) - y)·[x, 1].
            nll = np.logaddexp(0.0, z) - y * z
            residual = expit(z) - y
            return float(nll.mean()), np.array([np.mean(residual * x), np.mean(residual)])

        result = minimize(loss, x0=np.array([1.0, 0.0]), jac=True, method="BFGS")
        slope, intercept = (float(v) for v in result.x)
        return cls(slope, intercept)

    def logit(self, raw_logit: np.ndarray) -> np.ndarray:
        return self.slope * np.asarray(raw_logit, dtype=np.float64) + self.intercept

    def probability(self, raw_logit: np.ndarray) -> np.ndarray:
        return expit(self.logit(raw_logit))


def brier_score(y_true: np.ndarray, probability: np.ndarray) -> float:
    """Mean squared error of the probability against the 0/1 outcome (lower is better)."""
    y = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(probability, dtype=np.float64)
    return float(np.mean((p - y) ** 2))


def reliability_table(
    y_true: np.ndarray, probability: np.ndarray, bins: int = 10
) -> dict[str, list]:
    """Predicted vs observed default rate in ``bins`` equal-count bins of the probability.

    Equal-count (quantile) bins because defaults are rare: fixed-width bins would put almost every
    client in the first two bins and leave the others nearly empty.
    """
    y = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(probability, dtype=np.float64)
    order = np.argsort(p, kind="mergesort")
    groups = [g for g in np.array_split(order, min(bins, len(p))) if len(g)]
    return {
        "mean_predicted": [float(p[g].mean()) for g in groups],
        "observed_rate": [float(y[g].mean()) for g in groups],
        "count": [int(len(g)) for g in groups],
    }
