"""Failed sign-ins per account and per address, behind proxies, across processes; API per key.

In-process tests use Flask's client with a chosen ``REMOTE_ADDR`` (the address a proxy or the
client connects from); the multi-process tests start gunicorn on 127.0.0.1:18600-18699.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from flask import Flask

from credit_dashboard.services.container import StartupError

from .conftest import PASSWORD, write_users
from .standin_app import create

ROOT = Path(__file__).resolve().parents[2]
PORTS = range(18600, 18700)
API_KEYS = {"batch": "cd_batch-key-000000000000000000000000000000000000",
            "other": "cd_other-key-000000000000000000000000000000000000"}


@pytest.fixture()
def users(auth_env: Path) -> Path:
    write_users(auth_env, {"advisor": PASSWORD, "analyst": PASSWORD}, API_KEYS)
    return auth_env


def attempt(app: Flask, user: str, password: str, address: str = "127.0.0.1",
            forwarded: str | None = None) -> int:
    """One sign-in from ``address`` (through a proxy saying ``forwarded``), in a new browser."""
    client = app.test_client()
    environ = {"REMOTE_ADDR": address}
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    page = client.get("/login", environ_base=environ, headers=headers).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    response = client.post(
        "/login", data={"username": user, "password": password, "csrf_token": token},
        environ_base=environ, headers=headers,
    )
    return response.status_code


# ------------------------------------------------------------------------ per account, address


def test_guesses_at_one_account_from_many_addresses_add_up(users: Path) -> None:
    app = create()
    for n in range(10):
        assert attempt(app, "advisor", "guess", address=f"198.51.100.{n}") == 401
    # The account is locked for a while, from any address and with the right password...
    assert attempt(app, "advisor", PASSWORD, address="198.51.100.200") == 429
    # ...and only that account: a colleague at one of those addresses still signs in.
    assert attempt(app, "analyst", PASSWORD, address="198.51.100.3") == 302


def test_guesses_from_one_address_add_up_across_accounts(users: Path, monkeypatch) -> None:
    monkeypatch.setenv("CREDIT_LOGIN_ADDRESS_LIMIT", "5 per 15 minutes")
    app = create()
    for n in range(5):
        assert attempt(app, f"user{n}", "guess", address="203.0.113.9") == 401
    assert attempt(app, "analyst", PASSWORD, address="203.0.113.9") == 429
    assert attempt(app, "analyst", PASSWORD, address="203.0.113.10") == 302


def test_a_success_or_a_bad_form_is_not_counted(users: Path) -> None:
    app = create()
    for _ in range(12):
        assert attempt(app, "advisor", PASSWORD) == 302
    client = app.test_client()
    for _ in range(3):
        # No CSRF token: a 400 that says nothing about the password, so it is not counted.
        assert client.post("/login", data={"username": "advisor"}).status_code == 400
    for _ in range(10):
        assert attempt(app, "advisor", "guess") == 401
    assert attempt(app, "advisor", "guess") == 429


# ---------------------------------------------------------------------------- behind a proxy


def test_behind_a_trusted_proxy_each_user_is_counted_on_their_own(users: Path, monkeypatch):
    monkeypatch.setenv("CREDIT_TRUSTED_PROXIES", "1")
    monkeypatch.setenv("CREDIT_LOGIN_ADDRESS_LIMIT", "5 per 15 minutes")
    app = create()
    proxy = "10.0.0.2"  # every request arrives from the proxy
    for n in range(5):
        assert attempt(app, f"user{n}", "guess", proxy, forwarded="192.0.2.50") == 401
    assert attempt(app, "analyst", PASSWORD, proxy, forwarded="192.0.2.50") == 429
    # Another user behind the same proxy is not locked out.
    assert attempt(app, "analyst", PASSWORD, proxy, forwarded="192.0.2.51") == 302
    # A client writing its own X-Forwarded-For: the proxy appends the real address, and only
    # the address the trusted proxy saw (the last one) is believed.
    spoofed = "192.0.2.99, 192.0.2.50"
    assert attempt(app, "advisor", PASSWORD, proxy, forwarded=spoofed) == 429


def test_without_trusted_proxies_a_forwarded_header_is_not_believed(users: Path, monkeypatch):
    monkeypatch.setenv("CREDIT_LOGIN_ADDRESS_LIMIT", "5 per 15 minutes")
    app = create()
    for n in range(5):  # a new made-up address every time, from one real address
        assert attempt(app, f"user{n}", "guess", "198.51.100.7", forwarded=f"10.9.9.{n}") == 401
    assert attempt(app, "analyst", PASSWORD, "198.51.100.7", forwarded="10.9.9.200") == 429


@pytest.mark.parametrize(
    ("name", "value"),
    [("CREDIT_TRUSTED_PROXIES", "one"), ("CREDIT_API_RATE_LIMIT", "lots"),
     ("CREDIT_LOGIN_ACCOUNT_LIMIT", "10 per fortnight-ish")],
)
def test_nonsense_settings_stop_the_start_naming_the_variable(users: Path, monkeypatch,
                                                               name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(StartupError, match=name):
        create()


# ------------------------------------------------------------------------------ API per key


def test_the_api_is_limited_per_key_with_a_json_429(users: Path, monkeypatch) -> None:
    monkeypatch.setenv("CREDIT_API_RATE_LIMIT", "3/minute")
    client = create().test_client()
    batch, other = ({"X-API-Key": key} for key in API_KEYS.values())
    for _ in range(3):
        assert client.get("/api/clients/100002", headers=batch).status_code == 200
    refused = client.get("/api/clients/100002", headers=batch)
    assert refused.status_code == 429 and refused.mimetype == "application/json"
    answer = refused.get_json()
    assert "3 per 1 minute" in answer["error"] and 0 <= answer["retry_after_s"] <= 60
    assert int(refused.headers["Retry-After"]) <= 60
    assert client.get("/api/clients/100002", headers=other).status_code == 200  # its own count
    for _ in range(5):
        assert client.get("/api/health").status_code == 200  # probes are not counted


# ------------------------------------------------------------------------- several processes


def _free_port(taken: set[int]) -> int:
    for port in PORTS:
        if port in taken:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        taken.add(port)
        return port
    raise RuntimeError("no free port in 18600-18699")


def _wait_for(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on {port} exited: {log.read_text()[-2000:]}")
        try:
            requests.get(f"http://127.0.0.1:{port}/login", timeout=1)
            return
        except requests.RequestException:  # not listening yet, or still loading
            time.sleep(0.2)
    raise RuntimeError(f"server on {port} did not start: {log.read_text()[-2000:]}")


@contextmanager
def gunicorns(count: int, env: dict[str, str], tmp_path: Path, workers: int = 1):
    """``count`` separate gunicorn servers (``workers`` each) on one machine, sharing ``env``."""
    taken: set[int] = set()
    started: list[subprocess.Popen] = []
    ports: list[int] = []
    try:
        for n in range(count):
            port = _free_port(taken)
            log = tmp_path / f"gunicorn-{n}.log"
            command = [
                str(Path(sys.executable).with_name("gunicorn")), "--bind", f"127.0.0.1:{port}",
                "--workers", str(workers), "--no-control-socket",
                "tests.security.standin_app:create()",
            ]
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
            )
            started.append(process)
            _wait_for(port, process, log)
            ports.append(port)
        yield ports
    finally:
        for process in started:
            process.terminate()
        for process in started:
            process.wait(timeout=20)


def _http_attempt(session: requests.Session, port: int, user: str, password: str) -> int:
    page = session.get(f"http://127.0.0.1:{port}/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    response = session.post(
        f"http://127.0.0.1:{port}/login", allow_redirects=False, timeout=10,
        data={"username": user, "password": password, "csrf_token": token},
    )
    return response.status_code


def _env(users: Path, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_")}
    src = str(ROOT / "src")
    env.update(
        PYTHONPATH=os.pathsep.join([src, str(ROOT)]), CREDIT_USERS_FILE=str(users),
        CREDIT_RATELIMIT_DB=str(tmp_path / "ratelimits.sqlite3"), CREDIT_HOST="127.0.0.1",
        CREDIT_SECRET_KEY="shared-by-the-servers", **extra,
    )
    return env


def _one_cap_for_all_processes(ports: list[int]) -> None:
    sessions = [requests.Session() for _ in ports]
    for n in range(10):  # alternate between the processes
        i = n % len(ports)
        assert _http_attempt(sessions[i], ports[i], "advisor", "guess") == 401
    # With a count per process, each would still allow 5 more guesses.
    for session, port in zip(sessions, ports, strict=True):
        assert _http_attempt(session, port, "advisor", PASSWORD) == 429
    key = {"X-API-Key": API_KEYS["batch"]}
    pids = set()
    for n in range(4):
        port = ports[n % len(ports)]
        answer = requests.get(f"http://127.0.0.1:{port}/api/clients/1", headers=key, timeout=10)
        assert answer.status_code == (200 if n < 3 else 429), n
        if answer.status_code == 200:
            pids.add(answer.json()["pid"])
    assert len(pids) == len(ports)  # the requests really were served by different processes


def test_two_server_processes_share_the_sqlite_counts(users: Path, tmp_path: Path) -> None:
    env = _env(users, tmp_path, CREDIT_API_RATE_LIMIT="3/minute")
    with gunicorns(2, env, tmp_path) as ports:
        _one_cap_for_all_processes(ports)


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed")
def test_two_server_processes_share_the_redis_counts(users: Path, tmp_path: Path) -> None:
    port = _free_port(set(range(18600, 18650)))  # the upper half: away from the gunicorns
    redis = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
        env = _env(users, tmp_path, CREDIT_API_RATE_LIMIT="3/minute",
                   CREDIT_REDIS_URL=f"redis://127.0.0.1:{port}/0")
        with gunicorns(2, env, tmp_path) as ports:
            _one_cap_for_all_processes(ports)
        assert not (tmp_path / "ratelimits.sqlite3").exists()  # the counts were in Redis
    finally:
        redis.terminate()
        redis.wait(timeout=20)


def test_one_gunicorn_with_two_workers_keeps_one_count(users: Path, tmp_path: Path) -> None:
    """The production shape: one gunicorn, two forked workers. Requests go in pairs, each
    holding its worker busy a moment, so the second of a pair is served by the other worker."""
    env = _env(users, tmp_path, CREDIT_API_RATE_LIMIT="10/minute")
    key = {"X-API-Key": API_KEYS["batch"]}

    def call(port: int) -> requests.Response:
        with requests.Session() as fresh:  # a new connection each time
            return fresh.get(f"http://127.0.0.1:{port}/api/clients/1?hold=0.3", headers=key,
                             timeout=10)

    with gunicorns(1, env, tmp_path, workers=2) as (port,), ThreadPoolExecutor(2) as pool:
        answers = [a for _ in range(5) for a in pool.map(call, [port, port])]
        assert [a.status_code for a in answers] == [200] * 10
        served = [a.json()["pid"] for a in answers]
        assert len(set(served)) == 2, served  # both workers served
        assert call(port).status_code == 429  # ten in all, not ten per worker
        print(f"10 API calls served by workers {sorted(set(served))}: "
              f"{[served.count(p) for p in sorted(set(served))]}")
