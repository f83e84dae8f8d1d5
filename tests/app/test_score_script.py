"""scripts/score.py: a file scored offline with the active model, the batch CSV's columns and
reasons (only for refusals), with or without credit records; bad input is one line on stderr,
exit code 1, and nothing written."""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import io
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from credit_dashboard.config import APPLICANTS_TABLE
from credit_dashboard.model.artifact import load_model
from credit_dashboard.model.record_features import PREFIX
from credit_dashboard.services import ingest as ingest_module
from credit_dashboard.storage.credit_records.schema import TABLES
from credit_dashboard.storage.schema import ID_COLUMN

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "score.py"
COLUMNS = [ID_COLUMN, "default_probability", "decision", "reason_1", "reason_2", "reason_3",
           "reason_4"]


@pytest.fixture(scope="module")
def score_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("score_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def applicants_file(small_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    frame = pd.read_parquet(small_data_dir / APPLICANTS_TABLE).head(150)
    path = tmp_path_factory.mktemp("score") / "applicants.csv"
    frame.to_csv(path, index=False)
    return path


def _records(ids: list[int]) -> dict[str, pd.DataFrame]:
    """A bureau credit with two months for the first client, a POS loan for the second."""
    def table(name: str, n: int, **given: list) -> pd.DataFrame:
        spec = TABLES[name]
        columns = {c: (np.zeros(n, dtype=np.int64) if d == "int64" else np.full(n, 1.5)
                       if d == "float64" else np.array(["Active"] * n, dtype=object))
                   for c, d in spec.columns.items()}
        columns.update({c: np.asarray(v, dtype=spec.columns[c]) for c, v in given.items()})
        return pd.DataFrame(columns, columns=list(spec.columns))

    return {
        "bureau": table("bureau", 1, SK_ID_CURR=[ids[0]], SK_ID_BUREAU=[1]),
        "bureau_balance": table("bureau_balance", 2, SK_ID_BUREAU=[1, 1],
                                MONTHS_BALANCE=[0, -1], STATUS=["0", "1"]),
        "POS_CASH_balance": table("POS_CASH_balance", 1, SK_ID_PREV=[5], SK_ID_CURR=[ids[1]]),
    }


def _write_records(folder: Path, frames: dict[str, pd.DataFrame]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def _run(module: ModuleType, *args: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = module.main(list(args))
    return code, err.getvalue()


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, dtype={c: str for c in COLUMNS[3:]})


def test_scores_with_reasons_for_refusals_only(
        score_script: ModuleType, applicants_file: Path, small_artifacts_dir: Path,
        tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    code, err = _run(score_script, "--applicants", str(applicants_file), "--artifacts",
                     str(small_artifacts_dir), "--data-dir", str(tmp_path / "data"),
                     "--out", str(out))
    assert code == 0, err
    with open(out, newline="", encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == COLUMNS
    scores = _read(out)
    applicants = pd.read_csv(applicants_file)
    assert scores[ID_COLUMN].tolist() == applicants[ID_COLUMN].tolist()
    model = load_model(small_artifacts_dir).model
    expected = model.default_probability(applicants)
    assert np.allclose(scores["default_probability"], expected, atol=1e-6)
    refused = scores["decision"].eq("refuse")
    assert set(scores["decision"]) == {"grant", "refuse"}
    assert (refused == (expected >= model.decision_threshold)).all()
    assert scores.loc[refused, "reason_1"].str.contains("points").all()
    assert scores.loc[~refused, COLUMNS[3:]].eq("").all().all()
    assert not list(tmp_path.glob(".scores.csv.*"))  # no temporary file left

    french = tmp_path / "scores_fr.csv"
    assert _run(score_script, "--applicants", str(applicants_file), "--artifacts",
                str(small_artifacts_dir), "--out", str(french), "--language", "fr")[0] == 0
    in_french = _read(french)
    assert in_french["default_probability"].equals(scores["default_probability"])
    assert (in_french.loc[refused, "reason_1"] != scores.loc[refused, "reason_1"]).all()


def test_records_are_validated_and_joined_when_the_model_uses_them(
        score_script: ModuleType, applicants_file: Path, small_artifacts_dir: Path,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = pd.read_csv(applicants_file)[ID_COLUMN].tolist()
    records = _write_records(tmp_path / "records", _records(ids))
    plain, joined = tmp_path / "plain.csv", tmp_path / "joined.csv"
    common = ["--applicants", str(applicants_file), "--artifacts", str(small_artifacts_dir)]
    assert _run(score_script, *common, "--out", str(plain))[0] == 0
    # The session's model has no record features: the records change nothing...
    code, err = _run(score_script, *common, "--credit-records", str(records), "--out",
                     str(joined))
    assert code == 0, err
    assert joined.read_bytes() == plain.read_bytes()
    # ... and a model that has them is given them (clients without records: no-records values).
    seen: list[pd.DataFrame] = []
    real = score_script.score_batch

    def spy(model: object, frame: pd.DataFrame, version: str):
        seen.append(frame)
        return real(model, frame, version)

    monkeypatch.setattr(ingest_module, "uses_records", lambda model: True)
    monkeypatch.setattr(score_script, "score_batch", spy)
    assert _run(score_script, *common, "--credit-records", str(records), "--out",
                str(tmp_path / "with.csv"))[0] == 0
    [frame] = seen
    features = frame.set_index(ID_COLUMN)[[c for c in frame.columns if c.startswith(PREFIX)]]
    assert (features.loc[ids[:2]].fillna(0) != 0).any(axis=1).all()
    assert (features.loc[ids[2:]].nunique(dropna=False) <= 1).all()


def test_bad_input_is_one_line_exit_1_and_nothing_written(
        score_script: ModuleType, applicants_file: Path, small_artifacts_dir: Path,
        tmp_path: Path) -> None:
    ids = pd.read_csv(applicants_file)[ID_COLUMN].tolist()
    broken = tmp_path / "broken.csv"
    pd.read_csv(applicants_file).drop(columns=["AMT_CREDIT"]).to_csv(broken, index=False)
    stranger = _records(ids)
    stranger["bureau"]["SK_ID_CURR"] = 1
    strangers = _write_records(tmp_path / "strangers", stranger)
    out = tmp_path / "out.csv"
    out.write_text("previous\n")
    cases = {
        "missing column": (["--applicants", str(broken)], "missing 1 required column"),
        "unknown file": (["--applicants", str(tmp_path / "absent.csv")], "file not found"),
        "records of a stranger": (["--applicants", str(applicants_file), "--credit-records",
                                   str(strangers)],
                                  "bureau.csv: SK_ID_CURR 1 at row 1 (line 2) is not a client"),
        "no records folder": (["--applicants", str(applicants_file), "--credit-records",
                               str(tmp_path / "none")], "folder not found"),
        "no model": (["--applicants", str(applicants_file), "--artifacts",
                      str(tmp_path / "no_model")], "train the model first"),
    }
    for case, (args, words) in cases.items():
        if "--artifacts" not in args:
            args = [*args, "--artifacts", str(small_artifacts_dir)]
        code, err = _run(score_script, *args, "--out", str(out))
        lines = [line for line in err.splitlines() if line.startswith("error:")]
        assert code == 1, case
        assert len(lines) == 1 and words in lines[0], (case, err)
        assert out.read_text() == "previous\n", case
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == [], case


def test_the_command_line(applicants_file: Path, small_artifacts_dir: Path,
                          tmp_path: Path) -> None:
    """The real script: its output line, and a refusal's single stderr line."""
    out = tmp_path / "s.csv"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--applicants", str(applicants_file), "--artifacts",
         str(small_artifacts_dir), "--out", str(out)],
        capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "150 clients scored with model" in done.stdout and out.is_file()
    bad = subprocess.run(
        [sys.executable, str(SCRIPT), "--applicants", str(tmp_path / "none.csv"), "--artifacts",
         str(small_artifacts_dir), "--out", str(tmp_path / "t.csv")],
        capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert bad.returncode == 1 and not (tmp_path / "t.csv").exists()
    assert [line for line in bad.stderr.splitlines() if line.strip()] == [
        f"error: {tmp_path / 'none.csv'}: file not found"]
