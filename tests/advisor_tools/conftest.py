"""Fixtures for the advisor tools: small synthetic client tables and a toy model (tests only).

The toy model mimics the interface of the real ``CreditRiskModel`` (raw Kaggle rows in, calibrated
probabilities and log-odds contributions out, ratios computed inside the pipeline) so the what-if
logic can be tested exactly, independently of the training code. Tests against the real trained
artifact use the session fixtures of ``tests/conftest.py`` instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from credit_dashboard.storage.schema import CATEGORY_LEVELS, DAYS_EMPLOYED_ANOMALY

from .toy_model import ToyCreditModel


def synthetic_clients(n: int, seed: int = 0, with_target: bool = True) -> pd.DataFrame:
    """Rows with the columns the advisor tools read, in Kaggle units and with Kaggle's quirks."""
    rng = np.random.default_rng(seed)
    income = np.round(rng.lognormal(np.log(150_000), 0.5, n), -2)
    credit = np.round(income * rng.uniform(0.5, 6.0, n), -2)
    annuity = np.round(credit * rng.uniform(0.03, 0.12, n), 1)
    goods = np.round(credit * rng.uniform(0.75, 1.0, n), -2)
    age_days = -rng.integers(21 * 365, 68 * 365, n)
    employed = -np.minimum(rng.integers(0, 40 * 365, n), -age_days - 18 * 365)
    employed = np.where(rng.random(n) < 0.15, DAYS_EMPLOYED_ANOMALY, employed)
    children = rng.choice([0, 0, 0, 1, 1, 2, 3], n)
    frame = pd.DataFrame(
        {
            "SK_ID_CURR": np.arange(100_002, 100_002 + n, dtype="int64"),
            "NAME_CONTRACT_TYPE": rng.choice(
                CATEGORY_LEVELS["NAME_CONTRACT_TYPE"], n, p=[0.9, 0.1]
            ),
            "CODE_GENDER": rng.choice(["F", "M"], n),
            "FLAG_OWN_CAR": rng.choice(["N", "Y"], n),
            "FLAG_OWN_REALTY": rng.choice(["Y", "N"], n),
            "CNT_CHILDREN": children.astype("int64"),
            "AMT_INCOME_TOTAL": income,
            "AMT_CREDIT": credit,
            "AMT_ANNUITY": annuity,
            "AMT_GOODS_PRICE": np.where(rng.random(n) < 0.02, np.nan, goods),
            "NAME_INCOME_TYPE": rng.choice(["Working", "Commercial associate", "Pensioner"], n),
            "NAME_EDUCATION_TYPE": rng.choice(CATEGORY_LEVELS["NAME_EDUCATION_TYPE"][:3], n),
            "NAME_FAMILY_STATUS": rng.choice(CATEGORY_LEVELS["NAME_FAMILY_STATUS"][:4], n),
            "NAME_HOUSING_TYPE": rng.choice(CATEGORY_LEVELS["NAME_HOUSING_TYPE"][:3], n),
            "DAYS_BIRTH": age_days.astype("int64"),
            "DAYS_EMPLOYED": employed.astype("int64"),
            "OWN_CAR_AGE": np.where(rng.random(n) < 0.6, np.nan, rng.integers(0, 20, n)),
            "OCCUPATION_TYPE": np.where(
                rng.random(n) < 0.3, None, rng.choice(CATEGORY_LEVELS["OCCUPATION_TYPE"][:5], n)
            ),
            "CNT_FAM_MEMBERS": (children + rng.choice([1, 2], n)).astype("float64"),
            "EXT_SOURCE_1": np.where(rng.random(n) < 0.5, np.nan, rng.uniform(0.05, 0.95, n)),
            "EXT_SOURCE_2": np.where(rng.random(n) < 0.01, np.nan, rng.uniform(0.05, 0.85, n)),
            "EXT_SOURCE_3": np.where(rng.random(n) < 0.2, np.nan, rng.uniform(0.05, 0.9, n)),
        }
    )
    if with_target:
        logit = (
            -2.4
            - 3.0 * (frame["EXT_SOURCE_2"].fillna(0.5) - 0.5)
            - 2.0 * (frame["EXT_SOURCE_3"].fillna(0.5) - 0.5)
            + 8.0 * (frame["AMT_ANNUITY"] / frame["AMT_INCOME_TOTAL"] - 0.25)
        )
        frame.insert(1, "TARGET", (rng.random(n) < 1 / (1 + np.exp(-logit))).astype("int64"))
    return frame


@pytest.fixture(scope="session")
def synthetic_history() -> pd.DataFrame:
    return synthetic_clients(3000, seed=1)


@pytest.fixture(scope="session")
def toy_model(synthetic_history: pd.DataFrame) -> ToyCreditModel:
    return ToyCreditModel.fit(synthetic_history)
