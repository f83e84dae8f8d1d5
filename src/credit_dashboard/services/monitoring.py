"""Monitoring of one applicant batch against the training history: PSI and Evidently's drift.

The population stability index (PSI) is the credit-risk standard for "has the population moved":
``sum((a - e) * ln(a / e))`` over bins, where ``e`` and ``a`` are the reference and current shares.
Numeric bins are cut at the reference deciles (so each holds a tenth of the history), a missing
value is a bin of its own, and a category is a bin. Below 0.1 the population is stable, from 0.1 to
0.25 it deserves a look, above 0.25 it has shifted.

The reference is a fixed sample of the history the model was trained on, with its predicted scores
and the values of the model's top features: computed once per model version and cached beside the
batches (:mod:`credit_dashboard.storage.batches`), so every batch is compared with the same thing.
Everything here runs at ingest; pages only read what it stored.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from credit_dashboard.model.drift import compute_drift
from credit_dashboard.model.features import FEATURE_SOURCES
from credit_dashboard.model.record_features import attach, features_for, is_record_feature
from credit_dashboard.storage.batches import fsync_path
from credit_dashboard.storage.credit_records.schema import RECORDS_DIR
from credit_dashboard.storage.credit_records.store import CreditRecordStore
from credit_dashboard.storage.schema import ID_COLUMN, TARGET_COLUMN

logger = logging.getLogger(__name__)

STABLE_BELOW = 0.1
SHIFT_ABOVE = 0.25
STABLE, INVESTIGATE, SHIFT = "stable", "investigate", "shift"
#: Model features monitored by PSI (the largest mean |SHAP| of the model card).
TOP_FEATURES = 20
#: History rows in the reference sample: deciles and shares are stable to about 0.2 % there.
REFERENCE_ROWS = 50_000
#: Rows per side given to Evidently. Its cost is mostly per column, but 2,000 rows instead of
#: training's 5,000 still save about a third of its time (the bulk of an ingest) on 2 cores.
DRIFT_ROWS = 2_000
#: A share of 0 would make the log infinite; empty bins count as this share (the usual practice).
EMPTY_SHARE = 1e-4
SCORE = "score"
_MISSING = "__missing__"


def psi_status(value: float) -> str:
    """stable (< 0.1), investigate (0.1-0.25) or shift (> 0.25)."""
    if value > SHIFT_ABOVE:
        return SHIFT
    return STABLE if value < STABLE_BELOW else INVESTIGATE


def psi_from_shares(expected: np.ndarray, actual: np.ndarray) -> float:
    """PSI of two share vectors over the same bins (each summing to 1)."""
    e = np.where(np.asarray(expected, float) > 0, expected, EMPTY_SHARE)
    a = np.where(np.asarray(actual, float) > 0, actual, EMPTY_SHARE)
    return float(np.sum((a - e) * np.log(a / e)))


def decile_edges(reference: np.ndarray) -> np.ndarray:
    """The reference's deciles as bin edges (duplicates merged: a heavily tied value is one bin)."""
    values = np.asarray(reference, dtype=float)
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return np.array([])
    return np.unique(np.quantile(values, np.linspace(0.1, 0.9, 9)))


