"""Loading client tables from files: the happy paths and one clear message per bad input."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import pandas as pd
import pytest

from credit_dashboard.config import APPLICANTS_TABLE, TRAIN_TABLE
from credit_dashboard.storage import schema
from credit_dashboard.storage.loading import DataValidationError, ingest, read_table
from home_credit_synth.generator import generate


def _load_script(name: str):
    """The scripts folder is not a package: load the script module from its file."""
    path = Path(__file__).resolve().parents[2] / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"script_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


import_main = _load_script("import_kaggle").main


@pytest.fixture(scope="module")
def tables():
    data = generate(n_train=400, n_test=150, seed=3)
    return data.train, data.test


@pytest.fixture
def train_csv(tables, tmp_path) -> Path:
    path = tmp_path / "application_train.csv"
    tables[0].to_csv(path, index=False)
    return path


@pytest.fixture
def applicants_csv(tables, tmp_path) -> Path:
    path = tmp_path / "application_test.csv"
    tables[1].to_csv(path, index=False)
    return path


def _csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path


def test_csv_round_trip_keeps_schema_and_values(tables, train_csv):
    loaded = read_table(train_csv, "train")
    pd.testing.assert_frame_equal(loaded, tables[0], check_exact=False, rtol=1e-9)


def test_gzip_and_parquet_read_the_same(tables, tmp_path):
    gz = tmp_path / "application_test.csv.gz"
    tables[1].to_csv(gz, index=False, compression="gzip")
    parquet = tmp_path / "applicants.parquet"
    tables[1].to_parquet(parquet, index=False)
    from_gz = read_table(gz, "applicants")
    from_parquet = read_table(parquet, "applicants")
    pd.testing.assert_frame_equal(from_gz, from_parquet, check_exact=False, rtol=1e-9)
    assert list(from_gz.columns) == list(schema.TEST_COLUMNS)


def test_extra_columns_dropped_with_a_warning(tables, tmp_path, caplog):
    frame = tables[1].assign(SOMETHING_ELSE=1)
    with caplog.at_level(logging.WARNING):
        loaded = read_table(_csv(frame, tmp_path / "a.csv"), "applicants")
    assert "SOMETHING_ELSE" not in loaded.columns
    assert "SOMETHING_ELSE" in caplog.text


def test_applicants_with_target_are_accepted_without_it(tables, tmp_path):
    loaded = read_table(_csv(tables[0], tmp_path / "a.csv"), "applicants")
    assert "TARGET" not in loaded.columns


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.csv"
    with pytest.raises(DataValidationError, match="nowhere.csv: file not found"):
        read_table(path, "train")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(DataValidationError, match="empty.csv: file is empty"):
        read_table(path, "train")


def test_header_only_file(tables, tmp_path):
    path = _csv(tables[0].iloc[:0], tmp_path / "header.csv")
    with pytest.raises(DataValidationError, match="header.csv: the table has no rows"):
        read_table(path, "train")


def test_unsupported_type(tmp_path):
    path = tmp_path / "table.xlsx"
    path.write_text("x")
    with pytest.raises(DataValidationError, match="unsupported file type"):
        read_table(path, "train")


def test_missing_columns_are_listed(tables, tmp_path):
    frame = tables[0].drop(columns=["AMT_CREDIT", "EXT_SOURCE_3"])
    with pytest.raises(DataValidationError) as info:
        read_table(_csv(frame, tmp_path / "cut.csv"), "train")
    message = str(info.value)
    assert "cut.csv" in message and "missing 2 required column(s)" in message
    assert "AMT_CREDIT" in message and "EXT_SOURCE_3" in message


def test_train_needs_target(tables, applicants_csv):
    with pytest.raises(DataValidationError, match="TARGET"):
        read_table(applicants_csv, "train")


def test_non_numeric_amount_names_column_value_and_row(tables, tmp_path):
    frame = tables[0].copy()
    frame["AMT_CREDIT"] = frame["AMT_CREDIT"].astype(object)
    frame.loc[5, "AMT_CREDIT"] = "12k"
    with pytest.raises(DataValidationError) as info:
        read_table(_csv(frame, tmp_path / "bad.csv"), "train")
    message = str(info.value)
    assert "bad.csv" in message and "AMT_CREDIT" in message and "'12k'" in message
    assert "row 6 (line 7)" in message


def test_duplicated_ids_are_named(tables, tmp_path):
    frame = tables[0].copy()
    frame.loc[10, "SK_ID_CURR"] = frame.loc[3, "SK_ID_CURR"]
    duplicated = int(frame.loc[3, "SK_ID_CURR"])
    with pytest.raises(DataValidationError) as info:
        read_table(_csv(frame, tmp_path / "dup.csv"), "train")
    message = str(info.value)
    assert "dup.csv" in message and "must be unique" in message and str(duplicated) in message


def test_bad_target(tables, tmp_path):
    frame = tables[0].copy()
    frame.loc[7, "TARGET"] = 2
    with pytest.raises(DataValidationError, match=r"TARGET must be 0 or 1, found 2 at row 8"):
        read_table(_csv(frame, tmp_path / "target.csv"), "train")


def test_missing_value_in_a_complete_column(tables, tmp_path):
    frame = tables[0].copy()
    frame["DAYS_BIRTH"] = frame["DAYS_BIRTH"].astype(float)
    frame.loc[2, "DAYS_BIRTH"] = None
    with pytest.raises(DataValidationError, match="DAYS_BIRTH must be complete, value missing"):
        read_table(_csv(frame, tmp_path / "gap.csv"), "train")


def test_truncated_parquet(tables, tmp_path):
    path = tmp_path / "cut.parquet"
    tables[1].to_parquet(path, index=False)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(DataValidationError, match="cut.parquet: unreadable Parquet file"):
        read_table(path, "applicants")


def test_truncated_gzip(tables, tmp_path):
    path = tmp_path / "cut.csv.gz"
    tables[1].to_csv(path, index=False, compression="gzip")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(DataValidationError, match="cut.csv.gz: unreadable"):
        read_table(path, "applicants")


def test_malformed_csv(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text('SK_ID_CURR,TARGET\n1,"0\n')  # unterminated quote
    with pytest.raises(DataValidationError, match="broken.csv"):
        read_table(path, "train")


def test_ingest_writes_both_tables(train_csv, applicants_csv, tmp_path):
    out = tmp_path / "out"
    paths = ingest(train_csv, applicants_csv, out)
    assert paths == {"train": out / TRAIN_TABLE, "applicants": out / APPLICANTS_TABLE}
    assert list(pd.read_parquet(paths["applicants"]).columns) == list(schema.TEST_COLUMNS)
    assert pd.read_parquet(paths["train"])["TARGET"].isin([0, 1]).all()


def test_ingest_error_writes_nothing_and_keeps_existing_files(tables, train_csv, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    existing = out / TRAIN_TABLE
    existing.write_bytes(b"previous table")
    frame = tables[1].copy()
    frame.loc[0, "SK_ID_CURR"] = frame.loc[1, "SK_ID_CURR"]
    bad_applicants = _csv(frame, tmp_path / "bad_applicants.csv")
    with pytest.raises(DataValidationError, match="bad_applicants.csv"):
        ingest(train_csv, bad_applicants, out)
    assert existing.read_bytes() == b"previous table"
    assert sorted(p.name for p in out.iterdir()) == [TRAIN_TABLE]


def test_ingest_rejects_applicants_already_in_history(tables, train_csv, tmp_path):
    frame = tables[1].copy()
    frame.loc[0, "SK_ID_CURR"] = tables[0].loc[0, "SK_ID_CURR"]
    with pytest.raises(DataValidationError, match="also appear in the history"):
        ingest(train_csv, _csv(frame, tmp_path / "overlap.csv"), tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_import_script_prints_one_message_and_exits_1(tmp_path, capsys):
    code = import_main(["--applicants", str(tmp_path / "missing.csv"), "--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 1
    assert "missing.csv: file not found" in captured.err
    assert "Traceback" not in captured.err


def test_import_script_loads_a_valid_file(applicants_csv, tmp_path, capsys):
    code = import_main(["--applicants", str(applicants_csv), "--out", str(tmp_path / "out")])
    assert code == 0
    assert "150 rows x 121 columns" in capsys.readouterr().out
