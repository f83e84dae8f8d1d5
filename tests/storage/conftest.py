"""The decision log under test on both of its databases: the embedded SQLite file and a real
PostgreSQL (marker ``postgres``; the server comes from ``CREDIT_TEST_DATABASE_URL``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from credit_dashboard.storage.decisions import DecisionStore


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty decision-log database, once per backend."""
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"sqlite:///{tmp_path / 'log' / 'decisions.sqlite3'}"


@pytest.fixture
def store(backend: str) -> DecisionStore:
    return DecisionStore(url=backend)


@pytest.fixture(scope="session")
def scoring_model(small_artifacts_dir: Path, small_data_dir: Path):
    """The session's small model (as loaded by the app) and its applicants."""
    import pandas as pd

    from credit_dashboard.config import APPLICANTS_TABLE
    from credit_dashboard.model.artifact import load_model

    return load_model(small_artifacts_dir), pd.read_parquet(small_data_dir / APPLICANTS_TABLE)
