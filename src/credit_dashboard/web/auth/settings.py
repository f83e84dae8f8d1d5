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


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ValueError(f"{name}={raw!r} must be a whole number (0 or more)")
    return int(raw)


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
    #: Shared rate-limit counters: Redis when set (several machines), else ``ratelimit_db``.
    redis_url: str | None = field(
        default_factory=lambda: os.environ.get("CREDIT_REDIS_URL") or None
    )
    #: The SQLite file of the counters without Redis (None: ``ratelimits.sqlite3`` in the data dir).
    ratelimit_db: Path | None = field(
        default_factory=lambda: Path(os.environ["CREDIT_RATELIMIT_DB"]).expanduser()
        if os.environ.get("CREDIT_RATELIMIT_DB") else None
    )
    #: How many reverse proxies in front of the app append to X-Forwarded-For (0: none, trust
    #: no header). One too many lets a caller choose the address the throttle counts.
    trusted_proxies: int = field(default_factory=lambda: _env_int("CREDIT_TRUSTED_PROXIES", 0))
    #: Every API key (or signed-in user) gets this many API calls per window.
    api_rate_limit: str = field(
        default_factory=lambda: os.environ.get("CREDIT_API_RATE_LIMIT") or "600/minute"
    )
    #: Failed sign-ins allowed per account, and per client address, per window.
    login_account_limit: str = field(
        default_factory=lambda: os.environ.get("CREDIT_LOGIN_ACCOUNT_LIMIT") or "10 per 15 minutes"
    )
    login_address_limit: str = field(
        default_factory=lambda: os.environ.get("CREDIT_LOGIN_ADDRESS_LIMIT") or "30 per 15 minutes"
    )
