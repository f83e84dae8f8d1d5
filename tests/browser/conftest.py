"""Browser fixtures: the app on the session's small data and artifacts, and a screenshot helper."""

from __future__ import annotations

from pathlib import Path

import pytest

from credit_dashboard.config import Settings

SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"


@pytest.fixture(scope="session")
def browser_app_settings(small_data_dir: Path, small_artifacts_dir: Path) -> Settings:
    return Settings(data_dir=small_data_dir, artifacts_dir=small_artifacts_dir)


@pytest.fixture()
def dashboard(browser_app_settings: Settings):
    """A fresh app per test (dash_duo serves one app per test); logins and API are left out."""
    from credit_dashboard.web.app import create_app

    return create_app(browser_app_settings, with_auth=False, with_api=False)


@pytest.fixture()
def screenshot(dash_duo):
    """Save the browser's current view as tests/screenshots/<name>.png (git-ignored)."""

    def save(name: str) -> Path:
        """The whole page: the window is stretched to the document's height first."""
        SCREENSHOTS.mkdir(exist_ok=True)
        driver = dash_duo.driver
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1400, min(int(height) + 150, 6000))
        path = SCREENSHOTS / f"{name}.png"
        dash_duo.driver.save_screenshot(str(path))
        return path

    return save
