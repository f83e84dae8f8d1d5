"""One fact, one reason: which model features express the same fact about a client.

The model sees external score 3 *and* the mean, lowest and highest of the external scores; the
credit amount *and* credit / income. Shown as separate bars, one fact appears five times and its
weight is split among them. Here every explained feature belongs to exactly one **fact group**:

- an engineered feature belongs to the group of the first raw column it is computed from
  (``model.features.FEATURE_SOURCES``, declared next to the feature itself), so a new engineered
  feature joins its fact without anyone editing this module;
- a raw column belongs to the fact declared for it below (the three external scores; the credit,
  annuity, goods price and income; the six credit-bureau counts; the 47 building columns ...);
- a credit-record feature (``CR_*``, ``model.record_features``) belongs to the fact declared
  beside it there (``RECORD_FEATURE_FACTS``: late payments with us, debts at other lenders ...),
  so the forty-odd aggregates of six tables read as six facts, not forty bars;
- any other raw column is a fact of its own (key = the column name).

Some facts are **protected**: they describe who the applicant is, not how they handle credit, and
are never given as a reason for a refusal (``services.reasons``). Gender (EU Directive 2004/113,
French Code pénal art. 225-1), family situation: marital status, children, household size (225-1
"situation de famille"; US Reg B), and age. Age is our decision: US Reg B lets a validated scoring
system use age as long as older applicants are not scored down, but this lender is French, where
age is a listed ground of discrimination (225-1) and applicants cannot act on it, so it is never a
reason. Under the feature policy (``model/feature_policy.toml``) the model does not read gender,
age, family status or children; a model trained with another policy might, and the advisor's
explanation then shows them, labelled, so human oversight sees what the model used.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache

from credit_dashboard.i18n import lazy_gettext
from credit_dashboard.model.features import ENGINEERED_FEATURES, FEATURE_SOURCES
from credit_dashboard.model.record_catalogue import (
    RECORD_FACTS,
    RECORD_FEATURE_FACTS,
    is_record_feature,
)
from credit_dashboard.services.labels import feature_label
from credit_dashboard.storage.schema import (
    CREDIT_BUREAU_COLUMNS,
    HOUSING_COLUMNS,
    TRAIN_COLUMNS,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Fact:
    """Raw Kaggle columns that together say one thing about the client."""

    key: str
    #: The advisor's name for the fact (lazy: translated when shown).
    label: object
    columns: tuple[str, ...]
    protected: bool = False


def _starting(prefix: str) -> tuple[str, ...]:
    return tuple(c for c in TRAIN_COLUMNS if c.startswith(prefix))


EXTERNAL_SCORES = ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3")

#: The facts spanning several raw columns, and the protected ones. Every other column is its own.
FACTS: tuple[Fact, ...] = (
    Fact("external_scores", lazy_gettext("External credit scores"), EXTERNAL_SCORES),
    Fact(
        "loan_and_income",
        lazy_gettext("Credit, repayments and income"),
        ("AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE", "AMT_INCOME_TOTAL"),
    ),
    Fact("employment", lazy_gettext("Employment"), ("DAYS_EMPLOYED",)),
    Fact("credit_enquiries", lazy_gettext("Credit bureau enquiries"), CREDIT_BUREAU_COLUMNS),
    Fact(
        "social_circle",
        lazy_gettext("Payment defaults among the client's contacts"),
        tuple(c for c in TRAIN_COLUMNS if c.endswith("_CNT_SOCIAL_CIRCLE")),
    ),
    Fact("documents", lazy_gettext("Documents provided"), _starting("FLAG_DOCUMENT_")),
    Fact(
        "contact_details",
        lazy_gettext("Contact details given"),
        ("FLAG_MOBIL", "FLAG_EMP_PHONE", "FLAG_WORK_PHONE", "FLAG_CONT_MOBILE", "FLAG_PHONE",
         "FLAG_EMAIL"),
    ),
    Fact(
        "addresses",
        lazy_gettext("Home, work and registered addresses"),
        tuple(c for c in TRAIN_COLUMNS if c.startswith(("REG_", "LIVE_")) and "_NOT_" in c),
    ),
    Fact(
        "region",
        lazy_gettext("Region where the client lives"),
        ("REGION_RATING_CLIENT", "REGION_RATING_CLIENT_W_CITY", "REGION_POPULATION_RELATIVE"),
    ),
    Fact("building", lazy_gettext("Building the client lives in"), HOUSING_COLUMNS),
    Fact("car", lazy_gettext("Car"), ("FLAG_OWN_CAR", "OWN_CAR_AGE")),
    Fact(
        "application_time",
        lazy_gettext("Day and hour of the application"),
        ("WEEKDAY_APPR_PROCESS_START", "HOUR_APPR_PROCESS_START"),
    ),
    Fact("age", lazy_gettext("Age"), ("DAYS_BIRTH",), protected=True),
    Fact("gender", lazy_gettext("Gender"), ("CODE_GENDER",), protected=True),
    Fact(
        "family",
        lazy_gettext("Family situation"),
        ("NAME_FAMILY_STATUS", "CNT_CHILDREN", "CNT_FAM_MEMBERS"),
        protected=True,
    ),
)

#: The credit-record facts (``model.record_features.RECORD_FACTS``), their titles written here as
#: literals so Babel extracts them (``RECORD_FACTS`` is data, which it cannot see); a test checks
#: the English against ``RECORD_FACTS`` so a renamed fact cannot keep an old title. Their
#: "columns" are the record features, which are not Kaggle application columns: kept apart from
#: :data:`FACTS`, whose columns are.
_RECORD_TITLES: dict[str, object] = {
    "records_late_with_us": lazy_gettext("Late payments on earlier loans with us"),
    "records_bureau_debts": lazy_gettext("Debts and overdue amounts at other lenders"),
    "records_bureau_late": lazy_gettext("Months late on credits at other lenders"),
    "records_bureau_age": lazy_gettext(
        "How long and how recently you have borrowed from other lenders"
    ),
    "records_applications": lazy_gettext("Earlier credit applications with us"),
    "records_card_use": lazy_gettext("Use of card limits"),
}

RECORD_GROUPS: tuple[Fact, ...] = tuple(
    Fact(
        key,
        _RECORD_TITLES.get(key, title),
        tuple(f for f, fact in RECORD_FEATURE_FACTS.items() if fact == key),
    )
    for key, title in RECORD_FACTS.items()
)

_FACT_BY_KEY: dict[str, Fact] = {fact.key: fact for fact in (*FACTS, *RECORD_GROUPS)}
_FACT_OF_COLUMN: dict[str, str] = {
    column: fact.key for fact in FACTS for column in fact.columns
}

#: Raw columns that never carry a fact of their own as a reason (the protected facts' columns).
PROTECTED_COLUMNS: frozenset[str] = frozenset(
    column for fact in FACTS if fact.protected for column in fact.columns
)


def _raw_column(feature: str) -> str:
    """The raw column whose fact ``feature`` expresses (itself for a raw column)."""
    seen: set[str] = set()
    while feature in FEATURE_SOURCES and feature not in seen:
        seen.add(feature)
        feature = FEATURE_SOURCES[feature][0]
    return feature


@cache
def group_of(feature: str) -> str:
    """The key of the fact group ``feature`` belongs to (exactly one per feature)."""
    if feature in RECORD_FEATURE_FACTS:
        return RECORD_FEATURE_FACTS[feature]
    if is_record_feature(feature):
        # A model trained with a record feature since renamed or dropped: a group of its own
        # rather than a wrong fact (tests/reasons fail on a CR_* feature without one).
        logger.warning("record feature %s has no fact in RECORD_FEATURE_FACTS", feature)
        return feature
    if feature in ENGINEERED_FEATURES and feature not in FEATURE_SOURCES:
        # tests/reasons fail on this; at run time the feature still gets a group of its own.
        logger.warning("engineered feature %s declares no sources in FEATURE_SOURCES", feature)
    column = _raw_column(feature)
    return _FACT_OF_COLUMN.get(column, column)


def group_label(key: str) -> str:
    """The advisor's name for a group: the fact's label, or the column's own label."""
    fact = _FACT_BY_KEY.get(key)
    return str(fact.label) if fact is not None else feature_label(key)


def is_protected(key: str) -> bool:
    """True when the group describes who the applicant is (never a reason for a refusal)."""
    fact = _FACT_BY_KEY.get(key)
    return fact.protected if fact is not None else key in PROTECTED_COLUMNS


def is_record_group(key: str) -> bool:
    """True for a fact of the credit records (``RECORD_FACTS``): its features are aggregates of
    the six record tables, and a missing value there means "no records of this kind"."""
    return key in RECORD_FACTS


def group_columns(key: str) -> tuple[str, ...]:
    """The raw columns of a group (for a credit-record fact: its ``CR_*`` features)."""
    fact = _FACT_BY_KEY.get(key)
    return fact.columns if fact is not None else (key,)
