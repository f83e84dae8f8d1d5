"""The true default probability of each generated client: a latent logistic model.

The log-odds of default add up what a lender would see (external scores, age, employment, region,
loan structure, categories such as education or occupation, missing information) and a ``hidden``
trait no column shows. The coefficients were tuned so that, on generated data, each column's
univariate AUC and each level's default rate come out close to the real ones (see
:mod:`calibration`); the hidden part keeps the best achievable AUC near the real data's ceiling.
Only the intercept is solved at generation time, so that the history's expected default rate is
exactly the real 8.07 %.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from credit_dashboard.data import calibration, schema
from credit_dashboard.data.draft import Draft
from credit_dashboard.data.marginals import solve_shift

#: Log-odds per standard deviation (traits) or per unit (flags, counts). Positive = riskier.
COEFFICIENTS: dict[str, float] = {
    "ext1": -0.40,
    "ext2": -0.45,
    "ext3": -0.50,
    "age": -0.12,
    "tenure": -0.12,
    "registration": -0.08,
    "id_publish": -0.10,
    "phone": -0.12,
    "car_age": 0.12,
    "region_rating": 0.15,
    "building_size": -0.10,
    "goods": -0.15,
    "credit_goods_ratio": 0.10,
    "income": -0.02,
    "hour": -0.05,
    "reg_city_not_live_city": 0.20,
    "live_city_not_work_city": 0.10,
    "reg_city_not_work_city": 0.15,
    "document_3": 0.25,
    "home_phone": -0.15,
    "work_phone": 0.10,
    "social_circle_defaults": 0.25,
    "children": 0.05,
    "bureau_year": 0.04,
    "ext1_missing": 0.15,
    "ext2_missing": -0.20,
    "ext3_missing": 0.35,
    "housing_missing": 0.25,
    "hidden": 0.50,
}

#: Share of each level's real log-odds (relative to the overall rate) put into the model: the rest
#: of the level's risk reaches it through correlated columns (age, income, ...).
LEVEL_WEIGHTS: dict[str, float] = {
    "CODE_GENDER": 0.8,
    "NAME_CONTRACT_TYPE": 1.0,
    "NAME_EDUCATION_TYPE": 0.6,
    "NAME_INCOME_TYPE": 0.6,
    "NAME_FAMILY_STATUS": 0.6,
    "NAME_HOUSING_TYPE": 0.6,
    "OCCUPATION_TYPE": 0.6,
    "ORGANIZATION_TYPE": 0.6,
    "FLAG_OWN_CAR": 0.5,
    "FLAG_OWN_REALTY": 0.5,
    "NAME_TYPE_SUITE": 0.5,
    "WEEKDAY_APPR_PROCESS_START": 0.5,
    "WALLSMATERIAL_MODE": 0.4,
    "FONDKAPREMONT_MODE": 0.4,
    "HOUSETYPE_MODE": 0.4,
}

#: Levels whose risk the model carries elsewhere (not-employed clients get it through age and
#: NAME_INCOME_TYPE, so ORGANIZATION_TYPE='XNA' adds nothing on top).
_NEUTRAL_LEVELS = {("ORGANIZATION_TYPE", "XNA")}


def _logit(p: np.ndarray | float) -> np.ndarray | float:
    return np.log(p) - np.log1p(-p)


def level_log_odds(column: str) -> dict[str, float]:
    """Each level's log-odds offset in the model (0 for a missing value)."""
    base = _logit(calibration.SAMPLE_TARGET_RATE)
    weight = LEVEL_WEIGHTS[column]
    return {
        level: 0.0 if (column, level) in _NEUTRAL_LEVELS else weight * (_logit(rate) - base)
        for level, (_, _, rate) in calibration.LEVELS[column].items()
    }


def _standardise(x: np.ndarray) -> np.ndarray:
    sd = x.std()
    return (x - x.mean()) / sd if sd > 0 else x * 0.0


def risk_terms(d: Draft) -> dict[str, np.ndarray]:
    """The model's inputs per client, on the scale ``COEFFICIENTS`` applies to."""
    f, c, t = d.facts, d.columns, d.traits
    employed = ~f["not_employed"]
    return {
        "ext1": t["ext1"],
        "ext2": t["ext2"],
        "ext3": t["ext3"],
        "age": t["age"],
        "tenure": np.where(employed, t["tenure"], 0.0),
        "registration": t["registration"],
        "id_publish": t["id_publish"],
        "phone": t["phone"],
        "car_age": np.where(f["owns_car"], t["car"], 0.0),
        "region_rating": c["REGION_RATING_CLIENT_W_CITY"] - 2.0,
        "building_size": np.where(f["housing_missing"], 0.0, f["building_size"]),
        "goods": f["credit_score"],
        "credit_goods_ratio": np.clip((f["credit_goods_ratio"] - 1.1) / 0.15, -2, 4),
        "income": _standardise(f["income_score"]),
        "hour": _standardise(f["hour_score"]),
        "reg_city_not_live_city": c["REG_CITY_NOT_LIVE_CITY"],
        "live_city_not_work_city": c["LIVE_CITY_NOT_WORK_CITY"],
        "reg_city_not_work_city": c["REG_CITY_NOT_WORK_CITY"],
        "document_3": c["FLAG_DOCUMENT_3"],
        "home_phone": c["FLAG_PHONE"],
        "work_phone": c["FLAG_WORK_PHONE"],
        "social_circle_defaults": np.minimum(f["defaulted_30"], 3),
        "children": np.minimum(c["CNT_CHILDREN"], 4),
        "bureau_year": np.minimum(f["bureau_year"], 10),
        "ext1_missing": f["EXT_SOURCE_1_missing"],
        "ext2_missing": f["EXT_SOURCE_2_missing"],
        "ext3_missing": f["EXT_SOURCE_3_missing"],
        "housing_missing": f["housing_missing"],
        "hidden": t["hidden"],
    }


def risk_log_odds(d: Draft) -> np.ndarray:
    """Log-odds of default without the intercept."""
    terms = risk_terms(d)
    out = np.zeros(d.n)
    for name, coefficient in COEFFICIENTS.items():
        out += coefficient * np.asarray(terms[name], dtype=float)
    for column in LEVEL_WEIGHTS:
        offsets = level_log_odds(column)
        lookup = np.array([offsets[level] for level in schema.CATEGORY_LEVELS[column]])
        values = d.columns[column]
        codes = _codes(values, schema.CATEGORY_LEVELS[column])
        out += np.where(codes >= 0, lookup[np.maximum(codes, 0)], 0.0)
    return out


def _codes(values: np.ndarray, levels: tuple[str, ...]) -> np.ndarray:
    """Level codes of text values, -1 where missing (vectorised through pandas)."""
    return np.asarray(pd.Categorical(values, categories=list(levels)).codes, dtype=np.int64)


def solve_intercept(log_odds: np.ndarray, rate: float = calibration.TARGET_RATE) -> float:
    """Intercept that makes the expected default rate over these clients equal ``rate``."""
    return solve_shift(log_odds, rate)


def default_probability(log_odds: np.ndarray, intercept: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(log_odds + intercept)))
