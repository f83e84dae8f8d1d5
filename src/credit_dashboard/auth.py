"""Logins in front of every page, callback, asset, report and API call; headers; a request log.

Client files are personal financial data, so the server refuses everything to an anonymous visitor
except the sign-in page and ``/api/health``. Users, hashed passwords and hashed API keys live in a
JSON file outside the repository (``CREDIT_USERS_FILE``, default
``~/.config/credit-dashboard/users.json``), never in code. On the first run that file is created
with one account, ``advisor``, whose random password is logged once at WARNING and never again.

Environment:
- ``CREDIT_USERS_FILE``: the users file (created 0600 on first run when missing).
- ``CREDIT_SECRET_KEY``: the session signing key; otherwise ``secret_key`` beside the users file,
  generated once (0600) so every gunicorn worker signs sessions alike.
- ``CREDIT_COOKIE_SECURE=1``: mark the session cookie ``Secure`` (set it behind HTTPS).
- ``CREDIT_SESSION_HOURS``: how long a sign-in lasts (default 8).
- ``CREDIT_AUTH_DISABLED=1``: no logins, for local development only: refused at start-up unless
  ``CREDIT_HOST`` is a loopback address, and requests from any other address get 403.

Manage accounts with ``python -m credit_dashboard.auth add-user NAME`` / ``add-api-key NAME`` /
``remove NAME``.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import tempfile
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, g, jsonify, make_response, redirect, request, session
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

log = logging.getLogger(__name__)
access_log = logging.getLogger("credit_dashboard.access")

API_KEY_HEADER = "X-API-Key"
REQUEST_ID_HEADER = "X-Request-ID"
DEFAULT_USER = "advisor"
ROLES = ("advisor", "analyst")
#: Reached without a login: the sign-in page itself and the liveness probe (no client data).
PUBLIC_PATHS = frozenset({"/login", "/api/health"})
LOGIN_BODY_LIMIT = 8 * 1024
MAX_FAILED_LOGINS = 10
FAILED_LOGIN_WINDOW_S = 15 * 60
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
_LOOPBACK_ADDRESSES = {"127.0.0.1", "::1"}
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@functools.cache
def _dummy_hash() -> str:
    """Checked for unknown user names too, so a wrong name costs as long as a wrong password."""
    return generate_password_hash(secrets.token_urlsafe(16))


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


# ------------------------------------------------------------------------------------ users file


def _write_private(path: Path, text: str, *, replace: bool) -> bool:
    """Write ``text`` to ``path`` with mode 0600, all at once.

    ``replace=False`` creates the file only if it does not exist yet (False when another process
    got there first): gunicorn workers start together and must not each mint a password.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mkstemp: mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(tmp, path)
            return True
        try:
            os.link(tmp, path)  # atomic create-if-absent, with the full content
        except FileExistsError:
            return False
        return True
    finally:
        Path(tmp).unlink(missing_ok=True)


