"""Cleaning and feature engineering in one scikit-learn transformer: raw Kaggle rows in.

It lives inside the fitted pipeline, so the training script, the dashboard and the API apply exactly
the same steps to a raw client row. Everything that depends on the data (which columns to drop, the
category levels) is learned in ``fit``; there are no hand-written column lists beyond the schema.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from credit_dashboard.model.feature_groups import (
    DEFAULT_GROUPS,
    EXT_SOURCES,
    FEATURE_GROUPS,
    GROUP_INPUTS,
    check_groups,
    engineered_values,
)
from credit_dashboard.storage.schema import DAYS_EMPLOYED_ANOMALY, ID_COLUMN, TARGET_COLUMN

logger = logging.getLogger(__name__)

#: Engineered feature name -> short plain description. The one source of truth for those names.
ENGINEERED_FEATURES: dict[str, str] = {
    name: text for features in FEATURE_GROUPS.values() for name, text in features.items()
}

#: Engineered feature name -> the raw Kaggle columns it is computed from, the column whose fact it
#: expresses first ("Days employed / age" is about employment, not age). Explanations group a raw
#: column with the features built from it into one reason (``services.groups``): add every new
#: engineered feature here too (tests/reasons fail on one without its sources).
FEATURE_SOURCES: dict[str, tuple[str, ...]] = {
    "DAYS_EMPLOYED_ANOMALY": ("DAYS_EMPLOYED",),
    "CREDIT_INCOME_RATIO": ("AMT_CREDIT", "AMT_INCOME_TOTAL"),
    "ANNUITY_INCOME_RATIO": ("AMT_ANNUITY", "AMT_INCOME_TOTAL"),
    "PAYMENT_RATE": ("AMT_ANNUITY", "AMT_CREDIT"),
    "EMPLOYED_AGE_RATIO": ("DAYS_EMPLOYED", "DAYS_BIRTH"),
    "INCOME_PER_PERSON": ("AMT_INCOME_TOTAL", "CNT_FAM_MEMBERS"),
    "EXT_SOURCE_MEAN": ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"),
    "EXT_SOURCE_MIN": ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"),
    "EXT_SOURCE_MAX": ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"),
    "EXT_SOURCE_STD": ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"),
    "EXT_SOURCE_PRODUCT": ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"),
    "EXT_SOURCE_WEIGHTED": ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"),
    "EXT_SOURCE_COUNT": ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"),
    "CREDIT_GOODS_RATIO": ("AMT_CREDIT", "AMT_GOODS_PRICE"),
    "CREDIT_GOODS_DIFFERENCE": ("AMT_CREDIT", "AMT_GOODS_PRICE"),
    "REGISTRATION_AGE_RATIO": ("DAYS_REGISTRATION", "DAYS_BIRTH"),
    "ID_PUBLISH_AGE_RATIO": ("DAYS_ID_PUBLISH", "DAYS_BIRTH"),
    "PHONE_CHANGE_AGE_RATIO": ("DAYS_LAST_PHONE_CHANGE", "DAYS_BIRTH"),
    "AGE_AT_LOAN_END": ("DAYS_BIRTH", "AMT_CREDIT", "AMT_ANNUITY"),
    "ANNUITY_PER_PERSON": ("AMT_ANNUITY", "CNT_FAM_MEMBERS"),
    "CHILDREN_RATIO": ("CNT_CHILDREN", "CNT_FAM_MEMBERS"),
    "DOCUMENT_COUNT": tuple(f"FLAG_DOCUMENT_{i}" for i in range(2, 22)),
    "CONTACT_FLAG_COUNT": ("FLAG_MOBIL", "FLAG_EMP_PHONE", "FLAG_WORK_PHONE", "FLAG_CONT_MOBILE",
                           "FLAG_PHONE", "FLAG_EMAIL"),
    "ADDRESS_MISMATCH_COUNT": ("REG_REGION_NOT_LIVE_REGION", "REG_REGION_NOT_WORK_REGION",
                               "LIVE_REGION_NOT_WORK_REGION", "REG_CITY_NOT_LIVE_CITY",
                               "REG_CITY_NOT_WORK_CITY", "LIVE_CITY_NOT_WORK_CITY"),
    "BUREAU_ENQUIRIES_TOTAL": tuple(f"AMT_REQ_CREDIT_BUREAU_{p}" for p in
                                    ("HOUR", "DAY", "WEEK", "MON", "QRT", "YEAR")),
    "BUREAU_ENQUIRIES_RECENT": tuple(f"AMT_REQ_CREDIT_BUREAU_{p}" for p in
                                     ("HOUR", "DAY", "WEEK", "MON")),
    "DEF_30_SOCIAL_RATIO": ("DEF_30_CNT_SOCIAL_CIRCLE", "OBS_30_CNT_SOCIAL_CIRCLE"),
    "DEF_60_SOCIAL_RATIO": ("DEF_60_CNT_SOCIAL_CIRCLE", "OBS_60_CNT_SOCIAL_CIRCLE"),
}

_NOT_FEATURES = frozenset({ID_COLUMN, TARGET_COLUMN})
#: Up to this many rows, category codes come from a dict lookup instead of pandas' hashing.
_LOOKUP_ROWS = 64
#: Fewer labelled rows of the minority class than this: the external-score weights stay equal.
_MIN_CLASS_ROWS_FOR_WEIGHTS = 20


def _external_weights(X: pd.DataFrame, y: object) -> dict[str, tuple[float, ...]]:
    """Intercept + weights of a logistic regression of the target on the external scores (missing
    scores filled with the training mean), learned on the rows being fitted only."""
    ext = X[list(EXT_SOURCES)].to_numpy(dtype=np.float64, na_value=np.nan)
    means = np.nanmean(np.where(np.isnan(ext).all(axis=0), 0.5, ext), axis=0)
    means = np.where(np.isfinite(means), means, 0.5)
    params: dict[str, tuple[float, ...]] = {"ext_fill": tuple(float(m) for m in means)}
    labels = None if y is None else np.asarray(y)
    if labels is None or len(labels) != len(X) or np.bincount(
        labels.astype(int), minlength=2
    ).min() < _MIN_CLASS_ROWS_FOR_WEIGHTS:
        return params
    filled = np.where(np.isnan(ext), means, ext)
    # Weights on the log-odds of *repaying*, so that a higher value still means a better client,
    # like each external score.
    fitted = LogisticRegression(C=1.0, max_iter=200).fit(filled, 1 - labels.astype(int))
    params["ext_weights"] = (float(fitted.intercept_[0]), *(float(w) for w in fitted.coef_[0]))
    return params


def _as_matrix(numeric: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Numeric features then category codes as floats, NaN for a missing or unseen level (how
    LightGBM reads a pandas category)."""
    as_float = codes.astype(np.float64)
    as_float[codes < 0] = np.nan
    return np.hstack([numeric, as_float])


