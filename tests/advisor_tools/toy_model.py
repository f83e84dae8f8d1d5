"""A small, exactly explainable stand-in for ``CreditRiskModel`` (tests only, never the product).

A logistic regression on ratios the pipeline derives from raw columns, so a what-if edit of the
credit amount moves the credit/income ratio *inside* the model, as in the real pipeline. Linear in
the log-odds, so contributions ``coef * (x - mean)`` are exact: ``base + sum == logit(p)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from credit_dashboard.storage.schema import DAYS_EMPLOYED_ANOMALY, days_to_years

NUMERIC = (
    "EXT_SOURCE_2",
    "EXT_SOURCE_3",
    "CREDIT_INCOME_RATIO",
    "ANNUITY_INCOME_RATIO",
    "PAYMENT_RATE",
    "YEARS_EMPLOYED",
    "CNT_CHILDREN",
    "AMT_GOODS_PRICE",
)
CATEGORICAL = {"NAME_EDUCATION_TYPE": ("Secondary / secondary special", "Higher education")}


def _design(raw: pd.DataFrame) -> pd.DataFrame:
    days_employed = raw["DAYS_EMPLOYED"].astype("float64")
    out = pd.DataFrame(
        {
            "EXT_SOURCE_2": raw["EXT_SOURCE_2"].astype("float64").fillna(0.5),
            "EXT_SOURCE_3": raw["EXT_SOURCE_3"].astype("float64").fillna(0.5),
            "CREDIT_INCOME_RATIO": raw["AMT_CREDIT"] / raw["AMT_INCOME_TOTAL"],
            "ANNUITY_INCOME_RATIO": raw["AMT_ANNUITY"] / raw["AMT_INCOME_TOTAL"],
            "PAYMENT_RATE": raw["AMT_ANNUITY"] / raw["AMT_CREDIT"],
            "YEARS_EMPLOYED": days_to_years(days_employed).where(
                days_employed != DAYS_EMPLOYED_ANOMALY, 0.0
            ),
            "CNT_CHILDREN": raw["CNT_CHILDREN"].astype("float64"),
            "AMT_GOODS_PRICE": raw["AMT_GOODS_PRICE"].astype("float64").fillna(0.0) / 1e5,
        },
        index=raw.index,
    )
    for column, levels in CATEGORICAL.items():
        for level in levels:
            out[f"{column}={level}"] = (raw[column] == level).astype("float64")
    return out.astype("float64")


@dataclass
class ToyCreditModel:
    estimator: LogisticRegression
    means: pd.Series
    decision_threshold: float

    @classmethod
    def fit(cls, history: pd.DataFrame) -> ToyCreditModel:
        X = _design(history)
        estimator = LogisticRegression(C=10.0, max_iter=2000).fit(X, history["TARGET"])
        proba = estimator.predict_proba(X)[:, 1]
        return cls(estimator, X.mean(), float(np.quantile(proba, 0.7)))

    @property
    def explained_features(self) -> list[str]:
        return list(NUMERIC) + list(CATEGORICAL)

    @property
    def input_columns(self) -> list[str]:
        return [
            "EXT_SOURCE_2", "EXT_SOURCE_3", "AMT_CREDIT", "AMT_INCOME_TOTAL", "AMT_ANNUITY",
            "DAYS_EMPLOYED", "CNT_CHILDREN", "AMT_GOODS_PRICE", *CATEGORICAL,
        ]

    def predict_proba(self, raw: pd.DataFrame) -> np.ndarray:
        return self.estimator.predict_proba(_design(raw))

    def default_probability(self, raw: pd.DataFrame) -> np.ndarray:
        return self.predict_proba(raw)[:, 1]

    def contributions(self, raw: pd.DataFrame) -> tuple[pd.DataFrame, float]:
        X = _design(raw)
        coef = pd.Series(self.estimator.coef_[0], index=X.columns)
        parts = (X - self.means) * coef
        base = float(self.estimator.intercept_[0] + (self.means * coef).sum())
        out = parts[list(NUMERIC)].copy()
        for column in CATEGORICAL:
            one_hot = [c for c in parts.columns if c.startswith(f"{column}=")]
            out[column] = parts[one_hot].sum(axis=1)
        return out, base

    def feature_values(self, raw: pd.DataFrame) -> pd.DataFrame:
        X = _design(raw)
        out = X[list(NUMERIC)].copy()
        for column in CATEGORICAL:
            out[column] = raw[column].to_numpy()
        return out

    def global_importance(self, raw: pd.DataFrame) -> list[dict[str, float]]:
        contributions, _ = self.contributions(raw)
        mean_abs = contributions.abs().mean().sort_values(ascending=False)
        return [{"feature": f, "mean_abs_shap": float(v)} for f, v in mean_abs.items()]
