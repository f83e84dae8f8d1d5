"""Optuna search of LightGBM settings: cross-validated trials, early stopping, pruning, a budget.

Each trial fits one LightGBM per validation fold, adding trees until that fold's AUC stops
improving for ``patience`` rounds (so the tree count is found, not searched). After every fold the
trial reports its running mean AUC and Optuna's median pruner stops trials that are already worse
than the median of earlier trials at the same fold: a bad region costs one fold, not all of them.
The search ends at ``budget`` trials or ``seconds``, whichever comes first; a trial still running
at that point is cut short after its current fold (pruned, so it cannot win on a partial mean),
which keeps the run's shared time budget (``time_budget``). Trial 0 is always the rule-based
settings (``params.regularised_params``) and is never cut, so the search can only keep or improve
on them.
The learning rate is not searched: it follows the rule of the rows (a lower one always wins a
search by a hair and costs minutes of trees at 300 k rows).

Trials are cross-validated rather than judged on one split because on 15 k rows one split's AUC
moves by about 0.01 between seeds: a single-split search mostly picks noise.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import optuna
import pandas as pd
from lightgbm import early_stopping
from sklearn.model_selection import StratifiedKFold

from credit_dashboard.model.candidates import build_pipeline
from credit_dashboard.model.feature_groups import DEFAULT_GROUPS
from credit_dashboard.model.params import MAX_TREES, PATIENCE, regularised_params

logger = logging.getLogger(__name__)

#: The searched settings; the rule-based values sit inside every range.
SEARCHED = ("num_leaves", "min_child_samples", "subsample", "colsample_bytree",
            "reg_lambda", "reg_alpha")


@dataclass
class TuningResult:
    """Best settings (``n_estimators`` = mean early-stopped tree count) and every trial."""

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


def fit_early_stopped(
    pipeline: object, X_fit: pd.DataFrame, y_fit: pd.Series, X_stop: pd.DataFrame,
    y_stop: pd.Series, *, patience: int = PATIENCE,
) -> tuple[int, float]:
    """Fit ``pipeline`` on the ``fit`` rows, adding trees while the AUC on the ``stop`` rows
    improves; returns (trees kept, AUC on the stop rows). The pipeline predicts with those trees."""
    X_ready, y_ready = fit_until_classifier(pipeline, X_fit, y_fit)
    X_eval = transform_until_classifier(pipeline, X_stop)
    classifier = pipeline.steps[-1][1]
    classifier.set_params(metric="auc")
    classifier.fit(X_ready, y_ready, **_eval_arguments(classifier, X_eval, y_stop),
                   callbacks=[early_stopping(patience, verbose=False)])
    trees = int(classifier.best_iteration_ or classifier.n_estimators)
    return trees, float(classifier.best_score_["valid_0"]["auc"])


def _suggest(trial: optuna.Trial) -> dict[str, object]:
    return {
        "num_leaves": trial.suggest_int("num_leaves", 4, 64, log=True),
        "min_child_samples": trial.suggest_int("min_child_samples", 20, 1500, log=True),
        "subsample": trial.suggest_float("subsample", 0.5, 1.0),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.2, 0.9),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 100.0, log=True),
        "reg_alpha": trial.suggest_float("reg_alpha", 1e-3, 10.0, log=True),
    }


def tune_lightgbm(
    X: pd.DataFrame,
    y: pd.Series,
    *,
    imbalance: str,
    budget: int,
    seed: int,
    n_jobs: int,
    seconds: float | None = None,
    folds: int = 3,
    max_trees: int = MAX_TREES,
    patience: int = PATIENCE,
    groups: tuple[str, ...] = DEFAULT_GROUPS,
    exclude: tuple[str, ...] = (),
    started: float | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> TuningResult:
    """At most ``budget`` trials (and ``seconds``), each cross-validated on ``folds`` folds.

    ``clock`` measures the deadline (a stand-in in tests); Optuna's own timeout uses real time.
    """
    started = time.perf_counter() if started is None else started
    deadline = None if seconds is None else clock() + seconds
    y_values = np.asarray(y)
    fold_rows = len(X) * (folds - 1) / folds
    base = regularised_params(int(fold_rows), float(y_values.mean()))
    fixed = {k: v for k, v in base.items() if k not in SEARCHED}
    splits = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y_values))
    records: list[dict[str, object]] = []

    def objective(trial: optuna.Trial) -> float:
        tick = time.perf_counter()
        params = {**fixed, **_suggest(trial)}
        aucs, trees = [], []
        for step, (train_idx, valid_idx) in enumerate(splits):
            pipeline = build_pipeline("lightgbm", imbalance, seed=seed, n_jobs=n_jobs,
                                      params={**params, "n_estimators": max_trees},
                                      groups=groups, exclude=exclude)
            kept, auc = fit_early_stopped(pipeline, X.iloc[train_idx], y.iloc[train_idx],
                                          X.iloc[valid_idx], y.iloc[valid_idx], patience=patience)
            aucs.append(auc)
            trees.append(kept)
            trial.report(float(np.mean(aucs)), step)
            last = step == len(splits) - 1
            out_of_time = deadline is not None and trial.number > 0 and clock() > deadline
            if not last and (out_of_time or trial.should_prune()):
                why = "the search's time ran out" if out_of_time else "median pruner"
                records.append({**params, "n_estimators": int(np.mean(trees)), "roc_auc": None,
                                "pruned_after_folds": step + 1, "pruned_by": why,
                                "fit_seconds": time.perf_counter() - tick})
                logger.info("tuning trial %d pruned after %d fold(s), %s (elapsed %.0f s)",
                            trial.number + 1, step + 1, why, time.perf_counter() - started)
                if out_of_time:
                    trial.study.stop()
                raise optuna.TrialPruned()
        auc = float(np.mean(aucs))
        trial.set_user_attr("n_estimators", int(round(np.mean(trees))))
        records.append({**params, "n_estimators": int(round(np.mean(trees))), "roc_auc": auc,
                        "fit_seconds": time.perf_counter() - tick})
        logger.info("tuning trial %d/%d: CV AUC %.4f with %d trees, %.1f s (elapsed %.0f s)",
                    trial.number + 1, budget, auc, int(np.mean(trees)),
                    time.perf_counter() - tick, time.perf_counter() - started)
        return auc

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=5),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=0),
    )
    # The rule's reg_alpha of 0 sits on the log scale's floor.
    study.enqueue_trial({k: max(float(base[k]), 1e-3) if k == "reg_alpha" else base[k]
                         for k in SEARCHED})
    study.optimize(objective, n_trials=max(budget, 1), timeout=seconds, catch=())
    best = study.best_trial
    best_params = {**fixed, **best.params, "n_estimators": best.user_attrs["n_estimators"]}
    return TuningResult(_plain_dict(best_params), float(best.value), records)


def _eval_arguments(classifier: object, X_eval: object, y_eval: object) -> dict[str, object]:
    """LightGBM 4.6+ takes ``eval_X``/``eval_y`` (``eval_set`` is deprecated); older versions only
    know ``eval_set``."""
    if "eval_X" in inspect.signature(classifier.fit).parameters:
        return {"eval_X": (X_eval,), "eval_y": (y_eval,)}
    return {"eval_set": [(X_eval, y_eval)]}


def _plain_dict(values: dict[str, object]) -> dict[str, object]:
    """NumPy scalars -> Python numbers, so the settings serialise to JSON as they are."""
    out: dict[str, object] = {}
    for key, value in values.items():
        if isinstance(value, np.integer):
            value = int(value)
        elif isinstance(value, np.floating):
            value = float(value)
        out[key] = value
    return out
