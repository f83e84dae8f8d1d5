"""The advisor's decision log: what was decided for a client, by whom, against which score.

Stored in SQLite (stdlib ``sqlite3``) because it is a real embedded database that survives restarts,
needs no server and is safe for the few writers a dashboard has: several gunicorn worker processes
may record decisions at the same moment. What makes that safe:

- WAL journal mode, so readers never block the writer and a writer never blocks readers;
- one short ``BEGIN IMMEDIATE`` transaction per write, so writers queue on the database lock instead
  of failing half-way, and a ``busy_timeout`` so they wait for it rather than erroring at once;
- one connection per call, never shared between threads or across a ``fork`` (gunicorn preloads the
  app and forks workers, and an SQLite connection must not cross a fork);
- ``synchronous=FULL``: a decision reported as recorded is on disk, because this is an audit trail.

A failed write raises :class:`DecisionStoreError` naming the database file and the cause; the
transaction is rolled back, so nothing already recorded is lost or half-written.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import numbers
import os
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from credit_dashboard.config import Settings, get_settings
from credit_dashboard.model.cost import decision_for

logger = logging.getLogger(__name__)

DECISIONS_DB_ENV = "CREDIT_DECISIONS_DB"
DECISIONS_DB_FILE = "decisions.sqlite3"
DECISIONS = ("grant", "refuse")
MAX_REASON_CHARS = 2000
MAX_USER_CHARS = 200
#: A reason must say something: "ok" or "." is not an explanation an auditor can read.
MIN_REASON_CHARS = 5
_SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id INTEGER NOT NULL CHECK (client_id > 0),
    decision TEXT NOT NULL CHECK (decision IN ('grant', 'refuse')),
    model_decision TEXT NOT NULL CHECK (model_decision IN ('grant', 'refuse')),
    reason TEXT NOT NULL,
    user TEXT NOT NULL CHECK (length(user) > 0),
    model_version TEXT NOT NULL CHECK (length(model_version) > 0),
    default_probability REAL NOT NULL CHECK (default_probability BETWEEN 0 AND 1),
    decision_threshold REAL NOT NULL CHECK (decision_threshold BETWEEN 0 AND 1),
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_by_client ON decisions (client_id, id);
"""


class DecisionStoreError(RuntimeError):
    """The decision log could not be read or written; the message names the file and the cause."""


class DecisionValidationError(ValueError):
    """A decision is incomplete or inconsistent; ``field`` names the input to correct."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Decision:
    """One recorded decision, as stored and exported (the CSV columns, in this order)."""

    id: int
    client_id: int
    decision: str
    model_decision: str
    reason: str
    user: str
    model_version: str
    default_probability: float
    decision_threshold: float
    recorded_at: str

    @property
    def against_model(self) -> bool:
        return self.decision != self.model_decision


EXPORT_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Decision))


def model_decision(default_probability: float, decision_threshold: float) -> str:
    """The decision the model recommends: the one rule of ``model.cost``, as the scoring uses."""
    return decision_for(default_probability, decision_threshold)


def decisions_db_path(settings: Settings | None = None) -> Path:
    """Where the log lives: ``$CREDIT_DECISIONS_DB``, else ``<data dir>/decisions.sqlite3``.

    ``settings`` is the app's (its data dir), read from the environment when not given.
    """
    raw = os.environ.get(DECISIONS_DB_ENV, "").strip()
    if raw:
        return Path(raw).expanduser()
    return (settings or get_settings()).data_dir / DECISIONS_DB_FILE


class DecisionStore:
    """Record, list and export advisors' decisions in one SQLite file.

    Cheap to create and safe to share between threads: it holds only the path, and opens one
    connection per call. The schema is created on first use.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, busy_timeout_s: float = 10.0):
        self.path = Path(path) if path is not None else decisions_db_path()
        self.busy_timeout_s = busy_timeout_s
        self._ready = False
        self._ready_lock = threading.Lock()

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
        columns = [c for c in EXPORT_COLUMNS if c != "id"]
        sql = (
            f"INSERT INTO decisions ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})"
        )
        with self._transaction("record a decision") as conn:
            cursor = conn.execute(sql, [values[c] for c in columns])
            row_id = int(cursor.lastrowid)
        stored = Decision(id=row_id, **values)
        logger.info(
            "decision %s recorded for client %s by %s (model: %s)",
            stored.decision, stored.client_id, stored.user, stored.model_decision,
        )
        return stored

    def history(self, client_id: int, limit: int | None = None) -> list[Decision]:
        """The decisions recorded for one client, newest first."""
        client_id = _validated_client_id(client_id)
        sql = "SELECT * FROM decisions WHERE client_id = ? ORDER BY id DESC"
        params: list[object] = [client_id]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        with self._reading("read the decision history") as conn:
            return [Decision(**dict(row)) for row in conn.execute(sql, params)]

    def count(self) -> int:
        """How many decisions the log holds."""
        with self._reading("count decisions") as conn:
            return int(conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0])

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
        # One read transaction: the export is a consistent snapshot even while advisors write.
        with self._reading("export decisions") as conn:
            sql = f"SELECT {', '.join(EXPORT_COLUMNS)} FROM decisions ORDER BY id"
            for row in conn.execute(sql):
                writer.writerow([_spreadsheet_safe(value) for value in row])
                n += 1
        return n

    def _fail(self, action: str, exc: BaseException, detail: str = "") -> DecisionStoreError:
        logger.error("decision log %s: could not %s: %s", self.path, action, exc)
        return DecisionStoreError(f"decision log {self.path}: could not {action}{detail}: {exc}")

    def _connect(self, action: str) -> sqlite3.Connection:
        try:
            # isolation_level=None: we issue BEGIN ourselves, so a write is exactly one transaction.
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout_s, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
            conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error as exc:
            raise self._fail(action, exc) from exc
        return conn

    def _ensure_schema(self, action: str) -> None:
        if self._ready:
            return
        with self._ready_lock:
            if self._ready:
                return
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise self._fail(action, exc, " (cannot create its folder)") from exc
            # Switching a fresh file to WAL while other processes do the same can answer
            # "database is locked" at once, without waiting on busy_timeout (SQLite needs an
            # exclusive lock for the switch): retry, with a short pause, until the timeout.
            deadline = time.monotonic() + self.busy_timeout_s
            pause_s = 0.01
            while True:
                try:
                    self._create_schema(action)
                    break
                except sqlite3.OperationalError as exc:
                    contended = "locked" in str(exc) or "busy" in str(exc)
                    if not contended or time.monotonic() + pause_s > deadline:
                        raise self._fail(action, exc, " (creating the table failed)") from exc
                    time.sleep(pause_s)
                    pause_s = min(pause_s * 2, 0.2)
                except sqlite3.Error as exc:
                    raise self._fail(action, exc, " (creating the table failed)") from exc
            self._ready = True

    def _create_schema(self, action: str) -> None:
        """WAL mode and the table, idempotent (several workers may get here at once)."""
        conn = self._connect(action)
        try:
            # Persistent in the file: every later connection (any process) is in WAL mode.
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                logger.warning("decision log %s: journal mode %s, not WAL", self.path, mode)
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        finally:
            conn.close()

    @contextmanager
    def _transaction(self, action: str) -> Iterator[sqlite3.Connection]:
        self._ensure_schema(action)
        conn = self._connect(action)
        try:
            # IMMEDIATE takes the write lock now, so contention waits here (busy_timeout), before
            # anything is written, rather than failing at COMMIT.
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise self._fail(action, exc, ", nothing was written") from exc
        finally:
            conn.close()

    @contextmanager
    def _reading(self, action: str) -> Iterator[sqlite3.Connection]:
        self._ensure_schema(action)
        conn = self._connect(action)
        try:
            conn.execute("BEGIN")
            yield conn
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._fail(action, exc) from exc
        finally:
            conn.close()


