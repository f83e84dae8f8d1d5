"""``explain_rows`` (one transform) gives exactly what the three separate methods give.

On the model the real training code built for the session (``small_artifacts_dir``), through both
the fast matrix path and the DataFrame path, for ordinary applicants, a row with missing values
(numbers and a category), a 365243-day "not employed" placeholder and an unseen category level.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import logit

from credit_dashboard.config import APPLICANTS_TABLE
from credit_dashboard.model.artifact import load_model
from credit_dashboard.model.estimator import CreditRiskModel, Explanation
from credit_dashboard.storage.schema import DAYS_EMPLOYED_ANOMALY


@pytest.fixture(scope="module")
def trained_model(small_artifacts_dir: Path) -> CreditRiskModel:
    return load_model(small_artifacts_dir).model


@pytest.fixture(scope="module")
def awkward_rows(small_data_dir: Path) -> pd.DataFrame:
    """Three applicants made awkward on purpose, and two ordinary ones."""
    applicants = pd.read_parquet(small_data_dir / APPLICANTS_TABLE)
    rows = applicants.iloc[:5].copy()
    rows.index = [10, 11, 12, 13, 14]  # not 0..n-1: the index must be carried through
    for column in ("EXT_SOURCE_1", "EXT_SOURCE_3", "AMT_ANNUITY", "AMT_GOODS_PRICE"):
        rows.loc[10, column] = np.nan
    rows.loc[10, "NAME_HOUSING_TYPE"] = None  # a text input the feature policy keeps
    rows.loc[11, "DAYS_EMPLOYED"] = DAYS_EMPLOYED_ANOMALY
    rows.loc[12, "NAME_INCOME_TYPE"] = "a level never seen in training"
    assert rows.loc[10].isna().sum() >= 5  # the row really has missing values
    return rows


def _both_paths(model: CreditRiskModel) -> list[CreditRiskModel]:
    """The model as loaded, and a copy forced onto the DataFrame path."""
    slow = CreditRiskModel(model.pipeline, model.calibration, model.decision_threshold)
    slow.__dict__["_matrix_ok"] = False
    return [model, slow]


def _assert_same_as_separate_calls(model: CreditRiskModel, rows: pd.DataFrame) -> None:
    explanation = model.explain_rows(rows)
    assert isinstance(explanation, Explanation)

    probability = model.default_probability(rows)
    np.testing.assert_allclose(explanation.probability, probability, rtol=1e-12, atol=1e-12)

    contributions, base = model.contributions(rows)
    assert explanation.base_value == base
    pd.testing.assert_index_equal(explanation.contributions.index, rows.index)
    pd.testing.assert_index_equal(explanation.contributions.columns, contributions.columns)
    np.testing.assert_allclose(
        explanation.contributions.to_numpy(), contributions.to_numpy(), rtol=0, atol=1e-12
    )
    np.testing.assert_allclose(
        base + explanation.contributions.sum(axis=1).to_numpy(), logit(probability), atol=1e-6
    )

    # Exactly equal, dtypes (float64, category with the training levels) included.
    pd.testing.assert_frame_equal(explanation.feature_values, model.feature_values(rows))


@pytest.mark.parametrize("path", ["as loaded", "dataframe"])
def test_one_row_at_a_time_as_the_advisor_page_asks(trained_model, awkward_rows, path) -> None:
    model = _both_paths(trained_model)[path == "dataframe"]
    for position in range(len(awkward_rows)):
        _assert_same_as_separate_calls(model, awkward_rows.iloc[position : position + 1])


@pytest.mark.parametrize("path", ["as loaded", "dataframe"])
def test_a_batch_larger_than_the_category_lookup_size(
    trained_model, awkward_rows, small_data_dir, path
) -> None:
    # Beyond 64 rows the category codes come from pandas instead of a dict lookup.
    applicants = pd.read_parquet(small_data_dir / APPLICANTS_TABLE).iloc[5:105]
    rows = pd.concat([awkward_rows, applicants])
    _assert_same_as_separate_calls(_both_paths(trained_model)[path == "dataframe"], rows)


def test_the_awkward_values_are_what_the_client_has(trained_model, awkward_rows) -> None:
    values = trained_model.explain_rows(awkward_rows).feature_values
    for column in ("EXT_SOURCE_1", "EXT_SOURCE_3", "AMT_ANNUITY", "NAME_HOUSING_TYPE"):
        assert pd.isna(values.loc[10, column]), column
    # The placeholder is not a number of days: missing (plus the flag, below).
    assert pd.isna(values.loc[11, "DAYS_EMPLOYED"])
    # On the small data set under the feature policy the plain baseline may ship (payment
    # ratios only, tuned model not better beyond the noise); the tuned model's engineered
    # features are checked when it is the one shipped.
    groups = trained_model.pipeline.steps[0][1].groups
    if groups == ("payment",):
        assert "EXT_SOURCE_MEAN" not in values and "DAYS_EMPLOYED_ANOMALY" not in values
    else:
        assert values.loc[10, "EXT_SOURCE_MEAN"] == pytest.approx(
            awkward_rows.loc[10, "EXT_SOURCE_2"])
        assert values.loc[11, "DAYS_EMPLOYED_ANOMALY"] == 1.0
        flagged = (awkward_rows["DAYS_EMPLOYED"] == DAYS_EMPLOYED_ANOMALY).astype("float64")
        pd.testing.assert_series_equal(values["DAYS_EMPLOYED_ANOMALY"], flagged,
                                       check_names=False)
    assert pd.isna(values.loc[12, "NAME_INCOME_TYPE"])  # unseen level
    assert values.loc[13, "NAME_INCOME_TYPE"] == awkward_rows.loc[13, "NAME_INCOME_TYPE"]


def test_no_rows_is_refused_plainly(trained_model, awkward_rows) -> None:
    with pytest.raises(ValueError, match="at least one row"):
        trained_model.explain_rows(awkward_rows.iloc[:0])


def test_the_loaded_model_takes_the_fast_path(trained_model) -> None:
    # Otherwise the "as loaded" cases above would test the DataFrame path twice.
    assert trained_model._matrix_path()
