"""The engineered features, in groups that can be switched on and off and measured one at a time.

Each group is a pure NumPy function of cleaned float columns (``DAYS_EMPLOYED`` already without its
365243 placeholder), so one client row and a 300,000-row table go through the same arithmetic.
The groups are the domain features known to carry signal in Home Credit's application table; which
of them the model uses by default (``DEFAULT_GROUPS``) was decided by an ablation on the same folds
(see the README, "Training"), not by their effect on one particular data set's quirks.

``EXT_SOURCE_WEIGHTED`` is the only feature with fitted parameters (the weights of a logistic
regression of the target on the three external scores); ``FeatureEngineer.fit`` learns them on the
training rows it is given, so inside cross-validation it never sees the validation fold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from credit_dashboard.storage.schema import days_to_years

EXT_SOURCES = ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3")
DOCUMENT_FLAGS = tuple(f"FLAG_DOCUMENT_{i}" for i in range(2, 22))
CONTACT_FLAGS = ("FLAG_MOBIL", "FLAG_EMP_PHONE", "FLAG_WORK_PHONE", "FLAG_CONT_MOBILE",
                 "FLAG_PHONE", "FLAG_EMAIL")
ADDRESS_FLAGS = ("REG_REGION_NOT_LIVE_REGION", "REG_REGION_NOT_WORK_REGION",
                 "LIVE_REGION_NOT_WORK_REGION", "REG_CITY_NOT_LIVE_CITY",
                 "REG_CITY_NOT_WORK_CITY", "LIVE_CITY_NOT_WORK_CITY")
BUREAU_COUNTS = ("AMT_REQ_CREDIT_BUREAU_HOUR", "AMT_REQ_CREDIT_BUREAU_DAY",
                 "AMT_REQ_CREDIT_BUREAU_WEEK", "AMT_REQ_CREDIT_BUREAU_MON",
                 "AMT_REQ_CREDIT_BUREAU_QRT", "AMT_REQ_CREDIT_BUREAU_YEAR")


#: group -> {feature name: plain description}. The one source of truth for engineered names.
FEATURE_GROUPS: dict[str, dict[str, str]] = {
    "payment": {
        "CREDIT_INCOME_RATIO": "Credit amount / annual income",
        "ANNUITY_INCOME_RATIO": "Annuity / annual income",
        "PAYMENT_RATE": "Annuity / credit amount (share of the credit repaid per year)",
    },
    "goods": {
        "CREDIT_GOODS_RATIO": "Credit amount / price of the goods (above 1: fees financed)",
        "CREDIT_GOODS_DIFFERENCE": "Credit amount minus the price of the goods",
    },
    "external": {
        "EXT_SOURCE_MEAN": "Mean of the available external scores",
        "EXT_SOURCE_MIN": "Lowest available external score",
        "EXT_SOURCE_MAX": "Highest available external score",
        "EXT_SOURCE_STD": "Spread (standard deviation) of the available external scores",
        "EXT_SOURCE_PRODUCT": "Product of the three external scores",
        "EXT_SOURCE_WEIGHTED": "External scores weighted as learned in training (log-odds)",
        "EXT_SOURCE_COUNT": "Number of external scores available",
    },
    "age_employment": {
        "DAYS_EMPLOYED_ANOMALY": "Employment length was the 365243-day placeholder "
                                 "(not employed)",
        "EMPLOYED_AGE_RATIO": "Days employed / age in days (share of life in the current job)",
        "REGISTRATION_AGE_RATIO": "Days since the registration change / age in days",
        "ID_PUBLISH_AGE_RATIO": "Days since the identity document was issued / age in days",
        "PHONE_CHANGE_AGE_RATIO": "Days since the last phone change / age in days",
        "AGE_AT_LOAN_END": "Age in years when the credit is repaid (age + credit / annuity)",
    },
    "household": {
        "INCOME_PER_PERSON": "Annual income / family members",
        "ANNUITY_PER_PERSON": "Annuity / family members",
        "CHILDREN_RATIO": "Children / family members",
    },
    "documents_contacts": {
        "DOCUMENT_COUNT": "Number of documents provided",
        "CONTACT_FLAG_COUNT": "Number of contact channels given (phones, e-mail)",
        "ADDRESS_MISMATCH_COUNT": "Number of mismatches between home, registration and work "
                                  "addresses",
    },
    "bureau": {
        "BUREAU_ENQUIRIES_TOTAL": "Credit-bureau enquiries in the year before the application",
        "BUREAU_ENQUIRIES_RECENT": "Credit-bureau enquiries in the month before the application",
    },
    "social": {
        "DEF_30_SOCIAL_RATIO": "Share of the social circle 30 days past due",
        "DEF_60_SOCIAL_RATIO": "Share of the social circle 60 days past due",
    },
}

#: Groups measured as helping on the same folds (README "Training" has the ablation table).
DEFAULT_GROUPS: tuple[str, ...] = tuple(FEATURE_GROUPS)
#: What the plain baseline model uses: the three ratios of issue 11's 15-line LightGBM.
BASELINE_GROUPS: tuple[str, ...] = ("payment",)

#: Raw columns each group reads (beyond those, a group needs nothing).
GROUP_INPUTS: dict[str, tuple[str, ...]] = {
    "payment": ("AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY"),
    "goods": ("AMT_CREDIT", "AMT_GOODS_PRICE"),
    "external": EXT_SOURCES,
    "age_employment": ("DAYS_EMPLOYED", "DAYS_BIRTH", "DAYS_REGISTRATION", "DAYS_ID_PUBLISH",
                       "DAYS_LAST_PHONE_CHANGE", "AMT_CREDIT", "AMT_ANNUITY"),
    "household": ("AMT_INCOME_TOTAL", "AMT_ANNUITY", "CNT_FAM_MEMBERS", "CNT_CHILDREN"),
    "documents_contacts": DOCUMENT_FLAGS + CONTACT_FLAGS + ADDRESS_FLAGS,
    "bureau": BUREAU_COUNTS,
    "social": ("OBS_30_CNT_SOCIAL_CIRCLE", "DEF_30_CNT_SOCIAL_CIRCLE",
               "OBS_60_CNT_SOCIAL_CIRCLE", "DEF_60_CNT_SOCIAL_CIRCLE"),
}


def ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Element-wise ratio where a zero or missing denominator gives NaN (not inf)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = numerator / denominator
    out[~np.isfinite(out)] = np.nan
    return out


def _count(columns: Mapping[str, np.ndarray], names: tuple[str, ...], n: int) -> np.ndarray:
    """Row sums of the present columns, missing counted as 0; NaN where all are missing."""
    present = [columns[c] for c in names if c in columns]
    if not present:
        return np.full(n, np.nan)
    stacked = np.column_stack(present)
    total = np.nansum(stacked, axis=1)
    return np.where(np.isnan(stacked).all(axis=1), np.nan, total)


def _payment(c: Mapping[str, np.ndarray], n: int, p: Mapping) -> dict[str, np.ndarray]:
    credit, annuity, income = c["AMT_CREDIT"], c["AMT_ANNUITY"], c["AMT_INCOME_TOTAL"]
    return {"CREDIT_INCOME_RATIO": ratio(credit, income),
            "ANNUITY_INCOME_RATIO": ratio(annuity, income),
            "PAYMENT_RATE": ratio(annuity, credit)}


def _goods(c: Mapping[str, np.ndarray], n: int, p: Mapping) -> dict[str, np.ndarray]:
    credit, goods = c["AMT_CREDIT"], c["AMT_GOODS_PRICE"]
    return {"CREDIT_GOODS_RATIO": ratio(credit, goods), "CREDIT_GOODS_DIFFERENCE": credit - goods}


def ext_matrix(c: Mapping[str, np.ndarray]) -> np.ndarray:
    return np.column_stack([c[name] for name in EXT_SOURCES])


def _external(c: Mapping[str, np.ndarray], n: int, p: Mapping) -> dict[str, np.ndarray]:
    ext = ext_matrix(c)
    missing = np.isnan(ext)
    available = (~missing).sum(axis=1)
    some = available > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(some, np.nansum(ext, axis=1) / np.maximum(available, 1), np.nan)
        std = np.sqrt(np.where(
            some, np.nansum((ext - mean[:, None]) ** 2, axis=1) / np.maximum(available, 1), np.nan
        ))
        lowest = np.where(some, np.min(np.where(missing, np.inf, ext), axis=1), np.nan)
        highest = np.where(some, np.max(np.where(missing, -np.inf, ext), axis=1), np.nan)
    weights = np.asarray(p.get("ext_weights", (0.0, 1.0, 1.0, 1.0)), dtype=np.float64)
    fill = np.asarray(p.get("ext_fill", (0.5, 0.5, 0.5)), dtype=np.float64)
    filled = np.where(missing, fill, ext)
    weighted = np.where(some, weights[0] + filled @ weights[1:], np.nan)
    return {
        "EXT_SOURCE_MEAN": mean, "EXT_SOURCE_MIN": lowest, "EXT_SOURCE_MAX": highest,
        "EXT_SOURCE_STD": std, "EXT_SOURCE_PRODUCT": np.prod(ext, axis=1),
        "EXT_SOURCE_WEIGHTED": weighted, "EXT_SOURCE_COUNT": available.astype(np.float64),
    }


def _age_employment(c: Mapping[str, np.ndarray], n: int, p: Mapping) -> dict[str, np.ndarray]:
    birth = c["DAYS_BIRTH"]
    age_years = days_to_years(birth)
    return {
        "DAYS_EMPLOYED_ANOMALY": c["_DAYS_EMPLOYED_ANOMALY"],
        "EMPLOYED_AGE_RATIO": ratio(c["DAYS_EMPLOYED"], birth),
        "REGISTRATION_AGE_RATIO": ratio(c["DAYS_REGISTRATION"], birth),
        "ID_PUBLISH_AGE_RATIO": ratio(c["DAYS_ID_PUBLISH"], birth),
        "PHONE_CHANGE_AGE_RATIO": ratio(c["DAYS_LAST_PHONE_CHANGE"], birth),
        "AGE_AT_LOAN_END": age_years + ratio(c["AMT_CREDIT"], c["AMT_ANNUITY"]),
    }


def _household(c: Mapping[str, np.ndarray], n: int, p: Mapping) -> dict[str, np.ndarray]:
    members = c["CNT_FAM_MEMBERS"]
    return {"INCOME_PER_PERSON": ratio(c["AMT_INCOME_TOTAL"], members),
            "ANNUITY_PER_PERSON": ratio(c["AMT_ANNUITY"], members),
            "CHILDREN_RATIO": ratio(c["CNT_CHILDREN"], members)}


def _documents_contacts(c: Mapping[str, np.ndarray], n: int, p: Mapping) -> dict[str, np.ndarray]:
    return {"DOCUMENT_COUNT": _count(c, DOCUMENT_FLAGS, n),
            "CONTACT_FLAG_COUNT": _count(c, CONTACT_FLAGS, n),
            "ADDRESS_MISMATCH_COUNT": _count(c, ADDRESS_FLAGS, n)}


def _bureau(c: Mapping[str, np.ndarray], n: int, p: Mapping) -> dict[str, np.ndarray]:
    return {"BUREAU_ENQUIRIES_TOTAL": _count(c, BUREAU_COUNTS, n),
            "BUREAU_ENQUIRIES_RECENT": _count(c, BUREAU_COUNTS[:4], n)}


def _social(c: Mapping[str, np.ndarray], n: int, p: Mapping) -> dict[str, np.ndarray]:
    return {"DEF_30_SOCIAL_RATIO": ratio(c["DEF_30_CNT_SOCIAL_CIRCLE"],
                                         c["OBS_30_CNT_SOCIAL_CIRCLE"]),
            "DEF_60_SOCIAL_RATIO": ratio(c["DEF_60_CNT_SOCIAL_CIRCLE"],
                                         c["OBS_60_CNT_SOCIAL_CIRCLE"])}


_BUILDERS: dict[str, Callable[..., dict[str, np.ndarray]]] = {
    "payment": _payment, "goods": _goods, "external": _external,
    "age_employment": _age_employment, "household": _household,
    "documents_contacts": _documents_contacts, "bureau": _bureau, "social": _social,
}
FEATURE_GROUP_OF: dict[str, str] = {
    name: group for group, features in FEATURE_GROUPS.items() for name in features
}


def check_groups(groups: tuple[str, ...]) -> None:
    unknown = [g for g in groups if g not in FEATURE_GROUPS]
    if unknown:
        raise ValueError(f"unknown feature group(s) {unknown}; expected some of "
                         f"{list(FEATURE_GROUPS)}")


def engineered_values(
    columns: Mapping[str, np.ndarray], groups: tuple[str, ...], n: int,
    params: Mapping[str, object] | None = None,
) -> dict[str, np.ndarray]:
    """The features of ``groups`` from cleaned columns; a raw input absent from ``columns`` reads
    as missing (so a table without, say, the bureau counts still gets the other features)."""
    filled = _WithMissing(columns, n)
    out: dict[str, np.ndarray] = {}
    for group in groups:
        out.update(_BUILDERS[group](filled, n, params or {}))
    return out


class _WithMissing(dict):
    """A read-only view of the columns where an absent column is all-NaN."""

    def __init__(self, columns: Mapping[str, np.ndarray], n: int) -> None:
        super().__init__(columns)
        self._n = n

    def __missing__(self, key: str) -> np.ndarray:
        return np.full(self._n, np.nan)
