"""Small generated tables and a tiny fitted model, shared by the model tests of this folder."""

from __future__ import annotations

import pandas as pd
import pytest

from credit_dashboard.model.calibration import PlattScaling
from credit_dashboard.model.candidates import build_pipeline
from credit_dashboard.model.estimator import CreditRiskModel
from credit_dashboard.storage.schema import TARGET_COLUMN
from home_credit_synth.generator import generate


@pytest.fixture(scope="session")
def generated():
    """3,000 generated history rows and 500 applicants (full Kaggle schema)."""
    return generate(n_train=3000, n_test=500, seed=11)


@pytest.fixture(scope="session")
def history(generated) -> pd.DataFrame:
    return generated.train


@pytest.fixture(scope="session")
def applicants(generated) -> pd.DataFrame:
    return generated.test


@pytest.fixture(scope="session")
def tiny_model(history: pd.DataFrame) -> CreditRiskModel:
    """A LightGBM pipeline with few trees and a non-trivial calibration, fitted in a second."""
    pipeline = build_pipeline(
        "lightgbm", "class_weight", seed=3, n_jobs=1, params={"n_estimators": 40}
    )
    pipeline.fit(history.drop(columns=[TARGET_COLUMN]), history[TARGET_COLUMN])
    calibration = PlattScaling(slope=0.8, intercept=-1.7)
    return CreditRiskModel(pipeline, calibration, decision_threshold=0.1)
