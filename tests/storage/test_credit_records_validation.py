"""Credit records at the door: good files in any format pass with the schema's exact dtypes; every
bad input stops with one line naming the file and the problem, and the importer then writes
nothing (the data folder's bytes are unchanged)."""

from __future__ import annotations

import gzip
import importlib.util
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from record_frames import record_table

from credit_dashboard.config import APPLICANTS_TABLE, TRAIN_TABLE
from credit_dashboard.storage import schema as app_schema
from credit_dashboard.storage.credit_records.schema import RECORDS_DIR, TABLES
from credit_dashboard.storage.credit_records.store import CreditRecordStore
from credit_dashboard.storage.credit_records.validation import (
    find_record_files,
    read_records_dir,
    validate_tables,
)
from credit_dashboard.storage.loading import DataValidationError

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = np.array([100, 101, 102], dtype=np.int64)




def good_records() -> dict[str, pd.DataFrame]:
    """Three clients: bureau credits 1-3 (months for 1 and 2), loans 10 and 11 in
    previous_application, and POS rows of loan 12, which previous_application does not have
    (Kaggle has such rows: they must be kept)."""
    return {
        "bureau": record_table("bureau", 3, SK_ID_CURR=[100, 100, 101], SK_ID_BUREAU=[1, 2, 3]),
        "bureau_balance": record_table("bureau_balance", 3, SK_ID_BUREAU=[1, 1, 2],
                                 MONTHS_BALANCE=[0, -1, 0], STATUS=["0", "C", "X"]),
        "previous_application": record_table("previous_application", 2, SK_ID_PREV=[10, 11],
                                       SK_ID_CURR=[100, 101]),
        "POS_CASH_balance": record_table("POS_CASH_balance", 3, SK_ID_PREV=[10, 10, 12],
                                   SK_ID_CURR=[100, 100, 102]),
        "installments_payments": record_table("installments_payments", 2, SK_ID_PREV=[11, 11],
                                        SK_ID_CURR=[101, 101]),
        "credit_card_balance": record_table("credit_card_balance", 1, SK_ID_PREV=[10],
                                      SK_ID_CURR=[100]),
    }


def write_dir(directory: Path, frames: dict[str, pd.DataFrame], suffix: str = ".csv") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        path = directory / f"{name}{suffix}"
        if suffix == ".parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)  # .csv.gz: pandas compresses from the suffix
    return directory


def _refusal(call: Callable[[], object]) -> str:
    with pytest.raises(DataValidationError) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message
    return message


# ------------------------------------------------------------------------------ good input


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".parquet"])
def test_good_folder_gives_the_schema_exactly(tmp_path: Path, suffix: str) -> None:
    frames = good_records()
    write_dir(tmp_path / "in", frames, suffix)
    (tmp_path / "in" / "application_train.csv").write_text("ignored\n")
    (tmp_path / "in" / "HomeCredit_columns_description.csv").write_text("ignored\n")
    out = read_records_dir(tmp_path / "in", CLIENTS)
    assert list(out) == list(TABLES)
    for name, frame in out.items():
        spec = TABLES[name]
        assert list(frame.columns) == list(spec.columns)
        assert {c: str(t) for c, t in frame.dtypes.items()} == spec.columns
        pd.testing.assert_frame_equal(frame, frames[name], check_dtype=True)
    # Balance rows of loan 12, absent from previous_application, are kept.
    assert 12 in out["POS_CASH_balance"]["SK_ID_PREV"].tolist()


