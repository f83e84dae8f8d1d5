"""Hostile and malformed input meets ``services.validation`` before it meets the model."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from credit_dashboard.services.validation import (
    REQUIRED_FIELDS,
    ClientIdError,
    RecordValidationError,
    parse_client_id,
    validate_record,
)
from credit_dashboard.storage.schema import (
    DAYS_EMPLOYED_ANOMALY,
    ID_COLUMN,
    TEST_COLUMNS,
    pandas_dtype,
)


def a_record() -> dict[str, object]:
    """A plausible applicant carrying only the required fields plus a few common ones."""
    record: dict[str, object] = {name: 0 for name in REQUIRED_FIELDS}
    record.update(
        AMT_CREDIT=450000.0,
        AMT_INCOME_TOTAL=135000.0,
        AMT_ANNUITY=22500.0,
        DAYS_BIRTH=-12000,
        DAYS_EMPLOYED=-2000,
        DAYS_ID_PUBLISH=-3000,
        REGION_RATING_CLIENT=2,
        REGION_RATING_CLIENT_W_CITY=2,
        HOUR_APPR_PROCESS_START=10,
        FLAG_MOBIL=1,
        CODE_GENDER="F",
        NAME_CONTRACT_TYPE="Cash loans",
        EXT_SOURCE_2=0.55,
    )
    return record


def problems(raw: object) -> dict[str, str]:
    with pytest.raises(RecordValidationError) as caught:
        validate_record(raw)
    return {e.field: e.problem for e in caught.value.errors}


# ------------------------------------------------------------------------------------ client ids


@pytest.mark.parametrize(
    ("text", "expected"),
    [("100002", 100002), ("  456 ", 456), ("+42", 42), ("0000123", 123), (9_999_999_999,) * 2],
)
def test_client_id_accepts_plain_numbers(text: object, expected: int) -> None:
    assert parse_client_id(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "enter a client number"),
        ("   ", "enter a client number"),
        ("-5", "negative"),
        (-5, "negative"),
        ("0", "starts at 1"),
        ("12345678901", "at most 10 digits"),
        ("9" * 5000, "at most 10 digits"),
        (10**10, "at most 10 digits"),
        ("abc", "digits only"),
        ("12.5", "digits only"),
        ("1e5", "digits only"),
        ("١٢٣", "digits only"),  # Arabic-Indic digits: int() would accept them
        ("1 OR 1=1", "database query"),
        ("100002; DROP TABLE clients", "database query"),
        ("100002' --", "database query"),
        ("<script>alert(1)</script>", "markup"),
        ("../../etc/passwd", "path"),
        ("..%2f..%2fetc", "path"),
        ("C:\\Windows", "path"),
        (True, "true/false"),
        (None, "digits"),
        (12.0, "digits"),
    ],
)
def test_client_id_rejects_hostile_or_malformed_input(text: object, fragment: str) -> None:
    with pytest.raises(ClientIdError) as caught:
        parse_client_id(text)
    assert fragment in str(caught.value)
    if isinstance(text, str) and len(text) > 3:
        assert text.strip() not in str(caught.value)  # the raw input is never echoed back


# --------------------------------------------------------------------------------------- records


def test_a_valid_record_becomes_one_row_in_kaggle_order_and_dtypes() -> None:
    frame = validate_record(a_record())
    assert len(frame) == 1
    assert list(frame.columns) == [c for c in TEST_COLUMNS if c != ID_COLUMN]
    for column in frame.columns:
        assert str(frame[column].dtype) == pandas_dtype(column), column
    assert frame.at[0, "AMT_CREDIT"] == 450000.0
    assert frame.at[0, "CODE_GENDER"] == "F"
    # Left out -> missing, not invented.
    assert math.isnan(frame.at[0, "EXT_SOURCE_1"])
    assert pd.isna(frame.at[0, "OCCUPATION_TYPE"])


def test_id_and_nulls_are_kept_as_given() -> None:
    record = a_record() | {ID_COLUMN: 100002, "EXT_SOURCE_1": None, "OCCUPATION_TYPE": None}
    frame = validate_record(record)
    assert list(frame.columns) == list(TEST_COLUMNS)
    assert frame.at[0, ID_COLUMN] == 100002
    assert math.isnan(frame.at[0, "EXT_SOURCE_1"])


def test_the_not_employed_code_is_accepted() -> None:
    frame = validate_record(a_record() | {"DAYS_EMPLOYED": DAYS_EMPLOYED_ANOMALY})
    assert frame.at[0, "DAYS_EMPLOYED"] == DAYS_EMPLOYED_ANOMALY


@pytest.mark.parametrize("raw", [[], [a_record()], "text", 3, None])
def test_a_body_that_is_not_an_object_is_refused(raw: object) -> None:
    assert "(record)" in problems(raw)


def test_every_problem_is_reported_at_once_and_named_by_field() -> None:
    record = a_record() | {
        "AMT_CREDIT": "450000",  # a string for a number
        "AMT_ANNUITY": -10.0,  # negative amount
        "CODE_GENDER": 1,  # a number for a category
        "NAME_CONTRACT_TYPE": "Mortgage",  # unknown level
        "EXT_SOURCE_2": float("nan"),
        "EXT_SOURCE_3": float("inf"),
        "DAYS_BIRTH": -1000,  # under 3 years old
        "DAYS_ID_PUBLISH": 30,  # in the future
        "FLAG_MOBIL": 2,
        "CNT_CHILDREN": 1.5,
        "FAVOURITE_COLOUR": "blue",
        "TARGET": 1,
    }
    found = problems(record)
    assert "expected a number, got text" in found["AMT_CREDIT"]
    assert "cannot be below 0" in found["AMT_ANNUITY"]
    assert "text levels" in found["CODE_GENDER"]
    assert "unknown level" in found["NAME_CONTRACT_TYPE"]
    assert "NaN" in found["EXT_SOURCE_2"]
    assert "NaN and Infinity" in found["EXT_SOURCE_3"]
    assert "between 18 and 100 years" in found["DAYS_BIRTH"]
    assert "zero or negative" in found["DAYS_ID_PUBLISH"]
    assert "0 or 1" in found["FLAG_MOBIL"]
    assert "whole number" in found["CNT_CHILDREN"]
    assert "unknown field" in found["FAVOURITE_COLOUR"]
    assert "outcome" in found["TARGET"]
    assert len(found) == 12


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("DAYS_BIRTH", -(101 * 366), "between 18 and 100"),
        ("DAYS_BIRTH", 5000, "between 18 and 100"),
        ("DAYS_EMPLOYED", 100, "365243 for not employed"),
        ("DAYS_REGISTRATION", -50000.0, "more than 100 years back"),
        ("AMT_INCOME_TOTAL", 1e15, "cannot be above"),
        ("AMT_CREDIT", 0, "positive"),
        ("EXT_SOURCE_1", 1.5, "cannot be above 1"),
        ("HOUR_APPR_PROCESS_START", 24, "hour"),
        ("REGION_RATING_CLIENT", 7, "1, 2 or 3"),
        ("CNT_FAM_MEMBERS", 0, "family size"),
        ("AMT_REQ_CREDIT_BUREAU_YEAR", -1, "below 0"),
        ("FLAG_DOCUMENT_3", True, "true/false"),
        ("OCCUPATION_TYPE", ["Laborers"], "a list"),
        ("AMT_ANNUITY", {"value": 1}, "an object"),
        (ID_COLUMN, -3, "positive"),
    ],
)
def test_absurd_values_are_refused(field: str, value: object, fragment: str) -> None:
    assert fragment in problems(a_record() | {field: value})[field]


def test_required_fields_cannot_be_left_out_or_null() -> None:
    record = a_record()
    del record["DAYS_BIRTH"]
    record["AMT_CREDIT"] = None
    found = problems(record)
    assert set(found) == {"DAYS_BIRTH", "AMT_CREDIT"}
    assert "required" in found["DAYS_BIRTH"]


def test_python_json_nan_literals_are_caught_by_field() -> None:
    # Python's json module reads NaN / Infinity / -Infinity literals and 1e999 as floats.
    body = (
        '{"EXT_SOURCE_1": NaN, "EXT_SOURCE_2": Infinity, "EXT_SOURCE_3": -Infinity,'
        ' "AMT_ANNUITY": 1e999}'
    )
    raw = a_record() | json.loads(body)
    assert set(problems(raw)) == {"EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3", "AMT_ANNUITY"}


def test_hostile_field_names_are_not_echoed_verbatim() -> None:
    name = "<script>" + "x" * 500 + "\n"
    found = problems(a_record() | {name: 1})
    (reported,) = found
    assert len(reported) < 80 and "\n" not in reported


def test_every_generated_applicant_passes(small_data_dir) -> None:
    """The rules describe real applications: none of the embedded applicants is refused."""
    from credit_dashboard.config import APPLICANTS_TABLE

    table = pd.read_parquet(small_data_dir / APPLICANTS_TABLE)
    refused: dict[str, int] = {}
    # Through JSON, as an API client would send them (missing values become null).
    for record in json.loads(table.to_json(orient="records", double_precision=15)):
        try:
            frame = validate_record(record)
        except RecordValidationError as exc:
            for error in exc.errors:
                refused[error.field] = refused.get(error.field, 0) + 1
            continue
        assert list(frame.columns) == list(TEST_COLUMNS)
    assert refused == {}
