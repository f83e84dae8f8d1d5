"""The decision log's hash chain on SQLite and PostgreSQL: what a decision stores to be replayed,
and every alteration, removal or reordering made behind the log's back named by the walk; appends
from several processes keep one valid chain; a log from before the chain upgrades in place."""

from __future__ import annotations

import json
import math
import multiprocessing
import sqlite3
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from credit_dashboard.storage import database, decisions_schema, migrations
from credit_dashboard.storage.decisions import DecisionStore, DecisionValidationError
from credit_dashboard.storage.decisions_chain import (
    GENESIS_HASH,
    canonical_json,
    content_hash,
    json_value,
    sha256_text,
)

THRESHOLD = 0.3
INPUTS = {
    "AMT_CREDIT": 0.1 + 0.2,  # 0.30000000000000004: must come back as exactly this float
    "AMT_INCOME_TOTAL": np.float64(135000.5),
    "CNT_CHILDREN": np.int64(2),
    "NAME_CONTRACT_TYPE": "Cash loans",
    "EXT_SOURCE_1": float("nan"),
    "OWN_CAR_AGE": None,
    "CR_BUREAU_COUNT": 0.0,
}


def _record(store: DecisionStore, client_id: int = 100001, decision: str = "grant", **kw):
    values = dict(user="alice", model_version="v1", default_probability=0.12,
                  decision_threshold=THRESHOLD, inputs=INPUTS, reasons=["Income", "Age of car"],
                  counterfactual=None)
    values.update(kw)
    return store.record(client_id, decision, **values)


