"""The client's raw Kaggle values in the advisor's units, for the panel to show.

Values are exchanged in the advisor's units: money as typed, years employed in years (Kaggle stores
negative days, with 365243 meaning "not employed"), counts as whole numbers, categories as levels.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from credit_dashboard.services.whatif.inputs import EDITABLE_INPUTS
from credit_dashboard.storage.schema import DAYS_EMPLOYED_ANOMALY, days_to_years, is_missing


def display_value(row: pd.DataFrame, column: str) -> float | int | str | None:
    """The client's value of an editable input, as the advisor types it (None when missing)."""
    spec = EDITABLE_INPUTS[column]
    value = row[column].iloc[0]
    if is_missing(value):
        return None
    if spec.kind == "years_employed":
        days = float(value)
        return None if days == DAYS_EMPLOYED_ANOMALY else round(days_to_years(days), 1)
    if spec.kind == "count":
        return int(value)
    if spec.kind == "amount":
        return float(value)
    return str(value)


def display_values(row: pd.DataFrame, columns: Iterable[str]) -> dict[str, Any]:
    return {c: display_value(row, c) for c in columns}