def numeric_shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Shares per bin ``(-inf, e1], (e1, e2], ..., (e_k, inf)`` plus a last bin for missing."""
    values = np.asarray(values, dtype=float)
    missing = np.isnan(values)
    bins = np.searchsorted(edges, values[~missing], side="left")
    counts = np.bincount(bins, minlength=len(edges) + 1).astype(float)
    counts = np.append(counts, missing.sum())
    return counts / max(len(values), 1)


def numeric_psi(reference: np.ndarray, current: np.ndarray) -> float:
    edges = decile_edges(reference)
    return psi_from_shares(numeric_shares(reference, edges), numeric_shares(current, edges))


def categorical_psi(reference: pd.Series, current: pd.Series) -> float:
    """One bin per level seen on either side, missing values included as a level."""
    ref = reference.astype(object).where(reference.notna(), _MISSING)
    cur = current.astype(object).where(current.notna(), _MISSING)
    levels = sorted(set(ref.unique()) | set(cur.unique()), key=str)
    expected = ref.value_counts(normalize=True).reindex(levels, fill_value=0.0).to_numpy()
    actual = cur.value_counts(normalize=True).reindex(levels, fill_value=0.0).to_numpy()
    return psi_from_shares(expected, actual)


def is_categorical(values: pd.Series) -> bool:
    categorical = isinstance(values.dtype, pd.CategoricalDtype)
    return categorical or not pd.api.types.is_numeric_dtype(values)


def feature_psi(reference: pd.Series, current: pd.Series) -> float:
    if is_categorical(reference) or is_categorical(current):
        return categorical_psi(reference, current)
    return numeric_psi(reference.to_numpy(dtype=float), current.to_numpy(dtype=float))


def top_features(card: dict[str, Any], available: list[str], n: int = TOP_FEATURES) -> list[str]:
    """The ``n`` most important model features (mean |SHAP| of the card) the model explains."""
    ranked = sorted(card.get("global_importance", []), key=lambda r: -float(r["mean_abs_shap"]))
    names = [r["feature"] for r in ranked if r["feature"] in available]
    return names[:n]


@dataclass
class Reference:
    """The history sample the batches are compared with, for one model version."""

    #: Raw Kaggle columns of the sampled past clients (for Evidently).
    raw: pd.DataFrame
    #: Their predicted default probability.
    scores: np.ndarray
    #: Their values of the monitored model features.
    features: pd.DataFrame


_RAW_FILE = "history_sample.parquet"
_VALUES_FILE = "reference_values.parquet"


def load_or_build_reference(
    directory: Path, model: Any, card: dict[str, Any], history_path: Path, seed: int = 0
) -> Reference:
    """The cached reference of this model version, built (and cached atomically) when absent."""
    if (directory / _VALUES_FILE).is_file() and (directory / _RAW_FILE).is_file():
        values = pd.read_parquet(directory / _VALUES_FILE)
        return Reference(pd.read_parquet(directory / _RAW_FILE), values.pop(SCORE).to_numpy(),
                         values)
    reference = build_reference(model, card, history_path, seed)
    staging = directory.with_name(f".staging-ref-{os.getpid()}-{directory.name}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    reference.raw.to_parquet(staging / _RAW_FILE, index=False)
    reference.features.assign(**{SCORE: reference.scores}).to_parquet(
        staging / _VALUES_FILE, index=False
    )
    for file in staging.iterdir():
        fsync_path(file)
    shutil.rmtree(directory, ignore_errors=True)
    os.replace(staging, directory)
    logger.info("reference of %d past clients cached in %s", len(reference.raw), directory)
    return reference


def build_reference(
    model: Any, card: dict[str, Any], history_path: Path, seed: int = 0
) -> Reference:
    """Sample the history, score it and take its top features' values (once per model)."""
    columns = [c for c in pq.read_schema(history_path).names if c != TARGET_COLUMN]
    history = pd.read_parquet(history_path, columns=columns)
    if len(history) > REFERENCE_ROWS:
        history = history.sample(n=REFERENCE_ROWS, random_state=seed).reset_index(drop=True)
    if any(is_record_feature(c) for c in model.input_columns):
        # The past clients' own record features, from the store beside the history table.
        records = CreditRecordStore(history_path.parent / RECORDS_DIR)
        history = attach(history, features_for(records, history[ID_COLUMN].to_numpy()))
    values = model.feature_values(history)
    names = top_features(card, list(values.columns))
    scores = model.default_probability(history)
    return Reference(history, np.asarray(scores, dtype=float), values[names].reset_index(drop=True))


def score_and_feature_psi(
    reference: Reference, scores: np.ndarray, feature_values: pd.DataFrame
) -> dict[str, Any]:
    """PSI of the predicted score and of each monitored feature against the reference."""
    score_psi = numeric_psi(reference.scores, np.asarray(scores, dtype=float))
    features = []
    for name in reference.features.columns:
        value = feature_psi(reference.features[name], feature_values[name])
        features.append({"feature": name, "psi": value, "status": psi_status(value)})
    return {
        "reference_rows": int(len(reference.scores)),
        "score_psi": score_psi,
        "score_status": psi_status(score_psi),
        "features": features,
    }


def drift_columns(reference: Reference, columns: list[str], limit: int) -> list[str]:
    """The raw columns Evidently compares: all of them (``limit`` 0), or under a cap those behind
    the monitored top features first (their PSI is on the same page), then the others in the
    table's order (``Settings.batch_drift_columns``)."""
    if limit <= 0 or limit >= len(columns):
        return columns
    wanted: list[str] = []
    for feature in reference.features.columns:
        for source in FEATURE_SOURCES.get(feature, (feature,)):
            if source in columns and source not in wanted:
                wanted.append(source)
    wanted += [c for c in columns if c not in wanted]
    chosen = set(wanted[:limit])
    return [c for c in columns if c in chosen]


def batch_drift(
    reference: Reference,
    raw: pd.DataFrame,
    report_path: Path | None = None,
    seed: int = 0,
    max_columns: int = 0,
) -> dict[str, Any]:
    """Evidently's per-column drift of the batch's raw columns (report saved if asked).

    It needs neither the scores nor the features, so the ingest runs it beside the scoring (in a
    thread: the booster releases the GIL while it computes). At most :data:`DRIFT_ROWS` rows per
    side, drawn with ``seed``, and the columns of :func:`drift_columns` (``max_columns`` 0: all).
    """
    current = raw.drop(columns=[ID_COLUMN], errors="ignore")
    history = reference.raw.drop(columns=[ID_COLUMN], errors="ignore")
    columns = drift_columns(reference, [c for c in current.columns if c in history.columns],
                            max_columns)
    drift = compute_drift(history[columns], current[columns], sample_rows=DRIFT_ROWS, seed=seed)
    if report_path is not None:
        drift.save_html(report_path)
    summary = drift.summary
    summary["columns_left_out"] = int(len(current.columns) - len(columns))
    return summary