def _sql(url: str, statement: str, **params: object) -> None:
    """Change the database behind the log's back (as someone with write access could)."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(statement), params)
    engine.dispose()


def _filled(store: DecisionStore):
    """Five records of the three kinds: decision 1, 2, review 1 (request), outcome, decision 3."""
    first = _record(store, 100001)
    second = _record(store, 100002, "refuse", default_probability=0.6,
                     counterfactual={"changes": {"AMT_CREDIT": 720000}, "default_probability": 0.2})
    review = store.request_review(second.id, statement="My income is higher now", user="alice")
    store.record_review_outcome(review.id, outcome="upheld", reason="Income not proven",
                                user="bob")
    third = _record(store, 100003)
    return first, second, review, third


# -- what a decision stores -----------------------------------------------------------------------

def test_a_decision_keeps_its_inputs_exactly_and_their_hash(store: DecisionStore) -> None:
    recorded = _record(store, counterfactual={"changes": None, "why": "no change would do"})
    stored = store.get(recorded.id)
    assert stored == recorded
    assert stored.inputs["AMT_CREDIT"] == 0.1 + 0.2  # the same float, not a rounded one
    assert type(stored.inputs["CNT_CHILDREN"]) is int and stored.inputs["CNT_CHILDREN"] == 2
    assert stored.inputs["EXT_SOURCE_1"] is None and stored.inputs["OWN_CAR_AGE"] is None
    assert stored.inputs["AMT_INCOME_TOTAL"] == 135000.5
    assert stored.reasons == ("Income", "Age of car")
    assert stored.counterfactual == {"changes": None, "why": "no change would do"}
    assert stored.input_hash == sha256_text(canonical_json(json_value(stored.inputs)))
    assert stored.chain_seq == 1 and stored.previous_hash == GENESIS_HASH
    assert len(stored.record_hash) == 64 and not stored.recorded_before_chain


def test_a_decision_without_inputs_is_still_chained(store: DecisionStore) -> None:
    recorded = store.record(100001, "grant", user="alice", model_version="v1",
                            default_probability=0.1, decision_threshold=THRESHOLD)
    assert recorded.inputs is None and recorded.input_hash is None and recorded.reasons == ()
    assert store.verify_chain().ok


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("inputs", {"inputs": {"AMT_CREDIT": float("inf")}}),
        ("inputs", {"inputs": ["not", "a", "mapping"]}),
        ("inputs", {"inputs": {"X": object()}}),
        ("reasons", {"reasons": "one text, not a list"}),
        ("reasons", {"reasons": ["ok", ""]}),
        ("counterfactual", {"counterfactual": "flip it"}),
    ],
)
def test_bad_replay_fields_name_the_field(store: DecisionStore, field: str, kwargs: dict) -> None:
    with pytest.raises(DecisionValidationError) as err:
        _record(store, **kwargs)
    assert err.value.field == field
    assert store.count() == 0


def test_canonical_json_is_one_text_per_value() -> None:
    a = canonical_json(json_value({"b": 1.0, "a": [np.float64(0.5), None, "é"]}))
    b = canonical_json(json_value({"a": [0.5, float("nan"), "é"], "b": np.float32(1.0)}))
    assert a == b == '{"a":[0.5,null,"é"],"b":1.0}'
    assert json.loads(canonical_json(json_value({"x": 0.1 + 0.2})))["x"] == 0.1 + 0.2


# -- the walk names what was done behind the log's back -----------------------------------------

def test_an_untouched_chain_verifies(store: DecisionStore) -> None:
    _filled(store)
    report = store.verify_chain()
    assert report.ok, report.problems
    assert report.records == report.chain_length == 5
    assert report.kinds == {"decision": 3, "review_request": 1, "review_outcome": 1}
    records = store.chain_records()
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert [r.kind for r in records] == ["decision", "decision", "review_request",
                                         "review_outcome", "decision"]
    for before, after in zip(records, records[1:], strict=False):
        assert after.content["previous_hash"] == before.content["record_hash"]


@pytest.mark.parametrize(
    ("statement", "label"),
    [
        ("UPDATE decisions SET reason = 'Quietly changed' WHERE id = 2", "decision #2"),
        ("UPDATE decisions SET default_probability = 0.05 WHERE id = 2", "decision #2"),
        ("UPDATE decisions SET decision = 'grant' WHERE id = 2", "decision #2"),
        ("UPDATE decisions SET inputs = replace(inputs, '135000.5', '235000.5') WHERE id = 1",
         "decision #1"),
        ("UPDATE decisions SET reasons = '[]' WHERE id = 1", "decision #1"),
        ("UPDATE review_requests SET statement = 'Something else' WHERE id = 1",
         "review request #1"),
        ("UPDATE review_outcomes SET outcome = 'reversed' WHERE id = 1", "review outcome #1"),
    ],
)
def test_an_altered_record_is_named(store: DecisionStore, statement: str, label: str) -> None:
    _filled(store)
    _sql(store.url, statement)
    report = store.verify_chain()
    assert not report.ok
    assert report.bad_records == {label}
    assert any(label in p and "altered" in p for p in report.problems), report.problems


def test_an_altered_record_with_a_recomputed_hash_breaks_the_next_link(
    store: DecisionStore,
) -> None:
    _filled(store)
    record = next(r for r in store.chain_records() if r.label == "decision #2")
    forged = {**record.content, "reason": "Forged with care"}
    _sql(store.url, "UPDATE decisions SET reason = :reason, record_hash = :hash WHERE id = 2",
         reason="Forged with care", hash=content_hash("decision", forged))
    report = store.verify_chain()
    assert not report.ok
    # The forger's record hashes well; the one after it no longer points to it.
    assert report.bad_records == {"review request #1"}
    assert "no longer in the log" in report.problems[0]


@pytest.mark.parametrize(
    ("statement", "gap"),
    [
        ("DELETE FROM review_outcomes WHERE id = 1",
         "position 4 missing between review request #1 and decision #3"),
        ("DELETE FROM decisions WHERE id = 1",
         "position 1 missing between the start of the chain and decision #2"),
    ],
)
def test_a_removed_record_is_named(store: DecisionStore, statement: str, gap: str) -> None:
    _filled(store)
    _sql(store.url, statement)
    report = store.verify_chain()
    assert not report.ok
    assert any("removed" in p and gap in p for p in report.problems), report.problems


def test_removing_the_newest_records_is_caught(store: DecisionStore) -> None:
    # Nobody points to the newest record: its removal leaves no hole in the chain. The auditor's
    # noted head (the summary prints it) catches it on every database; on SQLite the ids already
    # issued (sqlite_sequence) catch it too.
    _filled(store)
    head = store.verify_chain().head_hash
    assert store.verify_chain(anchors=[head]).ok
    _sql(store.url, "DELETE FROM decisions WHERE id = 3")
    report = store.verify_chain(anchors=[head])
    assert not report.ok
    assert any("noted head" in p and "removed" in p for p in report.problems), report.problems
    if store.is_sqlite:
        assert any("decision #3" in p for p in store.verify_chain().problems)


def test_swapped_places_are_named(store: DecisionStore) -> None:
    _filled(store)
    # Swap the places of decisions #1 and #2 (through a free place: the places are unique).
    _sql(store.url, "UPDATE decisions SET chain_seq = 99 WHERE id = 1")
    _sql(store.url, "UPDATE decisions SET chain_seq = 1 WHERE id = 2")
    _sql(store.url, "UPDATE decisions SET chain_seq = 2 WHERE id = 1")
    report = store.verify_chain()
    assert not report.ok
    assert {"decision #1", "decision #2"} <= report.bad_records
    assert any("reordered" in p for p in report.problems), report.problems


def test_swapped_previous_hashes_are_named(store: DecisionStore) -> None:
    _filled(store)
    records = {r.label: r.content for r in store.chain_records()}
    # Make decision #3 follow decision #1, and the review request follow the outcome.
    _sql(store.url, "UPDATE decisions SET previous_hash = :h WHERE id = 3",
         h=records["decision #1"]["record_hash"])
    _sql(store.url, "UPDATE review_requests SET previous_hash = :h WHERE id = 1",
         h=records["review outcome #1"]["record_hash"])
    report = store.verify_chain()
    assert not report.ok
    assert {"decision #3", "review request #1"} <= report.bad_records
    assert sum("reordered" in p for p in report.problems) == 2, report.problems


def test_a_row_written_around_the_log_is_named(store: DecisionStore) -> None:
    _filled(store)
    _sql(store.url, "INSERT INTO decisions (id, client_id, decision, model_decision, reason, "
                    '"user", model_version, default_probability, decision_threshold, recorded_at) '
                    "VALUES (50, 100009, 'grant', 'grant', '', 'mallory', 'v1', 0.1, 0.3, 't')")
    report = store.verify_chain()
    assert report.bad_records == {"decision #50"}
    assert "outside the chain" in report.problems[0]


# -- several writers ------------------------------------------------------------------------------

WRITERS = 4
WRITES_EACH = 15


def _writer(url: str, worker: int, barrier, errors) -> None:
    store = DecisionStore(url=url)
    barrier.wait()
    for i in range(WRITES_EACH):
        try:
            decision = _record(store, 300000 + worker, user=f"advisor{worker}",
                               reason=f"write {i:03d}")
            if i % 5 == 0:  # reviews interleave with decisions in the one chain
                review = store.request_review(decision.id, statement=f"please review {i}",
                                              user=f"advisor{worker}")
                store.record_review_outcome(review.id, outcome="upheld", reason="checked ok",
                                            user=f"analyst{worker}")
        except Exception as exc:  # reported to the parent, which fails the test
            errors.put(f"worker {worker} write {i}: {exc!r}")


def test_concurrent_appends_keep_one_valid_chain(backend: str) -> None:
    ctx = multiprocessing.get_context("spawn")  # see test_decision_log: never fork the suite
    barrier = ctx.Barrier(WRITERS)
    errors = ctx.Queue()
    workers = [ctx.Process(target=_writer, args=(backend, w, barrier, errors))
               for w in range(WRITERS)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(timeout=300)
    assert [p.exitcode for p in workers] == [0] * WRITERS
    reported = []
    while not errors.empty():
        reported.append(errors.get())
    assert reported == []

    store = DecisionStore(url=backend)
    report = store.verify_chain()
    reviews = WRITERS * math.ceil(WRITES_EACH / 5)
    assert report.ok, report.problems
    assert report.records == report.chain_length == WRITERS * WRITES_EACH + 2 * reviews
    assert report.kinds["review_outcome"] == reviews


def test_threads_of_one_process_keep_one_valid_chain(store: DecisionStore) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        done = list(pool.map(lambda i: _record(store, 400000 + i % 3).chain_seq, range(24)))
    assert sorted(done) == list(range(1, 25))
    assert store.verify_chain().ok


# -- the upgrade from the log before the chain ---------------------------------------------------

OLD_ROWS = [
    (3, 100001, "grant", "grant", "", "bob", "v0", 0.1, 0.3, "2026-01-02T03:04:05.000+00:00"),
    (5, 100002, "refuse", "refuse", "", "bob", "v0", 0.75, 0.3, "2026-01-03T03:04:05.000+00:00"),
    (6, 100002, "grant", "refuse", "Guarantor", "eve", "v0", 0.5, 0.3,
     "2026-01-04T03:04:05.000+00:00"),
]


def test_a_log_from_the_previous_revision_upgrades_in_place(backend: str) -> None:
    engine = database.get_engine(backend)
    database.ensure_wal(engine, 10.0)  # the log's folder too
    config = migrations.alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001_decisions")
        for row in OLD_ROWS:
            conn.execute(sa.text(
                'INSERT INTO decisions (id, client_id, decision, model_decision, reason, "user", '
                "model_version, default_probability, decision_threshold, recorded_at) VALUES "
                "(:id, :c, :d, :m, :r, :u, :v, :p, :t, :at)"),
                dict(zip(("id", "c", "d", "m", "r", "u", "v", "p", "t", "at"), row, strict=True)))
        if conn.dialect.name == "postgresql":  # ids inserted by hand: move the sequence on
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('decisions', 'id'), 6)")

    store = DecisionStore(url=backend)
    old = sorted(store.history(100001) + store.history(100002), key=lambda d: d.id)
    assert [d.id for d in old] == [3, 5, 6]  # every row kept, with its values
    assert [d.reason for d in old] == ["", "", "Guarantor"] and old[1].default_probability == 0.75
    assert all(d.recorded_before_chain and d.inputs is None for d in old)
    assert [d.chain_seq for d in old] == [1, 2, 3]
    new = _record(store, 100001)
    assert new.id == 7 and new.chain_seq == 4 and new.previous_hash == old[-1].record_hash

    report = store.verify_chain()
    assert report.ok, report.problems
    assert report.predating_chain == 3 and report.chain_length == 4
    with engine.connect() as conn:
        context = MigrationContext.configure(conn)
        assert context.get_current_revision() == migrations.head_revision()
        assert compare_metadata(context, decisions_schema.metadata) == []
    # A row from before the chain is protected like any other from now on.
    _sql(backend, "UPDATE decisions SET reason = 'Rewritten' WHERE id = 6")
    assert store.verify_chain().bad_records == {"decision #6"}


def test_the_pre_alembic_log_is_chained_too(tmp_path: Path) -> None:
    from tests.storage.test_decision_log import LEGACY_SCHEMA

    path = tmp_path / "decisions.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(LEGACY_SCHEMA)
    store = DecisionStore(path)
    report = store.verify_chain()
    assert report.ok and report.predating_chain == 1 and report.chain_length == 1
