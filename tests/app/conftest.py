"""App fixtures: settings pointing at the session's small data and artifacts, services, an app."""

from __future__ import annotations

from pathlib import Path

import pytest

from credit_dashboard.config import Settings


@pytest.fixture(scope="session")
def app_settings(small_data_dir: Path, small_artifacts_dir: Path) -> Settings:
    return Settings(data_dir=small_data_dir, artifacts_dir=small_artifacts_dir)


@pytest.fixture(scope="session")
def services(app_settings: Settings):
    from credit_dashboard.services.container import load_services

    return load_services(app_settings, background=False)


@pytest.fixture(scope="session")
def dash_app(app_settings: Settings):
    from credit_dashboard.web.app import create_app

    # Only this part's pages: logins and API are tested by their own suites.
    return create_app(app_settings, with_auth=False, with_api=False)
