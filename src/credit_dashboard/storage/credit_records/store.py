"""The credit-record store: Kaggle's six tables as Parquet files on disk, read by client on demand.

Why files and not memory: at full size the six tables hold about 57 million rows; every web
worker holding them would cost gigabytes. Here a worker keeps nothing but a DuckDB connection;
one client's rows come from the row groups whose ``SK_ID_CURR`` range holds it (the files are
sorted by client, so a lookup reads one row group per table).

Layout under ``<data dir>/credit_records/``::

    <table>.parquet                      the past clients' and applicants' records (base)
    batches/<batch id>/<table>.parquet   the records of one stored batch (a *part*)

Every file is immutable: it is written under a temporary name and renamed into place, so a reader
sees the old file or the new one, never half of one. Several processes (gunicorn workers, a
running ingest, other instances on a shared disk) may therefore read the same store: each opens
its own in-memory DuckDB connection over the files (never the same DuckDB database file opened
read-write and read-only at once), and a connection is never carried across a fork: it is opened
again in a process whose pid differs from its opener's.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from credit_dashboard.storage.credit_records.schema import TABLE_NAMES, TABLES, TableSpec
from credit_dashboard.storage.schema import ID_COLUMN

__all__ = [
    "AGGREGATES_FILE",
    "PARTS_DIR",
    "ROW_GROUP_ROWS",
    "CreditRecordStore",
    "empty_frame",
    "sql_type",
]

logger = logging.getLogger(__name__)

#: Folder of the batches' parts inside the store.
PARTS_DIR = "batches"
#: Per-client features computed from a base or a part's tables when they were written, so a web
#: worker answers a client with a one-row lookup instead of aggregating six tables per request.
#: The file carries the signature of the code that computed it; a stale one is not read.
AGGREGATES_FILE = "aggregates.parquet"
_SIGNATURE_KEY = b"credit_dashboard.record_features"
#: Rows per Parquet row group: small enough that a one-client lookup decodes little, large enough
#: that a full scan is not dominated by per-group overhead.
ROW_GROUP_ROWS = 8_192

_SQL_TYPES = {"int64": "BIGINT", "float64": "DOUBLE", "object": "VARCHAR"}


def sql_type(dtype: str) -> str:
    """DuckDB's type for a schema dtype."""
    return _SQL_TYPES[dtype]


def empty_frame(spec: TableSpec) -> pd.DataFrame:
    """A table with no rows and the schema's columns and dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in spec.columns.items()})


def key_columns(spec: TableSpec) -> list[str]:
    """The columns whose min and max each row group records: the ones lookups select on.
    Statistics of every column would double each file's footer, which a reader holds in
    memory for as long as it keeps the file open."""
    return [c for c in (ID_COLUMN, "SK_ID_BUREAU") if c in spec.columns]


def _sort_columns(spec: TableSpec) -> list[str]:
    if spec.has_client:
        return [ID_COLUMN, *([spec.loan_column] if spec.loan_column else [])]
    return [spec.loan_column or "SK_ID_BUREAU", "MONTHS_BALANCE"]


def _arrow_table(spec: TableSpec, frame: pd.DataFrame) -> pa.Table:
    """The frame in the schema's column order and types, sorted by client (then loan)."""
    ordered = frame.loc[:, list(spec.columns)]
    ordered = ordered.sort_values(_sort_columns(spec), kind="stable")
    fields = [pa.field(c, {"int64": pa.int64(), "float64": pa.float64(),
                           "object": pa.string()}[d]) for c, d in spec.columns.items()]
    return pa.Table.from_pandas(ordered, schema=pa.schema(fields), preserve_index=False)


