"""Imbalance strategies that change the training rows: SMOTE and random under-sampling.

They are pipeline steps of an imbalanced-learn ``Pipeline``, which calls ``fit_resample`` only while
fitting: inside cross-validation each sampler sees the training folds only, and the validation fold
(and any client scored later) passes through untouched.

Why SMOTENC on the un-encoded features: SMOTE interpolates between neighbours, so run after one-hot
encoding it would invent clients who are "0.3 Laborers and 0.7 Drivers". SMOTENC interpolates the
numeric columns only and gives each synthetic client the most frequent *real* level among its
neighbours for every categorical column. It runs right after ``FeatureEngineer`` (categories still
one column each) and before any one-hot encoder. SMOTENC cannot handle missing values, so
``SmoteInput`` first fills numbers with the training median and standardises them
(``model.median_scaling``, shared with the similar-clients space) and gives missing categories
their own explicit level ("not declared" stays information).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from imblearn.over_sampling import SMOTENC
from imblearn.under_sampling import RandomUnderSampler
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from credit_dashboard.model.median_scaling import MedianScaling

MISSING_LEVEL = "MISSING"

#: Minority : majority ratio after resampling. 1:2 rather than 1:1 keeps SMOTE's synthetic share and
#: under-sampling's discarded share moderate (and training time bounded on 2 cores).
RESAMPLED_RATIO = 0.5


class SmoteInput(TransformerMixin, BaseEstimator):
    """Make the features usable by SMOTENC: no gaps, and numbers on one scale.

    Numeric gaps get the training median, missing categories an explicit level. Numbers are then
    standardised: SMOTENC picks neighbours by Euclidean distance, and unscaled, amounts in the
    hundreds of thousands would decide alone who is whose neighbour. (Trees are unaffected by the
    rescaling; the linear model standardises anyway.)
    """

    def fit(self, X: pd.DataFrame, y: object = None) -> SmoteInput:
        categorical = [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]
        numeric = [c for c in X.columns if c not in categorical]
        scaling = MedianScaling.fit(_numbers(X, numeric))
        # Plain attributes rather than the MedianScaling object: models pickled before it existed
        # carry exactly these, and still load and transform.
        self.medians_ = {c: float(v) for c, v in zip(numeric, scaling.medians, strict=True)}
        self.means_ = scaling.means
        self.scales_ = scaling.scales
        self.numeric_columns_ = numeric
        self.categorical_columns_ = categorical
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "medians_")
        numeric = self.numeric_columns_
        scaling = MedianScaling(np.array([self.medians_[c] for c in numeric], dtype=np.float64),
                                self.means_, self.scales_)
        out = X.copy()
        out[numeric] = scaling.transform(_numbers(X, numeric))
        for column in self.categorical_columns_:
            values = out[column]
            if MISSING_LEVEL not in values.cat.categories:
                values = values.cat.add_categories([MISSING_LEVEL])
            out[column] = values.fillna(MISSING_LEVEL)
        return out


def _numbers(X: pd.DataFrame, columns: list[str]) -> np.ndarray:
    return X[columns].to_numpy(dtype=np.float64, na_value=np.nan)


def make_sampler(imbalance: str, seed: int) -> list[tuple[str, object]]:
    """Pipeline steps implementing ``imbalance`` ("smote" or "undersample"; others need none)."""
    if imbalance == "smote":
        return [
            ("smote_input", SmoteInput()),
            (
                "sampler",
                SMOTENC(
                    categorical_features="auto",
                    sampling_strategy=RESAMPLED_RATIO,
                    k_neighbors=5,
                    random_state=seed,
                ),
            ),
        ]
    if imbalance == "undersample":
        sampler = RandomUnderSampler(sampling_strategy=RESAMPLED_RATIO, random_state=seed)
        return [("sampler", sampler)]
    return []
