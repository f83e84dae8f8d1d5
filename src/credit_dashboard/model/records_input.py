"""Which credit records a training run uses, read and aggregated during its "read" stage.

Three sources, in this order:

- ``--no-credit-records``: none; the run trains on the application table alone (as before the
  records existed) and its card says so;
- ``--credit-records DIR``: a folder of Kaggle's files (any subset of the six tables), read and
  validated by ``storage.credit_records.validation.read_records_dir`` against the ids of the
  history and the applicants (a record of an unknown client is refused: it would mean the files
  belong to another data set), then aggregated by ``record_features.aggregate_frames``;
- otherwise the store beside the training table (``<folder of --train>/credit_records/``, what
  ``scripts/make_data.py`` and ``scripts/import_kaggle.py`` write) when it holds tables; its
  per-client features come from ``record_features.all_features`` (stored ones when current).

The features are the same query whatever the source, so serving (the store) and training agree.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from credit_dashboard.model.record_features import aggregate_frames, all_features
from credit_dashboard.storage.credit_records.schema import RECORDS_DIR, TABLE_NAMES
from credit_dashboard.storage.credit_records.store import CreditRecordStore
from credit_dashboard.storage.credit_records.validation import read_records_dir
from credit_dashboard.storage.schema import ID_COLUMN

logger = logging.getLogger(__name__)

#: Where the records came from (the card's ``credit_records.origin``).
ORIGIN_DISABLED = "disabled"
ORIGIN_FOLDER = "credit_records_option"
ORIGIN_STORE = "data_folder"
ORIGIN_NONE = "none_found"


@dataclass
class RecordsInput:
    """The records a run trains with: per-client features (None: none) and where they came from."""

    origin: str
    source: str | None
    aggregates: pd.DataFrame | None = None
    tables: dict[str, int] = field(default_factory=dict)

    @property
    def used(self) -> bool:
        return self.aggregates is not None


def load_records(train_path: Path, folder: Path | None, enabled: bool,
                 known_ids: np.ndarray) -> RecordsInput:
    """The run's records (see the module docstring). Raises ``DataValidationError`` (one line,
    naming the file) for a bad ``folder``, before anything is written."""
    if not enabled:
        return RecordsInput(ORIGIN_DISABLED, None)
    if folder is not None:
        frames = read_records_dir(Path(folder), known_clients=known_ids)
        aggregates = aggregate_frames(frames)
        tables = {name: int(len(frames[name])) for name in TABLE_NAMES if name in frames}
        logger.info("credit records from %s: %s; %d clients", folder, _rows(tables),
                    len(aggregates))
        return RecordsInput(ORIGIN_FOLDER, str(folder), aggregates, tables)
    store = CreditRecordStore(Path(train_path).parent / RECORDS_DIR)
    if not store.available:
        logger.info("no credit records in %s: training on the application table alone",
                    store.root)
        return RecordsInput(ORIGIN_NONE, str(store.root))
    aggregates = all_features(store)
    con = store.connection()
    tables = {name: int(con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
              for name in store.tables()}
    logger.info("credit records in %s: %s; %d clients", store.root, _rows(tables),
                len(aggregates))
    return RecordsInput(ORIGIN_STORE, str(store.root), aggregates, tables)


def _rows(tables: dict[str, int]) -> str:
    return ", ".join(f"{name} {rows}" for name, rows in tables.items()) or "no table"


def share_with_records(ids: pd.Series | np.ndarray, aggregates: pd.DataFrame | None) -> float:
    """Share of ``ids`` with at least one record (a row in the aggregates)."""
    values = np.asarray(ids, dtype=np.int64)
    if aggregates is None or len(values) == 0:
        return 0.0
    return float(np.isin(values, aggregates[ID_COLUMN].to_numpy(dtype=np.int64)).mean())