def _read_users(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuntimeError(f"users file {path} cannot be read as JSON: {exc}") from exc
    if not isinstance(data, dict) or not all(
        isinstance(data.get(section, {}), dict) for section in ("users", "api_keys")
    ):
        raise RuntimeError(
            f"users file {path} must be an object with 'users' and 'api_keys' objects"
        )
    data.setdefault("users", {})
    data.setdefault("api_keys", {})
    return data


def ensure_users_file(path: Path) -> str | None:
    """Create the users file with the ``advisor`` account when missing.

    Returns the new random password (the caller shows it once), or None if the file existed.
    """
    if path.exists():
        return None
    password = secrets.token_urlsafe(12)
    account = {"password_hash": generate_password_hash(password), "role": "advisor"}
    users = {"users": {DEFAULT_USER: account}, "api_keys": {}}
    created = _write_private(path, json.dumps(users, indent=2) + "\n", replace=False)
    return password if created else None


def load_or_create_secret_key(settings: AuthSettings) -> str:
    """The session signing key: from the environment, or generated once beside the users file."""
    if settings.secret_key:
        return settings.secret_key
    key_path = settings.users_file.parent / "secret_key"
    _write_private(key_path, secrets.token_hex(32), replace=False)
    return key_path.read_text(encoding="utf-8").strip()


def _api_key_digest(key: str) -> str:
    # API keys are 256-bit random tokens, so a fast hash is enough (unlike passwords) and keeps
    # every API call cheap.
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class User:
    name: str
    role: str
    #: Changes when the password hash changes, which signs out that user's open sessions.
    stamp: str


class UserStore:
    """The users file, re-read when it changes so accounts are managed without a restart."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._signature: tuple[int, int, int] | None = None
        self._data: dict[str, Any] = {"users": {}, "api_keys": {}}
        self._refresh(strict=True)
        if path.stat().st_mode & 0o077:
            log.warning("users file %s is readable by other accounts: chmod 600 it", path)

    def _refresh(self, strict: bool = False) -> None:
        try:
            info = self.path.stat()
        except OSError as exc:
            if strict:
                raise RuntimeError(f"users file {self.path} is missing: {exc}") from exc
            self._data = {"users": {}, "api_keys": {}}  # fail closed: nobody gets in
            return
        # The inode changes on every atomic rewrite, even within the clock's resolution.
        signature = (info.st_mtime_ns, info.st_ino, info.st_size)
        if signature == self._signature:
            return
        with self._lock:
            try:
                self._data = _read_users(self.path)
            except RuntimeError:
                if strict:
                    raise
                log.exception("users file changed and is unreadable: refusing all logins")
                self._data = {"users": {}, "api_keys": {}}
            self._signature = signature

    def user(self, name: str) -> User | None:
        self._refresh()
        entry = self._data["users"].get(name)
        if not isinstance(entry, dict) or not isinstance(entry.get("password_hash"), str):
            return None
        stamp = hashlib.sha256(entry["password_hash"].encode("utf-8")).hexdigest()[:16]
        return User(name, str(entry.get("role", "advisor")), stamp)

    def check_password(self, name: str, password: str) -> User | None:
        """The user when the password matches; the same work is done for unknown names."""
        self._refresh()
        entry = self._data["users"].get(name)
        stored = entry.get("password_hash") if isinstance(entry, dict) else None
        stored = stored if isinstance(stored, str) else None
        try:
            ok = check_password_hash(stored or _dummy_hash(), password)
        except ValueError:  # a hash written by hand in an unknown format
            log.error("users file %s: the password hash of one account is malformed", self.path)
            ok = False
        return self.user(name) if ok and stored else None

    def user_for_api_key(self, key: str) -> str | None:
        """The name an API key belongs to; every stored key is compared, in constant time."""
        self._refresh()
        digest = _api_key_digest(key)
        found = None
        for name, entry in self._data["api_keys"].items():
            stored = entry.get("sha256", "") if isinstance(entry, dict) else ""
            if hmac.compare_digest(digest, str(stored)):
                found = name
        return found


class LoginThrottle:
    """Refuse sign-in attempts from an address after too many failures in a window."""

    def __init__(self, limit: int = MAX_FAILED_LOGINS, window_s: float = FAILED_LOGIN_WINDOW_S):
        self.limit, self.window_s = limit, window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, address: str) -> bool:
        with self._lock:
            times = self._failures.get(address)
            now = time.monotonic()
            while times and now - times[0] > self.window_s:
                times.popleft()
            return bool(times) and len(times) >= self.limit

    def record_failure(self, address: str) -> None:
        with self._lock:
            self._failures.setdefault(address, deque()).append(time.monotonic())

    def reset(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)


# ------------------------------------------------------------------------------------- the pages

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Prêt à dépenser — {title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; background: #f4f6f8; margin: 0; }}
main {{ max-width: 22rem; margin: 12vh auto; background: #fff; padding: 2rem;
        border-radius: .5rem; box-shadow: 0 1px 4px rgba(0,0,0,.15); }}
h1 {{ font-size: 1.3rem; margin-top: 0; }}
label {{ display: block; margin: .8rem 0 .3rem; }}
input[type=text], input[type=password] {{ width: 100%; padding: .5rem; box-sizing: border-box; }}
button {{ margin-top: 1.2rem; width: 100%; padding: .6rem; background: #1f4e79; color: #fff;
          border: 0; border-radius: .3rem; font-size: 1rem; cursor: pointer; }}
.error {{ color: #a40000; background: #fdecea; padding: .5rem; border-radius: .3rem; }}
</style></head>
<body><main><h1>{title}</h1>{body}</main></body></html>"""
_PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def _html(title: str, body: str, status: int = 200) -> Response:
    """A self-contained page (inline style, no script), so signing in needs no other file."""
    response = make_response(_PAGE.format(title=escape(title), body=body), status)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Content-Security-Policy"] = _PAGE_CSP
    return response


def _safe_next(target: str | None) -> str:
    """Only a path on this server: never ``//evil.example`` or ``https://...`` (open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ch in target for ch in "\r\n\\") or len(target) > 512:
        return "/"
    return target


class _Auth:
    """The state one server needs: settings, users, the CSRF signer, the throttle."""

    def __init__(self, settings: AuthSettings, store: UserStore | None, secret: str) -> None:
        self.settings = settings
        self.store = store
        self.signer = URLSafeTimedSerializer(secret, salt="credit-dashboard-form")
        self.throttle = LoginThrottle()

    def form_token(self) -> str:
        nonce = session.get("form_nonce")
        if not nonce:
            nonce = session["form_nonce"] = secrets.token_urlsafe(16)
        return self.signer.dumps(nonce)

    def form_token_ok(self, token: str | None) -> bool:
        nonce = session.get("form_nonce")
        if not token or not nonce:
            return False
        try:
            return hmac.compare_digest(str(self.signer.loads(token, max_age=3600)), nonce)
        except BadSignature:
            return False

    def signed_in_user(self) -> User | None:
        if self.store is None:
            return None
        name, stamp = session.get("user"), session.get("stamp")
        if not isinstance(name, str) or not isinstance(stamp, str):
            return None
        user = self.store.user(name)
        if user is None or not hmac.compare_digest(user.stamp, stamp):
            return None
        return user


def _login_form(auth: _Auth, next_path: str, error: str = "", status: int = 200):
    message = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    body = f"""{message}
<form method="post" action="/login" autocomplete="on">
<input type="hidden" name="csrf_token" value="{escape(auth.form_token())}">
<input type="hidden" name="next" value="{escape(next_path)}">
<label for="username">User name</label>
<input type="text" id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>"""
    return _html("Sign in", body, status)


def _blueprint(auth: _Auth) -> Blueprint:
    bp = Blueprint("auth", __name__)

    @bp.route("/login", methods=["GET", "POST"])
    def login():
        next_path = _safe_next(request.values.get("next"))
        if auth.settings.disabled:
            return redirect(next_path)
        if request.method == "GET":
            if auth.signed_in_user() is not None:
                return redirect(next_path)
            return _login_form(auth, next_path)
        request.max_content_length = LOGIN_BODY_LIMIT
        address = request.remote_addr or "?"
        if auth.throttle.blocked(address):
            return _login_form(auth, next_path, "Too many failed attempts. Try again later.", 429)
        if not auth.form_token_ok(request.form.get("csrf_token")):
            return _login_form(auth, next_path, "The form expired. Please sign in again.", 400)
        user = auth.store.check_password(  # type: ignore[union-attr]
            request.form.get("username", ""), request.form.get("password", "")
        )
        if user is None:
            auth.throttle.record_failure(address)
            log.info("failed sign-in from %s", address)
            return _login_form(auth, next_path, "Incorrect user name or password.", 401)
        auth.throttle.reset(address)
        session.clear()  # a fresh session: nothing from before the sign-in carries over
        session.permanent = True
        session.update(user=user.name, stamp=user.stamp)
        log.info("user %s signed in", user.name)
        return redirect(next_path)

    @bp.route("/logout", methods=["GET", "POST"])
    def logout():
        if request.method == "POST" and auth.form_token_ok(request.form.get("csrf_token")):
            session.clear()
            return redirect("/login")
        # A GET only asks: signing out by a plain link would let any site sign advisors out.
        body = f"""<form method="post" action="/logout">
<input type="hidden" name="csrf_token" value="{escape(auth.form_token())}">
<p>Sign out of the dashboard?</p><button type="submit">Sign out</button></form>"""
        return _html("Sign out", body)

    return bp


# ---------------------------------------------------------------------------- guard and headers


def _unauthorised(message: str):
    response = jsonify(error=message)
    response.status_code = 401
    return response


def _wants_page() -> bool:
    """A browser navigating to a page (redirect it to sign in) rather than a script or callback."""
    return request.method == "GET" and not request.path.startswith(("/api/", "/_dash"))


def _install_guard(server: Flask, auth: _Auth) -> None:
    @server.before_request
    def require_login():
        if request.path in PUBLIC_PATHS:
            return None
        if auth.settings.disabled:
            # Logins off serves this machine only, whatever address gunicorn was bound to.
            if request.remote_addr not in _LOOPBACK_ADDRESSES:
                response = jsonify(error="logins are off on this server: local requests only")
                response.status_code = 403
                return response
            g.user = "local-dev"
            return None
        if request.path.startswith("/api/") and API_KEY_HEADER in request.headers:
            name = auth.store.user_for_api_key(request.headers[API_KEY_HEADER])  # type: ignore[union-attr]
            if name is None:
                return _unauthorised("invalid API key")
            g.user = f"key:{name}"
            return None
        user = auth.signed_in_user()
        if user is not None:
            g.user = user.name
            return None
        if _wants_page():
            wanted = request.full_path.rstrip("?")  # Flask adds "?" even without a query
            return redirect("/login?" + urlencode({"next": _safe_next(wanted)}))
        return _unauthorised(f"sign in first, or send an {API_KEY_HEADER} header to /api/")


def install_security_headers(server: Flask) -> None:
    """Headers every response carries; the drift report may be framed by our own pages only."""

    @server.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        csp = headers.get("Content-Security-Policy")
        if not csp:
            headers["Content-Security-Policy"] = "frame-ancestors 'self'"
        elif "frame-ancestors" not in csp:
            headers["Content-Security-Policy"] = csp + "; frame-ancestors 'self'"
        if request.path.startswith(("/api/", "/_dash-update-component", "/login")):
            headers["Cache-Control"] = "no-store"  # client data must not linger in caches
        return response


def _printable(text: str, limit: int = 200) -> str:
    """A path fit for one log line: no newlines or control characters from a hostile URL."""
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in text[:limit])
    return cleaned + ("..." if len(text) > limit else "")


def install_request_log(server: Flask) -> None:
    """One line per request: id, method, path, status, duration, user. Never bodies or queries."""

    @server.before_request
    def start_clock():
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @server.after_request
    def log_request(response):
        started = g.get("request_started")
        elapsed_ms = (time.perf_counter() - started) * 1000 if started else float("nan")
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers[REQUEST_ID_HEADER] = request_id
        access_log.info(
            "rid=%s %s %s %d %.1fms user=%s",
            request_id,
            request.method,
            _printable(request.path),
            response.status_code,
            elapsed_ms,
            g.get("user") or "-",
        )
        return response


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
            "reset it with `python -m credit_dashboard.auth add-user %s`)",
            DEFAULT_USER, password, settings.users_file, DEFAULT_USER,
        )
    return UserStore(settings.users_file), load_or_create_secret_key(settings)


def register(app: Any, services: Any = None) -> None:
    """Put logins, headers and the request log on ``app`` (a Dash app or its Flask server).

    ``services`` is unused; the signature matches the app's plug-in hook. A configuration problem
    (unreadable users file, config directory not writable, logins off on a network address) stops
    the start-up with a ``StartupError`` naming the file or variable.
    """
    from credit_dashboard.services import StartupError

    server: Flask = getattr(app, "server", app)
    try:
        settings = AuthSettings()
        store, secret = _start(settings)
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
    server.register_blueprint(_blueprint(auth))
    _install_guard(server, auth)


def current_user() -> str | None:
    """The signed-in user's name for this request (``key:<name>`` for API keys), if any."""
    return g.get("user")


# ------------------------------------------------------------------------- managing accounts


def _update_users(path: Path, change) -> None:
    data = _read_users(path) if path.exists() else {"users": {}, "api_keys": {}}
    change(data)
    _write_private(path, json.dumps(data, indent=2) + "\n", replace=True)


def add_user(path: Path, name: str, role: str = "advisor") -> str:
    """Add ``name`` (or reset its password) in the users file; returns the new random password."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    password = secrets.token_urlsafe(12)
    account = {"password_hash": generate_password_hash(password), "role": role}
    _update_users(path, lambda data: data["users"].__setitem__(name, account))
    return password


def add_api_key(path: Path, name: str) -> str:
    """Create (or replace) the API key ``name``; returns the key, which is stored only hashed."""
    key = "cd_" + secrets.token_urlsafe(32)
    entry = {"sha256": _api_key_digest(key)}
    _update_users(path, lambda data: data["api_keys"].__setitem__(name, entry))
    return key


def remove(path: Path, name: str) -> bool:
    """Remove the user and the API key called ``name``; False when there was neither."""
    found: list[object] = []

    def drop(data: dict[str, Any]) -> None:
        for section in ("users", "api_keys"):
            if data[section].pop(name, None) is not None:
                found.append(section)

    _update_users(path, drop)
    return bool(found)


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m credit_dashboard.auth",
        description="Manage dashboard accounts in the users file (CREDIT_USERS_FILE).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add-user", help="add a user or reset a password (printed once)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, default="advisor")
    key = sub.add_parser("add-api-key", help="create an API key named NAME (printed once)")
    key.add_argument("name")
    drop = sub.add_parser("remove", help="remove the user and the API key named NAME")
    drop.add_argument("name")
    args = parser.parse_args(argv)

    path = AuthSettings().users_file
    if args.command == "add-user":
        print(f"password for {args.name}: {add_user(path, args.name, args.role)}")
    elif args.command == "add-api-key":
        print(f"API key {args.name} (send it as {API_KEY_HEADER}): {add_api_key(path, args.name)}")
    elif remove(path, args.name):
        print(f"removed {args.name}")
    else:
        print(f"no user or API key named {args.name}")
        return 1
    print(f"(users file: {path})")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
