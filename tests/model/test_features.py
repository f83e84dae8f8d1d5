"""FeatureEngineer: cleaning, engineered features, rule-based drops, categories learned in fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from credit_dashboard.model.features import (
    ENGINEERED_FEATURES,
    FEATURE_SOURCES,
    FeatureEngineer,
)
from credit_dashboard.storage.schema import DAYS_EMPLOYED_ANOMALY, TARGET_COLUMN


@pytest.fixture(scope="module")
def fitted(history: pd.DataFrame) -> FeatureEngineer:
    return FeatureEngineer().fit(history)


def _one_row(history: pd.DataFrame, **values: object) -> pd.DataFrame:
    row = history.iloc[[0]].copy()
    for column, value in values.items():
        row[column] = value
    return row


def test_days_employed_placeholder_becomes_missing_plus_flag(history, fitted):
    row = _one_row(history, DAYS_EMPLOYED=DAYS_EMPLOYED_ANOMALY)
    out = fitted.transform(row)
    assert np.isnan(out["DAYS_EMPLOYED"].iloc[0])
    assert out["DAYS_EMPLOYED_ANOMALY"].iloc[0] == 1.0
    assert np.isnan(out["EMPLOYED_AGE_RATIO"].iloc[0])
    normal = fitted.transform(_one_row(history, DAYS_EMPLOYED=-1000, DAYS_BIRTH=-10000))
    assert normal["DAYS_EMPLOYED_ANOMALY"].iloc[0] == 0.0
    assert normal["EMPLOYED_AGE_RATIO"].iloc[0] == pytest.approx(0.1)


def test_ratios_and_external_score_aggregates(history, fitted):
    row = _one_row(
        history, AMT_INCOME_TOTAL=100_000.0, AMT_CREDIT=400_000.0, AMT_ANNUITY=20_000.0,
        CNT_FAM_MEMBERS=4.0, EXT_SOURCE_1=np.nan, EXT_SOURCE_2=0.2, EXT_SOURCE_3=0.6,
    )
    out = fitted.transform(row).iloc[0]
    assert out["CREDIT_INCOME_RATIO"] == pytest.approx(4.0)
    assert out["ANNUITY_INCOME_RATIO"] == pytest.approx(0.2)
    assert out["PAYMENT_RATE"] == pytest.approx(0.05)
    assert out["INCOME_PER_PERSON"] == pytest.approx(25_000.0)
    assert out["EXT_SOURCE_MEAN"] == pytest.approx(0.4)  # the missing score is ignored
    assert out["EXT_SOURCE_MIN"] == pytest.approx(0.2)
    assert out["EXT_SOURCE_MAX"] == pytest.approx(0.6)
    assert out["EXT_SOURCE_STD"] == pytest.approx(0.2)


def test_zero_denominator_and_no_external_score_give_missing_not_inf(history, fitted):
    row = _one_row(history, AMT_INCOME_TOTAL=0.0, EXT_SOURCE_1=np.nan, EXT_SOURCE_2=np.nan,
                   EXT_SOURCE_3=np.nan)
    out = fitted.transform(row).iloc[0]
    assert out["INCOME_PER_PERSON"] == 0.0  # zero income over a real family size is a number
    for name in ("CREDIT_INCOME_RATIO", "ANNUITY_INCOME_RATIO", "EXT_SOURCE_MEAN",
                 "EXT_SOURCE_MIN", "EXT_SOURCE_MAX", "EXT_SOURCE_STD"):
        assert np.isnan(out[name]), name


def _perturbed(values: pd.Series) -> pd.Series:
    """A 0/1 flag flipped, any other number moved (x * 1.5 + 1), a missing value filled with
    the median: every row gets a new value, so presence counts change too."""
    is_flag = values.dropna().isin([0, 1]).all()
    moved = 1 - values if is_flag else values * 1.5 + 1
    return moved.fillna(values.median())


def test_every_engineered_feature_varies_and_responds_to_its_source_columns(history, fitted):
    rows = history.iloc[:500]
    base = fitted.transform(rows)
    checked = []
    for name, sources in FEATURE_SOURCES.items():
        column = base[name].to_numpy(dtype=np.float64)
        assert not np.isinf(column).any(), name
        assert np.nanstd(column) > 0, f"{name} is constant or empty on 500 generated rows"
        moved = False
        for source in sources:
            changed = rows.copy()
            changed[source] = _perturbed(rows[source])
            after = fitted.transform(changed)[name].to_numpy(dtype=np.float64)
            if not np.allclose(after, column, equal_nan=True):
                moved = True
                break
        assert moved, f"{name} does not change when any of {sources} changes"
        checked.append(name)
    # Every engineered feature the model sees was checked, none was skipped.
    assert sorted(checked) == sorted(ENGINEERED_FEATURES)
    assert set(checked) <= set(fitted.feature_names_out_)


def test_a_feature_ignores_columns_it_is_not_built_from(history, fitted):
    rows = history.iloc[:200]
    changed = rows.copy()
    changed["AMT_INCOME_TOTAL"] = rows["AMT_INCOME_TOTAL"] * 3
    before, after = fitted.transform(rows), fitted.transform(changed)
    np.testing.assert_allclose(after["PAYMENT_RATE"], before["PAYMENT_RATE"])  # annuity / credit
    np.testing.assert_allclose(after["CREDIT_INCOME_RATIO"], before["CREDIT_INCOME_RATIO"] / 3)
    np.testing.assert_allclose(after["INCOME_PER_PERSON"], before["INCOME_PER_PERSON"] * 3)


def test_almost_empty_and_constant_columns_are_dropped_by_rule(history):
    frame = history.copy()
    frame["AMT_GOODS_PRICE"] = np.where(np.arange(len(frame)) < 10, 1.0, np.nan)  # 99.7% missing
    frame["HOUR_APPR_PROCESS_START"] = 12  # constant
    engineer = FeatureEngineer().fit(frame)
    assert "almost empty" in engineer.dropped_columns_["AMT_GOODS_PRICE"]
    assert "constant" in engineer.dropped_columns_["HOUR_APPR_PROCESS_START"]
    out = engineer.transform(history)  # learned in fit: dropped even where the data differ
    assert "AMT_GOODS_PRICE" not in out.columns
    assert "HOUR_APPR_PROCESS_START" not in out.columns
    assert "AMT_CREDIT" in out.columns


def test_categories_use_levels_learned_in_fit_and_unknown_levels_become_missing(history, fitted):
    out = fitted.transform(_one_row(history, OCCUPATION_TYPE="Astronaut"))
    column = out["OCCUPATION_TYPE"]
    assert isinstance(column.dtype, pd.CategoricalDtype)
    assert list(column.cat.categories) == fitted.categorical_levels_["OCCUPATION_TYPE"]
    assert column.isna().iloc[0]
    seen = history["NAME_CONTRACT_TYPE"].dropna().unique()
    assert set(fitted.categorical_levels_["NAME_CONTRACT_TYPE"]) == set(seen)


def test_matrix_form_matches_the_frame(history, fitted):
    rows = history.iloc[:200]  # above the dict-lookup cutoff: both code paths are used below
    for part in (rows, rows.iloc[:3]):
        frame = fitted.transform(part)
        matrix = fitted.transform_matrix(part)
        for j, name in enumerate(fitted.feature_names_out_):
            column = frame[name]
            if isinstance(column.dtype, pd.CategoricalDtype):
                codes = column.cat.codes.to_numpy().astype(float)
                expected = np.where(codes < 0, np.nan, codes)
            else:
                expected = column.to_numpy()
            np.testing.assert_array_equal(matrix[:, j], expected, err_msg=name)


def test_target_and_id_are_not_features_and_a_missing_column_is_named(history, fitted):
    assert TARGET_COLUMN not in fitted.input_columns_
    assert "SK_ID_CURR" not in fitted.feature_names_out_
    with pytest.raises(ValueError, match="AMT_CREDIT"):
        fitted.transform(history.drop(columns=["AMT_CREDIT"]).iloc[:5])


def test_index_is_preserved(history, fitted):
    rows = history.iloc[[7, 3, 5]]
    assert list(fitted.transform(rows).index) == list(rows.index)
