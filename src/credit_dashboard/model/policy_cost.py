"""What the feature policy costs, and whether the model's inputs still reveal gender or age.

Two measurements for the card's ``feature_policy`` section, both cheap enough for every run:

- *cost*: the shipped recipe fitted once more on the same development rows without the policy
  (every feature, as the default model was before), scored on the same held-out rows as the
  shipped model. AUC and business cost per client (``10·FN + FP``, each model at its own
  cost-optimal threshold on these rows), with paired-bootstrap intervals of the differences. No
  second search: the shipped candidate's tuned settings and tree count are reused.
- *proxy check*: a small LightGBM predicting the applicant's gender (F vs M) and age band (the
  fairness section's bands) from exactly the model's inputs (the fitted feature engineer's
  output), 3-fold cross-validated AUC on up to 20,000 rows. 0.5 means the inputs say nothing about
  it; a value well above shows how much of the attribute the remaining features carry, which
  leaving the attribute out does not remove.
"""

from __future__ import annotations

import logging
import os
import time

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from credit_dashboard.model.cost import optimal_threshold
from credit_dashboard.model.fairness import age_band
from credit_dashboard.model.recipes import CHOSEN, Evaluation, without_policy_holdout
from credit_dashboard.model.ship_rules import RESAMPLES, paired_bootstrap

logger = logging.getLogger(__name__)

#: The proxy model: small and fast (one fit per fold and attribute).
PROXY_PARAMS: dict[str, object] = {"n_estimators": 100, "num_leaves": 31, "learning_rate": 0.1,
                                   "min_child_samples": 20}
PROXY_ROWS = 20_000
PROXY_FOLDS = 3
#: An age band with fewer rows than this in the sample is left out of the macro AUC.
_MIN_CLASS_ROWS = 10 * PROXY_FOLDS

COST_NOTE = (
    "The shipped recipe (same model, settings, tree count, imbalance option and tables) fitted "
    "once more on the same development rows with every feature, as before the feature policy, "
    "and scored on the same held-out rows. Costs: 10 per missed defaulter plus 1 per refused good "
    "payer, per client, each model at its own cost-optimal threshold on these rows (the same "
    "optimism for both). Intervals: 95%, paired bootstrap of the held-out rows; differences are "
    "with the policy minus without it."
)
PROXY_NOTE = (
    "A small LightGBM (100 trees, 31 leaves) predicting gender (F vs M) and the age band from "
    "exactly the model's inputs, 3-fold cross-validated AUC (age band: macro one-vs-rest). 0.5: "
    "the inputs say nothing about the attribute; 1: they reveal it."
)


