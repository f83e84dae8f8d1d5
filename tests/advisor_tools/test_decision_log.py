"""The decision log: validation, history order, CSV export, concurrent writers, failed writes."""

from __future__ import annotations

import csv
import io
import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from credit_dashboard.config import Settings
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


@pytest.fixture
def store(tmp_path: Path) -> DecisionStore:
    return DecisionStore(tmp_path / "log" / "decisions.sqlite3")


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


def test_schema_uses_wal_journal(store: DecisionStore) -> None:
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


def _writer(path: str, worker: int, barrier, errors) -> None:
    # A fresh store per process, as in a gunicorn worker; the barrier makes them start together.
    store = DecisionStore(path)
    barrier.wait()
    for i in range(WRITES_EACH):
        try:
            _record(store, 200000 + worker, user=f"advisor{worker}", reason=f"write {i:03d}")
        except Exception as exc:  # reported to the parent, which fails the test
            errors.put(f"worker {worker} write {i}: {exc!r}")


def test_concurrent_writers_from_several_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "decisions.sqlite3")
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(WRITERS)
    errors = ctx.Queue()
    workers = [
        ctx.Process(target=_writer, args=(path, w, barrier, errors)) for w in range(WRITERS)
    ]
    for p in workers:
        p.start()
    for p in workers:
        p.join(timeout=120)
    assert all(p.exitcode == 0 for p in workers)
    reported = []
    while not errors.empty():
        reported.append(errors.get())
    assert reported == []

    store = DecisionStore(path)
    assert store.count() == WRITERS * WRITES_EACH
    for w in range(WRITERS):
        reasons = [d.reason for d in store.history(200000 + w)]
        # Every write of every worker is there, once, and each worker's own order is kept.
        assert reasons == [f"write {i:03d}" for i in reversed(range(WRITES_EACH))]


def test_failed_write_raises_clear_error_and_keeps_earlier_rows(store: DecisionStore) -> None:
    _record(store, 100001)
    _record(store, 100002)
    # Simulate the database refusing a write (as a full disk or I/O error would) at insert time.
    with sqlite3.connect(store.path) as conn:
        conn.execute(
            "CREATE TRIGGER refuse_writes BEFORE INSERT ON decisions "
            "BEGIN SELECT RAISE(ABORT, 'disk I/O error (simulated)'); END"
        )

    with pytest.raises(DecisionStoreError) as err:
        _record(store, 100003)
    message = str(err.value)
    assert str(store.path) in message and "nothing was written" in message
    assert "simulated" in message

    assert store.count() == 2
    assert [d.client_id for d in store.history(100001)] == [100001]
    assert store.history(100003) == []


def test_write_while_database_is_locked_reports_it(tmp_path: Path) -> None:
    store = DecisionStore(tmp_path / "decisions.sqlite3", busy_timeout_s=0.2)
    _record(store, 100001)
    blocker = sqlite3.connect(store.path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DecisionStoreError, match="locked"):
            _record(store, 100002)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    # Once the lock is gone the log works again and nothing was lost.
    _record(store, 100002)
    assert store.count() == 2


def test_unusable_location_is_reported(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("not a folder")
    store = DecisionStore(not_a_folder / "decisions.sqlite3")
    with pytest.raises(DecisionStoreError, match="file.txt"):
        _record(store, 100001)
