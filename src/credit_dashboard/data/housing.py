"""The 47 building columns: normalised statistics of the building the client lives in.

They come from a building register that covers only part of the clients, so they are missing
together (about half the rows have none), and some statistics are missing more often than others
(nested: a building with COMMONAREA recorded has the basic ones too). Each statistic appears three
times (``_AVG``, ``_MEDI``, ``_MODE``): near-duplicates of the same underlying value.
"""

from __future__ import annotations

import numpy as np

from credit_dashboard.data import schema
from credit_dashboard.data.draft import Draft
from credit_dashboard.data.marginals import (
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
#: Statistics that count whole things (floors of 24, entrances of 29, elevators of 25): their
#: ``_MODE`` sits on the grid.
_GRID_STEP = {"FLOORSMAX": 1 / 24, "FLOORSMIN": 1 / 24, "ENTRANCES": 1 / 29, "ELEVATORS": 1 / 25}
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
                values[present] = from_quantiles(
                    ranks(score[present]), quantile_knots(column, d.split)
                )
            values = np.clip(values, 0.0, 1.0)
            if suffix == "MODE" and base in _GRID_STEP:
                values = snap(values, _GRID_STEP[base])
            d.columns[column] = np.round(values, 4)

    present = _present(has_building, completeness, "TOTALAREA_MODE", block, d.split)
    total = np.full(n, np.nan)
    if present.any():
        score = 0.76 * size + 0.65 * d.rng.standard_normal(n)
        total[present] = from_quantiles(
            ranks(score[present]), quantile_knots("TOTALAREA_MODE", d.split)
        )
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
