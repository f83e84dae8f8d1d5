"""Measure the batch features: ingest of a Kaggle-sized batch, time until a running worker serves
it, the analyst page's server-side render with 24 batches, and the memory each stored batch costs.

    .venv/bin/python scripts/benchmark_batches.py --data-dir data --artifacts-dir artifacts

Works on a scratch copy (the tables are linked, the batch store is new), so the real store is not
touched. The batches are the applicant table's rows resampled with new ids. Prints figures and
asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from credit_dashboard.config import APPLICANTS_TABLE, TRAIN_TABLE, Settings
from credit_dashboard.storage.batches import BatchStore
from credit_dashboard.storage.schema import ID_COLUMN

ROOT = Path(__file__).resolve().parents[1]
logger = logging.getLogger("benchmark_batches")


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _batch(applicants: pd.DataFrame, rows: int, first_id: int, seed: int, path: Path) -> Path:
    frame = applicants.sample(n=rows, replace=rows > len(applicants), random_state=seed)
    frame = frame.reset_index(drop=True)
    frame[ID_COLUMN] = np.arange(first_id, first_id + rows)
    frame.to_parquet(path, index=False)
    return path


def _get_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return 0


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return bool(json.loads(response.read()).get("ready"))
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _copies(store: BatchStore, source_id: str, n: int) -> None:
    """``n`` copies of a stored batch under new ids and dates (what the page reads is the same)."""
    record = store.index.get(source_id)
    for i in range(n):
        as_of = f"{2020 + i // 12}-{i % 12 + 1:02d}-28"
        batch_id = f"{as_of}-{i:08x}"
        shutil.copytree(store.batch_dir(source_id), store.root / batch_id)
        store.index.add_batch(replace(record, batch_id=batch_id, as_of=as_of,
                                      fingerprint=f"copy-{i}-{record.fingerprint}"[:64],
                                      score_psi=record.score_psi * (1 + i / 8)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    parser.add_argument("--artifacts-dir", type=Path, default=Path("artifacts"))
    parser.add_argument("--rows", type=int, default=48_744)
    parser.add_argument("--monthly-rows", type=int, default=4_062)
    parser.add_argument("--batches", type=int, default=24)
    parser.add_argument("--port", type=int, default=18520)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    scratch = Path(tempfile.mkdtemp(prefix="benchmark-batches-"))
    data = scratch / "data"
    data.mkdir()
    for name in (TRAIN_TABLE, APPLICANTS_TABLE):
        os.symlink((args.data_dir / name).resolve(), data / name)
    settings = Settings(data_dir=data, artifacts_dir=args.artifacts_dir.resolve())
    applicants = pd.read_parquet(data / APPLICANTS_TABLE)
    first_id = int(max(applicants[ID_COLUMN].max(), 500_000)) + 1_000_000
    env = {**os.environ, "CREDIT_DATA_DIR": str(data),
           "CREDIT_ARTIFACTS_DIR": str(settings.artifacts_dir), "PORT": str(args.port),
           "CREDIT_HOST": "127.0.0.1", "CREDIT_AUTH_DISABLED": "1",
           "CREDIT_USERS_FILE": str(scratch / "users.json"), "CREDIT_LANGUAGE": "en"}
    log = open(scratch / "app.log", "w")  # noqa: SIM115 - closed with the app below
    app = subprocess.Popen([sys.executable, "-m", "credit_dashboard"], env=env, cwd=ROOT,
                           stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{args.port}"
        while not _ready(f"{base}/api/health"):  # past clients loaded: RSS is settled
            if app.poll() is not None:
                print((scratch / "app.log").read_text()[-2000:])
                return 1
            time.sleep(0.5)
        rss_before = _rss_mb(app.pid)

        big = _batch(applicants, args.rows, first_id, 1, scratch / "big.parquet")
        load_before = os.getloadavg()
        cpu_started = _children_cpu_s()
        started = time.perf_counter()
        done = subprocess.run([sys.executable, str(ROOT / "scripts" / "ingest_batch.py"),
                               str(big), "--as-of", "2025-01-31"], env=env, cwd=ROOT,
                              capture_output=True, text=True)
        ingest_s = time.perf_counter() - started
        ingest_cpu_s = _children_cpu_s() - cpu_started
        load_after = os.getloadavg()
        if done.returncode != 0:
            print(done.stderr[-2000:])
            return 1
        steps = [line for line in done.stderr.splitlines() if "clients ingested" in line]
        served_started = time.perf_counter()
        probe = f"{base}/api/clients/{first_id + args.rows - 1}"
        while _get_status(probe) != 200:
            time.sleep(0.05)
        served_s = time.perf_counter() - served_started
        time.sleep(2)
        rss_big = _rss_mb(app.pid)

        # The second ingest of the same history reuses the cached reference: the steady state.
        monthly = _batch(applicants, args.monthly_rows, first_id + args.rows + 10, 2,
                         scratch / "monthly.parquet")
        started = time.perf_counter()
        done = subprocess.run([sys.executable, str(ROOT / "scripts" / "ingest_batch.py"),
                               str(monthly), "--as-of", "2025-02-28"], env=env, cwd=ROOT,
                              capture_output=True, text=True)
        monthly_s = time.perf_counter() - started
        monthly_id = done.stdout.strip().splitlines()[-1]
        store = BatchStore(data)
        time.sleep(2)
        rss_monthly = _rss_mb(app.pid)
        _copies(store, monthly_id, args.batches - 2)
        time.sleep(4)
        rss_all = _rss_mb(app.pid)

        from credit_dashboard.services.container import load_services
        from credit_dashboard.web.app import render_page

        services = load_services(settings, background=False)
        render = []
        for _ in range(3):
            started = time.perf_counter()
            page = render_page(services, "/analyst", "")
            json.dumps(page.to_plotly_json(), default=lambda o: o.to_plotly_json()
                       if hasattr(o, "to_plotly_json") else str(o))
            render.append(time.perf_counter() - started)
        report_mb = sum(store.report_path(b.batch_id).stat().st_size
                        for b in store.batches()[:1]) / 1e6
    finally:
        app.terminate()
        app.wait(timeout=30)
        log.close()
    print(f"ingest of a {args.rows:,}-row batch, end to end (script): {ingest_s:.1f} s "
          f"({ingest_cpu_s:.1f} s of CPU; load average {load_before[0]:.2f} before, "
          f"{load_after[0]:.2f} after)")
    print(f"  {steps[0].split(': ', 1)[-1] if steps else ''}")
    print(f"ingest of a {args.monthly_rows:,}-row batch (reference cached): {monthly_s:.1f} s")
    print(f"until the running worker serves a client of the new batch: {served_s:.2f} s")
    print(f"analyst page server-side render with {len(store.batches())} batches: first "
          f"{render[0]:.3f} s, then {min(render[1:]):.3f} s")
    print(f"worker RSS: {rss_before:.0f} MB before; +{rss_big - rss_before:.0f} MB for the "
          f"{args.rows:,}-row batch; +{rss_monthly - rss_big:.0f} MB for a {args.monthly_rows:,}-"
          f"row batch; +{(rss_all - rss_monthly) / max(args.batches - 2, 1):.1f} MB per further "
          f"{args.monthly_rows:,}-row batch ({args.batches - 2} copies)")
    print(f"Evidently report per batch: {report_mb:.1f} MB on disk")
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
