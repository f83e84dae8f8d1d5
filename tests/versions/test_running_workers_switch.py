"""Already-running workers switch to a newly activated version without a restart.

Two servers on loopback ports, started before the activation: a gunicorn worker forked from a
``--preload`` master (its watcher thread must restart after the fork) and a plain
``python -m credit_dashboard`` process. ``scripts/activate_model.py`` then switches the pointer;
the test asks each server's API until it answers with the new version (bounded wait; how long it
takes is measured by ``scripts/benchmark.py --model-switch``, not asserted here). A broken version
put behind the pointer is refused by both, which keep serving; rolling back is the same command.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd

from credit_dashboard.model.versions import write_active

from .conftest import TwoVersions

ROOT = Path(__file__).resolve().parents[2]
PORTS = range(18620, 18680)
WAIT_S = 60.0


def _free_ports(n: int) -> list[int]:
    found = []
    for port in PORTS:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                found.append(port)
        if len(found) == n:
            return found
    raise RuntimeError(f"no {n} free ports in {PORTS}")


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
    except (urllib.error.URLError, ConnectionError, OSError):
        return 0, {}


def _wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _version(base: str) -> str | None:
    return _get(f"{base}/api/health")[1].get("model_version")


def test_running_workers_switch_refuse_a_broken_version_and_roll_back(
    two_versions: TwoVersions, tmp_path: Path
) -> None:
    settings = two_versions.settings
    gunicorn_port, plain_port = _free_ports(2)
    env = {**os.environ, "CREDIT_DATA_DIR": str(settings.data_dir),
           "CREDIT_ARTIFACTS_DIR": str(settings.artifacts_dir), "CREDIT_HOST": "127.0.0.1",
           "CREDIT_AUTH_DISABLED": "1", "CREDIT_USERS_FILE": str(tmp_path / "users.json"),
           "CREDIT_MODEL_POLL_SECONDS": "1", "PYTHONPATH": str(ROOT / "src")}
    gunicorn = [str(Path(sys.executable).with_name("gunicorn")), "--preload", "--workers", "1",
                "--threads", "2", "--timeout", "120", "--no-control-socket",
                "--bind", f"127.0.0.1:{gunicorn_port}", "credit_dashboard.web.app:server"]
    logs = {name: tmp_path / f"{name}.log" for name in ("gunicorn", "plain")}
    handles = {name: open(path, "w") for name, path in logs.items()}  # noqa: SIM115
    servers = [
        subprocess.Popen(gunicorn, env=env, cwd=ROOT, stdout=handles["gunicorn"],
                         stderr=subprocess.STDOUT),
        subprocess.Popen([sys.executable, "-m", "credit_dashboard"],
                         env={**env, "PORT": str(plain_port)}, cwd=ROOT,
                         stdout=handles["plain"], stderr=subprocess.STDOUT),
    ]
    bases = [f"http://127.0.0.1:{gunicorn_port}", f"http://127.0.0.1:{plain_port}"]

    def tails() -> str:
        return "\n".join(f"--- {n}\n{p.read_text()[-3000:]}" for n, p in logs.items())

    def activate(version: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(ROOT / "scripts/activate_model.py"), version],
                              env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)

    try:
        for base in bases:
            assert _wait_until(lambda b=base: _version(b) is not None, 240), tails()
            assert _version(base) == two_versions.first
        client = int(pd.read_parquet(settings.applicants_path)["SK_ID_CURR"].iloc[3])

        done = activate(two_versions.second)
        assert done.returncode == 0, done.stderr
        for base in bases:
            assert _wait_until(lambda b=base: _version(b) == two_versions.second, WAIT_S), tails()
            status, answer = _get(f"{base}/api/clients/{client}")
            assert status == 200 and answer["model_version"] == two_versions.second

        # A broken version behind the pointer (the script would refuse it; a hand-edited pointer
        # or another tool might not): each server refuses it in one line and keeps serving.
        broken = two_versions.broken("tampered")
        write_active(settings.artifacts_dir, broken)
        for name in logs:
            assert _wait_until(lambda n=name: f"model version {broken} refused"
                               in logs[n].read_text(), WAIT_S), tails()
        for base in bases:
            assert _version(base) == two_versions.second
            assert _get(f"{base}/api/clients/{client}")[1]["model_version"] == two_versions.second

        done = activate(two_versions.first)  # rolling back: the same command
        assert done.returncode == 0, done.stderr
        for base in bases:
            assert _wait_until(lambda b=base: _version(b) == two_versions.first, WAIT_S), tails()
        for name, path in logs.items():
            text = path.read_text()
            # One line per process (gunicorn's --preload master watches too): not one per poll.
            refusals = [line.split("pid ")[1].split(":")[0] for line in text.splitlines()
                        if f"model version {broken} refused" in line]
            assert refusals and len(refusals) == len(set(refusals)), (name, refusals)
            assert "Traceback" not in text, tails()
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
        for handle in handles.values():
            handle.close()
