"""Data drift between the training history (reference) and today's applicants (current).

Both tables are sampled (Evidently's HTML grows with the rows it embeds) and compared column by
column with Evidently's ``DataDriftPreset``; its per-column verdicts are also summarised in a small
JSON file the dashboard reads without opening the multi-megabyte HTML.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from credit_dashboard.storage.schema import CATEGORY_LEVELS, ID_COLUMN, TARGET_COLUMN

logger = logging.getLogger(__name__)


@dataclass
class DriftReport:
    """The computed Evidently snapshot (for the HTML) and its JSON-ready summary."""

    snapshot: object
    summary: dict

    def save_html(self, path: Path) -> None:
        self.snapshot.save_html(str(path))  # Evidently 0.7 only writes when given a str


def _sample(frame: pd.DataFrame, rows: int, seed: int) -> pd.DataFrame:
    return frame if len(frame) <= rows else frame.sample(n=rows, random_state=seed)


def _column_kinds(reference: pd.DataFrame, columns: list[str]) -> tuple[list[str], list[str]]:
    """(numerical, categorical): text columns and 0/1 flags are compared as categories."""
    numerical, categorical = [], []
    for column in columns:
        values = reference[column].dropna()
        is_flag = pd.api.types.is_numeric_dtype(values) and values.isin([0, 1]).all()
        if column in CATEGORY_LEVELS or not pd.api.types.is_numeric_dtype(values) or is_flag:
            categorical.append(column)
        else:
            numerical.append(column)
    return numerical, categorical


def _drift_strength(score: float, threshold: float, method: str) -> float:
    """How far past its threshold a column is, comparable across p-value and distance methods."""
    if "p_value" in method:
        return threshold / max(score, 1e-300)
    return score / max(threshold, 1e-12)


def compute_drift(
    reference: pd.DataFrame, current: pd.DataFrame, *, sample_rows: int, seed: int
) -> DriftReport:
    """Evidently's ``DataDriftPreset`` on up to ``sample_rows`` rows per table (features only)."""
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    ref = _sample(reference, sample_rows, seed)
    cur = _sample(current, sample_rows, seed + 1)
    shared = [c for c in ref.columns if c in cur.columns and c not in (ID_COLUMN, TARGET_COLUMN)]
    # A column empty on either side has no distribution to compare (Evidently would fail on it).
    columns = [c for c in shared if ref[c].notna().any() and cur[c].notna().any()]
    skipped = sorted(set(shared) - set(columns))
    if skipped:
        logger.info("drift: skipping %d column(s) empty in a sample: %s", len(skipped), skipped)
    numerical, categorical = _column_kinds(ref, columns)
    definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
    ref, cur = ref[columns].copy(), cur[columns].copy()
    for column in categorical:  # one dtype per side, so Evidently sees the same levels
        ref[column] = ref[column].astype("object")
        cur[column] = cur[column].astype("object")
    with warnings.catch_warnings():
        # Evidently 0.7 triggers pandas/scipy deprecation and divide warnings on every column;
        # they say nothing about the data, and would drown the training log.
        warnings.simplefilter("ignore")
        snapshot = Report([DataDriftPreset()], include_tests=True).run(
            Dataset.from_pandas(cur, data_definition=definition),
            Dataset.from_pandas(ref, data_definition=definition),
        )
    return DriftReport(snapshot, summarise(snapshot.dict(), len(ref), len(cur)))


def summarise(result: dict, rows_reference: int, rows_current: int) -> dict:
    """Per-column scores from the snapshot's ``ValueDrift`` metrics, verdicts from its tests."""
    columns: dict[str, dict] = {}
    ids: dict[str, str] = {}
    for metric in result["metrics"]:
        config = metric.get("config", {})
        if config.get("type", "").endswith(":ValueDrift"):
            name = config["column"]
            columns[name] = {
                "score": float(metric["value"]),
                "method": str(config.get("method")),
                "threshold": float(config.get("threshold")),
                "drifted": False,
            }
            ids[metric["id"]] = name
    for test in result.get("tests", []):
        name = ids.get(test.get("metric_config", {}).get("metric_id"))
        if name is not None:
            columns[name]["drifted"] = test.get("status") == "FAIL"
    drifted = sorted(
        (c for c, r in columns.items() if r["drifted"]),
        key=lambda c: -_drift_strength(columns[c]["score"], columns[c]["threshold"],
                                       columns[c]["method"]),
    )
    return {
        "share_drifted": len(drifted) / len(columns) if columns else 0.0,
        "n_drifted": len(drifted),
        "n_columns": len(columns),
        "drifted_columns": drifted,
        "columns": columns,
        "rows_reference": int(rows_reference),
        "rows_current": int(rows_current),
    }
