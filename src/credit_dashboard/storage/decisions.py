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

What keeps the log trustworthy afterwards (:mod:`credit_dashboard.storage.decisions_chain`):
decisions, review requests and review outcomes are insert-only (no code path updates or deletes
one) and share one hash chain. Appending takes the chain lock first (``BEGIN IMMEDIATE`` on SQLite;
``pg_advisory_xact_lock`` on PostgreSQL, held until commit), then reads the last record's hash, so
concurrent writers on any number of processes and hosts extend one single chain.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from credit_dashboard.config import Settings, get_settings
from credit_dashboard.i18n import gettext as _
from credit_dashboard.storage import database, migrations
from credit_dashboard.storage.decisions_chain import (
    GENESIS_HASH,
    KIND_DECISION,
    KIND_REVIEW_OUTCOME,
    KIND_REVIEW_REQUEST,
    ChainedRecord,
    ChainReport,
    content_hash,
    walk_chain,
)
from credit_dashboard.storage.decisions_model import (
    DECISIONS,
    EXPORT_COLUMNS,
    MAX_REASON_CHARS,
    MAX_USER_CHARS,
    MIN_REASON_CHARS,
    REVIEW_DUE_DAYS,
    REVIEW_OUTCOMES,
    Decision,
    DecisionStoreError,
    DecisionValidationError,
    Review,
    UnknownRecordError,
    _spreadsheet_safe,
    _validated,
    _validated_client_id,
    decision_as_dict,
    json_or_none,
    model_decision,
    review_as_dict,
    same_person,
    validated_outcome,
    validated_replay_fields,
    validated_statement,
    validated_user,
)
from credit_dashboard.storage.decisions_schema import (
    CHAINED_TABLES,
    review_outcomes,
    review_requests,
)
from credit_dashboard.storage.decisions_schema import decisions as table

logger = logging.getLogger(__name__)

DECISIONS_DB_ENV = "CREDIT_DECISIONS_DB"
DECISIONS_DB_FILE = "decisions.sqlite3"

#: Any fixed 64-bit number (not the migrations' one): the lock every appender to the chain takes.
_CHAIN_LOCK_KEY = 0x43524544_43484E  # "CREDCHN"

