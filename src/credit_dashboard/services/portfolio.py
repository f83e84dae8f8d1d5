"""The portfolio of one batch: how its probabilities spread and who is refused, by segment.

Computed once at ingest (probabilities, refusals) and at outcome ingest (observed default rates),
stored with the batch, and only read by the analyst page. Segments are the ones a lender's credit
committee asks about: contract type, income type, age band and education.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from credit_dashboard.storage.schema import days_to_years

SEGMENTS: tuple[str, ...] = (
    "NAME_CONTRACT_TYPE", "NAME_INCOME_TYPE", "AGE_BAND", "NAME_EDUCATION_TYPE",
)
AGE_BAND = "AGE_BAND"
#: Upper bounds of the age bands, in years (the last band is open).
AGE_BOUNDS: tuple[int, ...] = (25, 35, 45, 55, 65)
#: Histogram of the default probability: 2-point bins over [0, 1].
HISTOGRAM_EDGES = np.linspace(0.0, 1.0, 51)
_UNKNOWN = "not known"


def age_band(days_birth: pd.Series) -> pd.Series:
    """"under 25", "25-34", ..., "65 and over" from Kaggle's negative DAYS_BIRTH."""
    years = days_to_years(pd.to_numeric(days_birth, errors="coerce"))
    labels = [f"under {AGE_BOUNDS[0]}"]
    labels += [f"{lo}-{hi - 1}" for lo, hi in zip(AGE_BOUNDS[:-1], AGE_BOUNDS[1:], strict=True)]
    labels.append(f"{AGE_BOUNDS[-1]} and over")
    bins = [-np.inf, *AGE_BOUNDS, np.inf]
    return pd.cut(years, bins=bins, labels=labels, right=False).astype(object)


def segment_values(applicants: pd.DataFrame) -> pd.DataFrame:
    """One column per segment (text), aligned with ``applicants``; missing reads "not known"."""
    out = pd.DataFrame(index=applicants.index)
    for name in SEGMENTS:
        values = age_band(applicants["DAYS_BIRTH"]) if name == AGE_BAND else applicants[name]
        out[name] = values.astype(object).where(values.notna(), _UNKNOWN).astype(str)
    return out


def portfolio_summary(
    applicants: pd.DataFrame, probability: np.ndarray, refused: np.ndarray
) -> dict[str, Any]:
    """Histogram of probabilities; per segment level: clients, refusal rate, mean probability."""
    p = np.asarray(probability, dtype=float)
    counts, _ = np.histogram(p, bins=HISTOGRAM_EDGES)
    frame = segment_values(applicants).assign(p=p, refused=np.asarray(refused, dtype=float))
    segments: dict[str, list[dict[str, Any]]] = {}
    for name in SEGMENTS:
        grouped = frame.groupby(name, sort=True).agg(
            clients=("p", "size"), refused_share=("refused", "mean"),
            mean_probability=("p", "mean"),
        )
        segments[name] = [
            {"level": str(level), "clients": int(row.clients),
             "refused_share": float(row.refused_share),
             "mean_probability": float(row.mean_probability)}
            for level, row in grouped.iterrows()
        ]
    return {
        "histogram": {"edges": HISTOGRAM_EDGES.tolist(), "counts": counts.astype(int).tolist()},
        "segments": segments,
    }


def segment_defaults(applicants: pd.DataFrame, target: np.ndarray) -> dict[str, list[dict]]:
    """Per segment level: clients with a known outcome and their observed default rate."""
    frame = segment_values(applicants).assign(y=np.asarray(target, dtype=float))
    out: dict[str, list[dict]] = {}
    for name in SEGMENTS:
        grouped = frame.groupby(name, sort=True)["y"].agg(["size", "mean"])
        out[name] = [
            {"level": str(level), "with_outcome": int(row["size"]),
             "default_rate": float(row["mean"])}
            for level, row in grouped.iterrows()
        ]
    return out
