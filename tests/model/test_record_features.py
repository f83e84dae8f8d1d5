"""The credit-record features against examples computed by hand, and the store they come from."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from credit_dashboard.model import record_features as rf
from credit_dashboard.storage.credit_records.schema import TABLES
from credit_dashboard.storage.credit_records.store import CreditRecordStore, empty_frame

A, B, NONE = 100001, 100002, 100003  # B has only a bureau credit; NONE has no record at all


def _frame(table: str, rows: list[dict]) -> pd.DataFrame:
    """Rows with only the columns a test cares about; the others missing (0 for integers)."""
    spec = TABLES[table]
    out = empty_frame(spec)
    filled = []
    for row in rows:
        full = {c: (0 if d == "int64" else None if d == "object" else np.nan)
                for c, d in spec.columns.items()}
        full.update(row)
        filled.append(full)
    if filled:
        out = pd.DataFrame(filled)[list(spec.columns)].astype(spec.columns)
    return out


def hand_made() -> dict[str, pd.DataFrame]:
    return {
        "bureau": _frame("bureau", [
            dict(SK_ID_CURR=A, SK_ID_BUREAU=1, CREDIT_ACTIVE="Active", DAYS_CREDIT=-100,
                 CREDIT_DAY_OVERDUE=10, AMT_CREDIT_SUM=1000.0, AMT_CREDIT_SUM_DEBT=400.0,
                 AMT_CREDIT_SUM_OVERDUE=50.0, AMT_CREDIT_MAX_OVERDUE=70.0),
            dict(SK_ID_CURR=A, SK_ID_BUREAU=2, CREDIT_ACTIVE="Closed", DAYS_CREDIT=-900,
                 AMT_CREDIT_SUM=500.0, AMT_CREDIT_SUM_DEBT=0.0, AMT_CREDIT_SUM_OVERDUE=0.0),
            dict(SK_ID_CURR=A, SK_ID_BUREAU=3, CREDIT_ACTIVE="Active", DAYS_CREDIT=-500,
                 AMT_CREDIT_SUM=1000.0, AMT_CREDIT_SUM_DEBT=100.0, AMT_CREDIT_SUM_OVERDUE=0.0),
            dict(SK_ID_CURR=B, SK_ID_BUREAU=4, CREDIT_ACTIVE="Bad debt", DAYS_CREDIT=-2000,
                 AMT_CREDIT_SUM=300.0, AMT_CREDIT_SUM_DEBT=300.0, AMT_CREDIT_SUM_OVERDUE=300.0),
        ]),
        "bureau_balance": _frame("bureau_balance", [
            dict(SK_ID_BUREAU=1, MONTHS_BALANCE=0, STATUS="0"),
            dict(SK_ID_BUREAU=1, MONTHS_BALANCE=-1, STATUS="1"),
            dict(SK_ID_BUREAU=1, MONTHS_BALANCE=-2, STATUS="X"),
            dict(SK_ID_BUREAU=1, MONTHS_BALANCE=-20, STATUS="3"),
            dict(SK_ID_BUREAU=2, MONTHS_BALANCE=-30, STATUS="C"),
        ]),
        "previous_application": _frame("previous_application", [
            dict(SK_ID_PREV=11, SK_ID_CURR=A, NAME_CONTRACT_STATUS="Approved", DAYS_DECISION=-400,
                 AMT_APPLICATION=900.0, AMT_CREDIT=1000.0),
            dict(SK_ID_PREV=12, SK_ID_CURR=A, NAME_CONTRACT_STATUS="Refused", DAYS_DECISION=-30,
                 AMT_APPLICATION=2000.0, AMT_CREDIT=2000.0),
            dict(SK_ID_PREV=13, SK_ID_CURR=A, NAME_CONTRACT_STATUS="Canceled",
                 DAYS_DECISION=-200, AMT_APPLICATION=100.0, AMT_CREDIT=0.0),
        ]),
        "installments_payments": _frame("installments_payments", [
            # due -400 paid -405 on time, full; due -300 paid -290 late (10 days), partial;
            # due -100 paid -100 on time, full; due -50 paid -45 late (5 days), full.
            dict(SK_ID_PREV=11, SK_ID_CURR=A, NUM_INSTALMENT_NUMBER=1, DAYS_INSTALMENT=-400.0,
                 DAYS_ENTRY_PAYMENT=-405.0, AMT_INSTALMENT=100.0, AMT_PAYMENT=100.0),
            dict(SK_ID_PREV=11, SK_ID_CURR=A, NUM_INSTALMENT_NUMBER=2, DAYS_INSTALMENT=-300.0,
                 DAYS_ENTRY_PAYMENT=-290.0, AMT_INSTALMENT=100.0, AMT_PAYMENT=60.0),
            dict(SK_ID_PREV=11, SK_ID_CURR=A, NUM_INSTALMENT_NUMBER=3, DAYS_INSTALMENT=-100.0,
                 DAYS_ENTRY_PAYMENT=-100.0, AMT_INSTALMENT=100.0, AMT_PAYMENT=100.0),
            dict(SK_ID_PREV=11, SK_ID_CURR=A, NUM_INSTALMENT_NUMBER=4, DAYS_INSTALMENT=-50.0,
                 DAYS_ENTRY_PAYMENT=-45.0, AMT_INSTALMENT=100.0, AMT_PAYMENT=100.0),
        ]),
        "POS_CASH_balance": _frame("POS_CASH_balance", [
            dict(SK_ID_PREV=11, SK_ID_CURR=A, MONTHS_BALANCE=-2, CNT_INSTALMENT_FUTURE=5.0,
                 NAME_CONTRACT_STATUS="Active", SK_DPD=0),
            dict(SK_ID_PREV=11, SK_ID_CURR=A, MONTHS_BALANCE=-1, CNT_INSTALMENT_FUTURE=4.0,
                 NAME_CONTRACT_STATUS="Active", SK_DPD=12),
        ]),
        "credit_card_balance": _frame("credit_card_balance", [
            dict(SK_ID_PREV=21, SK_ID_CURR=A, MONTHS_BALANCE=-2, AMT_BALANCE=500.0,
                 AMT_CREDIT_LIMIT_ACTUAL=1000, AMT_DRAWINGS_CURRENT=100.0, SK_DPD=0),
            dict(SK_ID_PREV=21, SK_ID_CURR=A, MONTHS_BALANCE=-1, AMT_BALANCE=900.0,
                 AMT_CREDIT_LIMIT_ACTUAL=1000, AMT_DRAWINGS_CURRENT=300.0, SK_DPD=3),
        ]),
    }


EXPECTED_A = {
    "CR_BUREAU_COUNT": 3, "CR_BUREAU_ACTIVE_COUNT": 2, "CR_BUREAU_DAYS_CREDIT_MEAN": -500,
    "CR_BUREAU_DAYS_CREDIT_MAX": -100, "CR_BUREAU_DEBT_SUM": 500,
    "CR_BUREAU_DEBT_CREDIT_RATIO": 500 / 2000, "CR_BUREAU_OVERDUE_SUM": 50,
    "CR_BUREAU_OVERDUE_DAYS_MAX": 10, "CR_BUREAU_MAX_OVERDUE": 70, "CR_BUREAU_BAD_DEBT_COUNT": 0,
    "CR_BUREAU_ENQUIRIES_YEAR": 1,
    # months with a known status: 0, 1, 3 (X and C are not statuses of lateness)
    "CR_BUREAU_MONTHS_LATE": 2, "CR_BUREAU_LATE_SHARE": 2 / 3, "CR_BUREAU_MONTHS_LATE_12M": 1,
    "CR_BUREAU_WORST_STATUS": 3,
    "CR_PREV_COUNT": 3, "CR_PREV_REFUSED_COUNT": 1, "CR_PREV_REFUSED_SHARE": 1 / 3,
    "CR_PREV_APPROVED_COUNT": 1, "CR_PREV_REFUSED_AMOUNT": 2000, "CR_PREV_DAYS_DECISION_MAX": -30,
    "CR_PREV_APPLICATIONS_YEAR": 2, "CR_PREV_APPLICATION_CREDIT_RATIO": (0.9 + 1.0) / 2,
    "CR_INST_COUNT": 4, "CR_INST_LATE_SHARE": 2 / 4, "CR_INST_LATE_SHARE_12M": 2 / 3,
    "CR_INST_LATE_SHARE_6M": 1 / 2, "CR_INST_DAYS_LATE_MEAN": 15 / 4, "CR_INST_DAYS_LATE_MAX": 10,
    "CR_INST_PARTIAL_SHARE": 1 / 4, "CR_INST_PARTIAL_SHARE_12M": 1 / 3,
    "CR_INST_PAID_RATIO": 360 / 400,
    "CR_POS_MONTHS": 2, "CR_POS_DPD_MAX": 12, "CR_POS_LATE_SHARE": 1 / 2,
    "CR_POS_REMAINING_INSTALMENTS": 4,
    "CR_CARD_MONTHS": 2, "CR_CARD_LIMIT_USE_MEAN": (0.5 + 0.9) / 2, "CR_CARD_LIMIT_USE_LAST": 0.9,
    "CR_CARD_DRAWINGS_MEAN": 200, "CR_CARD_DPD_MAX": 3,
}


def _check(row: pd.Series, expected: dict[str, float]) -> None:
    checked = 0
    for name, value in expected.items():
        got = row[name]
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(got), name
        else:
            assert got == pytest.approx(value), name
        checked += 1
    assert checked == len(expected)


def test_every_feature_has_a_hand_computed_value() -> None:
    assert set(EXPECTED_A) == set(rf.RECORD_FEATURES)


def test_features_of_a_client_with_every_table_equal_the_hand_computed_ones() -> None:
    features = rf.aggregate_frames(hand_made()).set_index("SK_ID_CURR")
    assert list(features.index) == [A, B]
    _check(features.loc[A], EXPECTED_A)


def test_a_client_with_only_one_table_has_zero_counts_and_missing_ratios() -> None:
    features = rf.aggregate_frames(hand_made(), [B, NONE]).set_index("SK_ID_CURR")
    b = features.loc[B]
    assert b["CR_BUREAU_COUNT"] == 1 and b["CR_BUREAU_BAD_DEBT_COUNT"] == 1
    assert b["CR_BUREAU_DEBT_SUM"] == 0  # its only credit is not active
    assert b["CR_PREV_COUNT"] == 0 and math.isnan(b["CR_PREV_REFUSED_SHARE"])
    assert math.isnan(b["CR_BUREAU_LATE_SHARE"])  # no month reported
    none = features.loc[NONE]
    for name in rf.RECORD_FEATURES:
        if name in rf.COUNT_FEATURES:
            assert none[name] == 0, name
        else:
            assert math.isnan(none[name]), name


def test_attach_gives_clients_without_records_the_no_records_values() -> None:
    application = pd.DataFrame({"SK_ID_CURR": [NONE, A], "AMT_CREDIT": [1.0, 2.0]},
                               index=[7, 9])
    joined = rf.attach(application, rf.aggregate_frames(hand_made()))
    assert list(joined.index) == [7, 9]
    assert joined.loc[9, "CR_BUREAU_COUNT"] == 3
    assert joined.loc[7, "CR_BUREAU_COUNT"] == 0
    assert math.isnan(joined.loc[7, "CR_CARD_LIMIT_USE_MEAN"])
    assert joined.equals(rf.attach(joined, rf.aggregate_frames(hand_made())))  # idempotent


def test_the_store_answers_one_client_like_the_frames(tmp_path: Path) -> None:
    store = CreditRecordStore(tmp_path / "credit_records")
    assert not store.available
    store.write_base(hand_made())
    assert store.tables() == tuple(TABLES)
    records = store.client_records(A)
    assert len(records["bureau"]) == 3 and len(records["bureau_balance"]) == 5
    assert list(records["previous_application"].columns) == list(
        TABLES["previous_application"].columns)
    empty = store.client_records(NONE)
    assert all(len(frame) == 0 for frame in empty.values())
    assert list(empty["credit_card_balance"].columns) == list(
        TABLES["credit_card_balance"].columns)
    # Computed from the files, then stored and read back: the same features either way.
    computed = rf.features_for(store, [A, NONE])
    stored = rf.store_aggregates(store)
    assert store.aggregates_current(rf.SIGNATURE)
    looked_up = rf.features_for(store, [A, NONE])
    pd.testing.assert_frame_equal(computed[computed.SK_ID_CURR == A].reset_index(drop=True),
                                  looked_up.reset_index(drop=True), check_dtype=False)
    assert len(stored) == 2 and len(looked_up) == 1  # NONE has no record: attach fills it
    _check(looked_up.set_index("SK_ID_CURR").loc[A], EXPECTED_A)


def test_a_batch_part_is_read_with_the_base_and_removed_whole(tmp_path: Path) -> None:
    store = CreditRecordStore(tmp_path / "credit_records")
    frames = hand_made()
    store.write_base({"bureau": frames["bureau"][frames["bureau"].SK_ID_CURR == A]})
    store.write_part("batch-1", {"bureau": frames["bureau"][frames["bureau"].SK_ID_CURR == B]})
    assert list(store.client_ids()) == [A, B]
    assert len(store.client_records(B)["bureau"]) == 1
    with pytest.raises(FileExistsError):
        store.write_part("batch-1", {})
    store.remove_part("batch-1")
    assert list(store.client_ids()) == [A]
    assert not any(p.name.startswith(".") for p in (tmp_path / "credit_records").rglob("*"))


def test_a_connection_is_not_reused_across_a_fork(tmp_path: Path) -> None:
    store = CreditRecordStore(tmp_path / "credit_records")
    store.write_base(hand_made())
    parent = store.connection()
    assert store.connection() is parent
    pid = os.fork()
    if pid == 0:  # the child opens its own connection and can read
        ok = store._con is not None and store.connection() is not parent and len(
            store.client_records(A)["bureau"]) == 3
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    store.close()
    assert store._con is None and len(store.client_records(A)["bureau"]) == 3
    assert store.connection() is not parent


def test_a_stale_stored_file_is_not_read(tmp_path: Path) -> None:
    store = CreditRecordStore(tmp_path / "credit_records")
    store.write_base(hand_made())
    features = rf.aggregate_frames(hand_made())
    features["CR_BUREAU_COUNT"] = 99.0
    store.write_aggregates(features, "older-code")
    assert not store.aggregates_current(rf.SIGNATURE)
    assert rf.features_for(store, [A])["CR_BUREAU_COUNT"].iloc[0] == 3


def test_a_part_being_written_or_removed_is_never_read(tmp_path: Path) -> None:
    """An ingest writes a part in a hidden folder and renames it; removal renames it hidden
    first. A reader listing the store meanwhile sees neither."""
    store = CreditRecordStore(tmp_path / "credit_records")
    frames = hand_made()
    store.write_base({"bureau": frames["bureau"][frames["bureau"].SK_ID_CURR == A]})
    store.write_part("batch-1", {"bureau": frames["bureau"][frames["bureau"].SK_ID_CURR == B]})
    parts = tmp_path / "credit_records" / "batches"
    for hidden in (".batch-2.k3j9x", ".removing.batch-0"):
        (parts / hidden).mkdir()
        (parts / hidden / "bureau.parquet").write_bytes(
            (parts / "batch-1" / "bureau.parquet").read_bytes())
    assert store.parts() == ["batch-1"]
    assert [p.parent.name for p in store.files("bureau")] == ["credit_records", "batch-1"]
    assert len(store.client_records(B)["bureau"]) == 1  # once, from batch-1 only


def test_a_part_appears_with_its_features(tmp_path: Path) -> None:
    store = CreditRecordStore(tmp_path / "credit_records")
    frames = hand_made()
    store.write_base({"bureau": frames["bureau"][frames["bureau"].SK_ID_CURR == A]})
    rf.store_aggregates(store)
    part = {"bureau": frames["bureau"][frames["bureau"].SK_ID_CURR == B]}
    store.write_part("batch-1", part, aggregates=(rf.aggregate_frames(part), rf.SIGNATURE))
    assert store.aggregates_current(rf.SIGNATURE)
    assert rf.features_for(store, [B])["CR_BUREAU_COUNT"].tolist() == [1.0]


def test_a_page_client_without_stored_features_is_aggregated_from_its_rows(
        tmp_path: Path) -> None:
    """Stale stored features (new code before train.py stored them again): one client's
    features come from that client's rows, the same as the full query, and the web worker
    opens no DuckDB connection over the whole store."""
    store = CreditRecordStore(tmp_path / "credit_records")
    store.write_base(hand_made())
    store.write_aggregates(rf.aggregate_frames(hand_made()), "older-code")
    few = rf.features_for(store, [A, NONE])
    assert store._con is None
    expected = rf.aggregate_frames(hand_made(), [A, NONE])
    pd.testing.assert_frame_equal(few, expected)
    _check(few.set_index("SK_ID_CURR").loc[A], EXPECTED_A)


def test_a_lookup_decodes_only_the_columns_asked_for(tmp_path: Path) -> None:
    store = CreditRecordStore(tmp_path / "credit_records")
    store.write_base(hand_made())
    asked = {"previous_application": ("AMT_CREDIT", "NAME_CONTRACT_STATUS"),
             "bureau_balance": ("STATUS",)}
    records = store.client_records(A, asked)
    # The keys come along, in the schema's order; tables not named are read whole.
    assert list(records["previous_application"].columns) == [
        "SK_ID_PREV", "SK_ID_CURR", "AMT_CREDIT", "NAME_CONTRACT_STATUS"]
    assert list(records["bureau_balance"].columns) == ["SK_ID_BUREAU", "MONTHS_BALANCE", "STATUS"]
    assert len(records["bureau_balance"]) == 5
    assert list(records["bureau"].columns) == list(TABLES["bureau"].columns)
    none = store.client_records(NONE, asked)
    assert list(none["previous_application"].columns) == list(
        records["previous_application"].columns)
    with pytest.raises(KeyError, match="previous_application has no column NOT_A_COLUMN"):
        store.client_records(A, {"previous_application": ("NOT_A_COLUMN",)})


def test_frames_filtered_out_of_a_larger_table_aggregate_like_fresh_ones() -> None:
    """A frame cut from a larger one keeps its row labels; they must not misalign columns."""
    bureau = hand_made()["bureau"]
    only_b = rf.aggregate_frames({"bureau": bureau[bureau.SK_ID_CURR == B]})
    assert only_b["SK_ID_CURR"].tolist() == [B]
    assert only_b["CR_BUREAU_COUNT"].tolist() == [1.0]


def test_another_process_writes_are_seen_at_the_next_lookup(tmp_path: Path) -> None:
    """Two store objects stand for two workers: the listing one caches is dropped as soon as a
    folder's modification time moves (a part renamed in, features replaced, a part removed)."""
    frames = hand_made()
    writer = CreditRecordStore(tmp_path / "credit_records")
    reader = CreditRecordStore(tmp_path / "credit_records")
    writer.write_base({"bureau": frames["bureau"][frames["bureau"].SK_ID_CURR == A]})
    assert len(reader.client_records(B)["bureau"]) == 0 and reader.parts() == []
    part = {"bureau": frames["bureau"][frames["bureau"].SK_ID_CURR == B]}
    writer.write_part("batch-1", part, aggregates=(rf.aggregate_frames(part), rf.SIGNATURE))
    assert len(reader.client_records(B)["bureau"]) == 1
    assert rf.features_for(reader, [B])["CR_BUREAU_COUNT"].tolist() == [1.0]
    writer.remove_part("batch-1")
    assert reader.parts() == [] and len(reader.client_records(B)["bureau"]) == 0


