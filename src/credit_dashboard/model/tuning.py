"""Budgeted random search of LightGBM settings, each trial stopped early on a validation fold.

A random search spends a fixed number of fits (the budget) wherever the space is, which on a few
hundred thousand rows beats a grid that would need thousands. Early stopping picks the number of
trees per trial for free: trees are added until the validation AUC stops improving for
``patience`` rounds, and that count is kept for the final model.
"""

from __future__ import annotations

import inspect
import logging
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from lightgbm import early_stopping
from scipy.stats import loguniform, randint, uniform
from sklearn.model_selection import ParameterSampler, train_test_split

from credit_dashboard.model.candidates import LIGHTGBM_DEFAULTS, build_pipeline

logger = logging.getLogger(__name__)

SEARCH_SPACE = {
    "learning_rate": loguniform(0.02, 0.2),
    "num_leaves": randint(4, 64),
    "min_child_samples": randint(20, 400),
    "subsample": uniform(0.6, 0.4),
    "colsample_bytree": uniform(0.3, 0.7),
    "reg_lambda": loguniform(1e-3, 30.0),
    "reg_alpha": loguniform(1e-3, 10.0),
}


@dataclass
class TuningResult:
    """Best settings (``n_estimators`` = the early-stopped tree count) and every trial."""

    best_params: dict[str, object]
    best_roc_auc: float
    trials: list[dict[str, object]] = field(default_factory=list)


def fit_until_classifier(pipeline: object, X: pd.DataFrame, y: pd.Series) -> tuple[object, object]:
    """Fit every step before the classifier (samplers resample, transformers transform)."""
    for _, step in pipeline.steps[:-1]:
        if hasattr(step, "fit_resample"):
            X, y = step.fit_resample(X, y)
        else:
            X = step.fit_transform(X, y)
    return X, y


def transform_until_classifier(pipeline: object, X: pd.DataFrame) -> object:
    """Apply the fitted transformers before the classifier; samplers are skipped, as at predict."""
    for _, step in pipeline.steps[:-1]:
        if not hasattr(step, "fit_resample"):
            X = step.transform(X)
    return X


def tune_lightgbm(
    X: pd.DataFrame,
    y: pd.Series,
    *,
    imbalance: str,
    budget: int,
    seed: int,
    n_jobs: int,
    max_trees: int = 2000,
    patience: int = 50,
    started: float | None = None,
) -> TuningResult:
    """Try ``budget`` settings (trial 0 = the defaults), each early-stopped on a stratified 20%."""
    started = time.perf_counter() if started is None else started
    X_train, X_valid, y_train, y_valid = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=seed
    )
    defaults = {k: v for k, v in LIGHTGBM_DEFAULTS.items() if k in SEARCH_SPACE}
    sampled = list(ParameterSampler(SEARCH_SPACE, n_iter=max(budget - 1, 0), random_state=seed))
    settings = [defaults] + [{k: _plain(v) for k, v in s.items()} for s in sampled]
    trials: list[dict[str, object]] = []
    for number, params in enumerate(settings[: max(budget, 1)], start=1):
        tick = time.perf_counter()
        pipeline = build_pipeline(
            "lightgbm", imbalance, seed=seed, n_jobs=n_jobs,
            params={**params, "n_estimators": max_trees, "metric": "auc"},
        )
        X_fit, y_fit = fit_until_classifier(pipeline, X_train, y_train)
        X_eval = transform_until_classifier(pipeline, X_valid)
        classifier = pipeline.steps[-1][1]
        classifier.fit(
            X_fit, y_fit, **_eval_arguments(classifier, X_eval, y_valid),
            callbacks=[early_stopping(patience, verbose=False)],
        )
        best_iteration = int(classifier.best_iteration_ or max_trees)
        auc = float(classifier.best_score_["valid_0"]["auc"])
        trials.append({**params, "n_estimators": best_iteration, "roc_auc": auc,
                       "fit_seconds": time.perf_counter() - tick})
        logger.info(
            "tuning trial %d/%d: AUC %.4f with %d trees, %.1f s (elapsed %.0f s)",
            number, budget, auc, best_iteration, time.perf_counter() - tick,
            time.perf_counter() - started,
        )
    best = max(trials, key=lambda t: t["roc_auc"])
    best_params = {k: v for k, v in best.items() if k not in ("roc_auc", "fit_seconds")}
    return TuningResult(best_params, float(best["roc_auc"]), trials)


def _eval_arguments(classifier: object, X_eval: object, y_eval: object) -> dict[str, object]:
    """LightGBM 4.6+ takes ``eval_X``/``eval_y`` (``eval_set`` is deprecated); older versions only
    know ``eval_set``."""
    if "eval_X" in inspect.signature(classifier.fit).parameters:
        return {"eval_X": (X_eval,), "eval_y": (y_eval,)}
    return {"eval_set": [(X_eval, y_eval)]}


def _plain(value: object) -> object:
    """NumPy scalars -> Python numbers, so the settings serialise to JSON as they are."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value
