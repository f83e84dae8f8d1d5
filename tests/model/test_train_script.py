"""scripts/train.py on bad input: exit code 1, one clear message, no traceback, nothing touched."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from credit_dashboard.config import MODEL_CARD_FILE, MODEL_FILE

ROOT = Path(__file__).resolve().parents[2]


def _load_script():
    spec = importlib.util.spec_from_file_location("script_train", ROOT / "scripts" / "train.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


train_main = _load_script().main


@pytest.fixture
def existing_artifact(tmp_path) -> Path:
    """An output folder that already holds an artifact which must survive a failed run."""
    out = tmp_path / "artifacts"
    out.mkdir()
    (out / MODEL_FILE).write_bytes(b"previous model")
    (out / MODEL_CARD_FILE).write_text('{"artifact_sha256": "previous"}', encoding="utf-8")
    return out


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def _run(capsys, train: Path, applicants: Path, out: Path) -> tuple[int, str]:
    code = train_main(["--train", str(train), "--applicants", str(applicants), "--out", str(out),
                       "--quick", "--folds", "3"])
    return code, capsys.readouterr().err


def _variant(history: pd.DataFrame, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    history.to_parquet(path, index=False)
    return path


@pytest.fixture(scope="module")
def tables(small_data_dir) -> tuple[pd.DataFrame, Path]:
    from credit_dashboard.config import APPLICANTS_TABLE, TRAIN_TABLE

    return pd.read_parquet(small_data_dir / TRAIN_TABLE), small_data_dir / APPLICANTS_TABLE


def test_missing_target(tables, tmp_path, existing_artifact, capsys):
    history, applicants = tables
    train = _variant(history.drop(columns=["TARGET"]), tmp_path, "no_target.parquet")
    before = _snapshot(existing_artifact)
    code, err = _run(capsys, train, applicants, existing_artifact)
    assert code == 1
    assert "TARGET" in err and "no_target.parquet" in err and "Traceback" not in err
    assert _snapshot(existing_artifact) == before


def test_wrong_schema(tables, tmp_path, existing_artifact, capsys):
    history, applicants = tables
    train = _variant(history.drop(columns=["AMT_CREDIT", "EXT_SOURCE_3"]), tmp_path, "cut.parquet")
    before = _snapshot(existing_artifact)
    code, err = _run(capsys, train, applicants, existing_artifact)
    assert code == 1
    assert "AMT_CREDIT" in err and "cut.parquet" in err and "Traceback" not in err
    assert _snapshot(existing_artifact) == before


def test_single_class(tables, tmp_path, existing_artifact, capsys):
    history, applicants = tables
    train = _variant(history.assign(TARGET=0), tmp_path, "all_repaid.parquet")
    before = _snapshot(existing_artifact)
    code, err = _run(capsys, train, applicants, existing_artifact)
    assert code == 1
    assert "single class" in err and "all_repaid.parquet" in err
    assert _snapshot(existing_artifact) == before


def test_too_few_defaults_for_the_folds(tables, tmp_path, existing_artifact, capsys):
    history, applicants = tables
    few = pd.Series(0, index=history.index)
    few.iloc[:5] = 1  # five defaulters cannot fill 3 folds and a held-out split
    train = _variant(history.assign(TARGET=few), tmp_path, "rare.parquet")
    code, err = _run(capsys, train, applicants, existing_artifact)
    assert code == 1
    assert "only 5 rows of class 1" in err and "rare.parquet" in err


def test_unwritable_output_dir(tables, tmp_path, capsys):
    history, applicants = tables
    train = _variant(history, tmp_path, "ok.parquet")
    blocker = tmp_path / "a-file"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    code, err = _run(capsys, train, applicants, blocker / "artifacts")
    assert code == 1
    assert "not writable" in err and "--out" in err and "Traceback" not in err


def test_missing_input_file_in_a_real_process(tmp_path, existing_artifact):
    """The real command line: exit status 1 and a one-line message on stderr, no traceback."""
    before = _snapshot(existing_artifact)
    completed = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train.py"), "--train", str(tmp_path / "nope.csv"),
         "--applicants", str(tmp_path / "nope2.csv"), "--out", str(existing_artifact)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert completed.returncode == 1
    assert "nope.csv" in completed.stderr and "Traceback" not in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1
    assert _snapshot(existing_artifact) == before
