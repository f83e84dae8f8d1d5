"""Logins, sessions, API keys, headers and the request log, on a minimal Flask app.

The app stands in for the Dash server: a page, a Dash callback endpoint, an asset with data, a
drift report and an API route all return a client's secret, so any leak shows up in a body.
"""

from __future__ import annotations

import json
import logging
import re
import stat
from pathlib import Path

import pytest
from flask import Flask, jsonify

from credit_dashboard.web import auth

from .conftest import PASSWORD, form_token, sign_in, write_users

SECRET = "client 100002 earns 135000"
API_KEY = "cd_test-key-0123456789abcdef0123456789abcdef"
PROTECTED = [
    ("GET", "/"),
    ("GET", "/client/100002"),
    ("GET", "/assets/clients.csv"),
    ("GET", "/drift-report"),
    ("GET", "/_dash-layout"),
    ("GET", "/_dash-dependencies"),
    ("POST", "/_dash-update-component"),
    ("GET", "/api/clients/100002"),
    ("POST", "/api/score"),
]

#: Stand-in routes under the app's real rules, so the roles table knows them.
REAL_RULES = {"/api/clients/100002": "/api/clients/<path:client_text>"}


def make_app() -> Flask:
    app = Flask("stand-in")
    for method, path in PROTECTED:
        rule = REAL_RULES.get(path, path)
        app.add_url_rule(rule, path, lambda **_: SECRET, methods=[method])
    app.add_url_rule("/api/health", "health", lambda: jsonify(status="ok"))
    auth.register(app)
    return app


@pytest.fixture()
def users(auth_env: Path) -> Path:
    # Admins: these tests are about signing in; roles have their own tests (test_roles.py), and
    # the stand-in's routes are not in the roles table (so only admins may open them).
    write_users(
        auth_env, {"advisor": PASSWORD, "analyst": "another password"}, {"batch": API_KEY},
        roles={"advisor": "admin", "analyst": "admin", "batch": "admin"},
    )
    return auth_env


