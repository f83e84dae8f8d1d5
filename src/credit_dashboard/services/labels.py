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

from credit_dashboard.i18n import N_, current_language, format_number, ngettext
from credit_dashboard.i18n import gettext as _
from credit_dashboard.model.features import ENGINEERED_FEATURES
from credit_dashboard.storage.schema import (
    CATEGORY_LEVELS,
    DAYS_EMPLOYED_ANOMALY,
    days_to_years,
    is_missing,
)

#: Hand-written labels for the columns an advisor meets most (the model's usual top features and the
#: profile card). Everything else falls back to :func:`_automatic_label`.
LABELS: dict[str, str] = {
    "EXT_SOURCE_1": N_("External score 1"),
    "EXT_SOURCE_2": N_("External score 2"),
    "EXT_SOURCE_3": N_("External score 3"),
    "DAYS_BIRTH": N_("Age"),
    "DAYS_EMPLOYED": N_("Years employed"),
    "DAYS_REGISTRATION": N_("Registration changed"),
    "DAYS_ID_PUBLISH": N_("Identity document changed"),
    "DAYS_LAST_PHONE_CHANGE": N_("Phone changed"),
    "AMT_INCOME_TOTAL": N_("Income"),
    "AMT_CREDIT": N_("Credit amount"),
    "AMT_ANNUITY": N_("Annuity"),
    "AMT_GOODS_PRICE": N_("Goods price"),
    "CNT_CHILDREN": N_("Number of children"),
    "CNT_FAM_MEMBERS": N_("Family size"),
    "CODE_GENDER": N_("Gender"),
    "FLAG_OWN_CAR": N_("Owns a car"),
    "FLAG_OWN_REALTY": N_("Owns real estate"),
    "OWN_CAR_AGE": N_("Age of car"),
    "NAME_CONTRACT_TYPE": N_("Contract type"),
    "NAME_TYPE_SUITE": N_("Accompanied by"),
    "NAME_INCOME_TYPE": N_("Income type"),
    "NAME_EDUCATION_TYPE": N_("Education"),
    "NAME_FAMILY_STATUS": N_("Family status"),
    "NAME_HOUSING_TYPE": N_("Housing"),
    "OCCUPATION_TYPE": N_("Occupation"),
    "ORGANIZATION_TYPE": N_("Employer type"),
    "REGION_POPULATION_RELATIVE": N_("Region population (relative)"),
    "REGION_RATING_CLIENT": N_("Region rating"),
    "REGION_RATING_CLIENT_W_CITY": N_("Region rating (with city)"),
    "WEEKDAY_APPR_PROCESS_START": N_("Application weekday"),
    "HOUR_APPR_PROCESS_START": N_("Application hour"),
    "FLAG_MOBIL": N_("Gave a mobile phone"),
    "FLAG_EMP_PHONE": N_("Gave a work phone"),
    "FLAG_WORK_PHONE": N_("Gave a home phone"),
    "FLAG_CONT_MOBILE": N_("Mobile phone reachable"),
    "FLAG_PHONE": N_("Gave a landline"),
    "FLAG_EMAIL": N_("Gave an e-mail"),
    "REG_REGION_NOT_LIVE_REGION": N_("Lives outside registered region"),
    "REG_REGION_NOT_WORK_REGION": N_("Works outside registered region"),
    "LIVE_REGION_NOT_WORK_REGION": N_("Works outside home region"),
    "REG_CITY_NOT_LIVE_CITY": N_("Lives outside registered city"),
    "REG_CITY_NOT_WORK_CITY": N_("Works outside registered city"),
    "LIVE_CITY_NOT_WORK_CITY": N_("Works outside home city"),
    "OBS_30_CNT_SOCIAL_CIRCLE": N_("Social circle: contacts 30+ days overdue"),
    "DEF_30_CNT_SOCIAL_CIRCLE": N_("Social circle: defaults 30+ days overdue"),
    "OBS_60_CNT_SOCIAL_CIRCLE": N_("Social circle: contacts 60+ days overdue"),
    "DEF_60_CNT_SOCIAL_CIRCLE": N_("Social circle: defaults 60+ days overdue"),
    "TOTALAREA_MODE": N_("Building total area"),
    "FONDKAPREMONT_MODE": N_("Building repair fund"),
    "HOUSETYPE_MODE": N_("Building type"),
    "WALLSMATERIAL_MODE": N_("Wall material"),
    "EMERGENCYSTATE_MODE": N_("Building in emergency state"),
    # Engineered features whose description in model.features is too long for a chart axis.
    "DAYS_EMPLOYED_ANOMALY": N_("Not employed (pensioner or other)"),
    "EMPLOYED_AGE_RATIO": N_("Share of life in the current job"),
    "PAYMENT_RATE": N_("Annuity / credit amount"),
    "EXT_SOURCE_STD": N_("Spread of the external scores"),
}

# Words of Kaggle's column names in plain language, for the automatic labels.
_WORDS: dict[str, str] = {
    "AMT": N_("amount"),
    "CNT": N_("number of"),
    "AVG": N_("(average)"),
    "MODE": N_("(mode)"),
    "MEDI": N_("(median)"),
    "APARTMENTS": N_("apartments"),
    "BASEMENTAREA": N_("basement area"),
    "YEARS": N_("years"),
    "BEGINEXPLUATATION": N_("since first use"),
    "BUILD": N_("since built"),
    "COMMONAREA": N_("common area"),
    "ELEVATORS": N_("elevators"),
    "ENTRANCES": N_("entrances"),
    "FLOORSMAX": N_("floors (max)"),
    "FLOORSMIN": N_("floors (min)"),
    "LANDAREA": N_("land area"),
    "LIVINGAPARTMENTS": N_("living apartments"),
    "LIVINGAREA": N_("living area"),
    "NONLIVINGAPARTMENTS": N_("non-living apartments"),
    "NONLIVINGAREA": N_("non-living area"),
}

