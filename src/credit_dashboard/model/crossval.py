"""Stratified K-fold cross-validation producing out-of-fold (OOF) default probabilities.

Each fold fits a fresh clone of the whole pipeline (features, resampling, encoder, model) on the
training folds only, then scores the held-out fold: every row gets exactly one prediction from a
model that never saw it, which is what the threshold and the calibration are chosen on.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import accuracy_score, f1_score, recall_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from credit_dashboard.model.cost import is_refused, optimal_threshold

logger = logging.getLogger(__name__)


@dataclass
class CrossValResult:
    """OOF probabilities (aligned with the rows passed in) and per-fold figures."""

    oof_probability: np.ndarray
    fold_roc_auc: list[float]
    fit_seconds: float


def cross_validate(
    pipeline: object,
    X: pd.DataFrame,
    y: pd.Series,
    *,
    folds: int,
    seed: int,
    label: str = "",
    started: float | None = None,
) -> CrossValResult:
    """Fit ``pipeline`` on K-1 folds and predict the K-th, for each of K stratified folds."""
    started = time.perf_counter() if started is None else started
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    oof = np.full(len(X), np.nan)
    fold_auc: list[float] = []
    fit_seconds = 0.0
    y_values = np.asarray(y)
    for fold, (train_idx, valid_idx) in enumerate(splitter.split(X, y_values), start=1):
        model = clone(pipeline)
        tick = time.perf_counter()
        model.fit(X.iloc[train_idx], y.iloc[train_idx])
        fit_seconds += time.perf_counter() - tick
        oof[valid_idx] = model.predict_proba(X.iloc[valid_idx])[:, 1]
        fold_auc.append(float(roc_auc_score(y_values[valid_idx], oof[valid_idx])))
        logger.info(
            "%s fold %d/%d: AUC %.4f, fit %.1f s (elapsed %.0f s)",
            label, fold, folds, fold_auc[-1], time.perf_counter() - tick,
            time.perf_counter() - started,
        )
    return CrossValResult(oof, fold_auc, fit_seconds)


def summarise(y_true: np.ndarray, result: CrossValResult) -> dict[str, float]:
    """The CV table row: AUC (mean, std over folds) and the metrics at the candidate's own
    cost-optimal OOF threshold (so each candidate is judged at its best operating point)."""
    y = np.asarray(y_true)
    choice = optimal_threshold(y, result.oof_probability)
    refused = is_refused(result.oof_probability, choice.threshold)
    return {
        "roc_auc": float(np.mean(result.fold_roc_auc)),
        "roc_auc_std": float(np.std(result.fold_roc_auc)),
        "accuracy": float(accuracy_score(y, refused)),
        "recall": float(recall_score(y, refused, zero_division=0)),
        "f1": float(f1_score(y, refused, zero_division=0)),
        "threshold": choice.threshold,
        "business_cost": choice.business_cost,
        "normalised_cost": choice.normalised_cost,
        "fit_seconds": float(result.fit_seconds),
    }