__all__ = [
    "DECISIONS", "DECISIONS_DB_ENV", "DECISIONS_DB_FILE", "EXPORT_COLUMNS", "MAX_REASON_CHARS",
    "MAX_USER_CHARS", "MIN_REASON_CHARS", "REVIEW_DUE_DAYS", "REVIEW_OUTCOMES", "Decision",
    "DecisionStore", "DecisionStoreError", "DecisionValidationError", "Review",
    "UnknownRecordError", "decision_as_dict", "decisions_database_url", "decisions_db_path",
    "model_decision", "review_as_dict",
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
        inputs: Mapping[str, object] | None = None,
        reasons: Sequence[str] = (),
        counterfactual: Mapping[str, object] | None = None,
    ) -> Decision:
        """Validate and store one decision; returns it as stored (with its id and UTC time).

        A reason is required when the advisor's decision differs from the model's, so that every
        override can be explained in an audit. ``inputs`` is the row exactly as the model scored
        it (raw Kaggle columns and ``CR_*`` features; missing values None), ``reasons`` and
        ``counterfactual`` what the applicant was shown: with them the decision can be replayed
        and explained later (``scripts/verify_decisions.py``).
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
        values.update(validated_replay_fields(inputs, reasons, counterfactual))
        values["recorded_at"] = _now()
        values["recorded_before_chain"] = False
        with self._transaction("record a decision") as conn:
            values.update(self._chain_append(conn, table, KIND_DECISION, values))
            conn.execute(table.insert().values(**values))
        stored = _decision(values)
        logger.info(
            "decision %s (#%s) recorded for client %s by %s (model: %s)",
            stored.decision, stored.id, stored.client_id, stored.user, stored.model_decision,
        )
        return stored

    def get(self, decision_id: int) -> Decision:
        """One decision by id; :class:`UnknownRecordError` when none has it."""
        key = _validated_id("decision_id", decision_id)
        with self._reading("read a decision") as conn:
            row = conn.execute(table.select().where(table.c.id == key)).mappings().first()
        if row is None:
            raise UnknownRecordError(_("no decision has the id {id}").format(id=key))
        return _decision(row)

    def history(self, client_id: int, limit: int | None = None) -> list[Decision]:
        """The decisions recorded for one client, newest first."""
        client_id = _validated_client_id(client_id)
        query = table.select().where(table.c.client_id == client_id).order_by(table.c.id.desc())
        if limit is not None:
            query = query.limit(int(limit))
        with self._reading("read the decision history") as conn:
            return [_decision(row) for row in conn.execute(query).mappings()]

    def replayable_ids(self) -> list[int]:
        """The ids of the decisions stored with their input row (oldest first)."""
        query = sa.select(table.c.id).where(table.c.inputs.is_not(None)).order_by(table.c.id)
        with self._reading("list replayable decisions") as conn:
            return [int(i) for i in conn.execute(query).scalars()]

    def get_many(self, decision_ids: Iterable[int]) -> list[Decision]:
        """The decisions with these ids that exist, in id order (for a replay sample)."""
        keys = sorted({int(i) for i in decision_ids})
        found: list[Decision] = []
        with self._reading("read decisions") as conn:
            for start in range(0, len(keys), 500):  # bounded IN lists
                chunk = keys[start:start + 500]
                query = table.select().where(table.c.id.in_(chunk)).order_by(table.c.id)
                found.extend(_decision(row) for row in conn.execute(query).mappings())
        return found

    # -- reviews ----------------------------------------------------------------------------------

    def request_review(self, decision_id: int, *, statement: str, user: str) -> Review:
        """Record that the applicant asks for a human review of a decision, in their own words.

        One open review per decision at a time: a second request waits for the first outcome.
        """
        key = _validated_id("decision_id", decision_id)
        values: dict[str, object] = {
            "decision_id": key,
            "statement": validated_statement(statement),
            "requested_by": validated_user(user),
            "requested_at": _now(),
        }
        with self._transaction("record a review request") as conn:
            # Under the chain lock: the open-review check and the insert cannot interleave.
            lock = self._chain_lock(conn)
            decided = conn.execute(
                sa.select(table.c.client_id).where(table.c.id == key)
            ).first()
            if decided is None:
                raise UnknownRecordError(_("no decision has the id {id}").format(id=key))
            open_review = conn.execute(
                sa.select(review_requests.c.id)
                .select_from(review_requests.outerjoin(
                    review_outcomes, review_outcomes.c.review_id == review_requests.c.id))
                .where(review_requests.c.decision_id == key, review_outcomes.c.id.is_(None))
                .limit(1)
            ).scalar()
            if open_review is not None:
                raise DecisionValidationError(
                    "decision_id",
                    _("decision #{decision} already has an open review (#{review}): record its "
                      "outcome before asking for another one").format(
                        decision=key, review=open_review),
                )
            values["client_id"] = int(decided.client_id)
            values.update(self._chain_append(conn, review_requests, KIND_REVIEW_REQUEST, values,
                                             locked=lock))
            conn.execute(review_requests.insert().values(**values))
        logger.info("review #%s requested for decision #%s by %s", values["id"], key,
                    values["requested_by"])
        return _review(values, None)

    def record_review_outcome(
        self,
        review_id: int,
        *,
        outcome: str,
        reason: str,
        user: str,
        corrected_inputs: Mapping[str, object] | None = None,
        rescored_probability: float | None = None,
        rescored_model_version: str | None = None,
    ) -> Review:
        """Record a reviewer's answer to an open review: upheld or reversed, and why.

        Nobody reviews their own decision: ``user`` must not be the person who took it.
        ``corrected_inputs`` and the re-scored probability (with the model version that gave
        it) are kept when the reviewer re-scored the applicant with corrected data.
        """
        key = _validated_id("review_id", review_id)
        values = validated_outcome(
            outcome=outcome, reason=reason, user=user, corrected_inputs=corrected_inputs,
            rescored_probability=rescored_probability,
            rescored_model_version=rescored_model_version,
        )
        values["review_id"] = key
        values["reviewed_at"] = _now()
        with self._transaction("record a review outcome") as conn:
            lock = self._chain_lock(conn)
            request = conn.execute(
                review_requests.select().where(review_requests.c.id == key)
            ).mappings().first()
            if request is None:
                raise UnknownRecordError(_("no review has the id {id}").format(id=key))
            done = conn.execute(
                review_outcomes.select().where(review_outcomes.c.review_id == key)
            ).mappings().first()
            if done is not None:
                raise DecisionValidationError(
                    "review_id",
                    _("review #{review} is closed: {outcome} by {user} on {when}; ask for a new "
                      "review to reopen the case").format(
                        review=key, outcome=_outcome_word(str(done["outcome"])),
                        user=done["reviewed_by"], when=str(done["reviewed_at"])[:10]),
                )
            decided_by = conn.execute(
                sa.select(table.c.user).where(table.c.id == request["decision_id"])
            ).scalar()
            if decided_by is not None and same_person(str(decided_by), str(values["reviewed_by"])):
                raise DecisionValidationError(
                    "user",
                    _("nobody reviews their own decision: {user} took decision #{decision}; "
                      "another analyst or an admin must review it").format(
                        user=decided_by, decision=request["decision_id"]),
                )
            values.update(self._chain_append(conn, review_outcomes, KIND_REVIEW_OUTCOME, values,
                                             locked=lock))
            conn.execute(review_outcomes.insert().values(**values))
        logger.info("review #%s: decision #%s %s by %s", key, request["decision_id"],
                    values["outcome"], values["reviewed_by"])
        return _review(request, values)

    def get_review(self, review_id: int) -> Review:
        """One review (request and outcome if any) by id; :class:`UnknownRecordError` if none."""
        key = _validated_id("review_id", review_id)
        with self._reading("read a review") as conn:
            found = [_review_row(row) for row in conn.execute(
                _reviews_query().where(review_requests.c.id == key)).mappings()]
        if not found:
            raise UnknownRecordError(_("no review has the id {id}").format(id=key))
        return found[0]

    def reviews(self, *, open_only: bool = False, client_id: int | None = None) -> list[Review]:
        """Reviews, oldest request first: all, the open ones, or one client's."""
        query = _reviews_query()
        if open_only:
            query = query.where(review_outcomes.c.id.is_(None))
        if client_id is not None:
            query = query.where(review_requests.c.client_id == _validated_client_id(client_id))
        with self._reading("list reviews") as conn:
            return [_review_row(row) for row in conn.execute(query).mappings()]

    def decision_reviews(self, decision_id: int) -> list[Review]:
        """The reviews of one decision, oldest first."""
        key = _validated_id("decision_id", decision_id)
        with self._reading("list reviews") as conn:
            return [_review_row(row) for row in conn.execute(
                _reviews_query().where(review_requests.c.decision_id == key)).mappings()]

    # -- the chain --------------------------------------------------------------------------------

    def chain_records(self) -> list[ChainedRecord]:
        """Every record of the three chained tables, as stored, in chain order (one snapshot)."""
        records: list[ChainedRecord] = []
        with self._reading("read the decision chain", snapshot=True) as conn:
            for kind, chained in CHAINED_TABLES.items():
                for row in conn.execute(chained.select().order_by(chained.c.id)).mappings():
                    content = _normalised(chained, row)
                    records.append(ChainedRecord(kind, int(content["id"]), content))
        records.sort(key=lambda r: (r.seq is None, r.seq or 0, r.kind, r.id))
        return records

    def verify_chain(self, anchors: Iterable[str] = ()) -> ChainReport:
        """Walk the whole chain: every record altered, removed or reordered is named.

        ``anchors``: heads noted by earlier verifications (they must still be in the chain). On
        SQLite, the ids already issued (``sqlite_sequence``, written in the same transaction as
        each record) also show records removed from the end of a table; PostgreSQL's sequences
        also move on for a write that failed, so they prove nothing there.
        """
        records = self.chain_records()
        report = walk_chain(records, anchors)
        if self.is_sqlite:
            highest: dict[str, int] = {}
            for record in records:
                highest[record.kind] = max(highest.get(record.kind, 0), record.id)
            with self._reading("read the ids issued") as conn:
                for kind, chained in CHAINED_TABLES.items():
                    issued = conn.execute(
                        sa.text("SELECT seq FROM sqlite_sequence WHERE name = :t"),
                        {"t": chained.name},
                    ).scalar()
                    last = highest.get(kind, 0)
                    if issued is not None and int(issued) > last:
                        label = f"{kind.replace('_', ' ')} #{int(issued)}"
                        report.add(f"{label} removed: ids up to {int(issued)} were issued, the "
                                   f"newest stored is #{last}", label)
        return report
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
        # The chain's columns after the historical ones: a spreadsheet made for the old export
        # still finds its columns where they were.
        query = sa.select(*(table.c[c] for c in EXPORT_COLUMNS)).order_by(table.c.id)
        # One read transaction: the export is a consistent snapshot even while advisors write.
        with self._reading("export decisions") as conn:
            for row in conn.execute(query):
                writer.writerow([_spreadsheet_safe(value) for value in row])
                n += 1
        return n

    def _chain_lock(self, conn: sa.Connection) -> bool:
        """Take the append lock of the chain (until commit); SQLite's ``BEGIN IMMEDIATE`` holds
        it already. Returns True so a later :meth:`_chain_append` does not take it twice."""
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_CHAIN_LOCK_KEY})")
        return True

    def _chain_append(
        self,
        conn: sa.Connection,
        target: sa.Table,
        kind: str,
        values: Mapping[str, object],
        *,
        locked: bool = False,
    ) -> dict[str, object]:
        """The id and chain columns of a record about to be inserted into ``target``.

        Under the chain lock, so the place, the previous hash and the id are nobody else's. The
        id is drawn before the insert because the record's hash covers it.
        """
        if not locked:
            self._chain_lock(conn)
        last_seq, last_hash = 0, GENESIS_HASH
        for chained in CHAINED_TABLES.values():
            row = conn.execute(
                sa.select(chained.c.chain_seq, chained.c.record_hash)
                .where(chained.c.chain_seq.is_not(None))
                .order_by(chained.c.chain_seq.desc()).limit(1)
            ).first()
            if row is not None and int(row.chain_seq) > last_seq:
                last_seq, last_hash = int(row.chain_seq), str(row.record_hash)
        chain = {
            "id": _next_id(conn, target),
            "chain_seq": last_seq + 1,
            "previous_hash": last_hash,
        }
        chain["record_hash"] = content_hash(kind, {**values, **chain})
        return chain

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
    def _reading(self, action: str, *, snapshot: bool = False) -> Iterator[sa.Connection]:
        """A read transaction; ``snapshot``: every statement sees the same committed state (a
        walk reading three tables must not see a record appended between two of its reads).
        SQLite's read transactions are snapshots already."""
        self._ensure_schema(action)
        try:
            with self._engine().connect() as conn:
                if snapshot and conn.dialect.name == "postgresql":
                    conn = conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    yield conn
        except SQLAlchemyError as exc:
            raise self._fail(action, exc) from exc


