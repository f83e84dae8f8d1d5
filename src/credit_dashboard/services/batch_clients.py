"""The clients of stored batches, kept in each worker and refreshed by a small poller.

Each worker process (gunicorn forks several) polls the batch index's change counter every second or
so; when it moves, only the batches not seen yet are read (their applicant rows, a few MB each) and
added to this directory, which the :class:`~credit_dashboard.services.scoring.ScoringService`
consults for ids it does not hold itself. So a batch ingested by the script while the app runs can
be searched and scored within seconds, without a restart and without reloading anything else.

Lookups never take a lock: a refresh builds new lookup structures and swaps them in one assignment.
A thread does not survive a fork, so the poller restarts itself in every forked child.
"""

from __future__ import annotations

import bisect
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from credit_dashboard.services.background import Poller
from credit_dashboard.storage.batches import BatchStore
from credit_dashboard.storage.schema import ID_COLUMN

logger = logging.getLogger(__name__)

#: Seconds between two looks at the index (a new batch is served within about this long).
POLL_SECONDS_ENV = "CREDIT_BATCH_POLL_SECONDS"
DEFAULT_POLL_SECONDS = 1.0


@dataclass(frozen=True)
class _Lookup:
    frames: dict[str, pd.DataFrame]
    #: Client id -> (batch id, row position).
    where: dict[int, tuple[str, int]]
    sorted_ids: list[str]


class BatchClients:
    """Client id -> applicant row over every committed batch, for lookups and the type-ahead."""

    def __init__(self, store_factory: Callable[[], BatchStore]) -> None:
        self._store_factory = store_factory
        self._store: BatchStore | None = None
        self._lookup = _Lookup({}, {}, [])
        self._refresh_lock = threading.Lock()
        self.version = -1
        self._poller: Poller[BatchClients] | None = None

    @property
    def store(self) -> BatchStore:
        if self._store is None:
            self._store = self._store_factory()
        return self._store

    # -- lookups (no lock: one read of ``self._lookup``) -----------------------------------------
    def __contains__(self, client_id: object) -> bool:
        return client_id in self._lookup.where

    def __len__(self) -> int:
        return len(self._lookup.where)

    def batch_of(self, client_id: int) -> str | None:
        found = self._lookup.where.get(client_id)
        return None if found is None else found[0]

    def row(self, client_id: int) -> pd.DataFrame | None:
        """The client's raw row (one-row DataFrame), or None when no batch holds it."""
        lookup = self._lookup
        found = lookup.where.get(client_id)
        if found is None:
            return None
        frame = lookup.frames[found[0]]
        return frame.iloc[found[1] : found[1] + 1]

    def search(self, prefix: str, limit: int) -> list[str]:
        ids = self._lookup.sorted_ids
        start = bisect.bisect_left(ids, prefix)
        return [c for c in ids[start : start + limit] if c.startswith(prefix)]

    # -- refreshing ------------------------------------------------------------------------------
    def refresh(self) -> bool:
        """Read the batches committed since the last refresh; True when something was added."""
        with self._refresh_lock:
            version = self.store.index.version()
            if version == self.version:
                return False
            lookup = self._lookup
            new = [b for b in self.store.batches() if b.batch_id not in lookup.frames]
            if not new:
                self.version = version
                return False
            frames, where = dict(lookup.frames), dict(lookup.where)
            added: list[str] = []
            for record in new:
                frame = self.store.read_applicants(record.batch_id)
                frames[record.batch_id] = frame
                ids = frame[ID_COLUMN].to_numpy(dtype=np.int64).tolist()
                where.update((client_id, (record.batch_id, i)) for i, client_id in enumerate(ids))
                added.extend(str(i) for i in ids)
            sorted_ids = sorted(lookup.sorted_ids + added)
            self._lookup = _Lookup(frames, where, sorted_ids)
            self.version = version
            logger.info("pid %d: %d new batch(es) loaded, %d batch clients in all",
                        os.getpid(), len(new), len(where))
            return True

    def _poll_once(self) -> None:
        # A locked or briefly unreachable index: the poller logs it and tries again later.
        self.refresh()

    def _after_fork(self) -> None:
        self._refresh_lock = threading.Lock()  # the parent's poller may have held it

    def start(self, interval: float | None = None, load_now: bool = True) -> None:
        """Load what is there now (unless ``load_now`` is False: then the poller's first look
        does, an interval later), then keep polling in a daemon thread (restarted after fork)."""
        if interval is None:
            interval = float(os.environ.get(POLL_SECONDS_ENV, DEFAULT_POLL_SECONDS))
        if load_now:
            try:
                self.refresh()
            except Exception as exc:
                logger.warning("batch clients not loaded yet: %s", exc)
        self._poller = Poller(self, "batch-poller", interval, BatchClients._poll_once,
                              after_fork=BatchClients._after_fork).start()

    def stop(self) -> None:
        if self._poller is not None:
            self._poller.stop()
