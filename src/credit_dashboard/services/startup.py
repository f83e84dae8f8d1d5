"""Start-up checks: the files the app needs, read and matched, or one message saying what to run.

Anything missing or not matching stops the start-up with a :class:`StartupError` naming the file
and the command that makes it (no traceback shown). The same checks guard a live model switch
(``services.model_watch``), which refuses instead of stopping.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from credit_dashboard.config import Settings
from credit_dashboard.storage.schema import TARGET_COLUMN

MAKE_DATA_COMMAND = "python scripts/make_data.py --out {data_dir}"
TRAIN_COMMAND = (
    "python scripts/train.py --train {data_dir}/application_train.parquet "
    "--applicants {data_dir}/application_test.parquet --out {artifacts_dir}"
)


class StartupError(RuntimeError):
    """The app cannot start; the message names the file and what to run (no traceback shown)."""


def commands(settings: Settings) -> dict[str, str]:
    """The commands that create the data ("data") and train the model ("train") here."""
    names = {"data_dir": settings.data_dir, "artifacts_dir": settings.artifacts_dir}
    return {"data": MAKE_DATA_COMMAND.format(**names), "train": TRAIN_COMMAND.format(**names)}


def require_file(path: Path, settings: Settings) -> None:
    if not path.is_file():
        raise StartupError(
            f"{path} is missing. Create the data set with: {commands(settings)['data']} "
            "(or import Kaggle's CSVs with scripts/import_kaggle.py), then start again."
        )


def read_applicants(path: Path, settings: Settings) -> pd.DataFrame:
    from credit_dashboard.storage.loading import DataValidationError, read_table

    require_file(path, settings)
    try:
        return read_table(path, "applicants")
    except DataValidationError as exc:
        raise StartupError(f"{exc}. Recreate it with: {commands(settings)['data']}") from exc


def history_columns(path: Path, settings: Settings) -> list[str]:
    """The history table's columns, from the Parquet footer (instant, before the real read)."""
    require_file(path, settings)
    try:
        names = pq.read_schema(path).names
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise StartupError(
            f"{path} is not a readable Parquet table ({exc}). Recreate it with: "
            f"{commands(settings)['data']}"
        ) from exc
    if TARGET_COLUMN not in names:
        raise StartupError(f"{path} has no {TARGET_COLUMN} column: it is not a history table")
    return names
