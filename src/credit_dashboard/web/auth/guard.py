"""The guard in front of everything, and ``register``, which puts the logins on a server.

Every request except ``PUBLIC_PATHS`` needs a signed-in session or, under ``/api/``, an API key;
a browser asking for a page is sent to sign in and back, anything else gets 401 JSON. Then the
caller's role must allow the route, page or callback (:mod:`roles`, :mod:`permissions`): 403
otherwise. Rate limits (:mod:`ratelimit`) are checked after the guard, knowing the caller.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask, g, jsonify, redirect, request
from flask_limiter import RateLimitExceeded

from credit_dashboard.web.auth import permissions, ratelimit
from credit_dashboard.web.auth.headers import install_request_log, install_security_headers
from credit_dashboard.web.auth.roles import ADMIN
from credit_dashboard.web.auth.sessions import _Auth
from credit_dashboard.web.auth.settings import AuthSettings
from credit_dashboard.web.auth.users import (
    DEFAULT_USER,
    UserStore,
    ensure_users_file,
    load_or_create_secret_key,
)
from credit_dashboard.web.auth.views import _blueprint, _safe_next, too_many_sign_ins

# One logger for every part of the logins, named as before the split: the README shows
# "WARNING credit_dashboard.web.auth: first run: ..." and operators filter on that name.
log = logging.getLogger("credit_dashboard.web.auth")

API_KEY_HEADER = "X-API-Key"
#: Reached without a login: the sign-in page itself and the liveness probe (no client data).
PUBLIC_PATHS = frozenset({"/login", "/api/health"})
#: The language switch (``/language/fr``) is public too: the sign-in page offers it.
PUBLIC_PREFIXES: tuple[str, ...] = ("/language/",)
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
_LOOPBACK_ADDRESSES = {"127.0.0.1", "::1"}


def _unauthorised(message: str):
    response = jsonify(error=message)
    response.status_code = 401
    return response


def _wants_page() -> bool:
    """A browser navigating to a page (redirect it to sign in) rather than a script or callback."""
    return request.method == "GET" and not request.path.startswith(("/api/", "/_dash"))


def _install_guard(server: Flask, auth: _Auth, dash_app: Any) -> None:
    @server.before_request
    def require_login():
        if request.path in PUBLIC_PATHS or request.path.startswith(PUBLIC_PREFIXES):
            return None
        refused = _identify(auth)
        if refused is not None:
            return refused
        why = permissions.check(dash_app, g.get("role"))
        if why is None:
            return None
        log.warning("refused to %s (role %s): %s", g.get("user"), g.get("role"), why)
        return permissions.forbidden(g.get("role"))


def _identify(auth: _Auth):  # type: ignore[no-untyped-def]
    """Set ``g.user`` and ``g.role`` for the caller; a response when nobody is signed in."""
    if auth.settings.disabled:
        # Logins off serves this machine only, whatever address gunicorn was bound to.
        if request.remote_addr not in _LOOPBACK_ADDRESSES:
            response = jsonify(error="logins are off on this server: local requests only")
            response.status_code = 403
            return response
        g.user, g.role = "local-dev", ADMIN
        return None
    if request.path.startswith("/api/") and API_KEY_HEADER in request.headers:
        key = auth.store.api_key(request.headers[API_KEY_HEADER])  # type: ignore[union-attr]
        if key is None:
            return _unauthorised("invalid API key")
        g.user, g.role = f"key:{key.name}", key.role
        return None
    user = auth.signed_in_user()
    if user is not None:
        g.user, g.role = user.name, user.role
        return None
    if _wants_page():
        wanted = request.full_path.rstrip("?")  # Flask adds "?" even without a query
        return redirect("/login?" + urlencode({"next": _safe_next(wanted)}))
    return _unauthorised(f"sign in first, or send an {API_KEY_HEADER} header to /api/")


def _start(settings: AuthSettings) -> tuple[UserStore | None, str]:
    """The users and the session key, creating the first account when there is none."""
    if settings.disabled:
        if settings.host not in _LOOPBACK_HOSTS:
            raise RuntimeError(
                f"CREDIT_AUTH_DISABLED=1 is for local development only, but CREDIT_HOST="
                f"{settings.host} would serve client files without a login to the network"
            )
        log.warning("CREDIT_AUTH_DISABLED=1: logins are OFF (local development only)")
        return None, settings.secret_key or secrets.token_hex(32)
    password = ensure_users_file(settings.users_file)
    if password is not None:
        log.warning(
            "first run: created account '%s' with password %s in %s (shown once; "
            "reset it with `python -m credit_dashboard.web.auth add-user %s`)",
            DEFAULT_USER, password, settings.users_file, DEFAULT_USER,
        )
    return UserStore(settings.users_file), load_or_create_secret_key(settings)


def register(app: Any, services: Any = None) -> None:
    """Put logins, headers and the request log on ``app`` (a Dash app or its Flask server).

    ``services`` is unused; the signature matches the app's plug-in hook. A configuration problem
    (unreadable users file, config directory not writable, logins off on a network address) stops
    the start-up with a ``StartupError`` naming the file or variable.
    """
    from credit_dashboard.services.container import StartupError

    server: Flask = getattr(app, "server", app)
    data_dir = Path(getattr(getattr(services, "settings", None), "data_dir", None) or "data")
    try:
        settings = AuthSettings()
        store, secret = _start(settings)
        ratelimit.check_limits(settings)
    except (OSError, ValueError, RuntimeError) as exc:
        raise StartupError(f"logins cannot start: {exc}") from exc
    install_request_log(server)
    install_security_headers(server)
    server.secret_key = secret
    server.config.update(
        SESSION_COOKIE_NAME="credit_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
    )
    auth = _Auth(settings, store, secret)
    ratelimit.trust_proxies(server, settings.trusted_proxies)
    _install_guard(server, auth, app if app is not server else None)
    server.config["CREDIT_ROLES_ENFORCED"] = True  # the navigation shows only what the role opens
    if settings.disabled:  # no sign-ins to count, and only this machine is served
        server.register_blueprint(_blueprint(auth))
        return
    try:  # after the guard: the API limit counts per caller, known only once signed in
        limiter = ratelimit.make_limiter(server, settings, data_dir)
    except (OSError, ValueError, RuntimeError) as exc:
        raise StartupError(f"rate limits cannot start: {exc}") from exc
    server.register_blueprint(_blueprint(auth, ratelimit.login_limits(limiter, settings)))

    @server.errorhandler(RateLimitExceeded)
    def too_many(exc: RateLimitExceeded):  # type: ignore[no-untyped-def]
        if request.path == "/login":
            return too_many_sign_ins(auth)
        return ratelimit.too_many_api_calls(exc, limiter)


def current_user() -> str | None:
    """The signed-in user's name for this request (``key:<name>`` for API keys), if any."""
    return g.get("user")


def _enforced() -> bool:
    from flask import current_app, has_request_context

    return has_request_context() and bool(current_app.config.get("CREDIT_ROLES_ENFORCED"))


def may_use(component_id: str) -> bool:
    """Whether the caller may use the callbacks of a component (to draw it disabled if not).

    True when roles are not enforced on this app (logins not installed) or outside a request.
    """
    from credit_dashboard.web.auth import roles

    return not _enforced() or roles.allows(roles.id_access(component_id), current_role())


def may_open(rule: str, method: str = "GET") -> bool:
    """Whether the caller may open a route (to show its link only to those who may)."""
    from credit_dashboard.web.auth import roles

    access = roles.route_access(rule, method)
    return not _enforced() or roles.allows(access, current_role())


def current_role() -> str | None:
    """The caller's role for this request (``admin`` when logins are off), or None."""
    try:
        return g.get("role")
    except RuntimeError:  # outside a request
        return None