def write_table_file(path: Path, spec: TableSpec, frame: pd.DataFrame) -> None:
    """Write one table atomically (temporary file in the same folder, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(_arrow_table(spec, frame), tmp, row_group_size=ROW_GROUP_ROWS,
                       compression="zstd", write_statistics=key_columns(spec))
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class CreditRecordStore:
    """The store under ``root`` (``<data dir>/credit_records``); cheap to create, thread-safe.

    Reads go through one DuckDB connection per process (a cursor per thread), with one view per
    table over the base file and every part; a missing table is an empty view with the schema's
    columns, so a client "has none" instead of a query failing.
    """

    def __init__(self, root: str | Path, threads: int = 1) -> None:
        self.root = Path(root)
        self.threads = threads
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._con: duckdb.DuckDBPyConnection | None = None
        self._files_seen: dict[str, tuple[str, ...]] = {}
        self._local = threading.local()
        self._signatures: dict[tuple[str, int, int], str] = {}
        self._indexes: dict[tuple[str, int, int, int], _RowGroupIndex] = {}

    # --- what is stored ------------------------------------------------------------------------
    def files(self, table: str) -> list[Path]:
        """The table's base file (if any) then its parts' files, in part order."""
        spec = TABLES[table]
        found = [self.root / spec.file] if (self.root / spec.file).is_file() else []
        parts = self.root / PARTS_DIR
        if parts.is_dir():
            found += sorted(p for p in parts.glob(f"*/{spec.file}") if p.is_file())
        return found

    def tables(self) -> tuple[str, ...]:
        """The tables that have at least one file."""
        return tuple(name for name in TABLE_NAMES if self.files(name))

    @property
    def available(self) -> bool:
        """Whether any credit record is stored at all."""
        return bool(self.tables())

    def parts(self) -> list[str]:
        parts = self.root / PARTS_DIR
        return sorted(p.name for p in parts.iterdir() if p.is_dir()) if parts.is_dir() else []

    # --- writing -------------------------------------------------------------------------------
    def write_base(self, frames: Mapping[str, pd.DataFrame]) -> None:
        """Replace the given base tables (others are kept). Each file is renamed into place only
        once every table is written to its temporary file, so a failure changes nothing."""
        self._write_all({self.root / TABLES[n].file: (TABLES[n], f) for n, f in frames.items()})

    def write_part(self, part: str, frames: Mapping[str, pd.DataFrame]) -> Path:
        """Store a batch's records as part ``part`` (written whole in a hidden folder, then
        renamed); an existing part of that name is an error."""
        _check_part_name(part)
        target = self.root / PARTS_DIR / part
        if target.exists():
            raise FileExistsError(f"credit records of {part} are already stored in {target}")
        staging = Path(tempfile.mkdtemp(prefix=f".{part}.", dir=self._parts_dir()))
        try:
            for name, frame in frames.items():
                write_table_file(staging / TABLES[name].file, TABLES[name], frame)
            os.replace(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        logger.info("stored the credit records of %s (%s)", part,
                    ", ".join(f"{n}: {len(f)}" for n, f in frames.items()))
        return target

    def remove_part(self, part: str) -> None:
        """Remove a part (a batch whose ingest failed after its records were written)."""
        _check_part_name(part)
        target = self.root / PARTS_DIR / part
        if target.exists():
            doomed = target.with_name(f".removing.{part}")
            os.replace(target, doomed)
            shutil.rmtree(doomed, ignore_errors=True)

    def _parts_dir(self) -> Path:
        path = self.root / PARTS_DIR
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _write_all(self, files: Mapping[Path, tuple[TableSpec, pd.DataFrame]]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        staged: list[tuple[str, Path]] = []
        try:
            for path, (spec, frame) in files.items():
                fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=self.root)
                os.close(fd)
                staged.append((tmp, path))
                pq.write_table(_arrow_table(spec, frame), tmp, row_group_size=ROW_GROUP_ROWS,
                               compression="zstd", write_statistics=key_columns(spec))
            for tmp, path in staged:
                os.replace(tmp, path)
        except BaseException:
            for tmp, _ in staged:
                Path(tmp).unlink(missing_ok=True)
            raise
        logger.info("stored credit records: %s",
                    ", ".join(f"{s.name}: {len(f)}" for s, f in files.values()))

    # --- per-client features ---------------------------------------------------------------------
    def write_aggregates(self, frame: pd.DataFrame, signature: str,
                         part: str | None = None) -> Path:
        """Store the per-client features of the base (or of ``part``) with ``signature``."""
        folder = self.root if part is None else self.root / PARTS_DIR / part
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / AGGREGATES_FILE
        table = pa.Table.from_pandas(frame.sort_values(ID_COLUMN), preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               _SIGNATURE_KEY: signature.encode()})
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        os.close(fd)
        try:
            pq.write_table(table, tmp, row_group_size=8192, compression="zstd")
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    def aggregate_files(self) -> list[tuple[Path, bool]]:
        """Where per-client features are expected: the base (when it has tables) and every part,
        with whether the file is there."""
        folders = ([self.root] if any((self.root / s.file).is_file() for s in TABLES.values())
                   else [])
        folders += [self.root / PARTS_DIR / p for p in self.parts()]
        return [(f / AGGREGATES_FILE, (f / AGGREGATES_FILE).is_file()) for f in folders]

    def aggregates_current(self, signature: str) -> bool:
        """Whether every base and part has its features, computed by the code of ``signature``."""
        files = self.aggregate_files()
        return bool(files) and all(
            present and self._signature(path) == signature for path, present in files)

    def _signature(self, path: Path) -> str | None:
        stat = path.stat()
        cache_key = (str(path), stat.st_mtime_ns, stat.st_size)
        cached = self._signatures.get(cache_key)
        if cached is None:
            metadata = pq.read_schema(path).metadata or {}
            cached = metadata.get(_SIGNATURE_KEY, b"").decode()
            self._signatures[cache_key] = cached
        return cached

    def read_aggregates(self, ids: np.ndarray | list[int]) -> pd.DataFrame:
        """The stored features of ``ids`` found in the store (callers check
        :meth:`aggregates_current` first, and fill the clients not found)."""
        every = [path for path, present in self.aggregate_files() if present]
        if not every:
            raise FileNotFoundError(f"no {AGGREGATES_FILE} in {self.root}")
        unique = np.unique(np.asarray(ids, dtype=np.int64))
        if len(unique) == 0:
            return pd.read_parquet(every[0]).iloc[:0]
        low, high = int(unique[0]), int(unique[-1])
        files = [path for path in every if (bounds := self._client_range(path)) is not None
                 and bounds[0] <= high and low <= bounds[1]] or every[:1]
        if len(unique) <= 256:  # a page's few clients: the row-group index, no query
            parts = [self._index(path).rows(low, high, unique) for path in files]
            found = [t for t in parts if t is not None]
            if not found:
                return pd.read_parquet(files[0]).iloc[:0]
            return pa.concat_tables(found).to_pandas().sort_values(
                ID_COLUMN, ignore_index=True)
        source = f"read_parquet({_listed(files)})"
        con = self.connection()
        con.register("_wanted_ids", pd.DataFrame({ID_COLUMN: unique}))
        try:
            return con.execute(f"SELECT * FROM {source} WHERE SK_ID_CURR IN "
                               "(SELECT SK_ID_CURR FROM _wanted_ids) ORDER BY SK_ID_CURR").df()
        finally:
            con.unregister("_wanted_ids")

    # --- reading -------------------------------------------------------------------------------
    def connection(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor on this process's connection, with one view per table over the
        files stored now (views are redefined when a part appears)."""
        with self._lock:
            if self._con is None or self._pid != os.getpid():
                # Opened after a fork: the parent's connection is never used by a child.
                self._con = duckdb.connect(config={"threads": self.threads})
                # Each lookup would otherwise parse every footer again (tens of milliseconds
                # for a file of thousands of row groups); files are immutable and replaced by a
                # rename, which the cache sees as a new file.
                self._con.execute("LOAD parquet; SET parquet_metadata_cache = true")
                self._pid = os.getpid()
                self._files_seen = {}
                self._local = threading.local()
            self._refresh_views(self._con)
            con = self._con
        cursor = getattr(self._local, "cursor", None)
        if cursor is None or getattr(self._local, "owner", None) is not con:
            cursor = con.cursor()
            self._local.cursor, self._local.owner = cursor, con
        return cursor

    def _refresh_views(self, con: duckdb.DuckDBPyConnection) -> None:
        for name, spec in TABLES.items():
            files = tuple(str(p) for p in self.files(name))
            if self._files_seen.get(name) == files:
                continue
            con.execute(f'CREATE OR REPLACE VIEW "{name}" AS {table_sql(spec, files)}')
            self._files_seen[name] = files

    def client_records(self, client_id: int) -> dict[str, pd.DataFrame]:
        """Every table's rows of one client (bureau_balance: the months of the client's bureau
        credits), each with the schema's columns and dtypes; empty frames when none.

        Read with the files' row-group index (:class:`_RowGroupIndex`): only the row groups whose
        client range holds the id are decoded, about a millisecond a table. A DuckDB query per
        table cost 30 to 80 ms at full size (planning and footers of thousands of row groups)."""
        key = int(client_id)
        out: dict[str, pd.DataFrame] = {}
        for name, spec in TABLES.items():
            if spec.has_client:
                parts = [self._index(path).rows(key, key) for path in self.files(name)]
            else:
                credits = out["bureau"]["SK_ID_BUREAU"].to_numpy(dtype=np.int64)
                parts = [] if not len(credits) else [
                    self._index(path).rows(int(credits.min()), int(credits.max()), credits)
                    for path in self.files(name)]
            tables = [t for t in parts if t is not None and t.num_rows]
            if not tables:
                out[name] = empty_frame(spec)
                continue
            frame = pa.concat_tables(tables).to_pandas()
            if not spec.has_client:
                frame = frame.sort_values(["SK_ID_BUREAU", "MONTHS_BALANCE"],
                                          ascending=[True, False], ignore_index=True)
            out[name] = frame.loc[:, list(spec.columns)]
        # The decoded row groups are garbage now: hand their pages back to the system instead
        # of letting the allocator keep them in every worker.
        pa.default_memory_pool().release_unused()
        return out

    def _index(self, path: Path) -> _RowGroupIndex:
        """The row-group index of a file (on SK_ID_CURR, or SK_ID_BUREAU for bureau_balance),
        cached until the file is replaced, and opened again in a forked child (a file handle
        is never shared across a fork)."""
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size, os.getpid())
        with self._lock:
            index = self._indexes.get(key)
            if index is None:
                self._indexes = {k: v for k, v in self._indexes.items() if k[0] != str(path)}
                index = self._indexes[key] = _RowGroupIndex(path)
        return index

    def _client_range(self, path: Path) -> tuple[int, int] | None:
        """(min, max) SK_ID_CURR of a file; None when it has no rows."""
        return self._index(path).bounds

    def client_ids(self, table: str | None = None) -> np.ndarray:
        """Sorted ids of the clients with any record (or with a row in ``table``)."""
        con = self.connection()
        names = [table] if table else [n for n in TABLE_NAMES if TABLES[n].has_client]
        union = " UNION ".join(f'SELECT DISTINCT SK_ID_CURR FROM "{n}"' for n in names)
        return con.execute(f"SELECT SK_ID_CURR FROM ({union}) ORDER BY 1").df()[
            ID_COLUMN].to_numpy(dtype=np.int64)

    def bureau_ids(self) -> np.ndarray:
        """Every stored SK_ID_BUREAU (to check a batch's bureau_balance against)."""
        return self.connection().execute("SELECT SK_ID_BUREAU FROM bureau").df()[
            "SK_ID_BUREAU"].to_numpy(dtype=np.int64)

    def loan_owners(self) -> pd.DataFrame:
        """SK_ID_PREV / SK_ID_BUREAU -> SK_ID_CURR of every stored loan (key checks)."""
        con = self.connection()
        parts = []
        for name, spec in TABLES.items():
            if spec.has_client and spec.loan_column:
                parts.append(f'SELECT DISTINCT \'{spec.loan_column}\' AS kind, '
                             f'{spec.loan_column} AS loan, SK_ID_CURR FROM "{name}"')
        return con.execute(" UNION ".join(parts)).df()