# -- validation -----------------------------------------------------------------------------------


def _validated_client_id(client_id: object) -> int:
    if isinstance(client_id, bool):
        raise DecisionValidationError("client_id", "must be a client number, not a yes/no value")
    if isinstance(client_id, numbers.Integral):
        value = int(client_id)
    elif isinstance(client_id, str) and client_id.strip().isdigit():
        value = int(client_id.strip())
    else:
        raise DecisionValidationError("client_id", f"{client_id!r} is not a client number")
    if value <= 0:
        raise DecisionValidationError("client_id", f"{value} is not a valid client number")
    return value


def _validated_share(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise DecisionValidationError(name, f"{value!r} is not a number")
    number = float(value)
    if not math.isfinite(number) or not 0.0 <= number <= 1.0:
        raise DecisionValidationError(name, f"{number} is not between 0 and 1")
    return number


def _validated_text(name: str, value: object, max_chars: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DecisionValidationError(name, "is required")
    text = value.strip()
    if len(text) > max_chars:
        raise DecisionValidationError(name, f"is {len(text)} characters long (at most {max_chars})")
    return text


def _validated(**raw: object) -> dict[str, object]:
    decision = raw["decision"]
    if not isinstance(decision, str) or decision.strip().lower() not in DECISIONS:
        allowed = " or ".join(DECISIONS)
        raise DecisionValidationError("decision", f"{decision!r} is not {allowed}")
    decision = decision.strip().lower()
    probability = _validated_share("default_probability", raw["default_probability"])
    threshold = _validated_share("decision_threshold", raw["decision_threshold"])
    recommended = model_decision(probability, threshold)
    reason = raw["reason"] if raw["reason"] is not None else ""
    if not isinstance(reason, str):
        raise DecisionValidationError("reason", "must be text")
    reason = reason.strip()
    if len(reason) > MAX_REASON_CHARS:
        raise DecisionValidationError(
            "reason", f"is {len(reason)} characters long (at most {MAX_REASON_CHARS})"
        )
    if decision != recommended and len(reason) < MIN_REASON_CHARS:
        raise DecisionValidationError(
            "reason",
            f"a reason is required when the decision ({decision}) goes against the model "
            f"({recommended}): say why in at least {MIN_REASON_CHARS} characters",
        )
    return {
        "client_id": _validated_client_id(raw["client_id"]),
        "decision": decision,
        "model_decision": recommended,
        "reason": reason,
        "user": _validated_text("user", raw["user"], MAX_USER_CHARS),
        "model_version": _validated_text("model_version", raw["model_version"], 100),
        "default_probability": probability,
        "decision_threshold": threshold,
    }


def _spreadsheet_safe(value: object) -> object:
    """Text a spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe.

    Auditors open the export in a spreadsheet, and a reason typed as ``=HYPERLINK(...)`` must
    stay text there (CSV injection). The database keeps exactly what was typed.
    """
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def decision_as_dict(decision: Decision) -> dict[str, object]:
    """A decision as a plain dict (for JSON or a table), with the override flag."""
    out = asdict(decision)
    out["against_model"] = decision.against_model
    return out
