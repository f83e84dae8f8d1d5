"""Kaggle's conventions in ``storage.schema``: what a missing cell is and how days become years.

Every layer (labels, comparisons, the what-if, validation) goes through these two helpers, so a
client's age on the page, on a chart's axis and in a whole table agree."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from credit_dashboard.storage.schema import (
    DAYS_PER_YEAR,
    days_to_years,
    is_missing,
    years_to_days,
)


@pytest.mark.parametrize("value", [None, float("nan"), np.float32("nan"), pd.NA, pd.NaT])
def test_every_kind_of_missing_cell_is_missing(value) -> None:
    assert is_missing(value)


@pytest.mark.parametrize("value", [0, 0.0, -1, "", "nan", "Working", np.int64(3), [np.nan]])
def test_present_values_are_not_missing(value) -> None:
    assert not is_missing(value)


def test_missing_cells_of_every_dtype_read_as_missing() -> None:
    frame = pd.DataFrame({"number": [np.nan], "text": [None], "when": [pd.NaT]})
    frame["string"] = pd.Series([None], dtype="string")  # pandas' own missing: pd.NA
    assert [is_missing(frame[c].iloc[0]) for c in frame.columns] == [True] * 4


def test_days_become_years_alike_for_a_number_an_array_and_a_series() -> None:
    days = [-DAYS_PER_YEAR * 40, -365.0, 0.0]
    expected = [40.0, 365.0 / DAYS_PER_YEAR, 0.0]
    assert days_to_years(days[0]) == pytest.approx(expected[0])
    np.testing.assert_allclose(days_to_years(np.array(days)), expected)
    series = days_to_years(pd.Series(days, index=[7, 8, 9]))
    assert list(series.index) == [7, 8, 9]
    np.testing.assert_allclose(series.to_numpy(), expected)


def test_years_back_to_whole_days_round_trips() -> None:
    assert years_to_days(10) == -round(10 * DAYS_PER_YEAR)
    assert isinstance(years_to_days(5.1), int)
    for years in (0.0, 1.5, 12.3, 40.0):
        assert days_to_years(years_to_days(years)) == pytest.approx(years, abs=1 / DAYS_PER_YEAR)
