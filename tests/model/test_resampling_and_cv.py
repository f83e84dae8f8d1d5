"""Resampling happens inside the training folds only; SMOTE never invents fractional categories."""

from __future__ import annotations

import numpy as np
import pandas as pd
from imblearn.pipeline import Pipeline
from imblearn.under_sampling import RandomUnderSampler
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from credit_dashboard.model.candidates import build_pipeline, candidate_grid, linear_encoder
from credit_dashboard.model.crossval import cross_validate, summarise
from credit_dashboard.model.features import FeatureEngineer
from credit_dashboard.model.tuning import fit_until_classifier, tune_lightgbm
from credit_dashboard.storage.schema import TARGET_COLUMN

SEEN: list[pd.Index] = []


class RecordingSampler(RandomUnderSampler):
    """Under-sampler that remembers which rows (by index) it was asked to resample."""

    def fit_resample(self, X, y, **params):
        SEEN.append(pd.Index(X.index))
        return super().fit_resample(X, y, **params)


def _xy(history: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    frame = history.iloc[:1500].set_index(pd.RangeIndex(5000, 6500))  # ids unlike positions
    return frame.drop(columns=[TARGET_COLUMN]), frame[TARGET_COLUMN]


def test_sampler_sees_exactly_the_training_folds_and_every_row_is_scored_once(history):
    X, y = _xy(history)
    pipeline = Pipeline([
        ("features", FeatureEngineer()),
        ("sampler", RecordingSampler(random_state=0)),
        ("encode", linear_encoder()),
        ("classifier", LogisticRegression(max_iter=300)),
    ])
    SEEN.clear()
    result = cross_validate(pipeline, X, y, folds=3, seed=5)
    folds = list(StratifiedKFold(3, shuffle=True, random_state=5).split(X, y))
    assert len(SEEN) == 3
    for seen, (train_idx, valid_idx) in zip(SEEN, folds, strict=True):
        assert set(seen) == set(X.index[train_idx])
        assert not set(seen) & set(X.index[valid_idx])
    assert not np.isnan(result.oof_probability).any()  # each row predicted by a fold model
    row = summarise(y, result)
    assert 0.5 < row["roc_auc"] <= 1.0
    assert row["business_cost"] <= 10 * int(y.sum())  # never worse than granting everybody


def test_smote_keeps_categories_whole_before_one_hot_encoding(history):
    X, y = _xy(history)
    pipeline = build_pipeline("logistic_regression", "smote", seed=0, n_jobs=1)
    X_resampled, y_resampled = fit_until_classifier(pipeline, X, y)
    assert y_resampled.mean() > y.mean() + 0.1  # synthetic defaulters were added
    # One-hot encoding comes after SMOTENC: each category is exactly one indicator set to 1.
    names = list(pipeline.named_steps["encode"].get_feature_names_out())
    encoded = pd.DataFrame(X_resampled, columns=names)
    for column in pipeline.named_steps["features"].categorical_features_:
        indicators = encoded[[n for n in names if n.startswith(column + "_")]].to_numpy()
        assert set(np.unique(indicators)) <= {0.0, 1.0}, column
        np.testing.assert_array_equal(indicators.sum(axis=1), 1.0, err_msg=column)


def test_smote_synthetic_rows_have_real_category_levels(history):
    X, y = _xy(history)
    pipeline = build_pipeline("lightgbm", "smote", seed=0, n_jobs=1)
    steps = pipeline.steps
    features = steps[0][1].fit(X)
    filled = steps[1][1].fit_transform(features.transform(X))
    X_resampled, _ = steps[2][1].fit_resample(filled, y)
    for column in features.categorical_features_:
        allowed = set(filled[column].cat.categories)
        assert set(X_resampled[column].dropna().unique()) <= allowed


def test_every_candidate_of_the_full_grid_builds_and_fits(history):
    X, y = _xy(history)
    grid = candidate_grid(quick=False)
    assert {m for m, _ in grid} == {"dummy", "logistic_regression", "random_forest", "lightgbm"}
    assert {i for _, i in grid} == {"none", "class_weight", "smote", "undersample"}
    for model, imbalance in grid:
        params = {"n_estimators": 5} if model == "lightgbm" else None
        pipeline = build_pipeline(model, imbalance, seed=0, n_jobs=1, params=params)
        if model == "random_forest":
            pipeline.set_params(classifier__n_estimators=5)
        proba = pipeline.fit(X, y).predict_proba(X.iloc[:10])[:, 1]
        assert proba.shape == (10,) and np.all((proba >= 0) & (proba <= 1)), (model, imbalance)


def test_tuning_stops_early_and_keeps_the_best_trial(history):
    X, y = _xy(history)
    result = tune_lightgbm(X, y, imbalance="class_weight", budget=2, seed=0, n_jobs=1,
                           max_trees=400, patience=10)
    assert len(result.trials) == 2
    assert result.best_roc_auc == max(t["roc_auc"] for t in result.trials)
    assert 1 <= result.best_params["n_estimators"] < 400
