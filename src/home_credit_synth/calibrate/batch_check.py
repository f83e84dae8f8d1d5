"""Maintainer check of the production batches: how far each month drifts, how often it defaults.

    python -m home_credit_synth.calibrate.batch_check --data data

Prints, per batch, the population stability index (PSI) of a few drifting columns and of the true
default probability against the history (bins at the history's deciles; < 0.1 stable, 0.1-0.25
investigate, > 0.25 shifted), the share of revolving loans, the mean true default probability
and, where outcomes exist, the realised default rate. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from credit_dashboard.storage import schema
from home_credit_synth.batches import BATCH_TRUE_PD_FILE, BATCHES_DIR, MANIFEST_FILE, TRUE_PD_COLUMN

#: Columns the drift schedule moves (see :mod:`home_credit_synth.drift`).
DRIFTING_COLUMNS = (
    "EXT_SOURCE_2", "EXT_SOURCE_3", "AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_REQ_CREDIT_BUREAU_YEAR",
)  # fmt: skip
_EPSILON = 1e-4


def psi(reference: pd.Series | np.ndarray, values: pd.Series | np.ndarray, bins: int = 10) -> float:
    """Population stability index of ``values`` against ``reference``, missing values ignored.

    Bin edges are the reference's deciles (repeated edges merged, so a discrete column gets one
    bin per level); empty bins count as a share of ``1e-4`` so the index stays finite.
    """
    ref = pd.Series(reference, dtype=float).dropna().to_numpy()
    new = pd.Series(values, dtype=float).dropna().to_numpy()
    if len(ref) == 0 or len(new) == 0:
        raise ValueError("psi needs values on both sides")
    inner = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1]))
    ref_share = np.bincount(np.searchsorted(inner, ref, side="right"), minlength=len(inner) + 1)
    new_share = np.bincount(np.searchsorted(inner, new, side="right"), minlength=len(inner) + 1)
    ref_share = np.maximum(ref_share / len(ref), _EPSILON)
    new_share = np.maximum(new_share / len(new), _EPSILON)
    return float(np.sum((new_share - ref_share) * np.log(new_share / ref_share)))


def batch_table(
    history: pd.DataFrame,
    history_pd: np.ndarray,
    batches: list[tuple[str, pd.DataFrame]],
    batch_pd: pd.DataFrame,
    outcomes: dict[str, pd.DataFrame],
) -> pd.DataFrame:
    """One row per batch: PSI per drifting column and of the true probability, rates."""
    pd_by_id = batch_pd.set_index(schema.ID_COLUMN)[TRUE_PD_COLUMN]
    rows = []
    for month, frame in batches:
        true_pd = pd_by_id.loc[frame[schema.ID_COLUMN]].to_numpy()
        row: dict[str, object] = {"month": month, "rows": len(frame)}
        for column in DRIFTING_COLUMNS:
            row[f"psi {column}"] = round(psi(history[column], frame[column]), 4)
        row["psi true PD"] = round(psi(history_pd, true_pd), 4)
        revolving = frame["NAME_CONTRACT_TYPE"] == "Revolving loans"
        row["revolving"] = round(float(revolving.mean()), 4)
        row["mean true PD"] = round(float(true_pd.mean()), 4)
        known = outcomes.get(month)
        row["default rate"] = (
            round(float(known[schema.TARGET_COLUMN].mean()), 4) if known is not None else None
        )
        rows.append(row)
    return pd.DataFrame(rows)


def read_batches(data_dir: Path) -> tuple[list[tuple[str, pd.DataFrame]], pd.DataFrame, dict]:
    """The batches listed in the manifest, their true probabilities and outcomes by month."""
    folder = data_dir / BATCHES_DIR
    entries = json.loads((folder / MANIFEST_FILE).read_text())["batches"]
    batches, outcomes = [], {}
    for entry in entries:
        month = entry["as_of"][:7]
        batches.append((month, pd.read_parquet(folder / entry["file"])))
        if entry["outcomes"]:
            outcomes[month] = pd.read_parquet(folder / entry["outcomes"])
    return batches, pd.read_parquet(folder / BATCH_TRUE_PD_FILE), outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("data"), help="generated data folder")
    args = parser.parse_args(argv)
    from credit_dashboard.config import TRAIN_TABLE, TRUE_PD_TABLE

    history = pd.read_parquet(args.data / TRAIN_TABLE)
    true_pd = pd.read_parquet(args.data / TRUE_PD_TABLE)
    history_pd = true_pd.loc[true_pd["SPLIT"] == "train", "TRUE_DEFAULT_PROBABILITY"].to_numpy()
    batches, batch_pd, outcomes = read_batches(args.data)
    pd.set_option("display.width", 250, "display.max_columns", 30)
    print(batch_table(history, history_pd, batches, batch_pd, outcomes).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
