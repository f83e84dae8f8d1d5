"""The true default probability of each generated client: a latent logistic model.

The log-odds of default add up what a lender would see (external scores, age, employment, region,
loan structure, categories such as education or occupation, missing information) and a ``hidden``
trait no column shows. The coefficients (``params/risk_coefficients.json``) were tuned so that, on
generated data, each column's univariate AUC and each level's default rate come out close to the
real ones (``params/marginals.json``); the hidden part puts the best achievable AUC near 0.80.
Only the intercept is solved at generation time, so that the history's expected default rate is
exactly the real 8.07 %.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from credit_dashboard.storage import schema
from home_credit_synth import parameters
from home_credit_synth.draft import Draft
from home_credit_synth.marginals import solve_shift
from home_credit_synth.parameters import COEFFICIENTS, LEVEL_LOG_ODDS


def _standardise(x: np.ndarray) -> np.ndarray:
    sd = x.std()
    return (x - x.mean()) / sd if sd > 0 else x * 0.0


def _payment_share(annuity: np.ndarray, credit: np.ndarray) -> np.ndarray:
    """Standardised log of annuity / credit: a short, steep loan is riskier than a long one."""
    share = np.log(annuity / credit)
    share = np.where(np.isnan(share), np.nanmedian(share), share)
    return _standardise(share)


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
        "payment_share": _payment_share(c["AMT_ANNUITY"], c["AMT_CREDIT"]),
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


def risk_log_odds(
    d: Draft,
    coefficients: dict[str, float] | None = None,
    level_log_odds: dict[str, dict[str, float]] | None = None,
) -> np.ndarray:
    """Log-odds of default without the intercept (parameters overridable for tuning)."""
    coefficients = COEFFICIENTS if coefficients is None else coefficients
    level_log_odds = LEVEL_LOG_ODDS if level_log_odds is None else level_log_odds
    terms = risk_terms(d)
    out = np.zeros(d.n)
    for name, coefficient in coefficients.items():
        out += coefficient * np.asarray(terms[name], dtype=float)
    for column, offsets in level_log_odds.items():
        levels = schema.CATEGORY_LEVELS[column]
        lookup = np.array([offsets.get(level, 0.0) for level in levels])
        codes = _codes(d.columns[column], levels)
        out += np.where(codes >= 0, lookup[np.maximum(codes, 0)], 0.0)
    return out


def _codes(values: np.ndarray, levels: tuple[str, ...]) -> np.ndarray:
    """Level codes of text values, -1 where missing (vectorised through pandas)."""
    return np.asarray(pd.Categorical(values, categories=list(levels)).codes, dtype=np.int64)


def solve_intercept(log_odds: np.ndarray, rate: float = parameters.TARGET_RATE) -> float:
    """Intercept that makes the expected default rate over these clients equal ``rate``."""
    return solve_shift(log_odds, rate)


def default_probability(log_odds: np.ndarray, intercept: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(log_odds + intercept)))
