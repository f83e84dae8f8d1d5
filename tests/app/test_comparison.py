"""History summaries for the comparison charts, on a small synthetic history with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from credit_dashboard.services.comparison import (
    MISSING_CATEGORY,
    CategorySummary,
    NumericSummary,
    build_comparison,
    client_category,
    pickable_features,
    scatter_features,
    to_display,
)
from credit_dashboard.storage.schema import DAYS_EMPLOYED_ANOMALY


@pytest.fixture()
def history() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(1)
    n = 4000
    target = pd.Series((rng.random(n) < 0.2).astype(int))
    values = pd.DataFrame(
        {
            # Defaulters have lower external scores.
            "EXT_SOURCE_3": np.where(target == 1, rng.normal(0.3, 0.1, n), rng.normal(0.6, 0.1, n)),
            "DAYS_EMPLOYED": np.where(rng.random(n) < 0.1, DAYS_EMPLOYED_ANOMALY,
                                      -rng.integers(100, 8000, n)),
            # Higher education defaults half as often, by construction.
            "NAME_EDUCATION_TYPE": np.where(rng.random(n) < 0.5, "Higher education",
                                            "Secondary / secondary special"),
            "FLAG_PHONE": rng.integers(0, 2, n),
        }
    )
    values.loc[:9, "EXT_SOURCE_3"] = np.nan
    values.loc[:4, "NAME_EDUCATION_TYPE"] = None
    return values, target


def test_numeric_summary_separates_the_groups(history) -> None:
    values, target = history
    comparison = build_comparison(values, target, ["EXT_SOURCE_3"], sample_size=500)
    summary = comparison.summaries["EXT_SOURCE_3"]
    assert isinstance(summary, NumericSummary)
    # Shares of each whole group; the 1 % of clients beyond the range shown (0.5 % each side) is
    # left out of the bars rather than piled into the end bins.
    shown_clients = (summary.share_repaid.sum() * summary.n_repaid
                     + summary.share_defaulted.sum() * summary.n_defaulted) / 100
    assert np.isclose(shown_clients / (summary.n_repaid + summary.n_defaulted), 0.99, atol=0.002)
    assert summary.share_repaid.sum() <= 100 and summary.share_defaulted.sum() <= 100
    assert "1.0% of clients beyond the range shown" in summary.note
    centres = (summary.edges[:-1] + summary.edges[1:]) / 2
    mean_repaid = np.average(centres, weights=summary.share_repaid)
    mean_defaulted = np.average(centres, weights=summary.share_defaulted)
    assert mean_defaulted < mean_repaid - 0.2
    assert summary.n_left_out == 10
    assert summary.n_repaid + summary.n_defaulted == len(values) - 10


def test_pensioners_are_left_out_of_years_employed(history) -> None:
    values, target = history
    summary = build_comparison(values, target, ["DAYS_EMPLOYED"]).summaries["DAYS_EMPLOYED"]
    assert isinstance(summary, NumericSummary)
    assert summary.n_left_out == int((values["DAYS_EMPLOYED"] == DAYS_EMPLOYED_ANOMALY).sum())
    assert summary.edges[-1] < 30  # years, not 1000
    assert "pensioners" in summary.note


def test_categories_and_few_valued_numbers_get_default_rates(history) -> None:
    values, target = history
    comparison = build_comparison(values, target, ["NAME_EDUCATION_TYPE", "FLAG_PHONE"])
    education = comparison.summaries["NAME_EDUCATION_TYPE"]
    assert isinstance(education, CategorySummary)
    assert MISSING_CATEGORY in education.categories
    expected = target[values["NAME_EDUCATION_TYPE"] == "Higher education"].mean()
    got = education.default_rate[education.categories.index("Higher education")]
    assert np.isclose(got, expected)
    assert education.count.sum() == len(values)
    flag = comparison.summaries["FLAG_PHONE"]
    assert isinstance(flag, CategorySummary) and set(flag.categories) == {"yes", "no"}
    assert client_category("FLAG_PHONE", 1) == "yes"
    assert client_category("NAME_EDUCATION_TYPE", None) == MISSING_CATEGORY


def test_sample_typical_values_and_numeric_features(history) -> None:
    values, target = history
    features = ["EXT_SOURCE_3", "DAYS_EMPLOYED", "NAME_EDUCATION_TYPE"]
    comparison = build_comparison(values, target, features, sample_size=300, seed=3)
    assert len(comparison.sample) == 300
    assert set(comparison.sample["TARGET"].unique()) <= {0, 1}
    assert np.isclose(comparison.typical["EXT_SOURCE_3"], values["EXT_SOURCE_3"].median())
    # The pensioner placeholder must not drag the usual employment length.
    assert comparison.typical["DAYS_EMPLOYED"] < 0
    display = comparison.sample_display
    assert set(display) == {"EXT_SOURCE_3", "DAYS_EMPLOYED"}
    expected = np.abs(comparison.sample["DAYS_EMPLOYED"].to_numpy(dtype=float)) / 365.25
    expected[comparison.sample["DAYS_EMPLOYED"].to_numpy() == DAYS_EMPLOYED_ANOMALY] = np.nan
    assert np.allclose(display["DAYS_EMPLOYED"], expected, atol=0.01, equal_nan=True)
    again = build_comparison(values, target, features, sample_size=300, seed=3)
    pd.testing.assert_frame_equal(comparison.sample, again.sample)


def test_bad_inputs_are_named(history) -> None:
    values, target = history
    with pytest.raises(ValueError, match="NOT_THERE"):
        build_comparison(values, target, ["NOT_THERE"])
    with pytest.raises(ValueError, match="rows"):
        build_comparison(values, target.iloc[:10], ["EXT_SOURCE_3"])


def test_scatter_features_leave_out_text_and_flags() -> None:
    features = ("EXT_SOURCE_3", "NAME_EDUCATION_TYPE", "FLAG_PHONE", "DAYS_EMPLOYED_ANOMALY",
                "CREDIT_INCOME_RATIO", "REG_CITY_NOT_WORK_CITY")
    assert scatter_features(features) == ("EXT_SOURCE_3", "CREDIT_INCOME_RATIO")


def test_pickable_features_are_top_then_engineered_without_duplicates() -> None:
    importance = [{"feature": f, "mean_abs_shap": 1.0} for f in ("A", "B", "RATIO", "C")]
    picked = pickable_features(importance, ["A", "B", "C", "RATIO", "OTHER"], ["RATIO", "GONE"],
                               top_n=2)
    assert picked == ("A", "B", "RATIO")


def test_display_values_turn_days_into_years() -> None:
    shown = to_display("DAYS_EMPLOYED", np.array([-365.25, DAYS_EMPLOYED_ANOMALY]))
    assert np.isclose(shown[0], 1.0) and np.isnan(shown[1])


def test_category_rates_equal_a_row_by_row_grouping(history) -> None:
    """Keys are computed once per distinct value; the rates must be those of labelling each row
    with ``client_category`` (the client's own marker) and grouping by it."""
    values, target = history
    values = values.copy()
    values.loc[values.index[:7], "FLAG_PHONE"] = np.nan
    features = ["NAME_EDUCATION_TYPE", "FLAG_PHONE"]
    comparison = build_comparison(values, target, features)
    checked = 0
    for feature in features:
        by_row = values[feature].astype(object).map(lambda v, f=feature: client_category(f, v))
        expected = target.groupby(by_row.to_numpy()).agg(["mean", "size"])
        summary = comparison.summaries[feature]
        assert set(summary.categories) == set(expected.index)
        for category, rate, count in zip(summary.categories, summary.default_rate,
                                         summary.count, strict=True):
            assert np.isclose(rate, expected.loc[category, "mean"])
            assert count == expected.loc[category, "size"]
            checked += 1
    assert checked >= 6
    assert MISSING_CATEGORY in comparison.summaries["FLAG_PHONE"].categories
