"""The smallest change of one input that flips the model's decision (the threshold crossing)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from credit_dashboard.model.cost import REFUSE, decision_for, is_refused
from credit_dashboard.services.whatif.inputs import SEARCHABLE_INPUTS
from credit_dashboard.services.whatif.rescoring import RiskModel, score_row
from credit_dashboard.services.whatif.rules import MIN_WORKING_AGE, apply_edits
from credit_dashboard.services.whatif.units import display_value
from credit_dashboard.storage.schema import days_to_years, is_missing


@dataclass(frozen=True)
class ThresholdCrossing:
    """Where, along one input, the model's decision flips (``value`` None: not within the range)."""

    column: str
    #: Advisor's units (years for DAYS_EMPLOYED); None when the client has no value.
    original_value: float | None
    original_probability: float
    original_decision: str
    #: The nearest value where the decision is the other one (None when there is none).
    value: float | None
    probability: float | None
    decision: str | None
    low: float
    high: float
    #: Other inputs moved along (the annuity, scaled with the credit amount), at ``value``.
    linked: dict[str, float]

    @property
    def found(self) -> bool:
        return self.value is not None

    def edits(self) -> dict[str, float]:
        """The edits that reproduce the crossing (advisor's units), e.g. to fill the panel."""
        if self.value is None:
            return {}
        return {self.column: self.value, **self.linked}


def threshold_crossing(
    model: RiskModel,
    row: pd.DataFrame,
    column: str,
    *,
    low: float | None = None,
    high: float | None = None,
    scale_annuity: bool = True,
    points: int = 33,
    rounds: int = 3,
) -> ThresholdCrossing:
    """The value of ``column`` nearest the current one where the model's decision flips.

    Everything else stays as in ``row`` (the client's raw row, or the advisor's modified row),
    except that a change of credit amount scales the annuity with it when ``scale_annuity``
    (the same repayment rate, i.e. the same duration: how a smaller loan is actually offered).
    The range (advisor's units) defaults to 10 %-300 % of the current amount, or 0 to age - 14
    for years employed; values that break the validation rules are skipped.

    Search by refining grids over the real model: each round scores ``points`` rows in one batch
    (about the cost of a few single rows), then zooms into the interval where the decision first
    flips going outwards from the current value. Tree models are not monotone, so this finds the
    *nearest* crossing on each side and returns the nearer one, not every crossing.
    """
    if column not in SEARCHABLE_INPUTS:
        choices = ", ".join(SEARCHABLE_INPUTS)
        raise ValueError(f"what-if: cannot search along {column}; choose one of {choices}")
    current = display_value(row, column)
    lo, hi = _search_range(row, column, current, low, high)
    start = min(max(float(current), lo), hi) if current is not None else lo
    first = score_row(model, row)
    threshold = first.decision_threshold
    ratio = _annuity_ratio(row) if column == "AMT_CREDIT" and scale_annuity else None

    def edits_for(value: float) -> dict[str, float]:
        if ratio is None:
            return {column: value}
        return {column: value, "AMT_ANNUITY": round(value * ratio, 1)}

    def probabilities(values: np.ndarray) -> np.ndarray:
        """Probability at each value; NaN where the edited row breaks a validation rule."""
        checks = [apply_edits(row, edits_for(float(v))) for v in values]
        out = np.full(len(values), np.nan)
        valid = [i for i, check in enumerate(checks) if check.ok]
        if valid:
            batch = pd.concat([checks[i].row for i in valid], ignore_index=True)
            out[valid] = model.default_probability(batch)
        return out

    def flipped(p: np.ndarray) -> np.ndarray:
        return ~np.isnan(p) & (is_refused(p, threshold) != (first.decision == REFUSE))

    best: tuple[float, float] | None = None
    for end in (lo, hi):
        if end == start:
            continue
        found = nearest_flip(probabilities, flipped, start, end, points, rounds)
        if found is not None and (best is None or abs(found[0] - start) < abs(best[0] - start)):
            best = found
    common = dict(
        column=column,
        original_value=current,
        original_probability=first.default_probability,
        original_decision=first.decision,
        low=lo,
        high=hi,
    )
    if best is None:
        return ThresholdCrossing(**common, value=None, probability=None, decision=None, linked={})
    value, probability = best
    # A value an advisor would type (whole hundreds, tenths of a year), rounded away from the
    # current value; kept only if the decision still flips there (trees are not monotone).
    nice = rounded_away(value, start, 0.1 if column == "DAYS_EMPLOYED" else 100.0)
    nice_probability = probabilities(np.array([nice]))
    if flipped(nice_probability)[0]:
        value, probability = nice, float(nice_probability[0])
    linked = {k: v for k, v in edits_for(value).items() if k != column}
    return ThresholdCrossing(
        **common,
        value=value,
        probability=probability,
        decision=decision_for(probability, threshold),
        linked=linked,
    )


def rounded_away(value: float, start: float, step: float) -> float:
    """``value`` rounded to a multiple of ``step``, on the side away from ``start``."""
    units = value / step
    rounded = math.ceil(units - 1e-9) if value >= start else math.floor(units + 1e-9)
    return round(rounded * step, 10)


def _annuity_ratio(row: pd.DataFrame) -> float | None:
    annuity, credit = row["AMT_ANNUITY"].iloc[0], row["AMT_CREDIT"].iloc[0]
    if is_missing(annuity) or is_missing(credit) or float(credit) <= 0:
        return None
    return float(annuity) / float(credit)


def _search_range(
    row: pd.DataFrame, column: str, current: float | None, low: float | None, high: float | None
) -> tuple[float, float]:
    if column == "DAYS_EMPLOYED":
        age = days_to_years(float(row["DAYS_BIRTH"].iloc[0]))
        default_lo, default_hi = 0.0, max(age - MIN_WORKING_AGE, 0.0)
    else:
        anchor = float(current) if current is not None else float(row["AMT_CREDIT"].iloc[0])
        default_lo, default_hi = 0.1 * anchor, 3.0 * anchor
    lo = default_lo if low is None else float(low)
    hi = default_hi if high is None else float(high)
    if not lo < hi:
        raise ValueError(f"what-if: empty search range [{lo}, {hi}] for {column}")
    return lo, hi


def nearest_flip(
    probabilities: Callable[[np.ndarray], np.ndarray],
    flipped: Callable[[np.ndarray], np.ndarray],
    start: float,
    end: float,
    points: int,
    rounds: int,
) -> tuple[float, float] | None:
    """The first value going from ``start`` to ``end`` where the decision flips, refined."""
    best: tuple[float, float] | None = None
    for _ in range(rounds):
        # Ordered from ``start`` outwards, so the first flip met is the nearest one.
        grid = np.linspace(start, end, points)
        p = probabilities(grid)
        hits = np.flatnonzero(flipped(p))
        if hits.size == 0:
            return best
        i = int(hits[0])
        best = (float(grid[i]), float(p[i]))
        if i == 0:
            return best
        # The decision still holds (or the row is invalid) at grid[i - 1]: zoom in between.
        start, end = float(grid[i - 1]), float(grid[i])
    return best
