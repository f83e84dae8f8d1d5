"""What-if inputs: which ones are offered, how typed values are read, and the validation rules."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from credit_dashboard.services.whatif import (
    EDITABLE_INPUTS,
    apply_edits,
    choose_inputs,
    display_value,
    display_values,
    parse_number,
)
from credit_dashboard.storage.schema import DAYS_EMPLOYED_ANOMALY, years_to_days


@pytest.fixture
def client(synthetic_history: pd.DataFrame) -> pd.DataFrame:
    row = synthetic_history.iloc[[0]].copy()
    row["DAYS_BIRTH"] = years_to_days(40)  # 40 years old: at most 26 years employed
    row["DAYS_EMPLOYED"] = years_to_days(5)
    row["AMT_CREDIT"] = 300_000.0
    row["AMT_ANNUITY"] = 15_000.0
    row["AMT_GOODS_PRICE"] = 270_000.0
    row["AMT_INCOME_TOTAL"] = 120_000.0
    row["CNT_CHILDREN"] = 1
    row["CNT_FAM_MEMBERS"] = 3.0
    return row


def test_inputs_follow_importance_and_exclude_unchangeable_columns() -> None:
    importance = [
        {"feature": "EXT_SOURCE_3", "mean_abs_shap": 0.50},
        {"feature": "CREDIT_INCOME_RATIO", "mean_abs_shap": 0.30},
        {"feature": "DAYS_EMPLOYED", "mean_abs_shap": 0.20},
        {"feature": "AMT_REQ_CREDIT_BUREAU_YEAR", "mean_abs_shap": 0.15},
        {"feature": "PAYMENT_RATE", "mean_abs_shap": 0.12},
        {"feature": "NAME_EDUCATION_TYPE", "mean_abs_shap": 0.10},
        {"feature": "CODE_GENDER", "mean_abs_shap": 0.09},
        {"feature": "SK_ID_CURR", "mean_abs_shap": 0.08},
        {"feature": "CNT_CHILDREN", "mean_abs_shap": 0.0},
    ]
    chosen = choose_inputs(importance, n=10)
    # Credit and income inherit the ratio's importance; the annuity the payment rate's.
    assert chosen == [
        "AMT_CREDIT", "AMT_INCOME_TOTAL", "DAYS_EMPLOYED", "AMT_ANNUITY", "NAME_EDUCATION_TYPE"
    ]
    assert choose_inputs(importance, n=2) == ["AMT_CREDIT", "AMT_INCOME_TOTAL"]
    assert choose_inputs({"AMT_GOODS_PRICE": 1.0, "EXT_SOURCE_1": 2.0}) == ["AMT_GOODS_PRICE"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("250000", 250_000.0),
        ("250 000", 250_000.0),
        ("250\u202f000", 250_000.0),
        ("250,000", 250_000.0),
        ("1,234,567.5", 1_234_567.5),
        ("1234,5", 1234.5),
        (" 12.5 ", 12.5),
        (7, 7.0),
    ],
)
def test_numbers_are_read_as_advisors_type_them(typed: object, expected: float) -> None:
    assert parse_number(typed) == expected


@pytest.mark.parametrize("typed", ["abc", "12 abc", "inf", "nan", True, "1" * 50])
def test_non_numbers_are_refused(typed: object) -> None:
    with pytest.raises(ValueError, match="number"):
        parse_number(typed)


def test_valid_edits_change_raw_values_in_kaggle_units(client: pd.DataFrame) -> None:
    check = apply_edits(
        client,
        {
            "AMT_CREDIT": "250 000",
            "DAYS_EMPLOYED": 10,
            "CNT_CHILDREN": 2,
            "NAME_FAMILY_STATUS": "Married",
            "AMT_INCOME_TOTAL": 120_000,  # unchanged
        },
    )
    assert check.ok and check.errors == {}
    row = check.row
    assert row["AMT_CREDIT"].iloc[0] == 250_000.0
    assert row["DAYS_EMPLOYED"].iloc[0] == -round(10 * 365.25)
    assert row["CNT_CHILDREN"].iloc[0] == 2
    assert row.dtypes.equals(client.dtypes)  # Kaggle dtypes kept (int64 stays int64)
    assert set(check.changed) == {"AMT_CREDIT", "DAYS_EMPLOYED", "CNT_CHILDREN"} | (
        {"NAME_FAMILY_STATUS"} if client["NAME_FAMILY_STATUS"].iloc[0] != "Married" else set()
    )
    assert client["AMT_CREDIT"].iloc[0] == 300_000.0  # the original is untouched


def test_empty_years_employed_means_not_employed(client: pd.DataFrame) -> None:
    check = apply_edits(client, {"DAYS_EMPLOYED": ""})
    assert check.ok
    assert check.row["DAYS_EMPLOYED"].iloc[0] == DAYS_EMPLOYED_ANOMALY
    assert display_value(check.row, "DAYS_EMPLOYED") is None
    assert display_value(client, "DAYS_EMPLOYED") == 5.0


@pytest.mark.parametrize(
    ("edits", "field", "words"),
    [
        ({"AMT_INCOME_TOTAL": -5}, "AMT_INCOME_TOTAL", "positive"),
        ({"AMT_INCOME_TOTAL": 0}, "AMT_INCOME_TOTAL", "positive"),
        ({"AMT_INCOME_TOTAL": ""}, "AMT_INCOME_TOTAL", "required"),
        ({"AMT_CREDIT": 2e9}, "AMT_CREDIT", "at most"),
        ({"AMT_CREDIT": "lots"}, "AMT_CREDIT", "number"),
        ({"AMT_ANNUITY": 300_000}, "AMT_ANNUITY", "below the credit amount"),
        ({"AMT_CREDIT": 14_000}, "AMT_CREDIT", "below the credit amount"),
        ({"AMT_GOODS_PRICE": 460_000}, "AMT_GOODS_PRICE", "1.5 times"),
        ({"DAYS_EMPLOYED": -1}, "DAYS_EMPLOYED", "negative"),
        ({"DAYS_EMPLOYED": 27}, "DAYS_EMPLOYED", "age 40 minus 14"),
        ({"CNT_CHILDREN": 1.5}, "CNT_CHILDREN", "whole number"),
        ({"CNT_CHILDREN": -1}, "CNT_CHILDREN", "between 0"),
        ({"CNT_CHILDREN": 3}, "CNT_CHILDREN", "family size"),
        ({"CNT_FAM_MEMBERS": 0}, "CNT_FAM_MEMBERS", "between 1"),
        ({"NAME_FAMILY_STATUS": "Polyamorous"}, "NAME_FAMILY_STATUS", "unknown choice"),
        ({"NAME_FAMILY_STATUS": ""}, "NAME_FAMILY_STATUS", "required"),
        ({"EXT_SOURCE_3": 0.9}, "EXT_SOURCE_3", "cannot be changed"),
        ({"SK_ID_CURR": 1}, "SK_ID_CURR", "cannot be changed"),
    ],
)
def test_invalid_edits_get_a_message_on_their_field_and_no_row(
    client: pd.DataFrame, edits: dict, field: str, words: str
) -> None:
    check = apply_edits(client, edits)
    assert not check.ok
    assert check.row is None
    assert field in check.errors and words in check.errors[field]


def test_every_error_is_reported_at_once(client: pd.DataFrame) -> None:
    check = apply_edits(client, {"AMT_INCOME_TOTAL": -1, "CNT_CHILDREN": 0.5, "AMT_ANNUITY": "x"})
    assert set(check.errors) == {"AMT_INCOME_TOTAL", "CNT_CHILDREN", "AMT_ANNUITY"}


def test_real_values_always_rescore_even_if_a_cross_rule_is_broken(client: pd.DataFrame) -> None:
    odd = client.copy()
    odd["AMT_GOODS_PRICE"] = 600_000.0  # 2x the credit: unusual, but it is the client's file
    assert apply_edits(odd, display_values(odd, EDITABLE_INPUTS)).ok
    assert apply_edits(odd, {"AMT_INCOME_TOTAL": 150_000}).ok
    # Touching one of the two fields brings the rule back.
    assert "AMT_CREDIT" in apply_edits(odd, {"AMT_CREDIT": 310_000}).errors


def test_missing_optional_values_round_trip(client: pd.DataFrame) -> None:
    row = client.copy()
    row["OCCUPATION_TYPE"] = math.nan
    row["AMT_GOODS_PRICE"] = math.nan
    values = display_values(row, ["OCCUPATION_TYPE", "AMT_GOODS_PRICE"])
    assert values == {"OCCUPATION_TYPE": None, "AMT_GOODS_PRICE": None}
    check = apply_edits(row, values)
    assert check.ok and check.changed == ()


def test_the_values_shown_change_nothing_for_any_client(synthetic_history: pd.DataFrame) -> None:
    # The panel sends back every field; untouched ones (years rounded to a tenth) must not move
    # the raw row, or the "original" and "modified" scores would differ with no edit at all.
    for position in range(0, len(synthetic_history), 97):
        row = synthetic_history.iloc[[position]]
        check = apply_edits(row, display_values(row, EDITABLE_INPUTS))
        assert check.ok, check.errors
        assert check.changed == ()
        pd.testing.assert_frame_equal(check.row, row)


def test_a_small_edit_of_years_employed_is_a_change(client: pd.DataFrame) -> None:
    check = apply_edits(client, {"DAYS_EMPLOYED": 5.1})
    assert check.changed == ("DAYS_EMPLOYED",)
    assert check.row["DAYS_EMPLOYED"].iloc[0] == -round(5.1 * 365.25)


def test_engineered_features_lend_importance_to_their_raw_inputs() -> None:
    from credit_dashboard.model.features import ENGINEERED_FEATURES
    from credit_dashboard.services.whatif.inputs import _inputs_of

    expected = {
        "DAYS_EMPLOYED_ANOMALY": ("DAYS_EMPLOYED",),
        "CREDIT_INCOME_RATIO": ("AMT_CREDIT", "AMT_INCOME_TOTAL"),
        "ANNUITY_INCOME_RATIO": ("AMT_ANNUITY", "AMT_INCOME_TOTAL"),
        "PAYMENT_RATE": ("AMT_ANNUITY", "AMT_CREDIT"),
        "EMPLOYED_AGE_RATIO": ("DAYS_EMPLOYED",),
        "INCOME_PER_PERSON": ("AMT_INCOME_TOTAL", "CNT_FAM_MEMBERS"),
        "EXT_SOURCE_MEAN": (),
        "EXT_SOURCE_STD": (),
    }
    for feature, inputs in expected.items():
        if feature in ENGINEERED_FEATURES:
            assert set(_inputs_of(feature)) == set(inputs), feature
    # Nothing engineered ever points at a column the advisor may not edit.
    for feature in ENGINEERED_FEATURES:
        assert set(_inputs_of(feature)) <= set(EDITABLE_INPUTS)


def test_rules_hold_on_a_grid_agrees_with_apply_edits_row_by_row(client: pd.DataFrame) -> None:
    """The counterfactual checks its grid in bulk with ``rules_hold``: the same verdict as
    ``apply_edits`` on each row, for valid and broken amounts alike."""
    import numpy as np

    from credit_dashboard.services.whatif.rules import rules_hold

    edits = [
        {"AMT_CREDIT": 240_000.0, "AMT_ANNUITY": 12_000.0},  # fine
        {"AMT_CREDIT": 150_000.0},  # goods 270 000 > 1.5 x 150 000
        {"AMT_ANNUITY": 400_000.0},  # annuity above the credit
        {"AMT_CREDIT": 200_000.0, "AMT_GOODS_PRICE": 190_000.0},  # fine
        {"AMT_CREDIT": -5.0},  # not positive
        {"AMT_CREDIT": 2e9},  # above the largest amount
        {"AMT_GOODS_PRICE": float("nan")},  # missing goods price: passes
    ]
    frame = pd.concat([client] * len(edits), ignore_index=True)
    for i, edit in enumerate(edits):
        for column, value in edit.items():
            frame.loc[i, column] = value
    got = rules_hold(frame, ("AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE"))
    want = np.array([apply_edits(client, {k: (None if v != v else v) for k, v in e.items()}).ok
                     for e in edits])
    assert got.tolist() == want.tolist() == [True, False, False, True, False, False, True]
    with pytest.raises(ValueError, match="amounts only"):
        rules_hold(frame, ("CNT_CHILDREN",))
