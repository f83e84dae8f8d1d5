"""Re-scoring an edited row through the model, and the original set against the simulated one.

Re-scoring replaces raw values in the client's raw Kaggle row and sends the whole row through the
model pipeline, so every derived feature (credit / income, payment rate, ...) is recomputed by the
same code that trained the model; nothing derived is ever patched by hand.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from credit_dashboard.model.cost import decision_for


class RiskModel(Protocol):
    """What the what-if needs from ``CreditRiskModel``."""

    decision_threshold: float

    def default_probability(self, raw: pd.DataFrame) -> np.ndarray: ...

    def contributions(self, raw: pd.DataFrame) -> tuple[pd.DataFrame, float]: ...


@dataclass(frozen=True)
class Score:
    """One row scored: probability, decision and the log-odds contributions behind them."""

    default_probability: float
    decision: str
    decision_threshold: float
    base_value: float
    #: Log-odds per explained feature (same names as the model card's importance).
    contributions: pd.Series


def score_row(model: RiskModel, row: pd.DataFrame) -> Score:
    """Score one raw row, with its explanation.

    The probability is computed from the explanation (base + sum of contributions), as the
    scoring service does, so the what-if's "original" equals the score shown on the page.
    """
    contributions, base = model.contributions(row)
    parts = contributions.iloc[0].astype("float64")
    probability = 1.0 / (1.0 + math.exp(-(float(base) + float(parts.sum()))))
    threshold = float(model.decision_threshold)
    return Score(probability, decision_for(probability, threshold), threshold, float(base), parts)


@dataclass(frozen=True)
class Comparison:
    """Original vs modified: what the change does to the score and why."""

    original: Score
    modified: Score
    changed: tuple[str, ...]
    #: feature, original, modified, change (log-odds), the largest changes first.
    contribution_changes: pd.DataFrame

    @property
    def probability_change(self) -> float:
        return self.modified.default_probability - self.original.default_probability

    @property
    def decision_changed(self) -> bool:
        return self.modified.decision != self.original.decision


def compare(
    model: RiskModel,
    original: pd.DataFrame,
    modified: pd.DataFrame,
    changed: Sequence[str] = (),
    top_n: int = 5,
    original_score: Score | None = None,
) -> Comparison:
    """Re-score the modified row and set it against the original (scored once, then reusable)."""
    before = original_score if original_score is not None else score_row(model, original)
    after = score_row(model, modified)
    changes = contribution_changes(before.contributions, after.contributions, top_n)
    return Comparison(before, after, tuple(changed), changes)


def contribution_changes(
    before: Mapping[str, float] | pd.Series, after: Mapping[str, float] | pd.Series, top_n: int = 5
) -> pd.DataFrame:
    """The features whose contribution moved most: feature, original, modified, change.

    Log-odds, like the waterfall: changes add up to the change of the risk score. Features that
    did not move are left out (a what-if on the credit amount moves only what the credit feeds).
    """
    table = pd.DataFrame(
        {
            "original": pd.Series(before, dtype="float64"),
            "modified": pd.Series(after, dtype="float64"),
        }
    ).fillna(0.0)
    table["change"] = table["modified"] - table["original"]
    moved = table[table["change"].abs() > 1e-12]
    order = moved["change"].abs().sort_values(ascending=False, kind="stable").index
    return moved.loc[order].head(top_n).rename_axis("feature").reset_index()

