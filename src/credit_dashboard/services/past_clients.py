"""The past clients (history table, with TARGET) and what is built from them, in the background.

Reading 300 k rows and summarising them for the comparison charts takes several seconds; the score
and the explanation of the first client do not need them. So each is a
:class:`~credit_dashboard.services.background.BackgroundValue`: the history, then the comparisons
and the similar-clients index, each waiting for the history in its own thread. A page that needs
one early waits for it; none delays the start-up.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from credit_dashboard.allocator import release_free_memory
from credit_dashboard.model.record_features import attach, is_record_feature
from credit_dashboard.services.background import BackgroundValue
from credit_dashboard.services.comparison import HistoryComparison, build_comparison
from credit_dashboard.services.neighbours import NeighbourIndex
from credit_dashboard.storage.schema import CATEGORICAL_COLUMNS, TARGET_COLUMN

logger = logging.getLogger(__name__)

#: Rows of history turned into model features at a time: bounds the memory peak at start-up
#: (with a model using credit records, 1.43 GB at 20,000 rows against 1.68 GB at 50,000, and
#: no slower).
FEATURE_CHUNK_ROWS = 20_000


def read_history(path: Path) -> pd.DataFrame:
    """The history table as stored (it was validated when written by make_data or ingest).

    Text columns are read as pandas categories: half the memory of Python strings at 300 k rows,
    and the model and the comparisons treat them alike.
    """
    names = set(pq.read_schema(path).names)
    text = [c for c in CATEGORICAL_COLUMNS if c in names]
    table = pq.read_table(path, read_dictionary=text)
    # self_destruct frees each Arrow column as it is converted: the peak stays near one copy.
    history = table.to_pandas(self_destruct=True, split_blocks=True)
    del table
    pa.default_memory_pool().release_unused()
    return history


def history_feature_values(model: Any, history: pd.DataFrame, features: tuple[str, ...]):
    """The model's values of ``features`` for every past client, computed in chunks."""
    columns = list(features)
    # Comparisons are about application facts; a model trained with credit-record features
    # needs their columns to transform a row, so they are set as "no records" (never read here:
    # holding every past client's records would grow each worker by the size of the store).
    with_records = any(is_record_feature(c) for c in model.input_columns)
    parts = []
    for start in range(0, len(history), FEATURE_CHUNK_ROWS):
        chunk = history.iloc[start : start + FEATURE_CHUNK_ROWS]
        if with_records:
            chunk = attach(chunk, None)
        parts.append(model.feature_values(chunk)[columns])
    return pd.concat(parts) if parts else pd.DataFrame(columns=columns)


class PastClients:
    """The history and what is built from it, each a :class:`BackgroundValue`.

    The comparisons use the model version served at start-up (its features, chosen from its card):
    they describe past clients, not a model, and a later switch keeps them.
    """

    def __init__(
        self,
        path: Path,
        model: Any,
        features: tuple[str, ...],
        timings: dict[str, float],
        *,
        start: bool = True,
    ) -> None:
        """``start=False``: the history and comparisons are computed by the caller (``run()``);
        the similar-clients index is built in the background either way."""
        self._path = path
        self._model = model
        self._features = features
        self._timings = timings
        self.history: BackgroundValue[pd.DataFrame] = BackgroundValue(
            "history table", self._read, start=start)
        self.comparison: BackgroundValue[HistoryComparison] = BackgroundValue(
            "comparisons with past clients", self._compare, start=start)
        self.neighbour_index: BackgroundValue[NeighbourIndex] = BackgroundValue(
            "similar-clients index", self._neighbours)

    def _read(self) -> pd.DataFrame:
        started = time.perf_counter()
        history = read_history(self._path)
        self._timings["history"] = time.perf_counter() - started
        return history

    def _compare(self) -> HistoryComparison:
        history = self.history.get()
        started = time.perf_counter()
        values = history_feature_values(self._model, history, self._features)
        comparison = build_comparison(values, history[TARGET_COLUMN], self._features)
        self._timings["comparison"] = time.perf_counter() - started
        # The chunks transformed on the way were freed; glibc keeps their pages until told.
        release_free_memory()
        logger.info(
            "past clients ready: %d rows read in %.2fs, comparisons for %d features in %.2fs",
            len(history), self._timings["history"], len(self._features),
            self._timings["comparison"],
        )
        return comparison

    def _neighbours(self) -> NeighbourIndex:
        index = NeighbourIndex(self.history.get())
        release_free_memory()  # the transforms of the whole history, freed
        return index
