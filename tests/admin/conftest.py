"""Fixtures for the accounts page: a private users file with one account per role, and the real
app behind its logins on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from security.conftest import PASSWORD, auth_env, write_users  # noqa: F401  (auth_env: fixture)

from credit_dashboard.config import Settings

#: One account per role, each with the suite's password.
ACCOUNTS = ("advisor", "analyst", "admin")


@pytest.fixture()
def users_file(auth_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # noqa: F811
    """The security suite's private users file (never the real ~/.config), with ``advisor``,
    ``analyst`` and ``admin``."""
    monkeypatch.setenv("CREDIT_DECISIONS_DB", str(auth_env.parent / "decisions.sqlite3"))
    write_users(auth_env, {name: PASSWORD for name in ACCOUNTS})
    return auth_env


@pytest.fixture()
def admin_app(small_data_dir: Path, small_artifacts_dir: Path, users_file: Path):
    """The real Dash app behind its logins, on ``users_file``."""
    from credit_dashboard.web.app import create_app

    return create_app(Settings(data_dir=small_data_dir, artifacts_dir=small_artifacts_dir))
