"""The decision log on SQLite and PostgreSQL: validation, history order, CSV export, concurrent
writers in several processes, failed and blocked writes, unusable locations."""

from __future__ import annotations

import csv
import io
import multiprocessing
import socket
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from credit_dashboard.config import Settings
from credit_dashboard.storage import decisions_schema, migrations
from credit_dashboard.storage.decisions import (
    EXPORT_COLUMNS,
    DecisionStore,
    DecisionStoreError,
    DecisionValidationError,
    decisions_db_path,
)

THRESHOLD = 0.3


def _record(store: DecisionStore, client_id: int, decision: str = "grant", **overrides):
    values = dict(
        user="alice",
        model_version="abc123def456",
        default_probability=0.12,
        decision_threshold=THRESHOLD,
        reason="",
    )
    values.update(overrides)
    return store.record(client_id, decision, **values)


def test_record_then_history_newest_first(store: DecisionStore) -> None:
    first = _record(store, 100001)
    second = _record(store, 100001, "refuse", default_probability=0.55)
    _record(store, 100002)

    history = store.history(100001)

    assert [d.id for d in history] == [second.id, first.id]
    assert history[0].decision == "refuse" and history[0].model_decision == "refuse"
    assert history[0].recorded_at.endswith("+00:00")  # UTC, explicit
    assert history[1].default_probability == pytest.approx(0.12)
    assert store.history(999999) == []
    assert store.count() == 3


def test_schema_uses_wal_journal(tmp_path: Path) -> None:
    store = DecisionStore(tmp_path / "decisions.sqlite3")
    _record(store, 100001)
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reason_required_only_against_the_model(store: DecisionStore) -> None:
    # The model says refuse (0.6 >= 0.3): granting needs a reason, refusing does not.
    with pytest.raises(DecisionValidationError) as err:
        _record(store, 100001, "grant", default_probability=0.6, reason="  ")
    assert err.value.field == "reason"
    assert "against the model" in str(err.value)
    assert store.count() == 0

    _record(store, 100001, "refuse", default_probability=0.6)
    granted = _record(
        store, 100001, "grant", default_probability=0.6, reason="Guarantor provided, see file"
    )
    assert granted.against_model
    assert granted.reason == "Guarantor provided, see file"


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("decision", {"decision": "maybe"}),
        ("client_id", {"client_id": -3}),
        ("client_id", {"client_id": True}),
        ("client_id", {"client_id": "abc"}),
        ("default_probability", {"default_probability": 1.5}),
        ("default_probability", {"default_probability": float("nan")}),
        ("decision_threshold", {"decision_threshold": "0.3"}),
        ("user", {"user": ""}),
        ("model_version", {"model_version": "   "}),
        ("reason", {"reason": "x" * 5000}),
    ],
)
def test_invalid_inputs_name_the_field(store: DecisionStore, field: str, kwargs: dict) -> None:
    args = {"client_id": 100001, "decision": "grant"}
    args.update(kwargs)
    with pytest.raises(DecisionValidationError) as err:
        _record(store, args.pop("client_id"), args.pop("decision"), **args)
    assert err.value.field == field


def test_decision_text_is_normalised(store: DecisionStore) -> None:
    assert _record(store, "100005", " Grant ").decision == "grant"
    assert store.history(100005)[0].client_id == 100005


def test_export_csv_to_path_and_file(store: DecisionStore, tmp_path: Path) -> None:
    _record(store, 100001)
    _record(store, 100002, "refuse", default_probability=0.1, reason='Says "no", income unproven')

    target = tmp_path / "audit" / "decisions.csv"
    assert store.export_csv(target) == 2
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    assert [r["client_id"] for r in rows] == ["100001", "100002"]  # oldest first
    assert rows[1]["reason"] == 'Says "no", income unproven'
    assert rows[1]["model_decision"] == "grant"
    assert not list(tmp_path.joinpath("audit").glob(".decisions.csv.*"))  # no temp file left

    buffer = io.StringIO()
    assert store.export_csv(buffer) == 2
    assert buffer.getvalue() == store.export_csv_text()
    assert buffer.getvalue().splitlines()[0] == ",".join(EXPORT_COLUMNS)


def test_export_keeps_formulas_as_text(store: DecisionStore) -> None:
    reason = '=HYPERLINK("http://evil.example","click")'
    _record(store, 100001, "refuse", default_probability=0.1, reason=reason)
    rows = list(csv.DictReader(io.StringIO(store.export_csv_text())))
    assert rows[0]["reason"] == "'" + reason  # shown as text by a spreadsheet
    assert store.history(100001)[0].reason == reason  # stored exactly as typed


def test_default_path_follows_the_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CREDIT_DECISIONS_DB", str(tmp_path / "x.sqlite3"))
    assert decisions_db_path() == tmp_path / "x.sqlite3"
    monkeypatch.delenv("CREDIT_DECISIONS_DB")
    monkeypatch.setenv("CREDIT_DATA_DIR", str(tmp_path / "d"))
    assert decisions_db_path() == tmp_path / "d" / "decisions.sqlite3"
    # The app passes its own settings: the log sits beside the data it serves.
    assert decisions_db_path(Settings(data_dir=tmp_path / "app")) == (
        tmp_path / "app" / "decisions.sqlite3"
    )


# -- concurrency and failures ---------------------------------------------------------------------

WRITERS = 4
WRITES_EACH = 40


def _writer(url: str, worker: int, barrier, errors) -> None:
    # A fresh store per process, as in a gunicorn worker; the barrier makes them start together,
    # so they also create the schema at the same moment (the migration lock is exercised).
    store = DecisionStore(url=url)
    barrier.wait()
    for i in range(WRITES_EACH):
        try:
            _record(store, 200000 + worker, user=f"advisor{worker}", reason=f"write {i:03d}")
        except Exception as exc:  # reported to the parent, which fails the test
            errors.put(f"worker {worker} write {i}: {exc!r}")


