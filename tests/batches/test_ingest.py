"""Ingest: a good batch is stored whole; every bad input stops with one line and stores nothing."""

from __future__ import annotations

import contextlib
import gzip
import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from credit_dashboard.config import Settings
from credit_dashboard.storage.batches import BatchStore
from credit_dashboard.storage.schema import ID_COLUMN

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "ingest_batch.py"


def run_script(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args, "--data-dir", str(settings.data_dir),
         "--artifacts-dir", str(settings.artifacts_dir)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )


def _bad_files(tmp: Path, good: Path, cut_batch, session_applicants: pd.DataFrame) -> dict:
    """Every bad input of the issue, with a word its message must contain."""
    bad: dict[str, tuple[Path, str]] = {}
    frame = pd.read_csv(good)
    (tmp / "empty.csv").write_bytes(b"")
    bad["empty file"] = (tmp / "empty.csv", "empty")
    frame.head(0).to_csv(tmp / "header_only.csv", index=False)
    bad["header only"] = (tmp / "header_only.csv", "no rows")
    frame.drop(columns=["AMT_CREDIT"]).to_csv(tmp / "schema.csv", index=False)
    bad["wrong schema"] = (tmp / "schema.csv", "AMT_CREDIT")
    malformed = frame.copy().astype({"AMT_INCOME_TOTAL": object})
    malformed.loc[3, "AMT_INCOME_TOTAL"] = "lots"
    malformed.to_csv(tmp / "malformed.csv", index=False)
    bad["malformed row"] = (tmp / "malformed.csv", "lots")
    (tmp / "truncated.csv.gz").write_bytes(gzip.compress(good.read_bytes())[:5000])
    bad["truncated gzip"] = (tmp / "truncated.csv.gz", "unreadable")
    duplicated = pd.concat([frame.head(3), frame.head(1)])
    duplicated[ID_COLUMN] = duplicated[ID_COLUMN] + 10_000_000
    duplicated.to_csv(tmp / "duplicated.csv", index=False)
    bad["duplicated ids"] = (tmp / "duplicated.csv", "unique")
    bad["ids of the applicant table"] = (cut_batch(0, 5, "known.csv", offset=0), "applicant table")
    history = pd.read_parquet(tmp / "data" / "application_train.parquet").head(5)
    history.drop(columns=["TARGET"]).to_csv(tmp / "history.csv", index=False)
    bad["ids of the history"] = (tmp / "history.csv", "history")
    other_name = cut_batch(10, 30, "overlap.parquet")  # same ids as the good batch's rows 10-39
    bad["ids of an earlier batch"] = (other_name, "earlier batches")
    (tmp / "same_bytes.csv").write_bytes(good.read_bytes())
    bad["same file twice"] = (tmp / "same_bytes.csv", "already ingested")
    (tmp / "notes.txt").write_text("hello")
    bad["not a table"] = (tmp / "notes.txt", "unsupported")
    return bad


def test_good_batch_then_every_bad_input_is_refused_and_stores_nothing(
    batch_settings: Settings, cut_batch, session_applicants: pd.DataFrame, tmp_path: Path,
    id_offset: int, tree_bytes, ingest_main,
) -> None:
    good = cut_batch(0, 300, "good.csv")
    done = run_script(batch_settings, str(good), "--as-of", "2025-01-31")
    assert done.returncode == 0, done.stderr
    batch_id = done.stdout.strip().splitlines()[-1]
    store = BatchStore(batch_settings.data_dir)
    [record] = store.batches()
    assert record.batch_id == batch_id and record.rows == 300 and record.as_of == "2025-01-31"
    scores = store.read_scores(batch_id)
    assert scores[ID_COLUMN].tolist() == (session_applicants[ID_COLUMN].head(300) + id_offset
                                          ).tolist()
    refused = scores["decision"].eq("refuse")
    assert set(scores["decision"]) == {"grant", "refuse"}
    assert scores.loc[refused, "reasons"].ne("[]").all()
    assert scores.loc[~refused, "reasons"].eq("[]").all()
    assert store.report_path(batch_id).stat().st_size > 0
    before, version = tree_bytes(batch_settings.data_dir), store.index.version()

    bad = _bad_files(tmp_path, good, cut_batch, session_applicants)
    checked = 0
    for case, (path, word) in bad.items():
        result = run_script(batch_settings, str(path)) if case == "same file twice" else None
        if result is None:  # in-process: the same main, without a Python start-up per case
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                code = ingest_main([str(path), "--data-dir", str(batch_settings.data_dir),
                             "--artifacts-dir", str(batch_settings.artifacts_dir)])
            stderr = err.getvalue()
        else:
            code, stderr = result.returncode, result.stderr
        lines = [line for line in stderr.splitlines() if line.startswith("error:")]
        assert code == 1, case
        assert len(lines) == 1 and word in lines[0], (case, stderr)
        assert tree_bytes(batch_settings.data_dir) == before, case
        assert store.index.version() == version and len(store.batches()) == 1, case
        checked += 1
    assert checked == len(bad) == 11


def test_bad_as_of_date_is_refused(batch_settings: Settings, cut_batch) -> None:
    result = run_script(batch_settings, str(cut_batch(0, 20, "b.parquet")), "--as-of", "31/01/2025")
    assert result.returncode == 1 and "YYYY-MM-DD" in result.stderr
    assert BatchStore(batch_settings.data_dir).batches() == []


@pytest.mark.parametrize("name", ["b.csv.gz", "b.parquet"])
def test_gzip_and_parquet_batches_are_ingested(batch_settings: Settings, cut_batch,
                                               name: str) -> None:
    from dataclasses import replace

    from credit_dashboard.services.ingest import ingest_batch

    capped = name.endswith(".parquet")  # the suite's column cap; the other file: every column
    if not capped:
        batch_settings = replace(batch_settings, batch_drift_columns=0)
    path = cut_batch(100, 60, name)
    if name.endswith(".gz"):
        assert path.read_bytes()[:2] == b"\x1f\x8b"  # pandas compressed it from the suffix
    result = ingest_batch(path, batch_settings, as_of="2025-03-31")
    store = BatchStore(batch_settings.data_dir)
    assert [b.batch_id for b in store.batches()] == [result.record.batch_id]
    monitoring = store.read_json(result.record.batch_id, "monitoring.json")
    assert len(monitoring["features"]) == 20
    evidently = monitoring["evidently"]
    if capped:
        assert evidently["n_columns"] <= 24 and evidently["columns_left_out"] >= 90
        # The columns behind the monitored features are among those compared.
        assert {"EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"} <= set(evidently["columns"])
    else:
        assert evidently["n_columns"] > 100 and evidently["columns_left_out"] == 0
