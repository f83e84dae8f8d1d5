"""Per-client contributions in the lender's words: readable labels, top-N plus "all others",
readings.

The model already gives contributions per explained feature in log-odds with one-hot parts summed
back to their column (``CreditRiskModel.contributions``); this module only turns them into what an
advisor reads. Contributions are in log-odds of the default probability: they add up exactly
(``base + sum == logit(probability)``), which probabilities would not.

The same explanation by fact, in percentage points of probability, is ``services.grouped``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from credit_dashboard.i18n import format_number
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.labels import (
    DAYS_COLUMNS,
    display_scale,
    feature_label,
    format_value,
)
from credit_dashboard.storage.schema import DAYS_EMPLOYED_ANOMALY, is_missing

#: Dates of events written "... years ago" (not ages or durations).
EVENT_DAYS_COLUMNS = DAYS_COLUMNS - {"DAYS_BIRTH", "DAYS_EMPLOYED"}


@dataclass(frozen=True)
class Contribution:
    """One feature's push on this client's risk."""

    feature: str
    label: str
    #: The client's value (number, text, or None when missing).
    value: object
    #: Log-odds added to the average client's risk; positive raises the risk.
    contribution: float

    @property
    def display_value(self) -> str:
        return format_value(self.feature, self.value)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready (NaN becomes None, numpy scalars become Python numbers)."""
        value = None if is_missing(self.value) else _python_scalar(self.value)
        return {
            "feature": self.feature,
            "label": self.label,
            "value": value,
            "display_value": self.display_value,
            "contribution": float(self.contribution),
        }


def _python_scalar(value: object) -> object:
    item = getattr(value, "item", None)
    return item() if callable(item) else value


def build_contributions(
    contributions: pd.Series, values: pd.Series | Mapping[str, object]
) -> tuple[Contribution, ...]:
    """Contributions of one client, sorted by absolute size, each with its label and value.

    ``contributions`` and ``values`` are one row of ``CreditRiskModel.contributions`` and
    ``CreditRiskModel.feature_values`` (same feature names).
    """
    raw_values = values.to_dict() if isinstance(values, pd.Series) else values
    items = [
        Contribution(
            feature=str(name),
            label=feature_label(str(name)),
            value=raw_values.get(name),
            contribution=float(amount),
        )
        for name, amount in contributions.items()
    ]
    items.sort(key=lambda c: (-abs(c.contribution), c.feature))
    return tuple(items)


@dataclass(frozen=True)
class TopContributions:
    """The largest contributions, and the rest summed into one "all others" bar."""

    top: tuple[Contribution, ...]
    others: float
    n_others: int


def top_contributions(contributions: Sequence[Contribution], n: int = 10) -> TopContributions:
    """The ``n`` largest (by absolute size; input already sorted) plus the sum of all the others."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    ordered = sorted(contributions, key=lambda c: -abs(c.contribution))
    rest = ordered[n:]
    return TopContributions(
        top=tuple(ordered[:n]),
        others=float(sum(c.contribution for c in rest)),
        n_others=len(rest),
    )


def effect_words(contribution: float) -> str:
    """The direction of a contribution in words (the sign decides, never the colour)."""
    if contribution > 0:
        return _("raises the risk")
    if contribution < 0:
        return _("lowers the risk")
    return _("does not move the risk")


def reading(item: Contribution, typical: Mapping[str, float] | None = None) -> str:
    """One plain sentence per contribution, its effect in log-odds (the analysts' unit).

    "External score 3 is low (0.12; usual 0.51): raises the risk, +0.45". ``typical`` maps a numeric
    feature to its usual value among past clients (the median); without it the sentence only states
    the value.
    """
    state = state_words(item, typical)
    sign = "+" if item.contribution >= 0 else "-"
    return _("{label} {state}: {effect}, {log_odds}").format(
        label=item.label, state=state, effect=effect_words(item.contribution),
        log_odds=sign + format_number(abs(item.contribution), 2))


def state_words(item: Contribution, typical: Mapping[str, float] | None) -> str:
    """"is low (0.12; usual 0.51)", "2.0 years ago (usual 0.8 years ago)" or "is 0.12"."""
    value_text = item.display_value
    usual = None if typical is None else typical.get(item.feature)
    number = _as_number(item.value)
    comparable = (
        usual is not None
        and number is not None
        and not is_missing(usual)
        and number != usual
        and not (item.feature == "DAYS_EMPLOYED" and number == DAYS_EMPLOYED_ANOMALY)
    )
    usual_text = format_value(item.feature, usual) if comparable else ""
    if comparable and item.feature in EVENT_DAYS_COLUMNS:
        # "Phone changed 2.0 years ago (usual 0.8 years ago)" reads better than "is high".
        return _("{value} (usual {usual})").format(value=value_text, usual=usual_text)
    if comparable:
        # Compare on the axis the advisor sees (days before the application become years).
        to_axis, _title = display_scale(item.feature)
        if to_axis(number) > to_axis(usual):
            return _("is high ({value}; usual {usual})").format(value=value_text, usual=usual_text)
        return _("is low ({value}; usual {usual})").format(value=value_text, usual=usual_text)
    if item.feature in EVENT_DAYS_COLUMNS:
        return value_text
    return _("is {value}").format(value=value_text)


def _as_number(value: object) -> float | None:
    if is_missing(value) or isinstance(value, str):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number

