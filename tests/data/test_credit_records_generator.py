"""The generator's credit-record tables: Kaggle's schema, consistent keys, codes, dates, a signal.

Small sizes (3,000 history clients, 800 applicants, 2 batches) so the module runs in seconds.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from credit_dashboard.storage import schema
from credit_dashboard.storage.credit_records.schema import (
    BUREAU_BALANCE_STATUSES,
    DAYS_PLACEHOLDER,
    RECORDS_DIR,
    TABLES,
)
from home_credit_synth.batches import MANIFEST_FILE
from home_credit_synth.generator import generate, generate_records, write_dataset

ROWS, APPLICANTS, BATCHES, BATCH_ROWS, SEED = 3000, 800, 2, 400, 11
ID = schema.ID_COLUMN
LOAN_TABLES = ("POS_CASH_balance", "installments_payments", "credit_card_balance")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("records_data")
    write_dataset(out, ROWS, APPLICANTS, seed=SEED, n_batches=BATCHES, batch_rows=BATCH_ROWS)
    return out


@pytest.fixture(scope="module")
def records(written) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(written / RECORDS_DIR / spec.file)
            for name, spec in TABLES.items()}


@pytest.fixture(scope="module")
def clients(written) -> pd.DataFrame:
    train = pd.read_parquet(written / "application_train.parquet")
    test = pd.read_parquet(written / "application_test.parquet")
    return pd.concat([train, test], ignore_index=True)


def _check_frames(frames: dict[str, pd.DataFrame], known_ids: set[int]) -> None:
    """Schema, keys and codes of one set of the six tables."""
    for name, spec in TABLES.items():
        frame = frames[name]
        assert list(frame.columns) == list(spec.columns), name
        assert [str(t) for t in frame.dtypes] == list(spec.columns.values()), name
        assert len(frame) > 0, name
        if spec.has_client:
            assert set(frame[ID]) <= known_ids, name
            assert frame[ID].is_monotonic_increasing, name
    bureau, balance = frames["bureau"], frames["bureau_balance"]
    prev = frames["previous_application"]
    assert bureau["SK_ID_BUREAU"].is_unique
    assert set(balance["SK_ID_BUREAU"]) <= set(bureau["SK_ID_BUREAU"])
    assert balance["SK_ID_BUREAU"].is_monotonic_increasing
    assert not balance.duplicated(["SK_ID_BUREAU", "MONTHS_BALANCE"]).any()
    assert prev["SK_ID_PREV"].is_unique
    # A loan belongs to one client, in every table it appears in.
    owners = pd.concat([prev[["SK_ID_PREV", ID]]]
                       + [frames[t][["SK_ID_PREV", ID]] for t in LOAN_TABLES]).drop_duplicates()
    assert owners["SK_ID_PREV"].is_unique
    # Balance loans are approved applications of the right kind, or absent from the applications.
    kinds = {"POS_CASH_balance": {"Cash loans", "Consumer loans"},
             "installments_payments": {"Cash loans", "Consumer loans"},
             "credit_card_balance": {"Revolving loans"}}
    for table, allowed in kinds.items():
        loans = frames[table][["SK_ID_PREV", ID]].drop_duplicates()
        joined = loans.merge(prev, on="SK_ID_PREV", how="left", suffixes=("", "_prev"))
        present = joined["NAME_CONTRACT_STATUS"].notna()
        assert (joined.loc[present, "NAME_CONTRACT_STATUS"] == "Approved").all(), table
        assert joined.loc[present, "NAME_CONTRACT_TYPE"].isin(allowed).all(), table
        assert (joined.loc[present, ID] == joined.loc[present, f"{ID}_prev"]).all(), table
    # Card loans are never POS loans and vice versa.
    assert not set(frames["credit_card_balance"]["SK_ID_PREV"]) & set(
        frames["POS_CASH_balance"]["SK_ID_PREV"])
    # Kaggle's codes.
    assert set(balance["STATUS"]) <= set(BUREAU_BALANCE_STATUSES)
    assert set(bureau["CREDIT_ACTIVE"]) <= {"Closed", "Active", "Sold", "Bad debt"}
    assert set(bureau["CREDIT_CURRENCY"]) <= {f"currency {i}" for i in range(1, 5)}
    assert set(prev["NAME_CONTRACT_STATUS"]) <= {"Approved", "Refused", "Canceled", "Unused offer"}
    assert set(prev["NAME_CONTRACT_TYPE"]) <= {"Cash loans", "Consumer loans", "Revolving loans",
                                               "XNA"}
    assert (prev.loc[prev["NAME_CONTRACT_STATUS"] == "Approved", "CODE_REJECT_REASON"]
            == "XAP").all()
    refused = prev.loc[prev["NAME_CONTRACT_STATUS"] == "Refused", "CODE_REJECT_REASON"]
    assert not refused.isin(["XAP"]).any()
    assert set(frames["POS_CASH_balance"]["NAME_CONTRACT_STATUS"]) <= {
        "Active", "Completed", "Signed", "Demand", "Returned to the store", "Approved",
        "Amortized debt", "Canceled", "XNA"}
    assert set(frames["credit_card_balance"]["NAME_CONTRACT_STATUS"]) <= {
        "Active", "Completed", "Signed", "Sent proposal", "Refused", "Approved", "Demand"}
    # Dates count back from the application (0 = its month); placeholders and planned ends aside.
    assert (bureau["DAYS_CREDIT"] <= 0).all() and (bureau["DAYS_CREDIT_UPDATE"] <= 0).all()
    assert (bureau["DAYS_ENDDATE_FACT"].dropna() <= 0).all()
    assert (bureau["DAYS_CREDIT_ENDDATE"] > 0).any()  # Kaggle's planned ends in the future
    assert (balance["MONTHS_BALANCE"].between(-96, 0)).all()
    assert (prev["DAYS_DECISION"] < 0).all()
    for column in ("DAYS_FIRST_DRAWING", "DAYS_FIRST_DUE", "DAYS_LAST_DUE", "DAYS_TERMINATION"):
        values = prev[column].dropna()
        assert ((values <= 0) | (values == DAYS_PLACEHOLDER)).all(), column
        assert (values == DAYS_PLACEHOLDER).any(), column
    for table in ("POS_CASH_balance", "credit_card_balance"):
        assert frames[table]["MONTHS_BALANCE"].between(-96, -1).all(), table
    ins = frames["installments_payments"]
    assert (ins["DAYS_INSTALMENT"] < 0).all()
    assert (ins["DAYS_ENTRY_PAYMENT"].dropna() < 0).all()


def test_history_records_schema_keys_codes(records, clients):
    _check_frames(records, set(clients[ID]))


def test_some_clients_have_none_of_a_table(records, clients):
    everyone = set(clients[ID])
    for name, spec in TABLES.items():
        if spec.has_client:
            with_rows = set(records[name][ID])
            assert 0 < len(with_rows) < len(everyone), name
    # Records cover the history and the applicants alike.
    test_ids = set(clients[ID].iloc[ROWS:])
    assert set(records["bureau"][ID]) & test_ids


def test_batch_records_and_manifest(written):
    entries = json.loads((written / "batches" / MANIFEST_FILE).read_text())["batches"]
    assert len(entries) == BATCHES
    history_bureau = set(pd.read_parquet(written / RECORDS_DIR / "bureau.parquet")["SK_ID_BUREAU"])
    for entry in entries:
        folder = written / "batches" / entry["credit_records"]
        assert entry["credit_records"] == f"{RECORDS_DIR}/{entry['as_of'][:7]}"
        batch_ids = set(pd.read_parquet(written / "batches" / entry["file"])[ID])
        frames = {name: pd.read_parquet(folder / spec.file) for name, spec in TABLES.items()}
        _check_frames(frames, batch_ids)
        assert not set(frames["bureau"]["SK_ID_BUREAU"]) & history_bureau


def test_deterministic_and_matches_written(records):
    data = generate(ROWS, APPLICANTS, seed=SEED, n_batches=BATCHES, batch_rows=BATCH_ROWS)
    first = generate_records(data, seed=SEED)
    again = generate_records(data, seed=SEED)
    for name in TABLES:
        pd.testing.assert_frame_equal(first["records"][name], again["records"][name])
        pd.testing.assert_frame_equal(first["records"][name], records[name])
    other = generate_records(data, seed=SEED + 1)
    assert not other["records"]["bureau"].equals(first["records"]["bureau"])


def test_application_tables_unchanged_by_records(tmp_path, written):
    write_dataset(tmp_path, ROWS, APPLICANTS, seed=SEED, n_batches=BATCHES,
                  batch_rows=BATCH_ROWS, credit_records=False)
    for name in ("application_train.parquet", "application_test.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / name),
                                      pd.read_parquet(written / name))
    assert not (tmp_path / RECORDS_DIR).exists()
    entries = json.loads((tmp_path / "batches" / MANIFEST_FILE).read_text())["batches"]
    assert all("credit_records" not in e for e in entries)


def test_stale_batch_records_removed(tmp_path):
    write_dataset(tmp_path, 500, 200, seed=3, n_batches=2, batch_rows=100)
    assert len(list((tmp_path / "batches" / RECORDS_DIR).iterdir())) == 2
    write_dataset(tmp_path, 500, 200, seed=3, n_batches=1, batch_rows=100)
    assert [p.name for p in (tmp_path / "batches" / RECORDS_DIR).iterdir()] == ["2026-12"]
    assert not list(tmp_path.rglob("*.tmp"))


def test_late_bureau_months_signal_default(records, clients):
    """Clients with more late months at other lenders default more often (a weak, real signal).

    The statistic pools late months over all clients with months (about 1,000 of the 3,000), and
    the threshold sits far below the expected AUC (about 0.55-0.6), so the test is not flaky."""
    bureau, balance = records["bureau"], records["bureau_balance"]
    months = balance.merge(bureau[[ID, "SK_ID_BUREAU"]], on="SK_ID_BUREAU")
    late = months["STATUS"].isin(list("12345")).groupby(months[ID]).mean()
    train = clients.iloc[:ROWS].set_index(ID)
    y = train.loc[train.index.intersection(late.index), schema.TARGET_COLUMN]
    assert y.sum() >= 30
    assert roc_auc_score(y.to_numpy(), late.loc[y.index].to_numpy()) > 0.5
