"""Fixtures for the reasons suite: the session's small model and data, scored clients."""

from __future__ import annotations

from pathlib import Path

import pytest

from credit_dashboard.config import Settings
from credit_dashboard.i18n import use_language


@pytest.fixture(scope="session")
def reasons_services(small_data_dir: Path, small_artifacts_dir: Path):
    from credit_dashboard.services.container import load_services

    settings = Settings(data_dir=small_data_dir, artifacts_dir=small_artifacts_dir)
    return load_services(settings, background=False)


@pytest.fixture(scope="session")
def scored_clients(reasons_services) -> list:
    """Every applicant of the test data, scored and explained (English wording)."""
    scoring = reasons_services.scoring
    with use_language("en"):
        return [scoring.score_client(int(i)) for i in scoring.applicants["SK_ID_CURR"]]


@pytest.fixture()
def english():
    with use_language("en") as language:
        yield language
