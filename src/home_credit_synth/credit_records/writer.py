"""Writing the records as Parquet: streamed chunk by chunk, staged, renamed into place together.

Files go to temporary names beside their targets; :meth:`StagedRecords.commit` renames them all
(``os.replace``, atomic on one file system) once the caller has also written its other tables, so a
failure leaves the previous data set. Row groups hold the store's rows per table
(:data:`~credit_dashboard.storage.credit_records.store.ROW_GROUP_ROWS`) and the rows are sorted by
client, so a per-client lookup (min/max statistics of the key) reads one row group.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from credit_dashboard.storage.credit_records.schema import RECORDS_DIR, TABLE_NAMES, TABLES
from credit_dashboard.storage.credit_records.store import ROW_GROUP_ROWS
from home_credit_synth.credit_records.common import arrow_schema
from home_credit_synth.credit_records.generate import Counters, iter_chunks

logger = logging.getLogger(__name__)

#: Our own stream of the generator's seed: the application tables' streams stay untouched.
RECORDS_STREAM = 18


class _Sink:
    """One table's Parquet file being written; buffers rows so that row groups are full."""

    def __init__(self, target: Path) -> None:
        self.target = target
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        self.tmp = Path(tmp)
        self.schema = arrow_schema(TABLES[target.stem])
        self.group_rows = ROW_GROUP_ROWS[target.stem]
        # Statistics for the key columns only, as the product's store writes them (a reader
        # keeps each file's footer in memory).
        keys = [c for c in ("SK_ID_CURR", "SK_ID_BUREAU") if c in self.schema.names]
        self.writer = pq.ParquetWriter(self.tmp, self.schema, compression="snappy",
                                       write_statistics=keys)
        self.pending: list[pa.Table] = []
        self.pending_rows = 0
        self.rows = 0

    def add(self, table: pa.Table) -> None:
        self.pending.append(table)
        self.pending_rows += table.num_rows
        if self.pending_rows >= self.group_rows:
            merged = pa.concat_tables(self.pending)
            full = (merged.num_rows // self.group_rows) * self.group_rows
            self.writer.write_table(merged.slice(0, full), row_group_size=self.group_rows)
            rest = merged.slice(full)
            self.pending, self.pending_rows = [rest], rest.num_rows
            self.rows += full

    def close(self) -> None:
        if self.pending_rows:
            self.writer.write_table(pa.concat_tables(self.pending),
                                    row_group_size=self.group_rows)
            self.rows += self.pending_rows
        self.pending, self.pending_rows = [], 0
        self.writer.close()

    def abort(self) -> None:
        try:
            self.writer.close()
        finally:
            self.tmp.unlink(missing_ok=True)


@dataclass
class StagedRecords:
    """Record files written under temporary names, waiting for :meth:`commit`."""

    staged: list[tuple[Path, Path]] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)

    def commit(self) -> list[Path]:
        for tmp, target in self.staged:
            os.replace(tmp, target)
        return [target for _, target in self.staged]

    def discard(self) -> None:
        for tmp, _ in self.staged:
            tmp.unlink(missing_ok=True)


def _stream(folder: Path, chunks: Iterator[dict[str, pa.Table]], staged: StagedRecords,
            label: str) -> None:
    """Write the chunks' six tables to temporary files in ``folder`` (removed on failure)."""
    sinks: dict[str, _Sink] = {}
    try:
        for name in TABLE_NAMES:
            sinks[name] = _Sink(folder / TABLES[name].file)
        for tables in chunks:
            for name, table in tables.items():
                sinks[name].add(table)
        for sink in sinks.values():
            sink.close()
    except BaseException:
        for sink in sinks.values():
            sink.abort()
        raise
    for name, sink in sinks.items():
        staged.staged.append((sink.tmp, sink.target))
        staged.rows[f"{label} {name}"] = sink.rows


def stage_records(
    out_dir: Path,
    seed: int,
    clients: tuple[np.ndarray, dict[str, np.ndarray]],
    batches: list[tuple[str, np.ndarray, dict[str, np.ndarray]]],
    batches_dir: Path,
) -> StagedRecords:
    """Generate and write (under temporary names) the history's and applicants' records in
    ``out_dir/credit_records/`` and each batch's in ``batches_dir/credit_records/YYYY-MM/``."""
    main_seq, batch_seq = np.random.SeedSequence([seed, RECORDS_STREAM]).spawn(2)
    counters = Counters()
    staged = StagedRecords()
    try:
        ids, traits = clients
        _stream(out_dir / RECORDS_DIR, iter_chunks(main_seq, ids, traits, counters),
                staged, "records")
        for (month, b_ids, b_traits), seq in zip(batches, batch_seq.spawn(len(batches)),
                                                 strict=True):
            _stream(batches_dir / RECORDS_DIR / month,
                    iter_chunks(seq, b_ids, b_traits, counters), staged,
                    f"batch {month}")
    except BaseException:
        staged.discard()
        raise
    return staged


def remove_stale_batch_records(batches_dir: Path, keep: set[str]) -> None:
    """Delete batch record folders (``credit_records/YYYY-MM``) the new manifest does not list."""
    root = batches_dir / RECORDS_DIR
    if not root.is_dir():
        return
    for folder in root.iterdir():
        if folder.is_dir() and folder.name not in keep:
            shutil.rmtree(folder)
            logger.info("removed %s (not part of the new data set)", folder)


def remove_records(out_dir: Path) -> None:
    """Delete the record tables of an earlier generation (they would not match new clients)."""
    for name in TABLE_NAMES:
        path = out_dir / RECORDS_DIR / TABLES[name].file
        if path.exists():
            path.unlink()
            logger.info("removed %s (not part of the new data set)", path)