def test_stored_loan_owners_of_given_loans_only(tmp_path: Path) -> None:
    store = CreditRecordStore(tmp_path / "credit_records")
    store.write_base(hand_made())
    every = store.loan_owners()
    asked = store.loan_owners({"SK_ID_PREV": np.array([12, 999]), "SK_ID_BUREAU": np.array([4])})
    assert sorted(map(tuple, asked[["kind", "loan", "SK_ID_CURR"]].values.tolist())) == [
        ("SK_ID_BUREAU", 4, B), ("SK_ID_PREV", 12, A)]
    assert len(every) > len(asked) and store.loan_owners({})["loan"].tolist() == []


def test_a_lookup_whose_helper_thread_was_stopped_still_answers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A thread stopped from outside (dash's test server stops its threads with SystemExit)
    must not leave a lookup waiting or short of tables: the caller reads what it left."""
    from credit_dashboard.storage.credit_records import store as store_module

    store = CreditRecordStore(tmp_path / "credit_records")
    store.write_base(hand_made())
    expected = store.client_records(A)

    class StoppedBeforeItRan:
        def __init__(self, target: object, **kwargs: object) -> None:
            pass

        def start(self) -> None:
            pass

        def join(self) -> None:
            pass

    monkeypatch.setattr(store_module.threading, "Thread", StoppedBeforeItRan)
    answered = store.client_records(A)
    assert set(answered) == set(TABLES) and len(answered["previous_application"]) == 3
    for name in TABLES:
        pd.testing.assert_frame_equal(answered[name], expected[name])
