"""Readable labels and values in the lender's words, for raw Kaggle columns and engineered features.

One source of truth for how a column is named and how its value is written on screen: the advisor
page, the waterfall, the readings and the JSON API all call :func:`feature_label` and
:func:`format_value`. The important columns have hand-written labels; every other Kaggle column gets
an automatic one built from its name (``AMT_REQ_CREDIT_BUREAU_MON`` -> "Credit bureau enquiries in
the last month"), and engineered features use their description from ``model.features``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import cache

from credit_dashboard.model.features import ENGINEERED_FEATURES
from credit_dashboard.storage.schema import CATEGORY_LEVELS, DAYS_EMPLOYED_ANOMALY, DAYS_PER_YEAR

#: Hand-written labels for the columns an advisor meets most (the model's usual top features and the
#: profile card). Everything else falls back to :func:`_automatic_label`.
LABELS: dict[str, str] = {
    "EXT_SOURCE_1": "External score 1",
    "EXT_SOURCE_2": "External score 2",
    "EXT_SOURCE_3": "External score 3",
    "DAYS_BIRTH": "Age",
    "DAYS_EMPLOYED": "Years employed",
    "DAYS_REGISTRATION": "Registration changed",
    "DAYS_ID_PUBLISH": "Identity document changed",
    "DAYS_LAST_PHONE_CHANGE": "Phone changed",
    "AMT_INCOME_TOTAL": "Income",
    "AMT_CREDIT": "Credit amount",
    "AMT_ANNUITY": "Annuity",
    "AMT_GOODS_PRICE": "Goods price",
    "CNT_CHILDREN": "Number of children",
    "CNT_FAM_MEMBERS": "Family size",
    "CODE_GENDER": "Gender",
    "FLAG_OWN_CAR": "Owns a car",
    "FLAG_OWN_REALTY": "Owns real estate",
    "OWN_CAR_AGE": "Age of car",
    "NAME_CONTRACT_TYPE": "Contract type",
    "NAME_TYPE_SUITE": "Accompanied by",
    "NAME_INCOME_TYPE": "Income type",
    "NAME_EDUCATION_TYPE": "Education",
    "NAME_FAMILY_STATUS": "Family status",
    "NAME_HOUSING_TYPE": "Housing",
    "OCCUPATION_TYPE": "Occupation",
    "ORGANIZATION_TYPE": "Employer type",
    "REGION_POPULATION_RELATIVE": "Region population (relative)",
    "REGION_RATING_CLIENT": "Region rating",
    "REGION_RATING_CLIENT_W_CITY": "Region rating (with city)",
    "WEEKDAY_APPR_PROCESS_START": "Application weekday",
    "HOUR_APPR_PROCESS_START": "Application hour",
    "FLAG_MOBIL": "Gave a mobile phone",
    "FLAG_EMP_PHONE": "Gave a work phone",
    "FLAG_WORK_PHONE": "Gave a home phone",
    "FLAG_CONT_MOBILE": "Mobile phone reachable",
    "FLAG_PHONE": "Gave a landline",
    "FLAG_EMAIL": "Gave an e-mail",
    "REG_REGION_NOT_LIVE_REGION": "Lives outside registered region",
    "REG_REGION_NOT_WORK_REGION": "Works outside registered region",
    "LIVE_REGION_NOT_WORK_REGION": "Works outside home region",
    "REG_CITY_NOT_LIVE_CITY": "Lives outside registered city",
    "REG_CITY_NOT_WORK_CITY": "Works outside registered city",
    "LIVE_CITY_NOT_WORK_CITY": "Works outside home city",
    "OBS_30_CNT_SOCIAL_CIRCLE": "Social circle: contacts 30+ days overdue",
    "DEF_30_CNT_SOCIAL_CIRCLE": "Social circle: defaults 30+ days overdue",
    "OBS_60_CNT_SOCIAL_CIRCLE": "Social circle: contacts 60+ days overdue",
    "DEF_60_CNT_SOCIAL_CIRCLE": "Social circle: defaults 60+ days overdue",
    "TOTALAREA_MODE": "Building total area",
    "FONDKAPREMONT_MODE": "Building repair fund",
    "HOUSETYPE_MODE": "Building type",
    "WALLSMATERIAL_MODE": "Wall material",
    "EMERGENCYSTATE_MODE": "Building in emergency state",
    # Engineered features whose description in model.features is too long for a chart axis.
    "DAYS_EMPLOYED_ANOMALY": "Not employed (pensioner or other)",
    "EMPLOYED_AGE_RATIO": "Share of life in the current job",
    "PAYMENT_RATE": "Annuity / credit amount",
    "EXT_SOURCE_STD": "Spread of the external scores",
}

# Words of Kaggle's column names in plain language, for the automatic labels.
_WORDS: dict[str, str] = {
    "AMT": "amount",
    "CNT": "number of",
    "AVG": "(average)",
    "MODE": "(mode)",
    "MEDI": "(median)",
    "APARTMENTS": "apartments",
    "BASEMENTAREA": "basement area",
    "YEARS": "years",
    "BEGINEXPLUATATION": "since first use",
    "BUILD": "since built",
    "COMMONAREA": "common area",
    "ELEVATORS": "elevators",
    "ENTRANCES": "entrances",
    "FLOORSMAX": "floors (max)",
    "FLOORSMIN": "floors (min)",
    "LANDAREA": "land area",
    "LIVINGAPARTMENTS": "living apartments",
    "LIVINGAREA": "living area",
    "NONLIVINGAPARTMENTS": "non-living apartments",
    "NONLIVINGAREA": "non-living area",
}

_BUREAU_PERIODS = {
    "HOUR": "the last hour",
    "DAY": "the last day",
    "WEEK": "the last week",
    "MON": "the last month",
    "QRT": "the last quarter",
    "YEAR": "the last year",
}

#: Columns that count days before the application (negative in Kaggle), shown in years.
DAYS_COLUMNS: frozenset[str] = frozenset(
    {
        "DAYS_BIRTH",
        "DAYS_EMPLOYED",
        "DAYS_REGISTRATION",
        "DAYS_ID_PUBLISH",
        "DAYS_LAST_PHONE_CHANGE",
    }
)

_YES_NO_TEXT = {"Y": "yes", "N": "no", "Yes": "yes", "No": "no"}
_GENDER_TEXT = {"F": "woman", "M": "man", "XNA": "not given"}


def _automatic_label(name: str) -> str:
    """A readable label built from the words of a Kaggle column name."""
    match = re.fullmatch(r"FLAG_DOCUMENT_(\d+)", name)
    if match:
        return f"Provided document {match.group(1)}"
    match = re.fullmatch(r"AMT_REQ_CREDIT_BUREAU_(\w+)", name)
    if match and match.group(1) in _BUREAU_PERIODS:
        return f"Credit bureau enquiries in {_BUREAU_PERIODS[match.group(1)]}"
    match = re.fullmatch(r"EXT_SOURCE_(\d+)", name)
    if match:
        return f"External score {match.group(1)}"
    words = [_WORDS.get(part, part.lower()) for part in name.split("_") if part]
    text = " ".join(words)
    return text[:1].upper() + text[1:] if text else name


@cache
def feature_label(name: str) -> str:
    """The plain-language label of a raw Kaggle column or an engineered feature."""
    if name in LABELS:
        return LABELS[name]
    if name in ENGINEERED_FEATURES:
        return ENGINEERED_FEATURES[name]
    return _automatic_label(name)


def is_missing(value: object) -> bool:
    """True for None and NaN (pandas gives both for a missing cell)."""
    if value is None:
        return True
    try:
        return bool(math.isnan(value))  # type: ignore[arg-type]
    except TypeError:
        return False


def _years(days: float) -> float:
    return abs(days) / DAYS_PER_YEAR


def _plain_number(value: float) -> str:
    """Integers with thousands separators; other numbers with three significant digits."""
    if float(value).is_integer() and abs(value) >= 1:
        return f"{value:,.0f}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def format_value(name: str, value: object) -> str:
    """The value of ``name`` written the way an advisor says it ("42 years", "135,000", "yes")."""
    if is_missing(value):
        return "not known"
    if isinstance(value, str):
        if name == "CODE_GENDER":
            return _GENDER_TEXT.get(value, value)
        if name in {"FLAG_OWN_CAR", "FLAG_OWN_REALTY", "EMERGENCYSTATE_MODE"}:
            return _YES_NO_TEXT.get(value, value)
        if name == "WEEKDAY_APPR_PROCESS_START":
            return value.capitalize()  # Kaggle writes TUESDAY
        return value
    number = float(value)  # type: ignore[arg-type]
    if name == "DAYS_EMPLOYED" and number == DAYS_EMPLOYED_ANOMALY:
        return "pensioner / not employed"
    if name == "DAYS_BIRTH":
        return f"{math.floor(_years(number))} years"
    if name in DAYS_COLUMNS:
        years = _years(number)
        if name == "DAYS_EMPLOYED":
            return f"{years:.1f} years"
        return f"{years:.1f} years ago" if years >= 1 else f"{abs(number):.0f} days ago"
    if name.startswith("AMT_REQ_CREDIT_BUREAU_") or name.startswith("CNT_") or (
        "SOCIAL_CIRCLE" in name
    ):
        return f"{number:,.0f}"
    if name.startswith("AMT_"):
        return f"{number:,.0f}"
    if name == "OWN_CAR_AGE":
        return f"{number:.0f} years"
    if name == "HOUR_APPR_PROCESS_START":
        return f"{number:.0f} h"
    if is_flag(name):
        return "yes" if number == 1 else "no" if number == 0 else _plain_number(number)
    if name.startswith("EXT_SOURCE_"):
        return f"{number:.2f}"
    return _plain_number(number)


def is_flag(name: str) -> bool:
    """True for numeric yes/no columns (1 = yes), raw or engineered."""
    return name.startswith(("FLAG_", "REG_", "LIVE_")) or name == "DAYS_EMPLOYED_ANOMALY"


def is_categorical(name: str) -> bool:
    """True for Kaggle's text columns (compared by default rate per category, not a histogram)."""
    return name in CATEGORY_LEVELS


def display_scale(name: str) -> tuple[Callable[[float], float], str]:
    """How a numeric feature is put on a chart axis: a transform and the axis title.

    Kaggle counts days as negative numbers before the application; a chart of "-15,000" is
    unreadable to an advisor, so days become years. Everything else is plotted as stored.
    """
    label = feature_label(name)
    if name in DAYS_COLUMNS:
        unit = "years" if name in {"DAYS_BIRTH", "DAYS_EMPLOYED"} else "years ago"
        return _years, label if unit in label.lower() else f"{label} ({unit})"
    return _identity, label


def _identity(value: float) -> float:
    return value