def proxy_threads() -> int:
    """One thread per two cores: the check runs beside other work on a small machine."""
    return max(1, (os.cpu_count() or 2) // 2)


def policy_cost(config: object, evaluation: Evaluation, X_dev: pd.DataFrame, y_dev: pd.Series,
                X_hold: pd.DataFrame, y_hold: pd.Series) -> dict:
    """The card's ``feature_policy.cost``: the shipped model against the same recipe without the
    policy, on the same held-out rows."""
    tick = time.perf_counter()
    p_without = without_policy_holdout(config, evaluation, X_dev, y_dev, X_hold)
    fit_seconds = time.perf_counter() - tick
    p_with = evaluation.shipped_holdout_probability
    y = y_hold.to_numpy().astype(int)
    with_choice, without_choice = optimal_threshold(y, p_with), optimal_threshold(y, p_without)
    comparison = paired_bootstrap(y, p_with, with_choice.threshold, p_without,
                                  without_choice.threshold, seed=config.seed)
    auc_with, auc_without = float(roc_auc_score(y, p_with)), float(roc_auc_score(y, p_without))
    logger.info("feature policy: held-out AUC %.4f with it, %.4f without; cost per client %.4f "
                "with, %.4f without (%.0f s)", auc_with, auc_without,
                with_choice.normalised_cost, without_choice.normalised_cost, fit_seconds)
    return {
        "auc_with_policy": auc_with,
        "auc_without_policy": auc_without,
        "cost_with_policy": float(with_choice.normalised_cost),
        "cost_without_policy": float(without_choice.normalised_cost),
        "threshold_with_policy": float(with_choice.threshold),
        "threshold_without_policy": float(without_choice.threshold),
        "auc_difference": comparison.auc_difference.to_dict(),
        "cost_difference": comparison.cost_difference.to_dict(),
        "resamples": RESAMPLES,
        "rows": int(len(y)),
        "model": evaluation.ship,
        "variant": evaluation.variant if evaluation.ship == CHOSEN else None,
        "fit_seconds": round(fit_seconds, 1),
        "note": COST_NOTE,
    }


def _cv_auc(features: pd.DataFrame, target: np.ndarray, *, seed: int, threads: int) -> float:
    """Mean AUC over stratified folds (binary, or macro one-vs-rest for several classes)."""
    classes = np.unique(target)
    aucs = []
    for train, valid in StratifiedKFold(PROXY_FOLDS, shuffle=True, random_state=seed).split(
            features, target):
        model = LGBMClassifier(**PROXY_PARAMS, n_jobs=threads, random_state=seed, verbose=-1)
        model.fit(features.iloc[train], target[train])
        proba = model.predict_proba(features.iloc[valid])
        if len(classes) == 2:
            aucs.append(roc_auc_score(target[valid], proba[:, 1]))
        else:
            aucs.append(roc_auc_score(target[valid], proba, multi_class="ovr", average="macro",
                                      labels=model.classes_))
    return float(np.mean(aucs))


def proxy_check(engineer: object, X: pd.DataFrame, *, seed: int) -> dict:
    """The card's ``feature_policy.proxy_check`` for the fitted feature engineer ``engineer``
    (the shipped model's first step) on a sample of the labelled rows ``X`` (raw columns)."""
    tick = time.perf_counter()
    sample = X.sample(n=min(PROXY_ROWS, len(X)), random_state=seed)
    features = engineer.transform(sample)
    threads = proxy_threads()
    out: dict[str, object] = {"gender_auc": None, "age_band_auc": None, "rows": int(len(sample)),
                              "folds": PROXY_FOLDS, "inputs": int(features.shape[1]),
                              "params": dict(PROXY_PARAMS), "note": PROXY_NOTE}
    gender = sample["CODE_GENDER"].astype(object).to_numpy()
    keep = np.isin(gender, ["F", "M"])
    if keep.sum() and len(np.unique(gender[keep])) == 2 and min(
            np.sum(gender[keep] == "F"), np.sum(gender[keep] == "M")) >= _MIN_CLASS_ROWS:
        out["gender_auc"] = _cv_auc(features[keep], (gender[keep] == "F").astype(int),
                                    seed=seed, threads=threads)
        out["gender_rows"] = int(keep.sum())
    bands = age_band(sample["DAYS_BIRTH"]).to_numpy()
    names, counts = np.unique(bands[bands != "unknown"], return_counts=True)
    kept_bands = names[counts >= _MIN_CLASS_ROWS]
    keep = np.isin(bands, kept_bands)
    if len(kept_bands) >= 2:
        out["age_band_auc"] = _cv_auc(features[keep], bands[keep], seed=seed, threads=threads)
        out["age_band_rows"] = int(keep.sum())
        out["age_bands"] = [str(b) for b in kept_bands]
    out["seconds"] = round(time.perf_counter() - tick, 1)
    logger.info("proxy check on %d rows: gender AUC %s, age band AUC %s (%.0f s)", len(sample),
                _fmt(out["gender_auc"]), _fmt(out["age_band_auc"]), out["seconds"])
    return out


def _fmt(value: object) -> str:
    return "-" if value is None else f"{value:.3f}"
