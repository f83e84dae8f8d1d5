"""The similarity space of the similar-clients panel: a client's key facts as a point.

The space: a dozen standardised *key facts* of the application, not SHAP values. Why:
- an advisor reads "clients like this one" as clients with similar external scores, age, income,
  credit, annuity and employment — facts shown beside each neighbour, so the similarity can be
  checked by eye; SHAP space would group clients by *why the model scored them*, which is harder to
  explain and changes every time the model is retrained;
- SHAP values for the 300 k history rows would take minutes at start-up (or a large artifact), while
  these features are computed from the raw table in about a second.

The facts: the three external scores (the strongest predictors of default in Home Credit data), age,
years employed, log income, log credit, log annuity, log goods price (money is compared in ratios,
not in absolute differences: 10 k vs 20 k is as different as 100 k vs 200 k), payment rate
(annuity / credit) and debt burden (annuity / income). A missing value is replaced by the history
median *and* flagged by a missing-indicator column, so "no external score 1" is itself a similarity
(half the clients lack it) instead of pretending to be the median. Every column is standardised on
the history, so each counts about equally in the Euclidean distance.

Filling and standardising are ``model.median_scaling``'s (shared with SMOTE's input).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from credit_dashboard.model.median_scaling import MedianScaling
from credit_dashboard.storage.schema import DAYS_EMPLOYED_ANOMALY, days_to_years

logger = logging.getLogger(__name__)

#: Raw columns the space is computed from (a client row needs only these).
SPACE_INPUT_COLUMNS: tuple[str, ...] = (
    "EXT_SOURCE_1",
    "EXT_SOURCE_2",
    "EXT_SOURCE_3",
    "DAYS_BIRTH",
    "DAYS_EMPLOYED",
    "AMT_INCOME_TOTAL",
    "AMT_CREDIT",
    "AMT_ANNUITY",
    "AMT_GOODS_PRICE",
)

#: The facts, in the order of the space's first dimensions.
FACT_NAMES: tuple[str, ...] = (
    "EXT_SOURCE_1",
    "EXT_SOURCE_2",
    "EXT_SOURCE_3",
    "AGE_YEARS",
    "YEARS_EMPLOYED",
    "LOG_INCOME",
    "LOG_CREDIT",
    "LOG_ANNUITY",
    "LOG_GOODS_PRICE",
    "PAYMENT_RATE",
    "ANNUITY_INCOME_RATIO",
)


def _fact_matrix(raw: pd.DataFrame) -> np.ndarray:
    """The key facts as a float64 matrix (rows x FACT_NAMES), NaN where unknown.

    Plain NumPy rather than pandas: a click queries one row, where pandas' per-operation
    overhead would cost more than the tree search itself.
    """
    missing = [c for c in SPACE_INPUT_COLUMNS if c not in raw.columns]
    if missing:
        raise KeyError(f"similar clients: rows lack the columns {', '.join(missing)}")
    num = {
        c: pd.to_numeric(raw[c], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        for c in SPACE_INPUT_COLUMNS
    }
    with np.errstate(divide="ignore", invalid="ignore"):
        # Money below 1 would make the logarithm meaningless; such amounts are data errors.
        def log_amount(column: str) -> np.ndarray:
            values = num[column]
            return np.log(np.where(values >= 1, values, np.nan))

        income = np.where(num["AMT_INCOME_TOTAL"] > 0, num["AMT_INCOME_TOTAL"], np.nan)
        credit = np.where(num["AMT_CREDIT"] > 0, num["AMT_CREDIT"], np.nan)
        days_employed = num["DAYS_EMPLOYED"]
        employed = np.where(
            days_employed == DAYS_EMPLOYED_ANOMALY, np.nan, days_to_years(days_employed)
        )
        columns = (
            num["EXT_SOURCE_1"],
            num["EXT_SOURCE_2"],
            num["EXT_SOURCE_3"],
            days_to_years(num["DAYS_BIRTH"]),
            employed,
            log_amount("AMT_INCOME_TOTAL"),
            log_amount("AMT_CREDIT"),
            log_amount("AMT_ANNUITY"),
            log_amount("AMT_GOODS_PRICE"),
            num["AMT_ANNUITY"] / credit,
            num["AMT_ANNUITY"] / income,
        )
    return np.column_stack(columns)


def key_facts(raw: pd.DataFrame) -> pd.DataFrame:
    """The unscaled key facts of each row (missing values left missing)."""
    return pd.DataFrame(_fact_matrix(raw), columns=list(FACT_NAMES), index=raw.index)


@dataclass(frozen=True)
class SimilaritySpace:
    """Median imputation, missing indicators and standardisation learnt on the history."""

    scaling: MedianScaling
    #: Facts missing somewhere in the history: each gets a 0/1 "missing" column.
    indicator_columns: tuple[str, ...]

    @classmethod
    def fit(cls, history: pd.DataFrame) -> SimilaritySpace:
        facts = _fact_matrix(history)
        known = ~np.isnan(facts)
        if not known.any(axis=0).all():
            # A fact nobody has is constant after imputation: harmless, but worth knowing.
            empty = ", ".join(n for n, k in zip(FACT_NAMES, known.any(axis=0), strict=True)
                              if not k)
            logger.warning("similar clients: no history value at all for %s", empty)
        indicators = tuple(n for n, k in zip(FACT_NAMES, known.all(axis=0), strict=True) if not k)
        return cls(MedianScaling.fit(facts), indicators)

    @property
    def medians(self) -> pd.Series:
        return pd.Series(self.scaling.medians, index=list(FACT_NAMES))

    @property
    def dimension_names(self) -> list[str]:
        return list(FACT_NAMES) + [f"{c}_MISSING" for c in self.indicator_columns]

    def transform(self, raw: pd.DataFrame) -> np.ndarray:
        """Rows -> points of the space (float32: half the memory, ample precision for ranking)."""
        facts = _fact_matrix(raw)
        scaled = self.scaling.transform(facts)
        # An indicator is worth one standard deviation of a fact: "missing vs present" matters
        # about as much as a typical difference in one fact, no more.
        flagged = [FACT_NAMES.index(c) for c in self.indicator_columns]
        return np.hstack([scaled, np.isnan(facts[:, flagged])]).astype(np.float32)
