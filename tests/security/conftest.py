"""Fixtures for the security suite: a private users file per test, the real app behind its logins,
and signing in like a browser."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from credit_dashboard.config import Settings

PASSWORD = "correct horse battery staple"
#: Variables of the developer's shell that would change what these tests see.
ENV_OFF = (
    "CREDIT_AUTH_DISABLED", "CREDIT_SECRET_KEY", "CREDIT_COOKIE_SECURE", "CREDIT_REDIS_URL",
    "CREDIT_TRUSTED_PROXIES", "CREDIT_API_RATE_LIMIT", "CREDIT_LOGIN_ACCOUNT_LIMIT",
    "CREDIT_LOGIN_ADDRESS_LIMIT",
)


@pytest.fixture()
def auth_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Logins on, a users file in a temporary config dir (never the real ~/.config)."""
    users_file = tmp_path / "config" / "users.json"
    monkeypatch.setenv("CREDIT_USERS_FILE", str(users_file))
    monkeypatch.setenv("CREDIT_RATELIMIT_DB", str(tmp_path / "ratelimits.sqlite3"))
    for name in ENV_OFF:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CREDIT_HOST", "127.0.0.1")
    return users_file


def write_users(
    path: Path,
    users: dict[str, str],
    api_keys: dict[str, str] | None = None,
    roles: dict[str, str] | None = None,
) -> None:
    """A users file with the given name -> password and API key name -> key (hashed as in prod).

    ``roles`` gives a user's or key's role by name; by default an account is called after its
    role ("analyst", "admin"), and anything else is an advisor.
    """
    import hashlib

    def role(name: str) -> str:
        chosen = (roles or {}).get(name) or name.split("-")[0]
        return chosen if chosen in ("advisor", "analyst", "admin") else "advisor"

    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "users": {
            name: {"password_hash": generate_password_hash(secret), "role": role(name)}
            for name, secret in users.items()
        },
        "api_keys": {
            name: {"sha256": hashlib.sha256(key.encode()).hexdigest(), "role": role(name)}
            for name, key in (api_keys or {}).items()
        },
    }
    path.write_text(json.dumps(data))
    path.chmod(0o600)


@pytest.fixture()
def guarded_app(small_data_dir: Path, small_artifacts_dir: Path, auth_env: Path, monkeypatch):
    """The real Dash app behind its logins, with one account: ``advisor`` / ``PASSWORD``."""
    from credit_dashboard.web.app import create_app

    write_users(auth_env, {"advisor": PASSWORD})
    monkeypatch.setenv("CREDIT_DECISIONS_DB", str(auth_env.parent / "decisions.sqlite3"))
    return create_app(Settings(data_dir=small_data_dir, artifacts_dir=small_artifacts_dir))


@contextmanager
def logins_on(config: Path) -> Iterator[None]:
    """The environment of a production start with logins on, its files in ``config`` (the
    caller writes ``config / "users.json"``), none of the developer's own settings."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CREDIT_USERS_FILE", str(config / "users.json"))
        patch.setenv("CREDIT_DECISIONS_DB", str(config / "decisions.sqlite3"))
        patch.setenv("CREDIT_RATELIMIT_DB", str(config / "ratelimits.sqlite3"))
        patch.setenv("CREDIT_HOST", "127.0.0.1")
        for name in ENV_OFF:
            patch.delenv(name, raising=False)
        yield


#: One account per role, each called after its role (``write_users`` gives it that role).
ROLES = ("advisor", "analyst", "admin")
#: One API key per role, for the suites that call the API as each role.
ROLE_KEYS = {role: f"cd_{role}-key-0000000000000000000000000000000000" for role in ROLES}


@pytest.fixture(scope="module")
def roles_app(small_data_dir: Path, small_artifacts_dir: Path, tmp_path_factory):
    """The production app behind its logins, one account and one API key per role, built once
    per test module with its own users file, decisions log and rate limits."""
    from credit_dashboard.web.app import create_app

    config = tmp_path_factory.mktemp("roles")
    write_users(config / "users.json", {role: PASSWORD for role in ROLES}, ROLE_KEYS)
    with logins_on(config):
        yield create_app(Settings(data_dir=small_data_dir, artifacts_dir=small_artifacts_dir))
    # The env is restored, but the app keeps what it read at start-up (as a server does).


@pytest.fixture(scope="module")
def role_clients(roles_app) -> dict[str, FlaskClient]:
    """One signed-in browser per role, by role name."""
    signed_in = {}
    for role in ROLES:
        client = roles_app.server.test_client()
        assert sign_in(client, role, PASSWORD).status_code == 302
        signed_in[role] = client
    return signed_in


def form_token(client: FlaskClient, page: str = "/login") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).get_data(as_text=True))
    assert match, f"no CSRF token on {page}"
    return match.group(1)


def sign_in(client: FlaskClient, username: str, password: str, next_path: str = "/"):
    token = form_token(client)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": next_path},
    )


def dash_body(output: str, values: dict[str, object], changed: str, deps: list[dict]) -> dict:
    """A ``/_dash-update-component`` body for the callback whose outputs start with ``output``."""
    dep = next(d for d in deps if d["output"].strip(".").startswith(output))
    return callback_body(dep, values, changed)


def callback_body(dep: dict, values: dict[str, object], changed: str) -> dict:
    """A ``/_dash-update-component`` body for the callback ``dep`` (one entry of
    ``/_dash-dependencies``), its inputs and states filled from ``values`` ("id.property")."""
    parts = dep["output"].strip(".").split("...")
    outputs = [dict(zip(("id", "property"), p.rsplit(".", 1), strict=True)) for p in parts]

    def fill(items):
        return [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in items]

    return {
        "output": dep["output"],
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": fill(dep["inputs"]),
        "state": fill(dep.get("state", [])),
        "changedPropIds": [changed],
    }
