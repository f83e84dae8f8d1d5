"""Login settings, read from the environment when the app is built (never at import time).

Read per ``register`` call rather than once per process, so tests and the account commands see the
variables of their own environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def default_users_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "credit-dashboard" / "users.json"


@dataclass(frozen=True)
class AuthSettings:
    """Login settings, read from the environment when the app is built."""

    disabled: bool = field(default_factory=lambda: _env_flag("CREDIT_AUTH_DISABLED"))
    users_file: Path = field(
        default_factory=lambda: Path(
            os.environ.get("CREDIT_USERS_FILE") or default_users_file()
        ).expanduser()
    )
    secret_key: str | None = field(default_factory=lambda: os.environ.get("CREDIT_SECRET_KEY"))
    cookie_secure: bool = field(default_factory=lambda: _env_flag("CREDIT_COOKIE_SECURE"))
    session_hours: float = field(
        default_factory=lambda: float(os.environ.get("CREDIT_SESSION_HOURS") or 8)
    )
    host: str = field(default_factory=lambda: os.environ.get("CREDIT_HOST", "127.0.0.1"))
