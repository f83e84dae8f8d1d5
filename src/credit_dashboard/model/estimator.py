"""``CreditRiskModel``: the object in ``model.joblib``; raw client rows in, calibrated answers out.

It wraps the fitted pipeline (``FeatureEngineer`` -> [``SmoteInput``] -> LightGBM), the Platt
calibration and the decision threshold. Contributions are LightGBM's exact TreeSHAP values
(``pred_contrib``, the same numbers as ``shap.TreeExplainer``) scaled by the calibration slope, so
that ``base + sum(contributions) == logit(default_probability)``: the waterfall the advisor sees
explains exactly the probability shown next to it.

``explain_rows`` gives the advisor page everything at once (probability, contributions, base value,
feature values) from one transform of the rows; the separate methods remain for callers that need
only one of them.

Scoring a handful of rows uses one thread: on a small shared machine a multi-threaded booster
spends longer spinning threads up than computing one client (the dashboard calls this per click).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

from credit_dashboard.model.calibration import PlattScaling

#: Up to this many rows are scored on a single thread.
SINGLE_THREAD_ROWS = 1000


@dataclass(frozen=True)
class Explanation:
    """Some clients scored and explained: the same numbers as ``default_probability``,
    ``contributions`` and ``feature_values`` on the same rows."""

    #: Calibrated probability of default per row, shape (n,): ``expit(base_value + row sum)``.
    probability: np.ndarray
    #: Per explained feature, contributions to the calibrated log-odds (index of the raw rows).
    contributions: pd.DataFrame
    #: Log-odds of the average client.
    base_value: float
    #: What each client has for each explained feature (index of the raw rows).
    feature_values: pd.DataFrame


class CreditRiskModel:
    """Calibrated default probability, decision threshold and per-feature explanations."""

    def __init__(
        self,
        pipeline: object,
        calibration: PlattScaling,
        decision_threshold: float,
        batch_threads: int = 2,
    ) -> None:
        self.pipeline = pipeline
        self.calibration = calibration
        self.decision_threshold = float(decision_threshold)
        self.batch_threads = batch_threads

    # -- what the model needs and explains -------------------------------------------------------
    @property
    def _features(self) -> object:
        return self.pipeline.steps[0][1]

    @property
    def input_columns(self) -> list[str]:
        """Raw Kaggle columns a row must carry (the ID and TARGET are not among them)."""
        return list(self._features.input_columns_)

    @property
    def explained_features(self) -> list[str]:
        """Model features (raw column names, or engineered names from ``ENGINEERED_FEATURES``)."""
        return list(self._features.feature_names_out_)

    # -- scoring ---------------------------------------------------------------------------------
    @property
    def _booster(self) -> object:
        return self.pipeline.steps[-1][1].booster_

    def _transformers(self) -> list[object]:
        """Fitted steps between the features and the booster that act at predict time."""
        # Samplers (SMOTE, under-sampling) only act while fitting.
        return [s for _, s in self.pipeline.steps[1:-1] if not hasattr(s, "fit_resample")]

    def _matrix_path(self) -> bool:
        """True when the booster can read ``FeatureEngineer.transform_matrix`` directly: no
        ``SmoteInput`` in between, same feature order, same category levels as in training."""
        cached = self.__dict__.get("_matrix_ok")
        if cached is None:
            features, booster = self._features, self._booster
            levels = [features.categorical_levels_[c] for c in features.categorical_features_]
            cached = (
                not self._transformers()
                and booster.feature_name() == list(features.feature_names_out_)
                and [list(v) for v in (booster.pandas_categorical or [])] == levels
            )
            self.__dict__["_matrix_ok"] = cached
        return cached

    def _booster_input(self, raw: pd.DataFrame) -> object:
        return self._transform(raw, with_values=False)[0]

    def _transform(
        self, raw: pd.DataFrame, with_values: bool
    ) -> tuple[object, pd.DataFrame | None]:
        """The booster's input and, when asked, the explained features' values, from one pass
        of the feature engineering over ``raw``."""
        if self._matrix_path():
            if not with_values:
                return self._features.transform_matrix(raw), None
            matrix, frame = self._features.transform_both(raw)
            return matrix, self._explained_columns(frame)
        frame = self._features.transform(raw)
        booster_input = frame
        for step in self._transformers():
            booster_input = step.transform(booster_input)
        return booster_input, self._explained_columns(frame) if with_values else None

    def _explained_columns(self, frame: pd.DataFrame) -> pd.DataFrame:
        explained = self.explained_features
        # ``transform`` already yields the explained features in order; selecting them again
        # would only copy the frame.
        return frame if frame.columns.tolist() == explained else frame[explained]

    def _predict(self, booster_input: object, **kwargs: object) -> np.ndarray:
        threads = 1 if len(booster_input) <= SINGLE_THREAD_ROWS else self.batch_threads
        return self._booster.predict(booster_input, num_threads=threads, **kwargs)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_matrix_ok", None)  # recomputed after loading
        return state

    def logit(self, raw: pd.DataFrame) -> np.ndarray:
        """Calibrated log-odds of default per row."""
        raw_logit = self._predict(self._booster_input(raw), raw_score=True)
        return self.calibration.logit(raw_logit)

    def default_probability(self, raw: pd.DataFrame) -> np.ndarray:
        """Calibrated probability that each client defaults, shape (n,)."""
        return expit(self.logit(raw))

    def predict_proba(self, raw: pd.DataFrame) -> np.ndarray:
        """scikit-learn style (n, 2): [P(repays), P(defaults)]."""
        p = self.default_probability(raw)
        return np.column_stack([1.0 - p, p])

    def contributions(self, raw: pd.DataFrame) -> tuple[pd.DataFrame, float]:
        """Per-feature contributions to the calibrated log-odds, and the base value.

        ``base + contributions.sum(axis=1) == logit(default_probability(raw))`` row by row.
        """
        if len(raw) == 0:
            raise ValueError("contributions need at least one row")
        return self._contributions(self._booster_input(raw), raw.index)

    def _contributions(self, booster_input: object, index: pd.Index) -> tuple[pd.DataFrame, float]:
        values = self._predict(booster_input, pred_contrib=True)
        slope, intercept = self.calibration.slope, self.calibration.intercept
        # The booster's features are the explained features, in the same order.
        frame = pd.DataFrame(slope * values[:, :-1], index=index, columns=self.explained_features)
        base = slope * float(values[0, -1]) + intercept
        return frame, base

    def feature_values(self, raw: pd.DataFrame) -> pd.DataFrame:
        """The client's value of each explained feature (before any imputation), e.g. a category."""
        # Not through ``explain_rows``: the history's values are read in large batches, where
        # TreeSHAP would cost far more than the features themselves.
        return self._explained_columns(self._features.transform(raw))

    def explain_rows(self, raw: pd.DataFrame) -> Explanation:
        """Probability, contributions, base value and feature values of ``raw`` in one call.

        The same numbers as ``default_probability``, ``contributions`` and ``feature_values``
        (what one advisor click needs), but the rows go through the feature engineering once
        instead of once per method. The probability is derived from the contributions, so the
        page's probability and its waterfall cannot disagree.
        """
        if len(raw) == 0:
            raise ValueError("explanations need at least one row")
        booster_input, values = self._transform(raw, with_values=True)
        contributions, base = self._contributions(booster_input, raw.index)
        probability = expit(base + contributions.to_numpy().sum(axis=1))
        return Explanation(probability, contributions, base, values)