def _outcome_word(outcome: str) -> str:
    """The outcome in the reader's language (the stored value stays ``upheld``/``reversed``)."""
    return {"upheld": _("upheld"), "reversed": _("reversed")}.get(outcome, outcome)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _validated_id(name: str, value: object) -> int:
    """A record id (decision or review): a positive whole number, named in the error."""
    if isinstance(value, bool):
        raise DecisionValidationError(name, "must be a record number, not a yes/no value")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        try:
            number = int(value)  # type: ignore[call-overload]  # numpy integers
        except (TypeError, ValueError):
            raise DecisionValidationError(name, f"{value!r} is not a record number") from None
        if number != value:
            raise DecisionValidationError(name, f"{value!r} is not a record number")
    if number <= 0:
        raise DecisionValidationError(name, f"{number} is not a valid record number")
    return number


def _next_id(conn: sa.Connection, target: sa.Table) -> int:
    """The id the next row of ``target`` gets (the caller holds the chain lock)."""
    if conn.dialect.name == "postgresql":
        return int(conn.execute(
            sa.text("SELECT nextval(pg_get_serial_sequence(:table, 'id'))"),
            {"table": target.name},
        ).scalar())
    # SQLite AUTOINCREMENT: after the highest id ever used (sqlite_sequence), never reusing one.
    used = conn.execute(
        sa.text("SELECT seq FROM sqlite_sequence WHERE name = :table"), {"table": target.name}
    ).scalar()
    highest = conn.execute(sa.select(sa.func.max(target.c.id))).scalar()
    return max(int(used or 0), int(highest or 0)) + 1


