"""What a real application can hold: the plausibility rules on each field's value.

Kept apart from the checks of a record's shape (``validation``: known fields, JSON types, required
fields) because these are facts about clients, not about JSON, and the what-if panel's limits start
from the same numbers (``MAX_AMOUNT``). Each rule says why it exists.
"""

from __future__ import annotations

import re

from credit_dashboard.i18n import gettext as _
from credit_dashboard.storage.schema import (
    CATEGORY_LEVELS,
    DAYS_EMPLOYED_ANOMALY,
    HOUSING_COLUMNS,
    ID_COLUMN,
    TEST_COLUMNS,
    days_to_years,
)

#: Client numbers are Kaggle's SK_ID_CURR: positive, at most 10 digits (fits the int64 and a URL).
MAX_CLIENT_ID_DIGITS = 10

MIN_AGE_YEARS = 18
MAX_AGE_YEARS = 100
#: Amounts above this are typing errors, not clients (Kaggle's largest income is about 1.2e8).
MAX_AMOUNT = 1e9
#: Counts of enquiries, people or social-circle defaults above this are typing errors.
MAX_COUNT = 1000

_BINARY_FLAG = re.compile(r"^(FLAG_|REG_|LIVE_)")
_SHARE_COLUMNS = frozenset(
    {"EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3", "REGION_POPULATION_RELATIVE"}
    | {c for c in HOUSING_COLUMNS if c not in CATEGORY_LEVELS}
)
_COUNT_COLUMNS = frozenset(
    {"OBS_30_CNT_SOCIAL_CIRCLE", "DEF_30_CNT_SOCIAL_CIRCLE", "OBS_60_CNT_SOCIAL_CIRCLE",
     "DEF_60_CNT_SOCIAL_CIRCLE", "CNT_CHILDREN"}
    | {c for c in TEST_COLUMNS if c.startswith("AMT_REQ_CREDIT_BUREAU_")}
)


def range_problem(column: str, value: float) -> str | None:
    """What is wrong with a (finite) number for ``column``, or None when a real application can
    hold it; each rule says what a real application can and cannot contain."""
    if column == ID_COLUMN:
        if value < 1 or value >= 10**MAX_CLIENT_ID_DIGITS:
            return _("a client number is positive with at most {digits} digits").format(
                digits=MAX_CLIENT_ID_DIGITS)
        return None
    if column == "DAYS_BIRTH":
        age = days_to_years(value)
        if not MIN_AGE_YEARS <= age <= MAX_AGE_YEARS:
            return (
                _("days since birth counts back from the application (negative); the age it "
                  "gives must be between {low} and {high} years").format(
                    low=MIN_AGE_YEARS, high=MAX_AGE_YEARS)
            )
        return None
    if column.startswith("DAYS_"):
        if column == "DAYS_EMPLOYED" and value == DAYS_EMPLOYED_ANOMALY:
            return None  # Kaggle's code for "not employed"
        if value > 0:
            extra = ""
            if column == "DAYS_EMPLOYED":
                extra = _(" (or {code} for not employed)").format(code=DAYS_EMPLOYED_ANOMALY)
            return _("days count back from the application: expected zero or negative") + extra
        if days_to_years(value) > MAX_AGE_YEARS:
            return _("more than {years} years back").format(years=MAX_AGE_YEARS)
        return None
    if column in _COUNT_COLUMNS:
        return _between(value, 0, MAX_COUNT, _("a count"))
    if column.startswith("AMT_"):
        if column == "AMT_CREDIT" and value == 0:
            return _("a credit amount must be positive")
        return _between(value, 0, MAX_AMOUNT, _("an amount"))
    if column in _SHARE_COLUMNS:
        return _between(value, 0, 1, _("a normalised score or share"))
    if _BINARY_FLAG.match(column):
        return None if value in (0, 1) else _("a flag is 0 or 1")
    if column.startswith("REGION_RATING_CLIENT"):
        return None if value in (1, 2, 3) else _("a region rating is 1, 2 or 3")
    if column == "HOUR_APPR_PROCESS_START":
        return _between(value, 0, 23, _("an hour of the day"))
    if column == "CNT_FAM_MEMBERS":
        return _between(value, 1, MAX_COUNT, _("a family size (the client included)"))
    if column == "OWN_CAR_AGE":
        return _between(value, 0, MAX_AGE_YEARS, _("a car age in years"))
    return None


def _between(value: float, low: float, high: float, what: str) -> str | None:
    if value < low:
        return _("{what} cannot be below {low}").format(what=what, low=f"{low:g}")
    if value > high:
        return _("{what} cannot be above {high}").format(what=what, high=f"{high:g}")
    return None
