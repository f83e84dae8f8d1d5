"""Batch fixtures: a private data dir per test (the session's tables linked in, its own batch
store), the session's model, and batch files cut from the session's applicants with new ids."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from credit_dashboard.config import APPLICANTS_TABLE, TRAIN_TABLE, Settings
from credit_dashboard.storage.schema import ID_COLUMN

#: Added to the session's applicant ids so that cut batches hold new clients.
ID_OFFSET = 5_000_000


@pytest.fixture()
def batch_settings(tmp_path: Path, small_data_dir: Path, small_artifacts_dir: Path) -> Settings:
    data = tmp_path / "data"
    data.mkdir()
    for name in (TRAIN_TABLE, APPLICANTS_TABLE):
        os.symlink(small_data_dir / name, data / name)
    return Settings(data_dir=data, artifacts_dir=small_artifacts_dir)


@pytest.fixture(scope="session")
def session_applicants(small_data_dir: Path) -> pd.DataFrame:
    return pd.read_parquet(small_data_dir / APPLICANTS_TABLE)


@pytest.fixture()
def cut_batch(tmp_path: Path, session_applicants: pd.DataFrame) -> Callable[..., Path]:
    """``cut_batch(start, rows, name, offset=ID_OFFSET)``: a batch file of applicants with new ids
    (format from the name's suffix: .csv, .csv.gz or .parquet)."""

    def cut(start: int, rows: int, name: str, offset: int = ID_OFFSET) -> Path:
        frame = session_applicants.iloc[start : start + rows].copy()
        frame[ID_COLUMN] = frame[ID_COLUMN] + offset
        path = tmp_path / name
        if name.endswith(".parquet"):
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
        return path

    return cut


@pytest.fixture(scope="session")
def id_offset() -> int:
    return ID_OFFSET


@pytest.fixture(scope="session")
def tree_bytes() -> Callable[[Path], dict[str, bytes]]:
    return _tree_bytes


@pytest.fixture(scope="session")
def ingest_main() -> Callable[[list[str]], int]:
    """``scripts/ingest_batch.py``'s ``main``, loaded from its file (scripts is no package)."""
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "scripts" / "ingest_batch.py"
    spec = importlib.util.spec_from_file_location("ingest_batch_script", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def _tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes (the SQLite index is compared by its rows)."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith("batches.sqlite3") and p.name != ".lock"
    }