def test_concurrent_writers_from_several_processes(backend: str) -> None:
    # Spawned, not forked: the suite's process runs other tests' threads (pollers, servers), and a
    # child forked while one of them holds a lock inside SQLite waits on it forever.
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(WRITERS)
    errors = ctx.Queue()
    workers = [
        ctx.Process(target=_writer, args=(backend, w, barrier, errors)) for w in range(WRITERS)
    ]
    for p in workers:
        p.start()
    for p in workers:
        # Generous: 160 fully synced writes on a loaded 2-core machine can take minutes.
        p.join(timeout=300)
    assert [p.exitcode for p in workers] == [0] * WRITERS  # None: still running at the timeout
    reported = []
    while not errors.empty():
        reported.append(errors.get())
    assert reported == []

    store = DecisionStore(url=backend)
    assert store.count() == WRITERS * WRITES_EACH
    for w in range(WRITERS):
        reasons = [d.reason for d in store.history(200000 + w)]
        # Every write of every worker is there, once, and each worker's own order is kept.
        assert reasons == [f"write {i:03d}" for i in reversed(range(WRITES_EACH))]


def _refuse_inserts(store: DecisionStore) -> None:
    """Make the database refuse every insert (as a full disk or an I/O error would)."""
    engine = sa.create_engine(store.url)
    with engine.begin() as conn:
        if store.is_sqlite:
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse_writes BEFORE INSERT ON decisions "
                "BEGIN SELECT RAISE(ABORT, 'disk I/O error (simulated)'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse_writes() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'disk I/O error (simulated)'; END $$"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse_writes BEFORE INSERT ON decisions "
                "FOR EACH ROW EXECUTE FUNCTION refuse_writes()"
            )
    engine.dispose()


def test_failed_write_raises_clear_error_and_keeps_earlier_rows(store: DecisionStore) -> None:
    _record(store, 100001)
    _record(store, 100002)
    _refuse_inserts(store)

    with pytest.raises(DecisionStoreError) as err:
        _record(store, 100003)
    message = str(err.value)
    assert store.location in message and "nothing was written" in message
    assert "simulated" in message

    assert store.count() == 2
    assert [d.client_id for d in store.history(100001)] == [100001]
    assert store.history(100003) == []


def test_write_while_database_is_locked_reports_it(backend: str) -> None:
    store = DecisionStore(url=backend, busy_timeout_s=0.2)
    _record(store, 100001)
    engine = sa.create_engine(backend)
    blocker = engine.connect()
    if store.is_sqlite:
        blocker.exec_driver_sql("BEGIN EXCLUSIVE")
    else:
        blocker.begin()
        blocker.exec_driver_sql("LOCK TABLE decisions IN ACCESS EXCLUSIVE MODE")
    try:
        with pytest.raises(DecisionStoreError, match="lock"):
            _record(store, 100002)
    finally:
        blocker.exec_driver_sql("ROLLBACK") if store.is_sqlite else blocker.rollback()
        blocker.close()
        engine.dispose()
    # Once the lock is gone the log works again and nothing was lost.
    _record(store, 100002)
    assert store.count() == 2


def test_unusable_location_is_reported(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("not a folder")
    store = DecisionStore(not_a_folder / "decisions.sqlite3")
    with pytest.raises(DecisionStoreError, match="file.txt"):
        _record(store, 100001)


def test_unreachable_server_is_reported_without_its_password() -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql+psycopg://credit:s3cret-pw@127.0.0.1:{port}/credit"
    store = DecisionStore(url=url, busy_timeout_s=1)
    with pytest.raises(DecisionStoreError) as err:
        _record(store, 100001)
    message = str(err.value)
    assert f"127.0.0.1:{port}/credit" in message and "could not record a decision" in message
    assert "s3cret-pw" not in message


# -- schema: Alembic ------------------------------------------------------------------------------

#: The table as the log created it before Alembic (stdlib sqlite3, user_version 1).
LEGACY_SCHEMA = """
CREATE TABLE decisions (
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
CREATE INDEX decisions_by_client ON decisions (client_id, id);
INSERT INTO decisions VALUES (7, 100001, 'grant', 'grant', '', 'bob', 'v0', 0.1, 0.3,
                              '2026-01-02T03:04:05.000+00:00');
PRAGMA user_version = 1;
"""


def test_a_log_written_before_alembic_is_adopted_with_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "decisions.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(LEGACY_SCHEMA)
    store = DecisionStore(path)
    assert [d.user for d in store.history(100001)] == ["bob"]
    assert _record(store, 100001).id == 8  # ids carry on after the old ones
    engine = sa.create_engine(store.url)
    assert migrations.current_revision(engine) == migrations.head_revision()
    engine.dispose()


def test_migrations_make_the_schema_the_queries_expect(backend: str) -> None:
    store = DecisionStore(url=backend)
    _record(store, 100001)
    engine = sa.create_engine(backend)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn)
        assert context.get_current_revision() == migrations.head_revision()
        assert compare_metadata(context, decisions_schema.metadata) == []
    # Upgrading again (a second worker, a restart) changes nothing and loses nothing.
    migrations.upgrade_to_head(engine)
    engine.dispose()
    assert store.count() == 1
    # The database itself refuses what validation would (a last line of defence).
    with pytest.raises(DecisionStoreError), store._transaction("test") as conn:
        conn.execute(decisions_schema.decisions.insert().values(
            client_id=-1, decision="grant", model_decision="grant", reason="", user="x",
            model_version="v", default_probability=0.1, decision_threshold=0.3, recorded_at="t",
        ))
    assert store.count() == 1
