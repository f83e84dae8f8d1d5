"""Benchmark the credit records end to end: prints figures, asserts nothing.

1. Generation (with ``--generate``): ``scripts/make_data.py`` at the default size in a
   subprocess, wall time and peak RSS (``/usr/bin/time``-free: the child's ``ru_maxrss``).
2. The store on disk: rows, row groups and size of each table.
3. Aggregation of every client (the query training runs), on all cores.
4. One client's lookup as the advisor's panel and the scoring make it: the six tables' rows
   (the panel's columns) plus the stored features, p50/p95 over random ids.
5. The app with a model trained with records, then with one trained without (same data):
   first explained client after start and advisor page p95 against the floor (in process, as
   ``scripts/benchmark.py``), then the app served as ``run.sh`` does (``python -m
   credit_dashboard``, the app's default allocator arenas) with every panel that follows the
   client called over HTTP for ``--clients`` clients: the panels' p95 per client, and the
   process's resident size after them and at its peak (``VmRSS`` / ``VmHWM`` from
   ``/proc/<pid>/status``). The records must not grow the worker by more than 50 MB.

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

from benchmark import (  # noqa: E402
    _call_over_http,
    _callbacks_on,
    measure_per_client,
    measure_startup,
    start_app,
    status_mb,
)

from credit_dashboard.model import record_features  # noqa: E402
from credit_dashboard.services.credit_history import COLUMNS_READ  # noqa: E402
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
    _say("table                     rows   row groups x columns (base)   MB on disk")
    chunks = 0
    for name in TABLES:
        files = store.files(name)
        rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
        size = sum(f.stat().st_size for f in files)
        base = pq.ParquetFile(files[0]).metadata if files else None
        groups = f"{base.num_row_groups:5d} x {base.num_columns:2d}" if base else "  none "
        chunks += base.num_row_groups * base.num_columns if base else 0
        total_rows, total_bytes = total_rows + rows, total_bytes + size
        _say(f"{name:24s} {rows:12,d}   {groups}                  {size / 2**20:10.1f}")
    _say(f"{'all six':24s} {total_rows:12,d}   {chunks:,d} column chunks in the base footers "
         f"{total_bytes / 2**20:6.1f}")


def aggregate_all(store: CreditRecordStore) -> None:
    started = time.perf_counter()
    features = record_features.store_aggregates(store, threads=os.cpu_count())
    wall = time.perf_counter() - started
    _say(f"aggregation of every client ({len(features):,} with records, "
         f"{len(record_features.RECORD_FEATURES)} features, {os.cpu_count()} cores): {wall:.1f} s")


def lookups(store: CreditRecordStore, n: int, seed: int) -> None:
    ids = store.client_ids()
    store.close()  # a web worker never holds a DuckDB connection: neither does this lookup
    chosen = np.random.default_rng(seed).choice(ids, size=min(n, len(ids)), replace=False)
    for client_id in chosen[:10]:  # warm-up: connection, views, footers
        store.client_records(int(client_id), COLUMNS_READ)
        record_features.features_for(store, [int(client_id)])
    records_ms, features_ms, both_ms = [], [], []
    for client_id in chosen:
        tick = time.perf_counter()
        store.client_records(int(client_id), COLUMNS_READ)
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


def served_figures(data: Path, artifacts: Path, clients: int, seed: int) -> dict[str, float]:
    """The app as run.sh serves it; every panel following the client, over HTTP, per client."""
    app = start_app(data, artifacts)
    try:
        ids = pq.read_table(data / "application_test.parquet", columns=["SK_ID_CURR"]).column(0)
        chosen = np.random.default_rng(seed).choice(ids.to_numpy(), size=clients + 1,
                                                    replace=False)
        panels = _callbacks_on(app.base, ["advisor-client-id.data"])
        for callback in panels:  # the first client waits for the past clients to load
            _call_over_http(app.base, callback, [str(chosen[0])])
        per_client = []
        for client_id in chosen[1:]:
            tick = time.perf_counter()
            for callback in panels:
                _call_over_http(app.base, callback, [str(client_id)])
            per_client.append((time.perf_counter() - tick) * 1000)
        return {"panels": len(panels), "p95_ms": float(np.percentile(per_client, 95)),
                "rss_mb": status_mb(app.process.pid, "VmRSS"),
                "peak_mb": status_mb(app.process.pid, "VmHWM")}
    finally:
        app.close()


def app_figures(label: str, data: Path, artifacts: Path, clients: int, seed: int) -> float:
    per_client = measure_per_client(data, artifacts, clients, seed)
    startup = measure_startup(data, artifacts, per_client["ids"])
    ratio = per_client["page_p95"] / per_client["floor_p95"]
    _say(f"{label}: first explained client {startup['first_client_s']:.2f} s after start; "
         f"advisor page p95 {per_client['page_p95']:.1f} ms (floor {per_client['floor_p95']:.1f} "
         f"ms, {ratio:.2f} x)")
    served = served_figures(data, artifacts, clients, seed)
    _say(f"{label}: served, {served['panels']} panels per client over HTTP: p95 "
         f"{served['p95_ms']:.0f} ms a client; after {clients} clients RSS "
         f"{served['rss_mb']:.0f} MB, peak {served['peak_mb']:.0f} MB")
    return float(served["rss_mb"])


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
    _say(f"RSS of the app after {args.clients} clients, with records minus without: "
         f"{with_records - without_records:+.0f} MB (target <= 50 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
