"""CreditRiskModel: calibrated probabilities, additive contributions, one-row path = batch path."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, logit

from credit_dashboard.model.estimator import CreditRiskModel
from credit_dashboard.model.features import ENGINEERED_FEATURES


def test_contributions_add_up_to_the_calibrated_log_odds(tiny_model, applicants):
    rows = applicants.iloc[:50]
    contributions, base = tiny_model.contributions(rows)
    p = tiny_model.default_probability(rows)
    np.testing.assert_allclose(base + contributions.sum(axis=1).to_numpy(), logit(p), atol=1e-6)
    assert list(contributions.columns) == tiny_model.explained_features
    assert list(contributions.index) == list(rows.index)


def test_probability_is_the_platt_transform_of_the_raw_booster_score(tiny_model, applicants):
    rows = applicants.iloc[:20]
    booster = tiny_model.pipeline.steps[-1][1].booster_
    raw = booster.predict(tiny_model.pipeline.steps[0][1].transform(rows), raw_score=True)
    expected = expit(0.8 * raw - 1.7)
    np.testing.assert_allclose(tiny_model.default_probability(rows), expected, rtol=1e-12)
    proba = tiny_model.predict_proba(rows)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_single_rows_score_like_the_batch(tiny_model, applicants):
    rows = applicants.iloc[:30]
    batch = tiny_model.default_probability(rows)
    one_by_one = [tiny_model.default_probability(rows.iloc[[i]])[0] for i in range(len(rows))]
    np.testing.assert_allclose(one_by_one, batch, rtol=1e-12)


def test_fast_matrix_path_equals_the_dataframe_path(tiny_model, applicants):
    rows = applicants.iloc[:40]
    assert tiny_model._matrix_path()
    fast_p = tiny_model.default_probability(rows)
    fast_c, fast_base = tiny_model.contributions(rows)
    slow = CreditRiskModel(tiny_model.pipeline, tiny_model.calibration, 0.1)
    slow.__dict__["_matrix_ok"] = False  # force the DataFrame path
    np.testing.assert_allclose(slow.default_probability(rows), fast_p, rtol=1e-12)
    slow_c, slow_base = slow.contributions(rows)
    np.testing.assert_allclose(slow_c.to_numpy(), fast_c.to_numpy(), atol=1e-12)
    assert slow_base == pytest.approx(fast_base)


def test_feature_values_show_what_the_client_has(tiny_model, applicants):
    row = applicants.iloc[[0]]
    values = tiny_model.feature_values(row)
    assert list(values.columns) == tiny_model.explained_features
    assert values["AMT_CREDIT"].iloc[0] == row["AMT_CREDIT"].iloc[0]
    assert values["NAME_CONTRACT_TYPE"].iloc[0] == row["NAME_CONTRACT_TYPE"].iloc[0]
    assert set(ENGINEERED_FEATURES) & set(values.columns)


def test_contract_attributes(tiny_model, history):
    assert "TARGET" not in tiny_model.input_columns
    assert "SK_ID_CURR" not in tiny_model.input_columns
    assert set(tiny_model.input_columns) <= set(history.columns)
    assert isinstance(tiny_model.decision_threshold, float)
    with pytest.raises(ValueError):
        tiny_model.contributions(pd.DataFrame(columns=history.columns))


def test_contributions_are_shap_tree_explainer_values_scaled_by_the_calibration(
    tiny_model, applicants
):
    shap = pytest.importorskip("shap")
    rows = applicants.iloc[:30]
    booster = tiny_model.pipeline.steps[-1][1].booster_
    explainer = shap.TreeExplainer(booster)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # shap's notice about its LightGBM output format
        values = explainer.shap_values(tiny_model.pipeline.steps[0][1].transform(rows))
    values = values[1] if isinstance(values, list) else values
    contributions, base = tiny_model.contributions(rows)
    slope, intercept = tiny_model.calibration.slope, tiny_model.calibration.intercept
    np.testing.assert_allclose(contributions.to_numpy(), slope * values, atol=1e-9)
    assert base == pytest.approx(slope * float(np.ravel(explainer.expected_value)[-1]) + intercept)