def test_any_subset_mixed_formats_and_extra_columns(tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    frames = good_records()
    folder = tmp_path / "in"
    folder.mkdir()
    frames["bureau"].to_csv(folder / "bureau.csv.gz", index=False)
    frames["bureau_balance"].to_parquet(folder / "bureau_balance.parquet", index=False)
    frames["POS_CASH_balance"].assign(NOTE="x").to_csv(folder / "POS_CASH_balance.csv",
                                                       index=False)
    with caplog.at_level(logging.WARNING):
        out = read_records_dir(folder, CLIENTS)
    assert list(out) == ["bureau", "bureau_balance", "POS_CASH_balance"]
    assert "NOTE" not in out["POS_CASH_balance"].columns
    assert "ignoring 1 column(s)" in caplog.text and "NOTE" in caplog.text


def test_frames_from_json_are_validated_the_same() -> None:
    """The API's path: object columns (numbers as JSON gives them), one source name."""
    frames = {name: frame.astype(object) for name, frame in good_records().items()}
    out = validate_tables(frames, set(CLIENTS.tolist()), "request body")
    for name, frame in good_records().items():
        pd.testing.assert_frame_equal(out[name], frame)
    frames["bureau"].loc[1, "AMT_CREDIT_SUM"] = "lots"
    message = _refusal(lambda: validate_tables(frames, CLIENTS, "request body"))
    assert message.startswith("request body (bureau): column AMT_CREDIT_SUM must be numeric")
    assert "'lots' at row 2" in message
    message = _refusal(lambda: validate_tables({"loans": frames["bureau"]}, CLIENTS, "body"))
    assert message.startswith("body: unknown credit-record table(s) loans")


def test_bureau_balance_may_refer_to_stored_bureau_credits(tmp_path: Path) -> None:
    frames = good_records()
    write_dir(tmp_path / "in", {"bureau_balance": frames["bureau_balance"]})
    message = _refusal(lambda: read_records_dir(tmp_path / "in", CLIENTS))
    assert "bureau_balance given without bureau" in message
    out = read_records_dir(tmp_path / "in", CLIENTS, existing_bureau_ids=np.array([1, 2]))
    assert len(out["bureau_balance"]) == 3
    message = _refusal(lambda: read_records_dir(tmp_path / "in", CLIENTS,
                                                existing_bureau_ids=np.array([1])))
    assert "SK_ID_BUREAU 2 at row 3 (line 4) is not a credit of the bureau table" in message


# ------------------------------------------------------------------------------- bad input


def _mutated(name: str, change: Callable[[pd.DataFrame], pd.DataFrame]
             ) -> dict[str, pd.DataFrame]:
    frames = good_records()
    frames[name] = change(frames[name].copy())
    return frames


def _set(column: str, row: int, value: object) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = value
        return frame
    return change


#: name -> (table, change, words the one-line message must hold)
BAD_TABLES: dict[str, tuple[str, Callable[[pd.DataFrame], pd.DataFrame], list[str]]] = {
    "missing column": ("bureau", lambda f: f.drop(columns=["AMT_CREDIT_SUM", "CREDIT_TYPE"]),
                       ["missing 2 required column(s) for the bureau table",
                        "AMT_CREDIT_SUM, CREDIT_TYPE"]),
    "text in a number column": ("previous_application", _set("AMT_CREDIT", 1, "lots"),
                                ["column AMT_CREDIT must be numeric", "'lots' at row 2 (line 3)"]),
    "fraction in an integer column": ("bureau", _set("DAYS_CREDIT", 2, 1.5),
                                      ["column DAYS_CREDIT must hold whole numbers", "row 3"]),
    "missing key": ("bureau", _set("SK_ID_BUREAU", 1, np.nan),
                    ["column SK_ID_BUREAU must be complete", "row 2 (line 3)"]),
    "missing client": ("installments_payments", _set("SK_ID_CURR", 0, np.nan),
                       ["column SK_ID_CURR must be complete", "row 1 (line 2)"]),
    "duplicated SK_ID_BUREAU": ("bureau", _set("SK_ID_BUREAU", 2, 1),
                                ["SK_ID_BUREAU must be unique", "SK_ID_BUREAU 1 appears at row 1 "
                                 "(line 2) and row 3 (line 4)"]),
    "duplicated SK_ID_PREV": ("previous_application", _set("SK_ID_PREV", 1, 10),
                              ["SK_ID_PREV must be unique", "SK_ID_PREV 10"]),
    "duplicated bureau month": ("bureau_balance", _set("MONTHS_BALANCE", 1, 0),
                                ["SK_ID_BUREAU + MONTHS_BALANCE must be unique",
                                 "SK_ID_BUREAU 1, MONTHS_BALANCE 0 appears at row 1 (line 2) "
                                 "and row 2 (line 3)"]),
    "unknown client": ("credit_card_balance", _set("SK_ID_CURR", 0, 999),
                       ["SK_ID_CURR 999 at row 1 (line 2) is not a client of the history or the "
                        "applicants"]),
    "loan under two clients in one table": (
        "POS_CASH_balance", _set("SK_ID_CURR", 1, 101),
        ["SK_ID_PREV 10 belongs to two clients, SK_ID_CURR 100 at row 1 (line 2) and 101 at "
         "row 2 (line 3)"]),
    "loan under two clients across tables": (
        "installments_payments", lambda f: f.assign(SK_ID_CURR=np.int64(102)),
        ["installments_payments.csv: SK_ID_PREV 11 at row 1 (line 2) belongs to SK_ID_CURR 102, "
         "but to 101 in", "previous_application.csv"]),
    "bureau month of an unknown credit": (
        "bureau_balance", _set("SK_ID_BUREAU", 2, 77),
        ["bureau_balance.csv: SK_ID_BUREAU 77 at row 3 (line 4) is not a credit of the bureau "
         "table"]),
}


@pytest.mark.parametrize("case", list(BAD_TABLES))
def test_every_bad_table_is_refused_with_one_line(tmp_path: Path, case: str) -> None:
    table, change, words = BAD_TABLES[case]
    folder = write_dir(tmp_path / "in", _mutated(table, change))
    message = _refusal(lambda: read_records_dir(folder, CLIENTS))
    assert message.startswith(str(folder / f"{table}.csv") + ": "), message
    for word in words:
        assert word in message, message


def test_bad_values_in_parquet_are_named_too(tmp_path: Path) -> None:
    frames = _mutated("bureau", _set("AMT_ANNUITY", 2, "n/a!"))
    frames["bureau"]["AMT_ANNUITY"] = frames["bureau"]["AMT_ANNUITY"].astype(str)
    folder = write_dir(tmp_path / "in", frames, ".parquet")
    message = _refusal(lambda: read_records_dir(folder, CLIENTS))
    assert message.startswith(f"{folder / 'bureau.parquet'}: column AMT_ANNUITY must be numeric")
    assert "'n/a!' at row 3" in message and "line" not in message


def test_bad_files_and_folders(tmp_path: Path) -> None:
    good = write_dir(tmp_path / "good", good_records())
    cases: dict[str, tuple[Path, str]] = {}
    two = write_dir(tmp_path / "two", good_records())
    good_records()["bureau"].to_parquet(two / "bureau.parquet", index=False)
    cases["two files for one table"] = (two, "2 files for the table bureau (bureau.csv, "
                                        "bureau.parquet): keep only one")
    case = write_dir(tmp_path / "case", {"bureau": good_records()["bureau"]})
    (case / "pos_cash_balance.csv").write_bytes((good / "POS_CASH_balance.csv").read_bytes())
    cases["wrong case"] = (case, "pos_cash_balance.csv: looks like the credit-record table "
                           "POS_CASH_balance but the name's case differs")
    empty = tmp_path / "nothing"
    empty.mkdir()
    (empty / "notes.txt").write_text("hello")
    cases["no table"] = (empty, "no credit-record table found")
    cases["no folder"] = (tmp_path / "absent", "folder not found")
    truncated = write_dir(tmp_path / "truncated", {"bureau": good_records()["bureau"]})
    (truncated / "bureau.csv").unlink()
    (truncated / "bureau.csv.gz").write_bytes(
        gzip.compress((good / "bureau.csv").read_bytes() * 50)[:300])
    cases["truncated gzip"] = (truncated, "bureau.csv.gz: unreadable")
    zero = tmp_path / "zero"
    zero.mkdir()
    (zero / "bureau.csv").write_bytes(b"")
    cases["empty file"] = (zero, "bureau.csv: file is empty")
    ragged = write_dir(tmp_path / "ragged", {"bureau": good_records()["bureau"]})
    with open(ragged / "bureau.csv", "a") as handle:
        handle.write("1,2,3\n")
    cases["malformed CSV"] = (ragged, "bureau.csv: malformed CSV")
    for name, (folder, words) in cases.items():
        message = _refusal(lambda folder=folder: read_records_dir(folder, CLIENTS))
        assert words in message, (name, message)
    assert set(find_record_files(good)) == set(TABLES)


# ------------------------------------------------------------------------------ the importer


def _import_main() -> Callable[[list[str]], int]:
    spec = importlib.util.spec_from_file_location("import_kaggle_script",
                                                  ROOT / "scripts" / "import_kaggle.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def _applications(folder: Path) -> tuple[Path, Path]:
    """Tiny train / applicant files in Kaggle's schema: clients 100 (history) and 101, 102."""
    folder.mkdir(parents=True, exist_ok=True)
    train = pd.DataFrame({c: [0, 0] if c != "TARGET" else [0, 1]
                          for c in app_schema.TRAIN_COLUMNS})
    train[app_schema.ID_COLUMN] = [100, 103]
    test = pd.DataFrame({c: [0, 0] for c in app_schema.TEST_COLUMNS})
    test[app_schema.ID_COLUMN] = [101, 102]
    for column in app_schema.CATEGORY_LEVELS:
        for frame in (train, test):
            if column in frame.columns:
                frame[column] = "XNA"
    train.to_csv(folder / "application_train.csv", index=False)
    test.to_csv(folder / "application_test.csv", index=False)
    return folder / "application_train.csv", folder / "application_test.csv"


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_import_writes_the_store_and_refuses_bad_records_writing_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main = _import_main()
    train, test = _applications(tmp_path / "kaggle")
    records = write_dir(tmp_path / "kaggle" / "records", good_records())
    out = tmp_path / "data"
    assert main(["--train", str(train), "--applicants", str(test),
                 "--credit-records", str(records), "--out", str(out)]) == 0
    store = CreditRecordStore(out / RECORDS_DIR)
    assert store.tables() == tuple(TABLES)
    assert store.client_ids().tolist() == [100, 101, 102]
    assert len(store.client_records(102)["POS_CASH_balance"]) == 1  # loan 12, kept
    assert (out / TRAIN_TABLE).is_file() and (out / APPLICANTS_TABLE).is_file()
    before = _tree(out)
    capsys.readouterr()

    # Records of a client in neither table: one line, exit 1, nothing written (the new
    # application tables given with them are not written either).
    bad = write_dir(tmp_path / "bad", _mutated("bureau", _set("SK_ID_CURR", 0, 555)))
    other_train = tmp_path / "other_train.csv"
    pd.read_csv(train).assign(AMT_CREDIT=1.0).to_csv(other_train, index=False)
    assert main(["--train", str(other_train), "--credit-records", str(bad),
                 "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith(f"error: {bad / 'bureau.csv'}: SK_ID_CURR 555")
    assert _tree(out) == before

    # A bad application file stops the records too.
    broken = tmp_path / "broken.csv"
    pd.read_csv(test).drop(columns=["AMT_CREDIT"]).to_csv(broken, index=False)
    assert main(["--applicants", str(broken), "--credit-records", str(records),
                 "--out", str(out)]) == 1
    assert "AMT_CREDIT" in capsys.readouterr().err
    assert _tree(out) == before

    # A subset replaces those tables only; its clients are the stored tables' clients.
    subset = write_dir(tmp_path / "subset", {
        "credit_card_balance": record_table("credit_card_balance", 2, SK_ID_PREV=[10, 10],
                                      SK_ID_CURR=[100, 100])})
    assert main(["--credit-records", str(subset), "--out", str(out)]) == 0
    assert len(store.client_records(100)["credit_card_balance"]) == 2
    assert len(store.client_records(101)["installments_payments"]) == 2  # kept

    # A loan already stored under another client is refused.
    stolen = write_dir(tmp_path / "stolen", {
        "credit_card_balance": record_table("credit_card_balance", 1, SK_ID_PREV=[11],
                                      SK_ID_CURR=[100])})
    before = _tree(out)
    assert main(["--credit-records", str(stolen), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "SK_ID_PREV 11 at row 1 (line 2) belongs to SK_ID_CURR 100, but to 101 in the stored" \
        in err
    assert _tree(out) == before

    # bureau alone must not orphan the stored months; bureau_balance alone checks the stored
    # bureau.
    lone = write_dir(tmp_path / "lone", {"bureau": record_table("bureau", 1, SK_ID_CURR=[100],
                                                          SK_ID_BUREAU=[1])})
    assert main(["--credit-records", str(lone), "--out", str(out)]) == 1
    assert "import bureau_balance with it" in capsys.readouterr().err
    months = write_dir(tmp_path / "months", {"bureau_balance": record_table(
        "bureau_balance", 2, SK_ID_BUREAU=[3, 9], MONTHS_BALANCE=[0, 0], STATUS=["0", "0"])})
    assert main(["--credit-records", str(months), "--out", str(out)]) == 1
    assert "SK_ID_BUREAU 9 at row 2 (line 3) is not a credit" in capsys.readouterr().err
    assert _tree(out) == before
