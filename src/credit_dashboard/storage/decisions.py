"""The advisor's decision log: what was decided for a client, by whom, against which score.

Stored through SQLAlchemy Core in the product's database: PostgreSQL when ``CREDIT_DATABASE_URL``
is set (several app instances share one log), else an embedded SQLite file
(``CREDIT_DECISIONS_DB``, default ``<data dir>/decisions.sqlite3``) that needs no server. The schema
is Alembic's (``storage/migrations``), brought to head on first use by every process.

What keeps every decision when several workers and hosts record at the same moment:

- one short transaction per write; on SQLite it is ``BEGIN IMMEDIATE`` in WAL mode, so writers
  queue on the write lock (busy timeout) instead of failing half-way, and readers never block;
- ``synchronous=FULL`` on SQLite: a decision reported as recorded is on disk (an audit trail);
- one engine per process, re-created after a fork (:mod:`credit_dashboard.storage.database`).

A failed write raises :class:`DecisionStoreError` naming the database and the cause; the
transaction is rolled back, so nothing already recorded is lost or half-written.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from credit_dashboard.config import Settings, get_settings
from credit_dashboard.storage import database, migrations
from credit_dashboard.storage.decisions_model import (
    DECISIONS,
    EXPORT_COLUMNS,
    MAX_REASON_CHARS,
    MAX_USER_CHARS,
    MIN_REASON_CHARS,
    Decision,
    DecisionStoreError,
    DecisionValidationError,
    _spreadsheet_safe,
    _validated,
    _validated_client_id,
    decision_as_dict,
    model_decision,
)
from credit_dashboard.storage.decisions_schema import decisions as table

logger = logging.getLogger(__name__)

DECISIONS_DB_ENV = "CREDIT_DECISIONS_DB"
DECISIONS_DB_FILE = "decisions.sqlite3"

__all__ = [
    "DECISIONS", "DECISIONS_DB_ENV", "DECISIONS_DB_FILE", "EXPORT_COLUMNS", "MAX_REASON_CHARS",
    "MAX_USER_CHARS", "MIN_REASON_CHARS", "Decision", "DecisionStore", "DecisionStoreError",
    "DecisionValidationError", "decision_as_dict", "decisions_database_url", "decisions_db_path",
    "model_decision",
]


def decisions_db_path(settings: Settings | None = None) -> Path:
    """The embedded log: ``$CREDIT_DECISIONS_DB``, else ``<data dir>/decisions.sqlite3``.

    ``settings`` is the app's (its data dir), read from the environment when not given.
    """
    raw = os.environ.get(DECISIONS_DB_ENV, "").strip()
    if raw:
        return Path(raw).expanduser()
    return (settings or get_settings()).data_dir / DECISIONS_DB_FILE


def decisions_database_url(settings: Settings | None = None) -> str:
    """``CREDIT_DATABASE_URL`` when set (shared by instances), else the embedded SQLite file."""
    return database.database_url_from_env() or database.sqlite_url(decisions_db_path(settings))


class DecisionStore:
    """Record, list and export advisors' decisions.

    Cheap to create and safe to share between threads: it holds the URL, and takes a pooled
    connection of this process's engine per call. ``path`` is an SQLite file; ``url`` any
    SQLAlchemy URL (``postgresql+psycopg://...``); with neither, :func:`decisions_database_url`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        busy_timeout_s: float = 10.0,
        *,
        url: str | None = None,
    ) -> None:
        if path is not None and url is not None:
            raise ValueError("give the decision log a path or a url, not both")
        if path is not None:
            url = database.sqlite_url(path)
        self.url = url or decisions_database_url()
        self.is_sqlite = database.is_sqlite(self.url)
        #: The SQLite file, or None on a database server.
        self.path: Path | None = Path(path) if path is not None else (
            Path(database.describe(self.url)) if self.is_sqlite else None
        )
        #: For messages and logs: the file, or the server URL without its password.
        self.location = str(self.path) if self.path is not None else database.describe(self.url)
        self.busy_timeout_s = busy_timeout_s
        self._ready = False
        self._ready_lock = threading.Lock()

    @classmethod
    def for_settings(cls, settings: Settings | None = None) -> DecisionStore:
        """The app's log: ``CREDIT_DATABASE_URL``, else the SQLite file beside its data."""
        return cls(url=decisions_database_url(settings))

    # -- public API -------------------------------------------------------------------------------

    def record(
        self,
        client_id: int,
        decision: str,
        *,
        user: str,
        model_version: str,
        default_probability: float,
        decision_threshold: float,
        reason: str = "",
    ) -> Decision:
        """Validate and store one decision; returns it as stored (with its id and UTC time).

        A reason is required when the advisor's decision differs from the model's, so that every
        override can be explained in an audit.
        """
        values = _validated(
            client_id=client_id,
            decision=decision,
            user=user,
            model_version=model_version,
            default_probability=default_probability,
            decision_threshold=decision_threshold,
            reason=reason,
        )
        values["recorded_at"] = datetime.now(UTC).isoformat(timespec="milliseconds")
        with self._transaction("record a decision") as conn:
            row_id = conn.execute(table.insert().values(**values).returning(table.c.id)).scalar()
        stored = Decision(id=int(row_id), **values)
        logger.info(
            "decision %s recorded for client %s by %s (model: %s)",
            stored.decision, stored.client_id, stored.user, stored.model_decision,
        )
        return stored

    def history(self, client_id: int, limit: int | None = None) -> list[Decision]:
        """The decisions recorded for one client, newest first."""
        client_id = _validated_client_id(client_id)
        query = table.select().where(table.c.client_id == client_id).order_by(table.c.id.desc())
        if limit is not None:
            query = query.limit(int(limit))
        with self._reading("read the decision history") as conn:
            return [_decision(row) for row in conn.execute(query)]

    def count(self) -> int:
        """How many decisions the log holds."""
        with self._reading("count decisions") as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar())

    def export_csv(self, destination: str | os.PathLike[str] | IO[str]) -> int:
        """Write every decision (oldest first) as CSV for an audit; returns the number of rows.

        A path is written atomically (temporary file then rename), so a failed export never leaves
        a truncated file that looks complete. A text file object is written to as is.
        """
        if isinstance(destination, str | os.PathLike):
            target = Path(destination)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            try:
                with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
                    n = self._write_csv(handle)
                os.replace(tmp_name, target)
            except BaseException:
                Path(tmp_name).unlink(missing_ok=True)
                raise
            return n
        return self._write_csv(destination)

    def export_csv_text(self) -> str:
        """The CSV export as a string (for an HTTP download)."""
        buffer = io.StringIO()
        self.export_csv(buffer)
        return buffer.getvalue()

    # -- internals --------------------------------------------------------------------------------

    def _write_csv(self, handle: IO[str]) -> int:
        writer = csv.writer(handle)
        writer.writerow(EXPORT_COLUMNS)
        n = 0
        query = sa.select(*(table.c[c] for c in EXPORT_COLUMNS)).order_by(table.c.id)
        # One read transaction: the export is a consistent snapshot even while advisors write.
        with self._reading("export decisions") as conn:
            for row in conn.execute(query):
                writer.writerow([_spreadsheet_safe(value) for value in row])
                n += 1
        return n

    def _fail(self, action: str, exc: BaseException, detail: str = "") -> DecisionStoreError:
        cause = getattr(exc, "orig", None) or exc
        logger.error("decision log %s: could not %s: %s", self.location, action, cause)
        return DecisionStoreError(
            f"decision log {self.location}: could not {action}{detail}: {cause}"
        )

    def _engine(self) -> sa.Engine:
        return database.get_engine(self.url, self.busy_timeout_s)

    def _ensure_schema(self, action: str) -> None:
        if self._ready:
            return
        with self._ready_lock:
            if self._ready:
                return
            engine = self._engine()
            try:
                database.ensure_wal(engine, self.busy_timeout_s)
            except OSError as exc:
                raise self._fail(action, exc, " (cannot create its folder)") from exc
            except (SQLAlchemyError, sqlite3.Error) as exc:
                raise self._fail(action, exc, " (cannot open the database)") from exc
            try:
                migrations.upgrade_to_head(engine)
            except SQLAlchemyError as exc:
                raise self._fail(action, exc, " (creating the table failed)") from exc
            self._ready = True

    @contextmanager
    def _transaction(self, action: str) -> Iterator[sa.Connection]:
        self._ensure_schema(action)
        try:
            # IMMEDIATE (SQLite) takes the write lock now, so contention waits here (busy
            # timeout), before anything is written, rather than failing at COMMIT.
            options = {database.SQLITE_IMMEDIATE: True}
            with self._engine().connect().execution_options(**options) as conn, conn.begin():
                yield conn
        except SQLAlchemyError as exc:
            raise self._fail(action, exc, ", nothing was written") from exc

    @contextmanager
    def _reading(self, action: str) -> Iterator[sa.Connection]:
        self._ensure_schema(action)
        try:
            with self._engine().connect() as conn, conn.begin():
                yield conn
        except SQLAlchemyError as exc:
            raise self._fail(action, exc) from exc


def _decision(row: sa.Row) -> Decision:
    values = dict(row._mapping)
    values["default_probability"] = float(values["default_probability"])
    values["decision_threshold"] = float(values["decision_threshold"])
    return Decision(**values)
