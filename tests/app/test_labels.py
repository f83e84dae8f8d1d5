"""Readable labels and values: hand-written, automatic fallback, engineered features, formatting."""

from __future__ import annotations

import math

import numpy as np
import pytest

from credit_dashboard.model.features import ENGINEERED_FEATURES
from credit_dashboard.services.labels import display_scale, feature_label, format_value
from credit_dashboard.storage.schema import DAYS_EMPLOYED_ANOMALY, TRAIN_COLUMNS


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("EXT_SOURCE_3", "External score 3"),
        ("DAYS_BIRTH", "Age"),
        ("AMT_CREDIT", "Credit amount"),
        ("AMT_REQ_CREDIT_BUREAU_MON", "Credit bureau enquiries in the last month"),
        ("FLAG_DOCUMENT_3", "Provided document 3"),
        ("APARTMENTS_AVG", "Apartments (average)"),
        ("YEARS_BUILD_MEDI", "Years since built (median)"),
    ],
)
def test_labels_read_as_plain_words(name: str, label: str) -> None:
    assert feature_label(name) == label


def test_every_kaggle_column_gets_a_label_without_underscores() -> None:
    for column in TRAIN_COLUMNS:
        label = feature_label(column)
        assert label and "_" not in label, (column, label)
        assert label[0].isupper(), (column, label)


def test_engineered_features_use_their_description_or_a_short_label() -> None:
    for name, description in ENGINEERED_FEATURES.items():
        label = feature_label(name)
        assert "_" not in label or label == description
        assert len(label) <= 70, label
    assert feature_label("CREDIT_INCOME_RATIO") == ENGINEERED_FEATURES["CREDIT_INCOME_RATIO"]


def test_unknown_names_fall_back_to_a_readable_label() -> None:
    assert feature_label("SOME_NEW_COLUMN") == "Some new column"


@pytest.mark.parametrize(
    ("name", "value", "text"),
    [
        ("DAYS_BIRTH", -15_400, "42 years"),
        ("DAYS_EMPLOYED", -2_301, "6.3 years"),
        ("DAYS_EMPLOYED", DAYS_EMPLOYED_ANOMALY, "pensioner / not employed"),
        ("AMT_INCOME_TOTAL", 135000.0, "135,000"),
        ("AMT_CREDIT", 1_293_502.5, "1,293,502"),
        ("EXT_SOURCE_3", 0.1234, "0.12"),
        ("FLAG_OWN_CAR", "Y", "yes"),
        ("FLAG_PHONE", 0, "no"),
        ("CODE_GENDER", "F", "woman"),
        ("CNT_CHILDREN", 2, "2"),
        ("NAME_EDUCATION_TYPE", "Higher education", "Higher education"),
        ("DAYS_ID_PUBLISH", -730.5, "2.0 years ago"),
        ("DAYS_LAST_PHONE_CHANGE", -10, "10 days ago"),
        ("CREDIT_INCOME_RATIO", 3.21456, "3.21"),
        ("DAYS_EMPLOYED_ANOMALY", 1.0, "yes"),
        ("WEEKDAY_APPR_PROCESS_START", "TUESDAY", "Tuesday"),
    ],
)
def test_values_in_the_lenders_words(name: str, value: object, text: str) -> None:
    assert format_value(name, value) == text


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan])
def test_missing_values_say_not_known(missing: object) -> None:
    assert format_value("EXT_SOURCE_1", missing) == "not known"
    assert format_value("OCCUPATION_TYPE", missing) == "not known"


def test_days_are_plotted_in_years() -> None:
    transform, title = display_scale("DAYS_BIRTH")
    assert math.isclose(transform(-36525.0), 100.0)
    assert title == "Age (years)"
    same, title = display_scale("AMT_CREDIT")
    assert same(5.0) == 5.0 and title == "Credit amount"


def test_every_category_level_is_marked_for_translation() -> None:
    from credit_dashboard.services.level_texts import LEVEL_TEXTS
    from credit_dashboard.storage.schema import CATEGORY_LEVELS

    checked = 0
    for column, levels in LEVEL_TEXTS.items():
        expected = CATEGORY_LEVELS[column]
        if column == "WEEKDAY_APPR_PROCESS_START":
            expected = tuple(level.capitalize() for level in expected)
        assert set(levels) == set(expected), column
        checked += 1
    assert checked == len(CATEGORY_LEVELS) - 4  # gender and the yes/no columns have their words


def test_category_levels_read_in_french() -> None:
    from credit_dashboard.i18n import use_language

    with use_language("fr"):
        assert format_value("NAME_CONTRACT_TYPE", "Cash loans") == "Prêt en espèces"
        assert format_value("WEEKDAY_APPR_PROCESS_START", "TUESDAY") == "Mardi"
        assert format_value("DAYS_BIRTH", -365.25 * 40.5) == "40 ans"
        assert format_value("AMT_CREDIT", 250000.0) == "250\u202f000"
    with use_language("en"):
        assert format_value("NAME_CONTRACT_TYPE", "Cash loans") == "Cash loans"
