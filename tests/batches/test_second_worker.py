"""A batch ingested while the app runs is served by an already-running worker, without a restart.

The app runs in its own process (as a gunicorn worker would), started before the batch exists; the
ingest script runs in another process; the test then asks the running app's API for a client of the
new batch until it answers (bounded wait: the poller looks every second) and checks the answer is
the stored score. Nothing is timed.
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

from credit_dashboard.config import Settings
from credit_dashboard.storage.batches import BatchStore
from credit_dashboard.storage.schema import ID_COLUMN

ROOT = Path(__file__).resolve().parents[2]
PORTS = range(18560, 18600)


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 18560-18599")


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


def test_running_worker_serves_a_new_batch(batch_settings: Settings, cut_batch,
                                           tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "CREDIT_DATA_DIR": str(batch_settings.data_dir),
           "CREDIT_ARTIFACTS_DIR": str(batch_settings.artifacts_dir), "PORT": str(port),
           "CREDIT_HOST": "127.0.0.1", "CREDIT_AUTH_DISABLED": "1",
           "CREDIT_USERS_FILE": str(tmp_path / "users.json"),
           "PYTHONPATH": str(ROOT / "src")}
    log = open(tmp_path / "app.log", "w")  # noqa: SIM115 - closed below
    app = subprocess.Popen([sys.executable, "-m", "credit_dashboard"], env=env, cwd=ROOT,
                           stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        assert _wait_until(lambda: _probe(base), 120), (tmp_path / "app.log").read_text()[-3000:]
        path = cut_batch(0, 50, "live.parquet")
        client_id = int(pd.read_parquet(path)[ID_COLUMN].iloc[7])
        assert _get(f"{base}/api/clients/{client_id}")[0] == 404
        assert _get(f"{base}/api/batches")[1] == {"batches": []}

        done = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "ingest_batch.py"), str(path), "--as-of",
             "2025-04-30"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        batch_id = done.stdout.strip().splitlines()[-1]

        assert _wait_until(lambda: _get(f"{base}/api/clients/{client_id}")[0] == 200, 60), (
            tmp_path / "app.log").read_text()[-3000:]
        status, answer = _get(f"{base}/api/clients/{client_id}")
        stored = BatchStore(batch_settings.data_dir).read_scores(batch_id).set_index(ID_COLUMN)
        assert status == 200
        assert answer["default_probability"] == pytest_approx(
            stored.loc[client_id, "default_probability"])
        assert answer["decision"] == stored.loc[client_id, "decision"]
        listed = _get(f"{base}/api/batches")[1]["batches"]
        assert [b["batch_id"] for b in listed] == [batch_id] and listed[0]["rows"] == 50
    finally:
        app.terminate()
        app.wait(timeout=30)
        log.close()


def _probe(base: str) -> bool:
    try:
        return _get(f"{base}/api/health")[0] == 200
    except (urllib.error.URLError, ConnectionError, OSError):
        return False


def pytest_approx(value: float):
    import pytest

    return pytest.approx(float(value), rel=1e-9)
