"""Vectorised building blocks shared by the record tables: segments, quantiles, levels, Arrow.

Every table is generated as flat arrays with one row per record and an ``owner`` index into the
parent (client, credit or loan), built with ``np.repeat`` over per-parent counts, so a chunk of
tens of thousands of clients costs a handful of numpy calls and no per-row Python.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyarrow as pa
from scipy.special import ndtr, ndtri

from credit_dashboard.storage.credit_records.schema import TableSpec
from home_credit_synth import parameters

#: The record generator's numbers (``params/credit_records.json``), read once at import.
PARAMS = parameters.load("credit_records.json")
QUANTILE_PROBS = np.asarray(PARAMS["quantile_probs"], dtype=float)
#: Days per month, to turn ``DAYS_*`` into ``MONTHS_BALANCE``.
DAYS_PER_MONTH = 30.4375
#: Kaggle's monthly tables go back at most 96 months before the application.
OLDEST_MONTH = -96

_ARROW_TYPES = {"int64": pa.int64(), "float64": pa.float64(), "object": pa.string()}


def segments(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For parents with ``counts`` children: each child's parent index and rank in the parent."""
    counts = np.asarray(counts, dtype=np.int64)
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    rank = np.arange(len(owner), dtype=np.int64) - starts[owner]
    return owner, rank


def from_quantiles(u: np.ndarray, knots: tuple[float, ...] | list[float]) -> np.ndarray:
    """Values at probabilities ``u`` by linear interpolation between the real percentiles."""
    return np.interp(u, QUANTILE_PROBS, np.asarray(knots, dtype=float))


def quantiles(table: str, column: str) -> tuple[float, ...]:
    return PARAMS["quantiles"][table][column]


def levels(table: str, column: str) -> dict[str, float]:
    return PARAMS["levels"][table][column]


def missing(table: str, column: str) -> float:
    return PARAMS["missing"].get(table, {}).get(column, 0.0)


def draw_codes(rng: np.random.Generator, n: int, shares: Mapping[str, float] | list[float]
               ) -> np.ndarray:
    """Level codes drawn with the given shares (normalised: a profile's shares rarely sum to 1)."""
    p = np.asarray(list(shares.values()) if isinstance(shares, Mapping) else shares, dtype=float)
    cum = np.cumsum(p / p.sum())
    return np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(p) - 1)


def mix(rng: np.random.Generator, client_score: np.ndarray, owner: np.ndarray, weight: float
        ) -> np.ndarray:
    """A unit-variance score per record: ``weight`` of the client's score, the rest the record's
    own noise (two credits of one client behave alike, not identically)."""
    return weight * client_score[owner] + np.sqrt(1.0 - weight**2) * rng.standard_normal(len(owner))


def uniform_from(score: np.ndarray) -> np.ndarray:
    """A standard-normal score as a probability (so it can index the real percentiles)."""
    return ndtr(score)


def threshold(share: float) -> float:
    """The standard-normal cut a unit-variance score exceeds with probability ``share``."""
    return float(ndtri(1.0 - share))


def text(codes: np.ndarray, names: list[str] | tuple[str, ...], mask: np.ndarray | None = None
         ) -> pa.Array:
    """Text column from level codes (dictionary decode in Arrow: no Python string per row)."""
    indices = pa.array(np.asarray(codes, dtype=np.int32), mask=mask)
    return pa.DictionaryArray.from_arrays(indices, pa.array(list(names), pa.string())).cast(
        pa.string()
    )


def arrow_schema(spec: TableSpec) -> pa.Schema:
    return pa.schema([(c, _ARROW_TYPES[t]) for c, t in spec.columns.items()])


def to_table(spec: TableSpec, columns: Mapping[str, np.ndarray | pa.Array]) -> pa.Table:
    """The columns in the schema's order and types; NaN floats become Parquet nulls (as Kaggle's
    empty cells read by pandas)."""
    schema = arrow_schema(spec)
    arrays = []
    for field in schema:
        value = columns[field.name]
        if isinstance(value, pa.Array):
            arrays.append(value.cast(field.type))
        elif field.type == pa.float64():
            arrays.append(pa.array(np.asarray(value, dtype=np.float64), from_pandas=True))
        else:
            arrays.append(pa.array(np.asarray(value, dtype=np.int64)))
    return pa.Table.from_arrays(arrays, schema=schema)


def with_missing(rng: np.random.Generator, values: np.ndarray, share: float) -> np.ndarray:
    """``values`` as float with a random ``share`` set missing."""
    out = np.asarray(values, dtype=float).copy()
    out[rng.random(len(out)) < share] = np.nan
    return out