def _normalised(target: sa.Table, row: Mapping[str, object]) -> dict[str, object]:
    """A row as stored, with the Python types it was hashed with (floats, bools, ints)."""
    values = dict(row)
    for column in target.columns:
        value = values.get(column.name)
        if value is None:
            continue
        if isinstance(column.type, sa.Float):
            values[column.name] = float(value)  # type: ignore[arg-type]
        elif isinstance(column.type, sa.Boolean):
            values[column.name] = bool(value)
        elif isinstance(column.type, sa.Integer):
            values[column.name] = int(value)  # type: ignore[call-overload]
    return values


def _decision(row: Mapping[str, object]) -> Decision:
    values = _normalised(table, row)
    values["inputs"] = json_or_none(values.get("inputs"))
    values["counterfactual"] = json_or_none(values.get("counterfactual"))
    reasons = values.get("reasons")
    values["reasons"] = tuple(json.loads(str(reasons))) if reasons else ()
    values["recorded_before_chain"] = bool(values.get("recorded_before_chain") or False)
    return Decision(**values)  # type: ignore[arg-type]


def _reviews_query() -> sa.Select:
    return (
        sa.select(
            review_requests.c.id, review_requests.c.decision_id, review_requests.c.client_id,
            review_requests.c.statement, review_requests.c.requested_by,
            review_requests.c.requested_at, review_outcomes.c.outcome,
            review_outcomes.c.reason.label("outcome_reason"), review_outcomes.c.reviewed_by,
            review_outcomes.c.reviewed_at, review_outcomes.c.corrected_inputs,
            review_outcomes.c.rescored_probability, review_outcomes.c.rescored_model_version,
        )
        .select_from(review_requests.outerjoin(
            review_outcomes, review_outcomes.c.review_id == review_requests.c.id))
        .order_by(review_requests.c.id)
    )


def _review_row(row: Mapping[str, object]) -> Review:
    values = dict(row)
    values["corrected_inputs"] = json_or_none(values.get("corrected_inputs"))
    if values.get("rescored_probability") is not None:
        values["rescored_probability"] = float(values["rescored_probability"])  # type: ignore[arg-type]
    return Review(**values)  # type: ignore[arg-type]


def _review(request: Mapping[str, object], outcome: Mapping[str, object] | None) -> Review:
    """A review from its stored request and (when recorded) outcome columns."""
    values = {
        "id": request["id"], "decision_id": request["decision_id"],
        "client_id": request["client_id"], "statement": request["statement"],
        "requested_by": request["requested_by"], "requested_at": request["requested_at"],
    }
    if outcome is not None:
        values.update(
            outcome=outcome["outcome"], outcome_reason=outcome["reason"],
            reviewed_by=outcome["reviewed_by"], reviewed_at=outcome["reviewed_at"],
            corrected_inputs=outcome["corrected_inputs"],
            rescored_probability=outcome["rescored_probability"],
            rescored_model_version=outcome["rescored_model_version"],
        )
    return _review_row(values)