class FeatureEngineer(TransformerMixin, BaseEstimator):
    """Clean a raw Kaggle application table and add the engineered features.

    ``transform`` returns a DataFrame (same index as the input) whose numeric columns are float64
    and whose text columns are pandas ``category`` with the levels seen in ``fit``: LightGBM uses
    that dtype natively, and a level never seen in training becomes missing instead of an error.

    Columns are dropped by rule, learned in ``fit``: *almost empty* (share missing above
    ``max_missing_share``) or *constant* (one value, missing counted as a value, in at least
    ``max_dominant_share`` of the rows: such a column cannot separate clients).
    """

    def __init__(
        self,
        max_missing_share: float = 0.9,
        max_dominant_share: float = 0.9995,
        groups: tuple[str, ...] = DEFAULT_GROUPS,
        exclude: tuple[str, ...] = (),
    ) -> None:
        self.max_missing_share = max_missing_share
        self.max_dominant_share = max_dominant_share
        self.groups = groups
        self.exclude = exclude

    # -- fit -------------------------------------------------------------------------------------
    def fit(self, X: pd.DataFrame, y: object = None) -> FeatureEngineer:
        """Learn the input columns, category levels, external-score weights and which columns
        carry no information.

        ``exclude`` names raw columns and engineered features the model must not use (the
        feature policy's forbidden ones): an excluded engineered feature is not produced, an
        excluded raw column is neither read nor required, unless a kept engineered feature is
        computed from it (one the policy *justifies*): then it is read for that computation only
        (``hidden_inputs_``) and never becomes a feature itself."""
        if not isinstance(X, pd.DataFrame):
            raise TypeError("FeatureEngineer expects a pandas DataFrame of raw Kaggle rows")
        check_groups(tuple(self.groups))
        self.__dict__.pop("_dtype_cache", None)  # level caches of an earlier fit
        self.__dict__.pop("_index_cache", None)
        excluded = set(self.exclude) | _NOT_FEATURES
        self.engineered_ = [name for g in self.groups for name in FEATURE_GROUPS[g]
                            if name not in excluded]
        needed = {source for name in self.engineered_ for source in FEATURE_SOURCES.get(name, ())}
        self.hidden_inputs_ = [c for c in X.columns if c in excluded and c in needed
                               and c not in _NOT_FEATURES
                               and pd.api.types.is_numeric_dtype(X[c])]
        self.input_columns_ = [c for c in X.columns
                               if c not in excluded or c in self.hidden_inputs_]
        text = [c for c in self.input_columns_ if not pd.api.types.is_numeric_dtype(X[c])]
        self.categorical_levels_ = {}
        for column in text:
            counts = X[column].value_counts(dropna=True)
            counts = counts[counts > 0]  # a category dtype also lists levels nobody has
            # Most frequent first, then by name, so the level order is deterministic.
            ordered = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
            self.categorical_levels_[column] = [str(level) for level, _ in ordered]
        self.numeric_inputs_ = [c for c in self.input_columns_ if c not in self.categorical_levels_]
        self.engineering_inputs_ = sorted(
            {c for g in self.groups for c in GROUP_INPUTS[g]} & set(self.numeric_inputs_)
            | ({"DAYS_EMPLOYED"} & set(self.numeric_inputs_))
        )
        self.group_params_ = (
            _external_weights(X, y) if "external" in self.groups
            and set(EXT_SOURCES) <= set(self.numeric_inputs_) else {}
        )

        numeric_features = [c for c in self.numeric_inputs_ if c not in self.hidden_inputs_]
        full = self._build(X, numeric_features + self.engineered_, text)
        self.dropped_columns_ = self._learn_drops(full)
        for column, reason in self.dropped_columns_.items():
            logger.debug("dropping %s: %s", column, reason)
        kept = [c for c in full.columns if c not in self.dropped_columns_]
        self.numeric_features_ = [c for c in kept if c not in self.categorical_levels_]
        self.categorical_features_ = [c for c in kept if c in self.categorical_levels_]
        self.feature_names_out_ = kept
        return self

    def __setstate__(self, state: dict) -> None:
        """Load a transformer pickled before feature groups existed: it computed the ratios, the
        external-score aggregates and the employment features, which these groups cover."""
        if "feature_names_out_" in state and "engineered_" not in state:
            groups = ("payment", "external", "age_employment", "household")
            numeric = set(state.get("numeric_inputs_", []))
            state.update(
                groups=groups, exclude=(), group_params_={},
                engineered_=[name for g in groups for name in FEATURE_GROUPS[g]],
                engineering_inputs_=sorted({c for g in groups for c in GROUP_INPUTS[g]} & numeric),
            )
        if "feature_names_out_" in state:  # fitted before the feature policy
            state.setdefault("hidden_inputs_", [])
        self.__dict__.update(state)

    def _learn_drops(self, frame: pd.DataFrame) -> dict[str, str]:
        n = max(len(frame), 1)
        drops: dict[str, str] = {}
        for column in frame.columns:
            values = frame[column]
            missing = float(values.isna().mean())
            if missing > self.max_missing_share:
                drops[column] = f"almost empty ({missing:.1%} missing)"
                continue
            dominant, distinct = self._dominant_share(values, missing, n)
            if distinct <= 1 or dominant >= self.max_dominant_share:
                drops[column] = f"constant ({dominant:.2%} of rows share one value)"
        return drops

    def _dominant_share(self, values: pd.Series, missing: float, n: int) -> tuple[float, int]:
        """(share of the most frequent value, missing counted as one value; at most 2 = "several"
        distinct values), exact whenever the share reaches ``max_dominant_share``.

        Counting every value of 150 float columns was a third of each fit at 300 k rows. A value
        held by more than half the rows is the median of the non-missing ones, so for a threshold
        above one half comparing with the median answers the same question in one pass.
        """
        if (self.max_dominant_share <= 0.5 or not pd.api.types.is_float_dtype(values.dtype)
                or missing >= self.max_dominant_share):
            top = values.value_counts(dropna=False)
            return (float(top.iloc[0]) / n if len(top) else 1.0), min(len(top), 2)
        present = values.to_numpy(dtype=np.float64)
        present = present[~np.isnan(present)]
        share = float(np.count_nonzero(present == np.median(present))) / n
        distinct = 1 if missing == 0 and share == 1.0 else 2
        return max(share, missing), distinct

    # -- transform -------------------------------------------------------------------------------
    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """Raw rows -> the model's features (numeric first, then categories), index preserved."""
        self._check_input(X)
        return self._build(X, self.numeric_features_, self.categorical_features_)

    def transform_matrix(self, X: pd.DataFrame) -> np.ndarray:
        """Same features as ``transform`` as one float matrix, categories as level codes (NaN when
        missing or unseen): exactly what LightGBM derives from the DataFrame, without building it.
        The dashboard's per-client path uses this."""
        self._check_input(X)
        numeric = self._numeric_matrix(X, self.numeric_features_)
        return _as_matrix(numeric, self._category_codes(X, self.categorical_features_))

    def transform_both(self, X: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
        """``transform_matrix(X)`` and ``transform(X)`` from one pass over the rows.

        Explaining a client needs both (the matrix for the booster, the DataFrame for what the
        client has), and cleaning and engineering the same row twice is wasted work per click.
        """
        self._check_input(X)
        numeric = self._numeric_matrix(X, self.numeric_features_)
        codes = self._category_codes(X, self.categorical_features_)
        frame = self._frame(numeric, codes, self.numeric_features_, self.categorical_features_,
                            X.index)
        return _as_matrix(numeric, codes), frame

    def _check_input(self, X: pd.DataFrame) -> None:
        check_is_fitted(self, "feature_names_out_")
        if not isinstance(X, pd.DataFrame):
            raise TypeError("FeatureEngineer expects a pandas DataFrame of raw Kaggle rows")
        missing = [c for c in self.input_columns_ if c not in X.columns]
        if missing:
            shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
            raise ValueError(f"{len(missing)} input column(s) missing: {shown}")

    def _build(self, X: pd.DataFrame, numeric: list[str], categorical: list[str]) -> pd.DataFrame:
        return self._frame(self._numeric_matrix(X, numeric), self._category_codes(X, categorical),
                           numeric, categorical, X.index)

    def _frame(
        self,
        values: np.ndarray,
        codes: np.ndarray,
        numeric: list[str],
        categorical: list[str],
        index: pd.Index,
    ) -> pd.DataFrame:
        numbers = pd.DataFrame(values, columns=numeric, index=index)
        categories = pd.DataFrame(
            {
                column: pd.Categorical.from_codes(codes[:, j], dtype=self._dtype(column))
                for j, column in enumerate(categorical)
            },
            index=index,
        )
        return pd.concat([numbers, categories], axis=1)

    def _numeric_matrix(self, X: pd.DataFrame, numeric: list[str]) -> np.ndarray:
        """Float matrix of the requested raw (cleaned) and engineered numeric columns.

        One column take and NumPy arithmetic: a single client row goes through here on every
        click in the dashboard, so per-column pandas overhead matters.
        """
        wanted = set(numeric)
        engineered_names = set(self.engineered_)
        raw = [c for c in self.numeric_inputs_
               if (c in wanted and c not in engineered_names) or c in self.engineering_inputs_]
        values = X[raw].to_numpy(dtype=np.float64, na_value=np.nan)
        cleaned = {c: values[:, j] for j, c in enumerate(raw)}
        if "DAYS_EMPLOYED" in cleaned:
            anomaly = cleaned["DAYS_EMPLOYED"] == DAYS_EMPLOYED_ANOMALY
            cleaned["DAYS_EMPLOYED"] = np.where(anomaly, np.nan, cleaned["DAYS_EMPLOYED"])
            cleaned["_DAYS_EMPLOYED_ANOMALY"] = anomaly.astype(np.float64)
        engineered = (
            engineered_values(cleaned, tuple(self.groups), len(X), self.group_params_)
            if wanted & engineered_names else {}
        )
        out = np.empty((len(X), len(numeric)), dtype=np.float64)
        for j, column in enumerate(numeric):
            out[:, j] = engineered[column] if column in engineered_names else cleaned[column]
        return out

    def _category_codes(self, X: pd.DataFrame, categorical: list[str]) -> np.ndarray:
        """Integer level codes per categorical column (-1 = missing or never seen in ``fit``)."""
        codes = np.full((len(X), len(categorical)), -1, dtype=np.int64)
        if not categorical:
            return codes
        values = X[categorical].astype(object).to_numpy()
        for j, column in enumerate(categorical):
            if len(X) <= _LOOKUP_ROWS:  # a dict lookup beats pandas' hashing for a few rows
                index = self._level_index(column)
                codes[:, j] = [index.get(v, -1) for v in values[:, j]]
            else:
                levels = self.categorical_levels_[column]
                codes[:, j] = pd.Categorical(values[:, j], categories=levels).codes
        return codes

    def _dtype(self, column: str) -> pd.CategoricalDtype:
        cache = self.__dict__.setdefault("_dtype_cache", {})
        if column not in cache:
            cache[column] = pd.CategoricalDtype(self.categorical_levels_[column])
        return cache[column]

    def _level_index(self, column: str) -> dict[str, int]:
        cache = self.__dict__.setdefault("_index_cache", {})
        if column not in cache:
            cache[column] = {level: i for i, level in enumerate(self.categorical_levels_[column])}
        return cache[column]

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "feature_names_out_")
        return np.asarray(self.feature_names_out_, dtype=object)