def table_sql(spec: TableSpec, files: Iterable[str]) -> str:
    """A SELECT over the table's files with the schema's columns, or an empty typed table."""
    files = list(files)
    if files:
        # The store writes every file with the schema's types (the importer converts first), so
        # the columns are read as they are: casts here cost a few milliseconds per lookup.
        listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        columns = ", ".join(f'"{c}"' for c in spec.columns)
        return f"SELECT {columns} FROM read_parquet([{listed}], union_by_name = true)"
    nulls = ", ".join(f'CAST(NULL AS {sql_type(d)}) AS "{c}"' for c, d in spec.columns.items())
    return f"SELECT {nulls} WHERE false"


#: Files with at most this many row groups are not kept open (see ``_RowGroupIndex``).
_KEEP_OPEN_ROW_GROUPS = 64


class _RowGroupIndex:
    """Min and max of the key column per row group of a Parquet file, to read one client's rows.

    The store's files are sorted by that column (SK_ID_CURR; SK_ID_BUREAU for bureau_balance),
    so a client lives in one or two row groups, which pyarrow's row-group reader decodes in
    about a millisecond. One open file per process, read under a lock: its footer is the
    memory a worker spends on the records (a few megabytes a table, statistics being written
    for the key columns only).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        handle = pq.ParquetFile(path)
        metadata = handle.metadata
        names = metadata.schema.names
        self.column = ID_COLUMN if ID_COLUMN in names else "SK_ID_BUREAU"
        position = names.index(self.column)
        lows, highs = [], []
        for group in range(metadata.num_row_groups):
            stats = metadata.row_group(group).column(position).statistics
            if stats is None or not stats.has_min_max:  # no statistics: every group may hold it
                lows.append(np.iinfo(np.int64).min)
                highs.append(np.iinfo(np.int64).max)
            else:
                lows.append(int(stats.min))
                highs.append(int(stats.max))
        self.lows = np.asarray(lows, dtype=np.int64)
        self.highs = np.asarray(highs, dtype=np.int64)
        self.bounds = (int(self.lows.min()), int(self.highs.max())) if len(lows) else None
        # A batch's small file is not kept open: its footer reads in a millisecond when one of
        # its clients is asked for, while an open reader would cost memory for every batch.
        self._handle: pq.ParquetFile | None = (
            None if len(lows) <= _KEEP_OPEN_ROW_GROUPS else handle)

    def rows(self, low: int, high: int, values: np.ndarray | None = None) -> pa.Table | None:
        """Rows whose key lies in [low, high] (and in ``values`` when given)."""
        groups = np.flatnonzero((self.lows <= high) & (self.highs >= low))
        if not len(groups):
            return None
        if self._handle is None:
            table = pq.ParquetFile(self.path).read_row_groups(groups.tolist(), use_threads=False)
        else:
            with self._lock:
                table = self._handle.read_row_groups(groups.tolist(), use_threads=False)
        column = table.column(self.column)
        if values is not None:
            mask = pc.is_in(column, value_set=pa.array(values, type=pa.int64()))
        else:
            mask = pc.and_(pc.greater_equal(column, low), pc.less_equal(column, high))
        return table.filter(mask)


def _listed(files: Iterable[Path | str]) -> str:
    """A DuckDB list literal of file paths."""
    return "[" + ", ".join("'" + str(f).replace("'", "''") + "'" for f in files) + "]"


def conform(spec: TableSpec, frame: pd.DataFrame) -> pd.DataFrame:
    """The schema's columns and dtypes (DuckDB gives nullable or NaN-free types back)."""
    out = {}
    for column, dtype in spec.columns.items():
        values = frame[column] if column in frame.columns else pd.Series(index=frame.index,
                                                                         dtype=object)
        if dtype == "object":
            out[column] = values.astype(object).where(values.notna(), None)
        elif dtype == "int64":
            out[column] = pd.to_numeric(values).astype("int64")
        else:
            out[column] = pd.to_numeric(values).astype("float64")
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


def _check_part_name(part: str) -> None:
    if not part or part.startswith(".") or "/" in part or "\\" in part:
        raise ValueError(f"not a part name: {part!r}")