_BUREAU_PERIODS = {
    "HOUR": N_("the last hour"),
    "DAY": N_("the last day"),
    "WEEK": N_("the last week"),
    "MON": N_("the last month"),
    "QRT": N_("the last quarter"),
    "YEAR": N_("the last year"),
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

_YES_NO_TEXT = {"Y": N_("yes"), "N": N_("no"), "Yes": N_("yes"), "No": N_("no")}
_GENDER_TEXT = {"F": N_("woman"), "M": N_("man"), "XNA": N_("not given")}


def _automatic_label(name: str) -> str:
    """A readable label built from the words of a Kaggle column name."""
    match = re.fullmatch(r"FLAG_DOCUMENT_(\d+)", name)
    if match:
        return _("Provided document {number}").format(number=match.group(1))
    match = re.fullmatch(r"AMT_REQ_CREDIT_BUREAU_(\w+)", name)
    if match and match.group(1) in _BUREAU_PERIODS:
        return _("Credit bureau enquiries in {period}").format(
            period=_(_BUREAU_PERIODS[match.group(1)])
        )
    match = re.fullmatch(r"EXT_SOURCE_(\d+)", name)
    if match:
        return _("External score {number}").format(number=match.group(1))
    words = [_(_WORDS[part]) if part in _WORDS else part.lower() for part in name.split("_")
             if part]
    text = " ".join(words)
    return text[:1].upper() + text[1:] if text else name


def feature_label(name: str) -> str:
    """The plain-language label of a raw Kaggle column or an engineered feature, in the current
    language."""
    return _feature_label(name, current_language())


@cache
def _feature_label(name: str, language: str) -> str:
    # ``language`` is part of the cache key: the same column has one label per language.
    if name in LABELS:
        return _(LABELS[name])
    if name in ENGINEERED_FEATURES:
        return _(ENGINEERED_FEATURES[name])
    return _automatic_label(name)


def category_text(value: str) -> str:
    """A category level of Kaggle's (``Cash loans``, ``Working``) in the current language."""
    return _(value)


def _years(days: float) -> float:
    # abs(): a chart axis or a reading in years is never negative, whichever way a count runs.
    return abs(days_to_years(days))


def _plain_number(value: float) -> str:
    """Integers with thousands separators; other numbers with three significant digits."""
    if float(value).is_integer() and abs(value) >= 1:
        return format_number(value)
    if abs(value) >= 1000:
        return format_number(value)
    if value == 0:
        return format_number(0)
    digits = max(0, 2 - math.floor(math.log10(abs(value))))
    text = format_number(float(f"{value:.3g}"), digits=digits)
    if digits == 0:
        return text
    # Three significant digits, without trailing zeros ("0.5", not "0.500"), as ``.3g`` does.
    decimal = "," if "," in text and "." not in text else "."
    return text.rstrip("0").rstrip(decimal) if decimal in text else text


def _years_text(years: float, digits: int = 1) -> str:
    shown = round(years, digits)
    # "1 year" but "1.0 years": only a whole one is singular.
    return ngettext("{n} year", "{n} years", 1 if digits == 0 and shown == 1 else 2).format(
        n=format_number(shown, digits)
    )


def format_value(name: str, value: object) -> str:
    """The value of ``name`` written the way an advisor says it ("42 years", "135,000", "yes")."""
    if is_missing(value):
        return _("not known")
    if isinstance(value, str):
        if name == "CODE_GENDER":
            return _(_GENDER_TEXT[value]) if value in _GENDER_TEXT else value
        if name in {"FLAG_OWN_CAR", "FLAG_OWN_REALTY", "EMERGENCYSTATE_MODE"}:
            return _(_YES_NO_TEXT[value]) if value in _YES_NO_TEXT else value
        if name == "WEEKDAY_APPR_PROCESS_START":
            return _(value.capitalize())  # Kaggle writes TUESDAY
        return category_text(value)
    number = float(value)  # type: ignore[arg-type]
    if name == "DAYS_EMPLOYED" and number == DAYS_EMPLOYED_ANOMALY:
        return _("pensioner / not employed")
    if name == "DAYS_BIRTH":
        return _years_text(math.floor(_years(number)), digits=0)
    if name in DAYS_COLUMNS:
        years = _years(number)
        if name == "DAYS_EMPLOYED":
            return _years_text(years)
        if years >= 1:
            return _("{years} ago").format(years=_years_text(years))
        days = round(abs(number))
        return ngettext("{n} day ago", "{n} days ago", days).format(n=format_number(days))
    if name.startswith("AMT_REQ_CREDIT_BUREAU_") or name.startswith("CNT_") or (
        "SOCIAL_CIRCLE" in name
    ):
        return format_number(number)
    if name.startswith("AMT_"):
        return format_number(number)
    if name == "OWN_CAR_AGE":
        return _years_text(number, digits=0)
    if name == "HOUR_APPR_PROCESS_START":
        return _("{hour} h").format(hour=format_number(number))
    if is_flag(name):
        if number in (0, 1):
            return _("yes") if number == 1 else _("no")
        return _plain_number(number)
    if name.startswith("EXT_SOURCE_"):
        return format_number(number, digits=2)
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
        unit = _("years") if name in {"DAYS_BIRTH", "DAYS_EMPLOYED"} else _("years ago")
        return _years, label if unit in label.lower() else f"{label} ({unit})"
    return _identity, label


def _identity(value: float) -> float:
    return value
