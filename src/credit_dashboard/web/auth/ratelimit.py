"""Rate limits with Flask-Limiter: failed sign-ins per account and per address, API calls per key.

The counters live where every worker sees them — Redis (``CREDIT_REDIS_URL``) or, on one machine
without Redis, an SQLite file in the data folder (:mod:`sqlite_storage` says why not
``memory://``) — so the caps hold whatever the number of gunicorn workers.

The client's address is read through ``CREDIT_TRUSTED_PROXIES`` reverse proxies (werkzeug's
``ProxyFix``): with 0 (the default) an ``X-Forwarded-For`` header is ignored, since anybody can
send one; with N, the N-th address from the right, the one the nearest trusted proxy saw.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, jsonify, request
from flask_limiter import ApplicationLimit, Limiter, RateLimitExceeded
from limits import parse_many
from werkzeug.middleware.proxy_fix import ProxyFix

from credit_dashboard.i18n import gettext as _
from credit_dashboard.web.auth import sqlite_storage
from credit_dashboard.web.auth.settings import AuthSettings

log = logging.getLogger("credit_dashboard.web.auth")

RATELIMIT_DB = "ratelimits.sqlite3"
#: Bodies of the sign-in form; read here first (the per-account key), so checked here too.
LOGIN_BODY_LIMIT = 8 * 1024


def storage_uri(settings: AuthSettings, data_dir: Path) -> str:
    """Redis when configured, else the SQLite file shared by the workers of this machine."""
    if settings.redis_url:
        return settings.redis_url
    return sqlite_storage.uri_for(settings.ratelimit_db or data_dir / RATELIMIT_DB)


def trust_proxies(server: Flask, hops: int) -> None:
    """Believe ``X-Forwarded-For`` / ``-Proto`` from exactly ``hops`` proxies (none when 0)."""
    if hops > 0:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def client_address() -> str:
    return request.remote_addr or "?"


def login_account() -> str:
    """The account a sign-in is for: guesses at one account from many addresses add up."""
    request.max_content_length = LOGIN_BODY_LIMIT
    return "account:" + request.form.get("username", "").strip().lower()[:128]


def api_caller() -> str:
    """The API key (or signed-in user) calling, so one noisy script cannot starve the others."""
    return f"caller:{g.get('user') or client_address()}"


def _is_not_api() -> bool:
    return not request.path.startswith("/api/") or request.path == "/api/health"


def failed_sign_in(response: Response) -> bool:
    return response.status_code == 401


def check_limits(settings: AuthSettings) -> None:
    """Refuse nonsense such as ``CREDIT_API_RATE_LIMIT=lots`` at start-up, naming the variable."""
    for name, value in (
        ("CREDIT_API_RATE_LIMIT", settings.api_rate_limit),
        ("CREDIT_LOGIN_ACCOUNT_LIMIT", settings.login_account_limit),
        ("CREDIT_LOGIN_ADDRESS_LIMIT", settings.login_address_limit),
    ):
        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(
                f"{name}={value!r} is not a rate limit such as '600/minute' or "
                f"'10 per 15 minutes'"
            ) from exc


def make_limiter(server: Flask, settings: AuthSettings, data_dir: Path) -> Limiter:
    """The limiter with the per-key API limit; call after the guard so ``g.user`` is known."""
    check_limits(settings)
    uri = storage_uri(settings, data_dir)
    limiter = Limiter(
        key_func=client_address,
        application_limits=[
            ApplicationLimit(
                settings.api_rate_limit, key_function=api_caller, scope="api",
                exempt_when=_is_not_api,
            )
        ],
        storage_uri=uri,
        strategy="fixed-window",
        headers_enabled=True,
        key_prefix="credit",
    )
    limiter.init_app(server)
    where = "Redis" if settings.redis_url else uri.removeprefix("sqlite:///")
    log.info("rate limits stored in %s (API: %s per key)", where, settings.api_rate_limit)
    return limiter


def login_limits(limiter: Limiter, settings: AuthSettings):  # type: ignore[no-untyped-def]
    """Decorators for the sign-in view: only failures count, per account and per address."""
    common: dict[str, Any] = {"methods": ["POST"], "deduct_when": failed_sign_in}
    by_account = limiter.limit(
        settings.login_account_limit, key_func=login_account, scope="login-account", **common
    )
    by_address = limiter.limit(
        settings.login_address_limit, key_func=client_address, scope="login-address", **common
    )

    def decorate(view):  # type: ignore[no-untyped-def]
        return by_address(by_account(view))

    return decorate


def too_many_api_calls(exc: RateLimitExceeded, limiter: Limiter) -> Response:
    """429 JSON with when to come back (the Retry-After header says it too)."""
    retry = None
    breached = limiter.current_limit
    if breached is not None:
        retry = max(0, int(breached.reset_at - time.time()))
    response = jsonify(
        error=_("Too many requests: {limit}. Try again later.").format(limit=exc.description),
        retry_after_s=retry,
        request_id=g.get("request_id"),
    )
    response.status_code = 429
    return response
