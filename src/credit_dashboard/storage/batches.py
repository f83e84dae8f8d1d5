"""Stored applicant batches: one folder per batch, written all-or-nothing, plus the index.

Layout under the data dir::

    batches.sqlite3                  the index (or CREDIT_DATABASE_URL): storage.batches_index
    batch_store/
      .lock                          held by an ingest from its checks to its commit
      <batch id>/
        applicants.parquet           the validated applicant rows (Kaggle's 121 columns)
        scores.parquet               id, default probability, decision, top reasons, model version
        monitoring.json              PSI of the score and top features, Evidently's verdicts
        portfolio.json               probability histogram, refusal by segment
        drift_report.html            Evidently's report of this batch against the history
      reference-<model version>/     the history sample the monitoring compares with (a cache)

A batch is written in a staging folder (``.staging-<pid>-<random>``), every file fsync'ed, then the
folder is renamed to its id and only then is the index row committed. A process killed at any point
leaves either nothing visible or a complete batch: a folder without an index row is invisible, and
the next ingest removes it (and any staging folder) while holding the lock. Earlier batches are
never opened for writing.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from credit_dashboard.storage.batches_index import (
    BatchIndex,
    BatchRecord,
    default_database_url,
    make_engine,
)
from credit_dashboard.storage.schema import ID_COLUMN

logger = logging.getLogger(__name__)

STORE_DIR = "batch_store"
APPLICANTS_FILE = "applicants.parquet"
SCORES_FILE = "scores.parquet"
MONITORING_FILE = "monitoring.json"
PORTFOLIO_FILE = "portfolio.json"
REPORT_FILE = "drift_report.html"
_STAGING_PREFIX = ".staging-"
_LOCK_FILE = ".lock"
#: Batch ids are made by the ingest from the as-of date and the fingerprint; anything else in a
#: URL is refused before it reaches the file system.
BATCH_ID_PATTERN = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9a-f]{8,16}$")


def fsync_path(path: Path) -> None:
    """Flush a file or a folder to disk (a rename is durable only once its folder is)."""
    with contextlib.suppress(OSError):  # not every file system allows a folder fsync
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_json(path: Path, payload: Any) -> None:
    path.write_text(json.dumps(payload, allow_nan=False, indent=1), encoding="utf-8")


class BatchStore:
    """The batch folders and their index, for the ingest (writing) and the app (reading)."""

    def __init__(self, data_dir: Path, database_url: str | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.root = self.data_dir / STORE_DIR
        self.root.mkdir(parents=True, exist_ok=True)
        self.index = BatchIndex(make_engine(database_url or default_database_url(self.data_dir)))

    # -- paths --------------------------------------------------------------------------------
    def batch_dir(self, batch_id: str) -> Path:
        if not BATCH_ID_PATTERN.match(batch_id):
            raise KeyError(f"not a batch id: {batch_id!r}")
        return self.root / batch_id

    def report_path(self, batch_id: str) -> Path:
        return self.batch_dir(batch_id) / REPORT_FILE

    def reference_dir(self, model_version: str) -> Path:
        return self.root / f"reference-{model_version}"

    # -- writing: lock, stage, commit, sweep ------------------------------------------------
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Exclusive across processes on this host; the kernel releases it if the holder dies."""
        with open(self.root / _LOCK_FILE, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def sweep(self) -> list[str]:
        """Remove staging folders and folders without an index row (left by a killed ingest).

        Call only while holding :meth:`lock`: no other ingest can be between rename and commit.
        """
        known = {b.batch_id for b in self.index.batches()}
        removed = []
        for entry in self.root.iterdir():
            orphan = BATCH_ID_PATTERN.match(entry.name) and entry.name not in known
            if entry.is_dir() and (entry.name.startswith(_STAGING_PREFIX) or orphan):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry.name)
        if removed:
            logger.warning("removed %d unfinished batch folder(s): %s", len(removed), removed)
        return removed

    def new_staging(self) -> Path:
        path = self.root / f"{_STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
        path.mkdir()
        return path

    def commit(self, staging: Path, record: BatchRecord) -> Path:
        """Make the staged batch durable and visible: fsync, rename to its id, index row."""
        for file in staging.iterdir():
            fsync_path(file)
        fsync_path(staging)
        final = self.batch_dir(record.batch_id)
        if final.exists():  # an orphan of the same file, killed before its index row
            shutil.rmtree(final)
        os.replace(staging, final)
        fsync_path(self.root)
        self.index.add_batch(record)
        return final

    # -- reading ------------------------------------------------------------------------------
    def batches(self) -> list[BatchRecord]:
        return self.index.batches()

    def read_applicants(self, batch_id: str) -> pd.DataFrame:
        return pd.read_parquet(self.batch_dir(batch_id) / APPLICANTS_FILE)

    def read_scores(self, batch_id: str) -> pd.DataFrame:
        return pd.read_parquet(self.batch_dir(batch_id) / SCORES_FILE)

    def read_json(self, batch_id: str, name: str) -> dict[str, Any]:
        return json.loads((self.batch_dir(batch_id) / name).read_text(encoding="utf-8"))

    def client_ids(self, batch_id: str) -> np.ndarray:
        """The batch's client ids, from the id column alone (no full read)."""
        path = self.batch_dir(batch_id) / APPLICANTS_FILE
        return pq.read_table(path, columns=[ID_COLUMN]).column(0).to_numpy()

    def all_client_ids(self) -> dict[int, str]:
        """Client id -> batch id, over every committed batch."""
        found: dict[int, str] = {}
        for record in self.batches():
            for client_id in self.client_ids(record.batch_id).tolist():
                found[int(client_id)] = record.batch_id
        return found