# ----------------------------------------------------------------------------- nobody gets in


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_anonymous_requests_get_nothing(users: Path, method: str, path: str) -> None:
    response = make_app().test_client().open(path, method=method, json={"id": 1})
    assert response.status_code in (302, 401)
    assert SECRET not in response.get_data(as_text=True)
    if path.startswith(("/api/", "/_dash")):
        assert response.status_code == 401 and "error" in response.get_json()
    else:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_health_is_public_and_carries_no_client_data(users: Path) -> None:
    response = make_app().test_client().get("/api/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


@pytest.mark.parametrize("key", ["wrong", "", API_KEY[:-1], API_KEY + "x", "' OR 1=1 --"])
def test_a_wrong_api_key_is_refused(users: Path, key: str) -> None:
    response = make_app().test_client().get("/api/clients/100002", headers={"X-API-Key": key})
    assert response.status_code == 401
    assert SECRET not in response.get_data(as_text=True)


def test_a_right_api_key_opens_the_api_only(users: Path) -> None:
    client = make_app().test_client()
    headers = {"X-API-Key": API_KEY}
    assert client.get("/api/clients/100002", headers=headers).get_data(as_text=True) == SECRET
    page = client.get("/", headers=headers)
    assert page.status_code == 302 and SECRET not in page.get_data(as_text=True)


# ------------------------------------------------------------------------------------ signing in


def test_sign_in_opens_pages_callbacks_and_api(users: Path) -> None:
    client = make_app().test_client()
    response = sign_in(client, "advisor", PASSWORD, next_path="/client/100002")
    assert response.status_code == 302 and response.headers["Location"] == "/client/100002"
    for method, path in PROTECTED:
        assert client.open(path, method=method).get_data(as_text=True) == SECRET, path
    again = client.get("/login?next=/client/100002")  # already signed in: straight through
    assert again.status_code == 302 and again.headers["Location"] == "/client/100002"


def test_wrong_password_and_unknown_user_look_the_same(users: Path) -> None:
    client = make_app().test_client()
    wrong_password = sign_in(client, "advisor", "not it")
    unknown_user = sign_in(client, "mallory", "not it")
    for response in (wrong_password, unknown_user):
        assert response.status_code == 401
        assert "Incorrect user name or password." in response.get_data(as_text=True)
    strip = re.compile(r'value="[^"]*"')  # tokens differ; the rest of the page must not
    assert strip.sub("", wrong_password.get_data(as_text=True)) == strip.sub(
        "", unknown_user.get_data(as_text=True)
    )
    assert client.get("/").status_code == 302


def test_login_form_needs_its_csrf_token(users: Path) -> None:
    client = make_app().test_client()
    client.get("/login")
    missing = client.post("/login", data={"username": "advisor", "password": PASSWORD})
    forged = client.post(
        "/login", data={"username": "advisor", "password": PASSWORD, "csrf_token": "forged"}
    )
    # A token minted for another browser's session does not fit this one.
    other = make_app().test_client()
    stolen = form_token(other)
    replayed = client.post(
        "/login", data={"username": "advisor", "password": PASSWORD, "csrf_token": stolen}
    )
    for response in (missing, forged, replayed):
        assert response.status_code == 400
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example", "/\\evil.example", "javascript:x"]
)
def test_next_never_leaves_the_site(users: Path, target: str) -> None:
    response = sign_in(make_app().test_client(), "advisor", PASSWORD, next_path=target)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_session_cookie_flags(users: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cookie = sign_in(make_app().test_client(), "advisor", PASSWORD).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    monkeypatch.setenv("CREDIT_COOKIE_SECURE", "1")
    cookie = sign_in(make_app().test_client(), "advisor", PASSWORD).headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_logout_needs_a_post_with_token(users: Path) -> None:
    client = make_app().test_client()
    sign_in(client, "advisor", PASSWORD)
    assert client.get("/logout").status_code == 200  # a confirmation, not a sign-out
    assert client.get("/").get_data(as_text=True) == SECRET
    assert client.post("/logout").status_code == 200  # no token: still asks
    assert client.get("/").get_data(as_text=True) == SECRET
    token = form_token(client, "/logout")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_changing_a_password_signs_out_open_sessions(users: Path) -> None:
    client = make_app().test_client()
    sign_in(client, "advisor", PASSWORD)
    assert client.get("/").status_code == 200
    write_users(users, {"advisor": "a new password"}, roles={"advisor": "admin"})
    assert client.get("/").status_code == 302


def test_repeated_failures_are_throttled(users: Path) -> None:
    client = make_app().test_client()
    for _ in range(auth.MAX_FAILED_LOGINS):
        assert sign_in(client, "advisor", "guess").status_code == 401
    assert sign_in(client, "advisor", PASSWORD).status_code == 429
    assert client.get("/").status_code == 302


# ---------------------------------------------------------------------------------- first run


def test_first_run_creates_a_private_account_and_shows_the_password_once(
    auth_env: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="credit_dashboard.web.auth")
    make_app()
    shown = [r.getMessage() for r in caplog.records if "first run" in r.getMessage()]
    assert len(shown) == 1
    password = re.search(r"with password (\S+) in", shown[0]).group(1)
    assert password not in auth_env.read_text()  # stored hashed only
    assert stat.S_IMODE(auth_env.stat().st_mode) == 0o600
    assert stat.S_IMODE(auth_env.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((auth_env.parent / "secret_key").stat().st_mode) == 0o600

    caplog.clear()
    app = make_app()  # second start: the same account, no new password, nothing shown
    assert not [r for r in caplog.records if "password" in r.getMessage()]
    client = app.test_client()
    assert sign_in(client, "admin", password).status_code == 302  # the installer: every right
    assert json.loads(auth_env.read_text())["users"]["admin"]["role"] == "admin"
    assert client.get("/").get_data(as_text=True) == SECRET


def test_sessions_survive_across_workers(auth_env: Path) -> None:
    """Two gunicorn workers build two apps; both sign with the one key in the config dir."""
    write_users(auth_env, {"advisor": PASSWORD})
    first, second = make_app().test_client(), make_app().test_client()
    sign_in(first, "advisor", PASSWORD)
    cookie = first.get_cookie("credit_session")
    second.set_cookie("credit_session", cookie.value)
    assert second.get("/").get_data(as_text=True) == SECRET


def test_an_unreadable_users_file_stops_the_start_naming_it(auth_env: Path) -> None:
    auth_env.parent.mkdir(parents=True)
    auth_env.write_text("{not json")
    with pytest.raises(RuntimeError, match=re.escape(str(auth_env))):
        make_app()


def test_an_unusable_config_dir_stops_the_start_naming_it(tmp_path: Path, monkeypatch) -> None:
    from credit_dashboard.services.container import StartupError

    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("CREDIT_USERS_FILE", str(blocker / "users.json"))
    monkeypatch.delenv("CREDIT_AUTH_DISABLED", raising=False)
    with pytest.raises(StartupError, match="not-a-directory"):
        make_app()


@pytest.mark.parametrize("content", ['[]', '{"users": []}', '{"api_keys": ["k"]}'])
def test_a_users_file_of_the_wrong_shape_stops_the_start(auth_env: Path, content: str) -> None:
    auth_env.parent.mkdir(parents=True)
    auth_env.write_text(content)
    with pytest.raises(RuntimeError, match="must be an object"):
        make_app()


@pytest.mark.parametrize("stored", ["rot13:abc", 42, None])
def test_a_broken_hash_refuses_that_login_without_crashing(auth_env: Path, stored: object) -> None:
    auth_env.parent.mkdir(parents=True)
    auth_env.write_text(json.dumps({"users": {"advisor": {"password_hash": stored}}}))
    client = make_app().test_client()
    assert sign_in(client, "advisor", "abc").status_code == 401


# ----------------------------------------------------------------------------- development mode


def test_disabled_logins_serve_pages_locally(auth_env: Path, monkeypatch) -> None:
    monkeypatch.setenv("CREDIT_AUTH_DISABLED", "1")
    client = make_app().test_client()
    assert client.get("/").get_data(as_text=True) == SECRET
    assert not auth_env.exists()  # no account is created for development


def test_disabled_logins_refuse_other_machines(auth_env: Path, monkeypatch) -> None:
    """gunicorn may bind 0.0.0.0 whatever CREDIT_HOST says: remote callers still get nothing."""
    monkeypatch.setenv("CREDIT_AUTH_DISABLED", "1")
    client = make_app().test_client()
    response = client.get("/", environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert response.status_code == 403 and SECRET not in response.get_data(as_text=True)
    assert client.get("/", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_disabled_logins_refuse_a_network_host(auth_env: Path, monkeypatch) -> None:
    monkeypatch.setenv("CREDIT_AUTH_DISABLED", "1")
    monkeypatch.setenv("CREDIT_HOST", "0.0.0.0")
    with pytest.raises(RuntimeError, match="local development only"):
        make_app()


# ---------------------------------------------------------------------------- headers and logs


def test_security_headers_on_every_response(users: Path) -> None:
    client = make_app().test_client()
    for response in (client.get("/"), client.get("/login"), client.get("/api/health")):
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "frame-ancestors" in response.headers["Content-Security-Policy"]
    assert client.get("/api/health").headers["Cache-Control"] == "no-store"


def test_request_ids_and_a_log_without_secrets(users: Path, caplog) -> None:
    caplog.set_level(logging.INFO)
    client = make_app().test_client()
    response = client.get("/api/health", headers={"X-Request-ID": "trace-42"})
    assert response.headers["X-Request-ID"] == "trace-42"
    hostile = client.get("/api/health", headers={"X-Request-ID": "x y <script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", hostile.headers["X-Request-ID"])
    sign_in(client, "advisor", PASSWORD)
    client.post("/api/score", json={"AMT_INCOME_TOTAL": 987654.5})
    client.get("/client/%0aFORGED?token=abc")
    lines = [r.getMessage() for r in caplog.records if r.name == "credit_dashboard.access"]
    assert any("rid=trace-42" in line and "ms" in line for line in lines)
    assert any("POST /api/score 200" in line and "user=advisor" in line for line in lines)
    text = caplog.text
    assert PASSWORD not in text and "987654" not in text and "token=abc" not in text
    assert "\nFORGED" not in text


# ---------------------------------------------------------------------------------------- CLI


def test_cli_adds_users_and_keys_that_work(auth_env: Path, capsys) -> None:
    assert auth._main(["add-user", "analyst1", "--role", "analyst"]) == 0
    password = re.search(r"password for analyst1 \(analyst\): (\S+)", capsys.readouterr().out)[1]
    assert auth._main(["add-api-key", "batch", "--role", "analyst"]) == 0
    key = re.search(r"\): (\S+)", capsys.readouterr().out).group(1)
    assert stat.S_IMODE(auth_env.stat().st_mode) == 0o600
    client = make_app().test_client()
    assert client.get("/api/clients/100002", headers={"X-API-Key": key}).status_code == 200
    assert sign_in(client, "analyst1", password).status_code == 302
    assert auth._main(["remove", "batch"]) == 0
    assert client.get("/api/clients/100002", headers={"X-API-Key": key}).status_code == 401
    assert auth._main(["remove", "nobody"]) == 1
