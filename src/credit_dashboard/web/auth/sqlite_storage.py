"""A ``limits`` storage on one SQLite file, for rate limits shared by workers without Redis.

Why this exists: the ``limits`` library (under Flask-Limiter) offers memory, Redis, Memcached and
MongoDB storages. ``memory://`` keeps one count per gunicorn worker, so a cap of 10 failed
sign-ins becomes 10 x workers, and the others need a server this app does not require. Redis is
the choice for several machines (``CREDIT_REDIS_URL``); on one machine an SQLite file in the data
folder is shared by every worker process, survives restarts, and needs nothing installed.

Registered under the scheme ``sqlite`` (``limits`` registers every ``Storage`` subclass by its
``STORAGE_SCHEME``): ``sqlite:////absolute/path/ratelimits.sqlite3``. Fixed windows only, which
is Flask-Limiter's default strategy: a counter and the time its window ends, per key, updated in
one ``INSERT ... ON CONFLICT ... RETURNING`` statement, so two workers never lose a hit.
A connection is opened per operation: cheap next to a request, and safe across gunicorn's fork.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlparse

from limits.storage import Storage

SCHEME = "sqlite"
#: How long a writer waits for another worker's transaction before giving up.
BUSY_TIMEOUT_S = 5.0
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS counters ("
    " key TEXT PRIMARY KEY, hits INTEGER NOT NULL, expires_at REAL NOT NULL)"
)
_INCR = (
    "INSERT INTO counters (key, hits, expires_at) VALUES (:key, :amount, :expires)"
    " ON CONFLICT(key) DO UPDATE SET"
    "  hits = CASE WHEN expires_at <= :now THEN :amount ELSE hits + :amount END,"
    "  expires_at = CASE WHEN expires_at <= :now THEN :expires ELSE expires_at END"
    " RETURNING hits"
)


def uri_for(path: Path) -> str:
    return f"{SCHEME}:///{path.resolve()}"


class SQLiteStorage(Storage):
    """Fixed-window counters in one SQLite file (see the module docstring for why)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        parsed = urlparse(uri or "")
        if parsed.scheme != SCHEME or not parsed.path or parsed.netloc:
            raise ValueError(f"expected {SCHEME}:////absolute/path.sqlite3, got {uri!r}")
        self.path = Path(unquote(parsed.path))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._create()
        self._calls = 0

    def _create(self) -> None:
        # Workers start together; the switch to WAL answers "locked" at once instead of waiting
        # on the busy timeout, so it is retried for a while.
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                with self._connect() as db:
                    db.execute("PRAGMA journal_mode=WAL")  # readers do not wait for a writer
                    db.execute(_SCHEMA)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """An autocommit connection (each statement is its own transaction), closed after use."""
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            db.execute("PRAGMA synchronous=NORMAL")
            yield db
        finally:
            db.close()

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        self._calls += 1
        with self._connect() as db:
            if self._calls % 500 == 0:  # now and then, forget finished windows
                db.execute("DELETE FROM counters WHERE expires_at <= ?", (now,))
            row = db.execute(
                _INCR, {"key": key, "amount": amount, "expires": now + expiry, "now": now}
            ).fetchone()
        return int(row[0])

    def get(self, key: str) -> int:
        with self._connect() as db:
            row = db.execute(
                "SELECT hits FROM counters WHERE key = ? AND expires_at > ?", (key, time.time())
            ).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        with self._connect() as db:
            row = db.execute(
                "SELECT expires_at FROM counters WHERE key = ? AND expires_at > ?", (key, now)
            ).fetchone()
        return float(row[0]) if row else now

    def check(self) -> bool:
        try:
            with self._connect() as db:
                db.execute("SELECT 1 FROM counters LIMIT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        with self._connect() as db:
            return db.execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM counters WHERE key = ?", (key,))
