"""Readable labels and values in the lender's words, for raw Kaggle columns and engineered features.

One source of truth for how a column is named and how its value is written on screen: the advisor
page, the waterfall, the readings and the JSON API all call :func:`feature_label` and
:func:`format_value`. The important columns have hand-written labels; every other Kaggle column gets
an automatic one built from its name (``AMT_REQ_CREDIT_BUREAU_MON`` -> "Credit bureau enquiries in
the last month"), and engineered features use their description from ``model.features``.

The credit-record features (``CR_*``, ``model.record_features``) all have hand-written labels and
a unit each (:data:`RECORD_UNITS`): a share reads as a percentage, an amount in euros, a duration in
days or months, a date as "... ago". A client without records of a kind has those features missing,
and that is information, not a gap in the file: it reads "no records of this kind", never "not
known" (which would suggest the lender failed to look).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import cache

from credit_dashboard.i18n import (
    N_,
    current_language,
    format_amount,
    format_number,
    format_percent,
    ngettext,
)
from credit_dashboard.i18n import gettext as _
from credit_dashboard.model.features import ENGINEERED_FEATURES
from credit_dashboard.model.record_catalogue import RECORD_FEATURES, is_record_feature
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
    # Credit-record features (model.record_features): shorter than their descriptions, for a
    # chart axis; tests/reasons check that every CR_* feature has one.
    "CR_BUREAU_COUNT": N_("Credits at other lenders"),
    "CR_BUREAU_ACTIVE_COUNT": N_("Active credits at other lenders"),
    "CR_BUREAU_DAYS_CREDIT_MEAN": N_("Credits at other lenders opened, on average"),
    "CR_BUREAU_DAYS_CREDIT_MAX": N_("Latest credit at another lender opened"),
    "CR_BUREAU_DEBT_SUM": N_("Current debt at other lenders"),
    "CR_BUREAU_DEBT_CREDIT_RATIO": N_("Debt at other lenders / their credit amounts"),
    "CR_BUREAU_OVERDUE_SUM": N_("Amount overdue at other lenders"),
    "CR_BUREAU_OVERDUE_DAYS_MAX": N_("Days overdue at other lenders now (most)"),
    "CR_BUREAU_MAX_OVERDUE": N_("Largest amount ever overdue at another lender"),
    "CR_BUREAU_BAD_DEBT_COUNT": N_("Credits at other lenders sold or written off"),
    "CR_BUREAU_ENQUIRIES_YEAR": N_("Credits opened at other lenders in the last year"),
    "CR_BUREAU_MONTHS_LATE": N_("Months late at other lenders"),
    "CR_BUREAU_LATE_SHARE": N_("Share of months late at other lenders"),
    "CR_BUREAU_MONTHS_LATE_12M": N_("Months late at other lenders, last 12 months"),
    "CR_BUREAU_WORST_STATUS": N_("Worst lateness at other lenders"),
    "CR_PREV_COUNT": N_("Earlier applications with us"),
    "CR_PREV_REFUSED_COUNT": N_("Earlier applications refused"),
    "CR_PREV_REFUSED_SHARE": N_("Share of earlier applications refused"),
    "CR_PREV_APPROVED_COUNT": N_("Earlier applications approved"),
    "CR_PREV_REFUSED_AMOUNT": N_("Amount asked in refused applications"),
    "CR_PREV_DAYS_DECISION_MAX": N_("Latest earlier application with us, decided"),
    "CR_PREV_APPLICATIONS_YEAR": N_("Applications with us in the last year"),
    "CR_PREV_APPLICATION_CREDIT_RATIO": N_("Amount asked / amount granted, earlier applications"),
    "CR_INST_COUNT": N_("Instalments due on earlier loans with us"),
    "CR_INST_LATE_SHARE": N_("Share of instalments paid late"),
    "CR_INST_LATE_SHARE_12M": N_("Share of instalments paid late, last 12 months"),
    "CR_INST_LATE_SHARE_6M": N_("Share of instalments paid late, last 6 months"),
    "CR_INST_DAYS_LATE_MEAN": N_("Days late per instalment (mean)"),
    "CR_INST_DAYS_LATE_MAX": N_("Days late on an instalment (most)"),
    "CR_INST_PARTIAL_SHARE": N_("Share of instalments partly paid"),
    "CR_INST_PARTIAL_SHARE_12M": N_("Share of instalments partly paid, last 12 months"),
    "CR_INST_PAID_RATIO": N_("Amount paid / amount due on earlier loans"),
    "CR_POS_MONTHS": N_("Months of cash and consumer loans with us"),
    "CR_POS_DPD_MAX": N_("Days past due on a cash or consumer loan (most)"),
    "CR_POS_LATE_SHARE": N_("Share of loan months past due"),
    "CR_POS_REMAINING_INSTALMENTS": N_("Instalments left on current loans with us"),
    "CR_CARD_MONTHS": N_("Months of card use with us"),
    "CR_CARD_LIMIT_USE_MEAN": N_("Card balance / card limit (mean)"),
    "CR_CARD_LIMIT_USE_LAST": N_("Card balance / card limit (latest month)"),
    "CR_CARD_DRAWINGS_MEAN": N_("Card drawings per month (mean)"),
    "CR_CARD_DPD_MAX": N_("Days past due on a card (most)"),
}

#: How each credit-record feature's value is written (see :func:`_record_value`). Explicit rather
#: than guessed from the name: a new feature without a unit fails tests/reasons instead of reading
#: as a bare number.
RECORD_UNITS: dict[str, str] = {
    "CR_BUREAU_COUNT": "count",
    "CR_BUREAU_ACTIVE_COUNT": "count",
    "CR_BUREAU_DAYS_CREDIT_MEAN": "days_ago",
    "CR_BUREAU_DAYS_CREDIT_MAX": "days_ago",
    "CR_BUREAU_DEBT_SUM": "amount",
    "CR_BUREAU_DEBT_CREDIT_RATIO": "share",
    "CR_BUREAU_OVERDUE_SUM": "amount",
    "CR_BUREAU_OVERDUE_DAYS_MAX": "days",
    "CR_BUREAU_MAX_OVERDUE": "amount",
    "CR_BUREAU_BAD_DEBT_COUNT": "count",
    "CR_BUREAU_ENQUIRIES_YEAR": "count",
    "CR_BUREAU_MONTHS_LATE": "months",
    "CR_BUREAU_LATE_SHARE": "share",
    "CR_BUREAU_MONTHS_LATE_12M": "months",
    "CR_BUREAU_WORST_STATUS": "status",
    "CR_PREV_COUNT": "count",
    "CR_PREV_REFUSED_COUNT": "count",
    "CR_PREV_REFUSED_SHARE": "share",
    "CR_PREV_APPROVED_COUNT": "count",
    "CR_PREV_REFUSED_AMOUNT": "amount",
    "CR_PREV_DAYS_DECISION_MAX": "days_ago",
    "CR_PREV_APPLICATIONS_YEAR": "count",
    "CR_PREV_APPLICATION_CREDIT_RATIO": "share",
    "CR_INST_COUNT": "count",
    "CR_INST_LATE_SHARE": "share",
    "CR_INST_LATE_SHARE_12M": "share",
    "CR_INST_LATE_SHARE_6M": "share",
    "CR_INST_DAYS_LATE_MEAN": "days",
    "CR_INST_DAYS_LATE_MAX": "days",
    "CR_INST_PARTIAL_SHARE": "share",
    "CR_INST_PARTIAL_SHARE_12M": "share",
    "CR_INST_PAID_RATIO": "share",
    "CR_POS_MONTHS": "months",
    "CR_POS_DPD_MAX": "days",
    "CR_POS_LATE_SHARE": "share",
    "CR_POS_REMAINING_INSTALMENTS": "count",
    "CR_CARD_MONTHS": "months",
    "CR_CARD_LIMIT_USE_MEAN": "share",
    "CR_CARD_LIMIT_USE_LAST": "share",
    "CR_CARD_DRAWINGS_MEAN": "amount",
    "CR_CARD_DPD_MAX": "days",
}

#: Kaggle's monthly status of a credit at another lender (bureau_balance STATUS 0-5), in words:
#: the very texts of the advisor's credit-history panel (``services.credit_history``), so the
#: worst status reads the same there and in the explanation, with one translation.
_BUREAU_STATUS_TEXT = (
    N_("never late"),
    N_("up to 30 days late"),
    N_("31-60 days late"),
    N_("61-90 days late"),
    N_("91-120 days late"),
    N_("over 120 days late or written off"),
)

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

#: Columns that count days before the application (negative in Kaggle), shown in years: the
#: application's dates and the record features that date an event the same way.
DAYS_COLUMNS: frozenset[str] = frozenset(
    {
        "DAYS_BIRTH",
        "DAYS_EMPLOYED",
        "DAYS_REGISTRATION",
        "DAYS_ID_PUBLISH",
        "DAYS_LAST_PHONE_CHANGE",
        *(name for name, unit in RECORD_UNITS.items() if unit == "days_ago"),
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
    if name in RECORD_FEATURES:
        # A record feature added without a label here: its English description beats an
        # automatic "Cr bureau ..." (tests/reasons fail until it has a label).
        return _(RECORD_FEATURES[name])
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


def _days_text(days: float) -> str:
    """"12 days", "2.5 days": a mean of days keeps one decimal, a count of days none."""
    digits = 0 if float(days).is_integer() else 1
    shown = round(abs(days), digits)
    # Plural as the language says for a whole number ("0 jour", "1 day"), plural for a fraction.
    count = int(shown) if float(shown).is_integer() else 2
    return ngettext("{n} day", "{n} days", count).format(n=format_number(shown, digits))


def _record_value(name: str, number: float) -> str:
    """A credit-record feature's value in its unit (:data:`RECORD_UNITS`)."""
    unit = RECORD_UNITS.get(name, "number")
    if unit == "share":
        # 0.4% is not 0%: small shares keep a decimal, the others read as whole percentages.
        return format_percent(number, 1 if 0 < abs(number) < 0.1 else 0)
    if unit == "amount":
        return format_amount(number)
    if unit == "count":
        return format_number(number)
    if unit == "days":
        return _days_text(number)
    if unit == "days_ago":
        years = _years(number)
        if years >= 1:
            return _("{years} ago").format(years=_years_text(years))
        days = round(abs(number))
        return ngettext("{n} day ago", "{n} days ago", days).format(n=format_number(days))
    if unit == "months":
        months = round(abs(number))
        return ngettext("{n} month", "{n} months", months).format(n=format_number(months))
    if unit == "status":
        level = min(max(round(number), 0), len(_BUREAU_STATUS_TEXT) - 1)
        return _(_BUREAU_STATUS_TEXT[level])
    return _plain_number(number)


def format_value(name: str, value: object) -> str:
    """The value of ``name`` written the way an advisor says it ("42 years", "135,000", "yes")."""
    if is_missing(value):
        if is_record_feature(name):
            return _("no records of this kind")
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
    if is_record_feature(name):
        return _record_value(name, number)
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
