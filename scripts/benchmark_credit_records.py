"""Benchmark the credit records end to end: prints figures, asserts nothing.

1. Generation (with ``--generate``): ``scripts/make_data.py`` at the default size in a
   subprocess, wall time and peak RSS (``/usr/bin/time``-free: the child's ``ru_maxrss``).
2. The store on disk: rows and size of each table.
3. Aggregation of every client (the query training runs), on all cores.
4. One client's lookup: the six tables' rows plus the stored features, p50/p95 over random ids.
5. The app with a model trained with records, then with one trained without (same data): first
   explained client after start, advisor page p95 and its ratio to the floor, and the peak RSS of
   the app process (``VmHWM`` from ``/proc/<pid>/status``) — the records must not grow a worker.

Usage::

    .venv/bin/python scripts/benchmark_credit_records.py [--data data] [--artifacts artifacts]
        [--artifacts-without DIR] [--generate OUT_DIR] [--clients 300]

``--artifacts-without``: a model trained with ``scripts/train.py --no-credit-records``; when left
out one is trained in quick mode into a temporary folder (about two minutes).
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from benchmark import measure_per_client, measure_startup  # noqa: E402

from credit_dashboard.model import record_features  # noqa: E402
from credit_dashboard.storage.credit_records.schema import RECORDS_DIR, TABLES  # noqa: E402
from credit_dashboard.storage.credit_records.store import CreditRecordStore  # noqa: E402

logger = logging.getLogger("benchmark_credit_records")


def _say(text: str) -> None:
    """Figures go to stdout: this script's whole output is its report."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def generate(out_dir: Path) -> None:
    started = time.perf_counter()
    subprocess.run([sys.executable, "scripts/make_data.py", "--out", str(out_dir)], cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    _say(f"generation of the default data set (make_data.py): {wall:.1f} s, peak RSS "
         f"{peak:.0f} MB")


def describe_store(store: CreditRecordStore) -> None:
    total_rows, total_bytes = 0, 0
    _say("table                     rows        MB on disk")
    for name in TABLES:
        files = store.files(name)
        rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
        size = sum(f.stat().st_size for f in files)
        total_rows, total_bytes = total_rows + rows, total_bytes + size
        _say(f"{name:24s} {rows:12,d}  {size / 2**20:10.1f}")
    _say(f"{'all six':24s} {total_rows:12,d}  {total_bytes / 2**20:10.1f}")


def aggregate_all(store: CreditRecordStore) -> None:
    started = time.perf_counter()
    features = record_features.store_aggregates(store, threads=os.cpu_count())
    wall = time.perf_counter() - started
    _say(f"aggregation of every client ({len(features):,} with records, "
         f"{len(record_features.RECORD_FEATURES)} features, {os.cpu_count()} cores): {wall:.1f} s")


def lookups(store: CreditRecordStore, n: int, seed: int) -> None:
    ids = store.client_ids()
    chosen = np.random.default_rng(seed).choice(ids, size=min(n, len(ids)), replace=False)
    for client_id in chosen[:10]:  # warm-up: connection, views, footers
        store.client_records(int(client_id))
        record_features.features_for(store, [int(client_id)])
    records_ms, features_ms, both_ms = [], [], []
    for client_id in chosen:
        tick = time.perf_counter()
        store.client_records(int(client_id))
        middle = time.perf_counter()
        record_features.features_for(store, [int(client_id)])
        done = time.perf_counter()
        records_ms.append((middle - tick) * 1000)
        features_ms.append((done - middle) * 1000)
        both_ms.append((done - tick) * 1000)
    for label, values in (("records (six tables)", records_ms),
                          ("stored features", features_ms),
                          ("records + features", both_ms)):
        _say(f"one client's {label:22s} p50 {np.percentile(values, 50):6.1f} ms   "
             f"p95 {np.percentile(values, 95):6.1f} ms   over {len(values)} clients")


def app_figures(label: str, data: Path, artifacts: Path, clients: int, seed: int) -> float:
    per_client = measure_per_client(data, artifacts, clients, seed)
    startup = measure_startup(data, artifacts, per_client["ids"])
    ratio = per_client["page_p95"] / per_client["floor_p95"]
    _say(f"{label}: first explained client {startup['first_client_s']:.2f} s after start; "
         f"advisor page p95 {per_client['page_p95']:.1f} ms (floor {per_client['floor_p95']:.1f} "
         f"ms, {ratio:.2f} x); peak RSS of the app {startup['peak_rss_mb']:.0f} MB")
    return float(startup["peak_rss_mb"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--artifacts", type=Path, default=ROOT / "artifacts")
    parser.add_argument("--artifacts-without", type=Path, default=None)
    parser.add_argument("--generate", type=Path, default=None,
                        help="first generate the default data set into this folder (timed)")
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-app", action="store_true", help="store figures only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.generate is not None:
        generate(args.generate)
        args.data = args.generate
    store = CreditRecordStore(args.data / RECORDS_DIR)
    if not store.available:
        _say(f"no credit records in {args.data / RECORDS_DIR}: run scripts/make_data.py or "
             "scripts/import_kaggle.py --credit-records DIR first")
        return 1
    describe_store(store)
    aggregate_all(store)
    lookups(store, args.clients, args.seed)
    if args.skip_app:
        return 0
    with_records = app_figures("with records   ", args.data, args.artifacts, args.clients,
                               args.seed)
    without = args.artifacts_without
    with tempfile.TemporaryDirectory() as tmp:
        if without is None:
            without = Path(tmp) / "artifacts"
            _say("training a model without records (quick mode) for the comparison...")
            subprocess.run([sys.executable, "scripts/train.py", "--train",
                            str(args.data / "application_train.parquet"), "--applicants",
                            str(args.data / "application_test.parquet"), "--out", str(without),
                            "--quick", "--no-credit-records"], cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        without_records = app_figures("without records", args.data, without, args.clients,
                                      args.seed)
    _say(f"RSS growth of the app from the records: {with_records - without_records:+.0f} MB "
         "(target <= 50 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
