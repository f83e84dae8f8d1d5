"""One SQLAlchemy engine per process and database URL, shared by the decision log and the batches.

``CREDIT_DATABASE_URL`` (e.g. ``postgresql+psycopg://user:pass@host/credit``) puts the shared state
of several app instances in one PostgreSQL; unset, each store keeps its embedded SQLite file.

Why an engine per process: gunicorn forks workers, and a pooled connection must never cross a fork
(two processes would talk on one socket). Engines are cached per ``(pid, url, timeout)``, and the
cache is emptied in a forked child (``os.register_at_fork``) with ``dispose(close=False)``, so the
child opens its own connections and leaves the parent's alone.

SQLite gets what made the hand-written log safe: a busy timeout (writers queue instead of failing),
``synchronous=FULL`` (a decision reported as recorded is on disk), WAL (set once, by
:func:`ensure_wal`), and transactions started by us, so a write can take the write lock up front
(``BEGIN IMMEDIATE``) instead of failing at commit.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import OperationalError

logger = logging.getLogger(__name__)

DATABASE_URL_ENV = "CREDIT_DATABASE_URL"
#: Execution option asking SQLite for ``BEGIN IMMEDIATE`` (the write lock taken now).
SQLITE_IMMEDIATE = "credit_sqlite_immediate"

_engines: dict[tuple[int, str, float], Engine] = {}
_engines_lock = threading.Lock()


def database_url_from_env() -> str | None:
    """``CREDIT_DATABASE_URL`` when set (stripped), else None."""
    raw = os.environ.get(DATABASE_URL_ENV, "").strip()
    return raw or None


def sqlite_url(path: str | os.PathLike[str]) -> str:
    """The SQLAlchemy URL of an SQLite file (absolute, so a changed working dir changes nothing)."""
    return f"sqlite:///{Path(path).expanduser().resolve()}"


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def describe(url: str | URL) -> str:
    """The URL for messages and logs: the SQLite file path, or the URL without its password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    return parsed.render_as_string(hide_password=True)


def get_engine(url: str, busy_timeout_s: float = 10.0) -> Engine:
    """This process's engine for ``url`` (created on first use, re-created after a fork)."""
    key = (os.getpid(), url, float(busy_timeout_s))
    engine = _engines.get(key)
    if engine is not None:
        return engine
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _create_engine(url, busy_timeout_s)
            _engines[key] = engine
        return engine


def _create_engine(url: str, busy_timeout_s: float) -> Engine:
    if not is_sqlite(url):
        # pre_ping: a connection the server closed (restart, failover) is replaced, not reported.
        # lock_timeout: a write waiting on a lock fails with a clear error instead of hanging.
        options = f"-c lock_timeout={int(busy_timeout_s * 1000)}"
        return sa.create_engine(
            url,
            pool_pre_ping=True,
            pool_size=5,
            max_overflow=10,
            connect_args={"connect_timeout": max(1, int(busy_timeout_s)), "options": options},
        )
    engine = sa.create_engine(url, connect_args={"timeout": busy_timeout_s})
    timeout_ms = int(busy_timeout_s * 1000)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # We issue BEGIN ourselves (below): pysqlite's implicit transactions would otherwise start
        # late and as DEFERRED, so two writers could both read then fail at commit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        immediate = conn.get_execution_options().get(SQLITE_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def ensure_wal(engine: Engine, timeout_s: float) -> None:
    """Put an SQLite file in WAL mode (persistent in the file; every later connection uses it).

    Switching a fresh file while other processes do the same can answer "database is locked" at
    once, without waiting on the busy timeout (SQLite needs an exclusive lock for the switch):
    retry with a short pause until ``timeout_s``.
    """
    if engine.dialect.name != "sqlite":
        return
    database = engine.url.database
    if database:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout_s
    pause_s = 0.01
    while True:
        try:
            # The driver's own connection, outside any transaction (the switch refuses one).
            raw = engine.raw_connection()
            try:
                cursor = raw.cursor()
                mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                cursor.close()
            finally:
                raw.close()
            if str(mode).lower() != "wal":
                logger.warning("database %s: journal mode %s, not WAL", database, mode)
            return
        except (OperationalError, sqlite3.OperationalError) as exc:
            # The raw connection's cursor raises the driver's own error, not SQLAlchemy's.
            text = str(getattr(exc, "orig", exc))
            contended = "locked" in text or "busy" in text
            if not contended or time.monotonic() + pause_s > deadline:
                raise
            time.sleep(pause_s)
            pause_s = min(pause_s * 2, 0.2)


def dispose_all() -> None:
    """Close this process's pooled connections (tests that drop a database call it first)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def _forget_engines_after_fork() -> None:
    global _engines_lock
    # Another thread of the parent may have held the lock at the fork: the child needs its own.
    _engines_lock = threading.Lock()
    # The parent's connections stay the parent's: close=False leaves their sockets untouched.
    for engine in list(_engines.values()):
        engine.dispose(close=False)
    _engines.clear()


os.register_at_fork(after_in_child=_forget_engines_after_fork)
