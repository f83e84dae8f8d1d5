"""How long running workers take to serve a newly activated model version (prints seconds).

    .venv/bin/python scripts/benchmark_model_switch.py --data data --artifacts artifacts

Works on a copy of the artifacts (the real pointer never moves): stores a second version derived
from the active one (same pipeline, another calibration and threshold), starts gunicorn as the
Procfile does (2 workers) on a loopback port, runs ``scripts/activate_model.py`` and asks
``/api/health`` until 20 answers in a row name the new version. Reported: seconds from the
command's start, and from the pointer's write (``active.json``'s mtime), to that moment.
``measure()`` returns the figures for ``scripts/benchmark.py --model-switch``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from credit_dashboard.model.artifact import load_model, write_artifacts
from credit_dashboard.model.calibration import PlattScaling
from credit_dashboard.model.estimator import CreditRiskModel
from credit_dashboard.model.versions import ACTIVE_FILE

ROOT = Path(__file__).resolve().parents[1]
IN_A_ROW = 20


def _health_version(base: str) -> str | None:
    try:
        with urllib.request.urlopen(f"{base}/api/health", timeout=5) as response:
            return json.loads(response.read()).get("model_version")
    except OSError:
        return None


def _derive_version(artifacts: Path) -> str:
    first = load_model(artifacts)
    model = CreditRiskModel(first.model.pipeline, PlattScaling(1.1, -2.0), 0.2)
    card = {k: v for k, v in first.card.items()
            if k not in ("artifact_sha256", "model_version", "tables")}
    tables = {name: first.table(name) for name in first.table_names}
    return write_artifacts(artifacts, model, card, tables=tables, activate=False)["model_version"]


def measure(data_dir: Path, artifacts_dir: Path, workers: int = 2, timeout_s: float = 120) -> dict:
    scratch = Path(tempfile.mkdtemp(prefix="model-switch-"))
    artifacts = scratch / "artifacts"
    shutil.copytree(artifacts_dir, artifacts)
    new = _derive_version(artifacts)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "CREDIT_DATA_DIR": str(data_dir), "CREDIT_ARTIFACTS_DIR": str(artifacts),
           "CREDIT_AUTH_DISABLED": "1", "CREDIT_USERS_FILE": str(scratch / "users.json"),
           "PYTHONPATH": str(ROOT / "src")}
    base = f"http://127.0.0.1:{port}"
    log = open(scratch / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "--workers", str(workers), "--threads",
         "4", "--timeout", "120", "--no-control-socket", "--bind", f"127.0.0.1:{port}",
         "credit_dashboard.web.app:server"], env=env, cwd=ROOT, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 300
        while _health_version(base) is None:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"gunicorn did not start; see {scratch / 'gunicorn.log'}")
            time.sleep(0.2)
        time.sleep(2)  # every worker up, not only the first
        started = time.time()
        subprocess.run([sys.executable, str(ROOT / "scripts/activate_model.py"), new], env=env,
                       cwd=ROOT, check=True, capture_output=True, timeout=120)
        written = (artifacts / ACTIVE_FILE).stat().st_mtime
        in_a_row, switched = 0, None
        while in_a_row < IN_A_ROW:
            if time.time() - started > timeout_s:
                raise RuntimeError(f"no switch within {timeout_s} s")
            if _health_version(base) == new:
                in_a_row += 1
                switched = switched or time.time()
            else:
                in_a_row, switched = 0, None
            time.sleep(0.01)
        return {"workers": workers, "from_command_s": round(switched - started, 2),
                "from_pointer_write_s": round(switched - written, 2)}
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        shutil.rmtree(scratch, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--artifacts", type=Path, default=ROOT / "artifacts")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    figures = measure(args.data, args.artifacts, args.workers)
    print(f"model switch with {figures['workers']} gunicorn workers: served "
          f"{figures['from_command_s']} s after activate_model.py started, "
          f"{figures['from_pointer_write_s']} s after active.json was written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
