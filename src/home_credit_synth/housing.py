"""The 47 building columns: normalised statistics of the building the client lives in.

They come from a building register that covers only part of the clients, so they are missing
together (about half the rows have none), and some statistics are missing more often than others
(nested: a building with COMMONAREA recorded has the basic ones too). Each statistic appears three
times (``_AVG``, ``_MEDI``, ``_MODE``): near-duplicates of the same underlying value.
"""

from __future__ import annotations

import numpy as np

from credit_dashboard.storage import schema
from home_credit_synth import parameters
from home_credit_synth.draft import Draft
from home_credit_synth.marginals import (
    draw_levels_tilted,
    from_quantiles,
    level_shares,
    missing_fraction,
    quantile_knots,
    ranks,
    snap,
    to_text,
)

#: How strongly each statistic follows the building's size (the rest is its own variation); set so
#: that each column's association with default matches the real one.
_SIZE_LOADING = {
    "APARTMENTS": 0.69, "BASEMENTAREA": 0.33, "YEARS_BEGINEXPLUATATION": 0.34, "YEARS_BUILD": 0.42,
    "COMMONAREA": 0.20, "ELEVATORS": 0.95, "ENTRANCES": 0.25, "FLOORSMAX": 0.85, "FLOORSMIN": 0.79,
    "LANDAREA": 0.18, "LIVINGAPARTMENTS": 0.80, "LIVINGAREA": 0.73, "NONLIVINGAPARTMENTS": 0.06,
    "NONLIVINGAREA": 0.32,
}  # fmt: skip
_SUFFIXES = ("AVG", "MODE", "MEDI")


def draw_housing(d: Draft) -> None:
    n = d.n
    block = missing_fraction("EMERGENCYSTATE_MODE", d.split)  # the least-missing housing column
    has_building = d.rng.random(n) >= block
    d.facts["housing_missing"] = ~has_building
    # One completeness level per record: statistics rarer in the register are missing first.
    completeness = d.rng.random(n)
    size = d.traits["building"]
    d.facts["building_size"] = size

    for base, loading in _SIZE_LOADING.items():
        own = loading * size + np.sqrt(1 - loading**2) * d.rng.standard_normal(n)
        present = _present(has_building, completeness, f"{base}_AVG", block, d.split)
        for suffix in _SUFFIXES:
            column = f"{base}_{suffix}"
            noise = {"AVG": 0.0, "MEDI": 0.08, "MODE": 0.2}[suffix]
            score = own + noise * d.rng.standard_normal(n)
            values = np.full(n, np.nan)
            if present.any():
                values[present] = _values(score[present], column, d.split)
                if column in parameters.HOUSING_GRID:
                    values[present] = _on_grid(d.rng, values[present], column)
            d.columns[column] = np.round(np.clip(values, 0.0, 1.0), 4)

    present = _present(has_building, completeness, "TOTALAREA_MODE", block, d.split)
    total = np.full(n, np.nan)
    if present.any():
        score = 0.76 * size + 0.65 * d.rng.standard_normal(n)
        total[present] = _values(score[present], "TOTALAREA_MODE", d.split)
    d.columns["TOTALAREA_MODE"] = np.round(np.clip(total, 0.0, 1.0), 4)

    for column in (
        "FONDKAPREMONT_MODE",
        "HOUSETYPE_MODE",
        "WALLSMATERIAL_MODE",
        "EMERGENCYSTATE_MODE",
    ):
        levels = schema.CATEGORY_LEVELS[column]
        tilt = np.zeros((n, len(levels)))
        if column == "WALLSMATERIAL_MODE":
            # Tall buildings are panel or monolithic, small ones wooden or brick.
            tilt[:, levels.index("Panel")] = 0.8 * size
            tilt[:, levels.index("Monolithic")] = 0.8 * size
            tilt[:, levels.index("Wooden")] = -1.0 * size
        codes = draw_levels_tilted(d.rng, level_shares(column, d.split), tilt)
        present = _present(has_building, completeness, column, block, d.split)
        d.columns[column] = to_text(codes, column, ~present)


def _present(
    has_building: np.ndarray, completeness: np.ndarray, column: str, block: float, split: str
) -> np.ndarray:
    extra = (missing_fraction(column, split) - block) / max(1.0 - block, 1e-9)
    return has_building & (completeness >= max(extra, 0.0))


def _values(score: np.ndarray, column: str, split: str) -> np.ndarray:
    """The column's values for the given scores, with the register's point masses.

    Counted statistics take the real shares of each whole count (levels assigned by rank, so the
    tallest buildings get the most floors). The others go through the percentiles, and their
    lowest-ranked share ``HOUSING_ZERO_SHARE`` is exactly 0 (no elevator, no non-living area...),
    a mass that interpolated percentiles would smear into small values. Either way the values are
    monotone in the score, so the column keeps its association with the building and with default.
    """
    u = ranks(score)
    if column in parameters.HOUSING_COUNT_LEVELS:
        shares = np.asarray(parameters.HOUSING_COUNT_LEVELS[column])
        counts = np.searchsorted(np.cumsum(shares) / shares.sum(), u, side="right")
        return np.minimum(
            counts.clip(0, len(shares) - 1) * parameters.HOUSING_GRID[column][0], 1.0
        )
    values = from_quantiles(u, quantile_knots(column, split))
    values[u < parameters.HOUSING_ZERO_SHARE.get(column, 0.0)] = 0.0
    return values


def _on_grid(rng: np.random.Generator, values: np.ndarray, column: str) -> np.ndarray:
    """Non-zero values on the column's grid in the real shares: on a whole step, on a half step
    (a median of two buildings), or anywhere between (a mean of several). Zeros stay exact."""
    step, whole, whole_or_half = parameters.HOUSING_GRID[column]
    u = rng.random(len(values))
    jitter = np.where(u < whole, 0.0, rng.choice([-0.5, 0.5], size=len(values)) * step)
    between = u >= whole_or_half
    jitter[between] = (rng.random(int(between.sum())) - 0.5) * step
    # A non-zero value stays non-zero (at least one step): the zeros' share is set by the caller.
    out = np.clip(np.maximum(snap(values, step), step) + jitter, 0.0, 1.0)
    return np.where(values == 0.0, 0.0, out)
