"""The credit-record store: Kaggle's six tables as Parquet files on disk, read by client on demand.

Why files and not memory: at full size the six tables hold about 57 million rows; every web
worker holding them would cost gigabytes. Here a worker keeps the base files' footers and an
index of each row group's key range; one client's rows come from the row groups whose range holds
it (the files are sorted by client, so a lookup reads one or two row groups per table, only the
columns asked for). Full scans (aggregation, key checks at ingest) go through a DuckDB connection
of the process that runs them, never a web worker's.

Layout under ``<data dir>/credit_records/``::

    <table>.parquet                      the past clients' and applicants' records (base)
    features.<signature>/                their per-client features (``feature_file``)
    batches/<batch id>/<table>.parquet   the records of one stored batch (a *part*)
    batches/<batch id>/features.<sig>/   and its clients' features

Every file and folder is immutable: it is written under a temporary (hidden) name and renamed
into place, so a reader sees the old one or the new one, never half of one, and never lists a
hidden one. Several processes (gunicorn workers, a running ingest, other instances on a shared
disk) may therefore read the same store: each opens its own files and, for scans, its own
in-memory DuckDB connection (never the same DuckDB database file opened read-write and read-only
at once); neither is carried across a fork: both are opened again in a process whose pid differs
from its opener's.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from credit_dashboard.storage.credit_records.feature_file import (
    FEATURES_PREFIX,
    FeatureFile,
    feature_folder,
    remove_features,
    write_features,
)
from credit_dashboard.storage.credit_records.schema import TABLE_NAMES, TABLES, TableSpec
from credit_dashboard.storage.schema import ID_COLUMN

__all__ = [
    "PARTS_DIR",
    "ROW_GROUP_ROWS",
    "CreditRecordStore",
    "empty_frame",
    "sql_type",
]

logger = logging.getLogger(__name__)

#: Folder of the batches' parts inside the store.
PARTS_DIR = "batches"
#: Rows per Parquet row group, per table. A lookup decodes one group of the columns it reads
#: (time grows with rows x columns read); each process keeps the base files' footers in memory
#: (about a kilobyte per row group and column, whatever is written in it). Narrow tables of
#: many rows take larger groups, wide ones small: at full size 31 k column chunks (about 28 MB of
#: footers) instead of 56 k at 8,192 rows everywhere, for about half a millisecond per table.
ROW_GROUP_ROWS: dict[str, int] = {
    "bureau": 8_192,
    "bureau_balance": 16_384,
    "previous_application": 8_192,
    "POS_CASH_balance": 32_768,
    "installments_payments": 16_384,
    "credit_card_balance": 16_384,
}

_SQL_TYPES = {"int64": "BIGINT", "float64": "DOUBLE", "object": "VARCHAR"}


def sql_type(dtype: str) -> str:
    """DuckDB's type for a schema dtype."""
    return _SQL_TYPES[dtype]


def empty_frame(spec: TableSpec, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A table with no rows and the schema's columns (or ``columns``) and dtypes."""
    names = spec.column_names if columns is None else tuple(columns)
    return _empty_template(spec.name, names).copy()


@functools.lru_cache(maxsize=64)
def _empty_template(table: str, columns: tuple[str, ...]) -> pd.DataFrame:
    # Built once: a 37-column frame costs milliseconds to construct, a copy microseconds, and a
    # client without a kind of record is common.
    dtypes = TABLES[table].columns
    return pd.DataFrame({c: pd.Series(dtype=dtypes[c]) for c in columns})


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
        pq.write_table(_arrow_table(spec, frame), tmp, row_group_size=ROW_GROUP_ROWS[spec.name],
                       compression="zstd", write_statistics=key_columns(spec))
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class CreditRecordStore:
    """The store under ``root`` (``<data dir>/credit_records``); cheap to create, thread-safe.

    A client's rows: :meth:`client_records`; their features: :meth:`read_aggregates`. Scans go
    through one DuckDB connection per process (a cursor per thread), with one view per table
    over the base file and every part; a missing table is an empty view with the schema's
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
        self._feature_cache: dict[tuple[str, int], FeatureFile] = {}
        self._indexes: dict[tuple[str, int, int, int], _RowGroupIndex] = {}
        self._listed: _Listing | None = None

    # --- what is stored ------------------------------------------------------------------------
    def _listing(self) -> _Listing:
        """What the store holds now: listed again only when a folder changed (a file renamed
        into the root, a part into ``batches/``, features into a part), so a lookup costs a
        few ``stat`` calls instead of listing every part's files for each table."""
        listing = self._listed
        if listing is not None and listing.still_current():
            return listing
        # No lock: the listing is immutable and an attribute's assignment atomic; two threads
        # listing at once both get a correct one.
        listing = self._listed = _Listing.of(self.root)
        return listing

    def files(self, table: str) -> list[Path]:
        """The table's base file (if any) then its parts' files, in part order."""
        return list(self._listing().files[table])

    def tables(self) -> tuple[str, ...]:
        """The tables that have at least one file."""
        listing = self._listing()
        return tuple(name for name in TABLE_NAMES if listing.files[name])

    @property
    def available(self) -> bool:
        """Whether any credit record is stored at all."""
        return any(self._listing().files.values())

    def parts(self) -> list[str]:
        """The stored batches' parts, in name order. A hidden folder is a part being written or
        removed (``.<part>.<random>``, ``.removing.<part>``): never read."""
        return list(self._listing().parts)

    # --- writing -------------------------------------------------------------------------------
    def write_base(self, frames: Mapping[str, pd.DataFrame]) -> None:
        """Replace the given base tables (others are kept). Each file is renamed into place only
        once every table is written to its temporary file, so a failure changes nothing."""
        try:
            self._write_all({self.root / TABLES[n].file: (TABLES[n], f)
                             for n, f in frames.items()})
        finally:
            self._listed = None  # this process sees its own write at once

    def write_part(self, part: str, frames: Mapping[str, pd.DataFrame],
                   aggregates: tuple[pd.DataFrame, str] | None = None) -> Path:
        """Store a batch's records as part ``part`` (written whole in a hidden folder, then
        renamed); an existing part of that name is an error. ``aggregates``: the part's
        per-client features and the signature of the code that computed them, written in the
        same folder so the part never appears without them (a reader would otherwise aggregate
        every table for each request until they arrive)."""
        _check_part_name(part)
        target = self.root / PARTS_DIR / part
        if target.exists():
            raise FileExistsError(f"credit records of {part} are already stored in {target}")
        staging = Path(tempfile.mkdtemp(prefix=f".{part}.", dir=self._parts_dir()))
        try:
            for name, frame in frames.items():
                write_table_file(staging / TABLES[name].file, TABLES[name], frame)
            if aggregates is not None:
                write_features(staging, *aggregates)
            os.replace(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        finally:
            self._listed = None
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
            self._listed = None
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
                pq.write_table(_arrow_table(spec, frame), tmp,
                               row_group_size=ROW_GROUP_ROWS[spec.name], compression="zstd",
                               write_statistics=key_columns(spec))
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
        """Store the per-client features of the base (or of ``part``) computed by the code of
        ``signature`` (:mod:`~credit_dashboard.storage.credit_records.feature_file`)."""
        folder = self.root if part is None else self.root / PARTS_DIR / part
        try:
            return write_features(folder, frame, signature)
        finally:
            self._listed = None

    def remove_aggregates(self) -> None:
        """Forget the base's stored features (its tables are about to be replaced)."""
        remove_features(self.root)
        self._listed = None

    def aggregates_current(self, signature: str) -> bool:
        """Whether the base (when it has tables) and every part have features computed by the
        code of ``signature``."""
        listing = self._listing()
        return bool(listing.feature_parents) and all(
            signature in listing.features.get(parent, {}) for parent in listing.feature_parents)

    def read_aggregates(self, ids: np.ndarray | list[int], signature: str) -> pd.DataFrame:
        """The stored features of ``ids`` found in the store, in id order (callers check
        :meth:`aggregates_current` first, and fill the clients not found)."""
        files = self._feature_files(signature)
        if not files:
            raise FileNotFoundError(f"no features of {signature} in {self.root}")
        wanted = np.unique(np.asarray(ids, dtype=np.int64))
        found = [file.rows(wanted) for file in files
                 if (bounds := file.bounds) is not None and len(wanted)
                 and bounds[0] <= wanted[-1] and wanted[0] <= bounds[1]]
        if not found:
            return files[0].rows(wanted[:0])
        return pd.concat(found, ignore_index=True).sort_values(ID_COLUMN, ignore_index=True)

    def all_aggregates(self, signature: str) -> pd.DataFrame:
        """Every stored client's features (training), in id order."""
        files = self._feature_files(signature)
        if not files:
            raise FileNotFoundError(f"no features of {signature} in {self.root}")
        return pd.concat([file.frame() for file in files], ignore_index=True).sort_values(
            ID_COLUMN, ignore_index=True)

    def _feature_files(self, signature: str) -> list[FeatureFile]:
        """The features of every base and part that has them, opened once per folder (a folder
        is replaced, never changed, so its mtime names its content)."""
        listing = self._listing()
        files = []
        for parent in listing.feature_parents:
            stamp = listing.features.get(parent, {}).get(signature)
            if stamp is None:
                continue
            folder = feature_folder(parent, signature)
            key = (str(folder), stamp)
            file = self._feature_cache.get(key)
            if file is None:
                file = FeatureFile(folder)
                with self._lock:
                    self._feature_cache = {k: v for k, v in self._feature_cache.items()
                                           if k[0] != str(folder)}
                    self._feature_cache[key] = file
            files.append(file)
        return files

    # --- reading -------------------------------------------------------------------------------
    def connection(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor on this process's connection, with one view per table over the
        files stored now (views are redefined when a part appears)."""
        with self._lock:
            if self._con is None or self._pid != os.getpid():
                # Opened after a fork: the parent's connection is never used by a child.
                self._con = duckdb.connect(config={"threads": self.threads})
                # Each scan would otherwise parse every footer again (tens of milliseconds for
                # a file of thousands of row groups); files are immutable and replaced by a
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

    def client_records(self, client_id: int,
                       columns: Mapping[str, Sequence[str]] | None = None,
                       ) -> dict[str, pd.DataFrame]:
        """Every table's rows of one client (bureau_balance: the months of the client's bureau
        credits), each with the schema's columns and dtypes; empty frames when none.

        ``columns``: per table, the columns the caller reads (the keys are always read, the
        schema's order is kept); a table left out is read whole. The advisor's panel reads a
        fifth of ``previous_application``'s 37 columns, and decoding the others was half of a
        lookup's time.

        Read with the files' row-group index (:class:`_RowGroupIndex`): only the row groups whose
        client range holds the id are decoded, about a millisecond a table. A DuckDB query per
        table cost 30 to 80 ms at full size (planning and footers of thousands of row groups)."""
        key = int(client_id)
        listing = self._listing()

        def read(name: str, credits: np.ndarray | None = None) -> pd.DataFrame:
            spec = TABLES[name]
            wanted = _read_columns(spec, None if columns is None else columns.get(name))
            indexes = [self._index(path, listing) for path in listing.files[name]]
            if credits is None:
                parts = [index.rows(key, key, columns=wanted) for index in indexes]
            else:
                parts = [] if not len(credits) else [
                    index.rows(int(credits.min()), int(credits.max()), credits, columns=wanted)
                    for index in indexes]
            tables = [t for t in parts if t is not None and t.num_rows]
            if not tables:
                return empty_frame(spec, wanted)
            frame = (tables[0] if len(tables) == 1 else pa.concat_tables(tables)).to_pandas()
            if credits is not None:
                frame = frame.sort_values(["SK_ID_BUREAU", "MONTHS_BALANCE"],
                                          ascending=[True, False], ignore_index=True)
            return frame

        # The tables are independent files: a helper thread decodes three of them while this
        # one reads bureau, then bureau_balance (which needs bureau's credits), then the rest
        # (pyarrow lets go of the GIL: a third off a lookup's wall time on an idle machine). A
        # thread per lookup, not a pool: a pool whose threads die leaves callers waiting.
        helped: dict[str, pd.DataFrame] = {}
        failed: list[BaseException] = []

        def helper() -> None:
            try:
                for name in HELPER_TABLES:
                    helped[name] = read(name)
            except BaseException as exc:  # re-raised by the caller's thread below
                failed.append(exc)

        worker = threading.Thread(target=helper, name="records-lookup", daemon=True)
        worker.start()
        found = {BUREAU_TABLE: read(BUREAU_TABLE)}
        found[BUREAU_BALANCE_TABLE] = read(
            BUREAU_BALANCE_TABLE, found[BUREAU_TABLE]["SK_ID_BUREAU"].to_numpy(dtype=np.int64))
        for name in TABLES:
            if name not in found and name not in HELPER_TABLES:
                found[name] = read(name)
        worker.join()
        if failed and isinstance(failed[0], Exception):
            raise failed[0]
        for name in HELPER_TABLES:  # a helper stopped from outside (SystemExit) left them
            found[name] = helped[name] if name in helped else read(name)
        # The decoded row groups are garbage now: hand their pages back to the system instead
        # of letting the allocator keep them in every worker.
        pa.default_memory_pool().release_unused()
        return {name: found[name] for name in TABLES}

    def close(self) -> None:
        """Close this process's DuckDB connection and forget the open files (a later read
        opens what it needs again). A full scan's connection holds memory and threads that
        would otherwise stay with the process."""
        with self._lock:
            if self._con is not None and self._pid == os.getpid():
                self._con.close()
            self._con, self._pid, self._files_seen = None, None, {}
            self._local = threading.local()
            self._indexes, self._feature_cache = {}, {}

    def _index(self, path: Path, listing: _Listing | None = None) -> _RowGroupIndex:
        """The row-group index of a file (on SK_ID_CURR, or SK_ID_BUREAU for bureau_balance),
        cached until the file is replaced, and opened again in a forked child (a file handle
        is never shared across a fork)."""
        key = (str(path), *self._stamp(path, listing), os.getpid())
        with self._lock:
            index = self._indexes.get(key)
            if index is None:
                self._indexes = {k: v for k, v in self._indexes.items() if k[0] != str(path)}
                index = self._indexes[key] = _RowGroupIndex(
                    path, keep_open=path.parent == self.root)
        return index

    def _stamp(self, path: Path, listing: _Listing | None = None) -> tuple[int, int]:
        """(mtime, size) of a file, from the listing when it holds the file."""
        stamp = (listing or self._listing()).stamps.get(path)
        if stamp is None:
            stat = path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        return stamp

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

    def loan_owners(self, loans: Mapping[str, np.ndarray] | None = None) -> pd.DataFrame:
        """SK_ID_PREV / SK_ID_BUREAU -> SK_ID_CURR of the stored loans (key checks): every one,
        or only those in ``loans`` (loan column -> ids). A batch's check asks for its own
        loans: the whole list is four million rows at full size, 5.4 s to build per batch."""
        con = self.connection()
        parts, wanted = [], None
        if loans is not None:
            wanted = pd.DataFrame({
                "kind": np.concatenate([np.full(len(ids), kind, dtype=object)
                                        for kind, ids in loans.items()] or [np.array([], object)]),
                "loan": np.concatenate([np.asarray(ids, dtype=np.int64) for ids in loans.values()]
                                       or [np.array([], np.int64)])})
            con.register("_wanted_loans", wanted)
        for name, spec in TABLES.items():
            if spec.has_client and spec.loan_column:
                where = ("" if wanted is None else
                         f" WHERE {spec.loan_column} IN (SELECT loan FROM _wanted_loans "
                         f"WHERE kind = '{spec.loan_column}')")
                parts.append(f'SELECT DISTINCT \'{spec.loan_column}\' AS kind, '
                             f'{spec.loan_column} AS loan, SK_ID_CURR FROM "{name}"{where}')
        try:
            return con.execute(" UNION ".join(parts)).df()
        finally:
            if wanted is not None:
                con.unregister("_wanted_loans")


#: A folder changed less than this long ago is listed again at each call: a file system whose
#: timestamps are coarse (whole seconds on some network disks) could show a second change
#: within the same tick under an unchanged mtime.
_SETTLE_NS = 2_000_000_000
#: While a folder is settling, the store is listed again at most this often.
_RELIST_NS = 100_000_000


@dataclass(frozen=True)
class _Listing:
    """The store's files at one moment, and the folders' mtimes that say when it is stale."""

    folders: tuple[tuple[Path, int], ...]
    parts: tuple[str, ...]
    files: dict[str, tuple[Path, ...]]
    stamps: dict[Path, tuple[int, int]]
    #: The base (when it has tables) and every part: each should have its features.
    feature_parents: tuple[Path, ...]
    #: Per parent folder: signature -> mtime of its features folder.
    features: dict[Path, dict[str, int]]
    settled: bool
    listed_at: int

    @classmethod
    def of(cls, root: Path) -> _Listing:
        listed_at = time.time_ns()
        parts_dir = root / PARTS_DIR
        parts = (tuple(sorted(p.name for p in parts_dir.iterdir()
                              if p.is_dir() and not p.name.startswith(".")))
                 if parts_dir.is_dir() else ())
        part_folders = tuple(parts_dir / p for p in parts)
        folders = [(f, _mtime(f)) for f in (root, parts_dir, *part_folders)]
        stamps: dict[Path, tuple[int, int]] = {}
        features: dict[Path, dict[str, int]] = {}
        for folder in (root, *part_folders):
            found, features[folder] = _scan(folder)
            stamps.update(found)
        files = {name: tuple(path for folder in (root, *part_folders)
                             if (path := folder / spec.file) in stamps)
                 for name, spec in TABLES.items()}
        with_tables = (root,) if any(root / s.file in stamps for s in TABLES.values()) else ()
        parents = (*with_tables, *part_folders)
        settled = all(listed_at - mtime > _SETTLE_NS for _, mtime in folders)
        return cls(tuple(folders), parts, files, stamps, parents, features, settled, listed_at)

    def still_current(self) -> bool:
        """No folder changed; and either none had changed within the settling time when listed,
        or this listing is less than :data:`_RELIST_NS` old (a folder changed moments ago is
        listed again ten times a second, not at every lookup)."""
        if not all(_mtime(folder) == mtime for folder, mtime in self.folders):
            return False
        return self.settled or time.time_ns() - self.listed_at < _RELIST_NS


def _mtime(folder: Path) -> int:
    """A folder's mtime in nanoseconds; -1 when it does not exist."""
    try:
        return folder.stat().st_mtime_ns
    except FileNotFoundError:
        return -1


def _scan(folder: Path) -> tuple[dict[Path, tuple[int, int]], dict[str, int]]:
    """The store's Parquet files directly in ``folder`` with their (mtime, size), and its
    features folders by signature with their mtime (hidden entries, being written, left out)."""
    found: dict[Path, tuple[int, int]] = {}
    signatures: dict[str, int] = {}
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return found, signatures
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.name.endswith(".parquet") and entry.is_file():
            stat = entry.stat()
            found[folder / entry.name] = (stat.st_mtime_ns, stat.st_size)
        elif entry.name.startswith(FEATURES_PREFIX) and entry.is_dir():
            signatures[entry.name[len(FEATURES_PREFIX):]] = entry.stat().st_mtime_ns
    return found, signatures


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


BUREAU_TABLE, BUREAU_BALANCE_TABLE = "bureau", "bureau_balance"
#: The tables a lookup's helper thread reads (about half of the decoding time).
HELPER_TABLES = ("previous_application", "POS_CASH_balance", "credit_card_balance")


def _read_columns(spec: TableSpec, columns: Sequence[str] | None) -> tuple[str, ...]:
    """``columns`` plus the table's keys, in the schema's order (the whole schema for None)."""
    if columns is None:
        return spec.column_names
    unknown = set(columns) - set(spec.columns)
    if unknown:
        raise KeyError(f"{spec.name} has no column {', '.join(sorted(unknown))}")
    wanted = {*columns, *key_columns(spec), *spec.key, *_sort_columns(spec)}
    return tuple(c for c in spec.columns if c in wanted)


class _RowGroupIndex:
    """Min and max of the key column per row group of a Parquet file, to read one client's rows.

    The store's files are sorted by that column (SK_ID_CURR; SK_ID_BUREAU for bureau_balance),
    so a client lives in one or two row groups, which pyarrow's row-group reader decodes in
    about a millisecond. ``keep_open``: the base files stay open (one reader per process, read
    under a lock: its footer is the memory a worker spends on the records, a few megabytes a
    table, statistics being written for the key columns only); a batch's part is opened when
    one of its clients is asked for (its small footer reads in about a millisecond), so what a
    worker holds does not grow with the number of stored batches.
    """

    def __init__(self, path: Path, *, keep_open: bool) -> None:
        self.path = path
        self._lock = threading.Lock()
        # pre_buffer coalesces reads for remote storage; on a local disk it costs a copy and a
        # thread hand-off per row group (read_row_group 1.6 ms instead of 2.7 for bureau).
        # Text columns are read as their dictionary (a few distinct codes per row group) and
        # decoded for the client's few rows only: a third of a wide table's decoding time. The
        # store writes every file with its table's schema, so the file's name says which.
        spec = TABLES[path.name.removesuffix(".parquet")]
        self._text = [c for c, dtype in spec.columns.items() if dtype == "object"]
        handle = self._open()
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
        self._handle: pq.ParquetFile | None = handle if keep_open else None

    def rows(self, low: int, high: int, values: np.ndarray | None = None,
             columns: Sequence[str] | None = None) -> pa.Table | None:
        """Rows whose key lies in [low, high] (and in ``values`` when given); ``columns``: the
        columns to decode (all when None)."""
        groups = np.flatnonzero((self.lows <= high) & (self.highs >= low))
        if not len(groups):
            return None
        wanted = None if columns is None else list(columns)
        if self._handle is None:
            table = self._open().read_row_groups(groups.tolist(), columns=wanted,
                                                 use_threads=False)
        else:
            with self._lock:
                table = self._handle.read_row_groups(groups.tolist(), columns=wanted,
                                                     use_threads=False)
        column = table.column(self.column)
        if values is not None:
            mask = pc.is_in(column, value_set=pa.array(values, type=pa.int64()))
        else:
            mask = pc.and_(pc.greater_equal(column, low), pc.less_equal(column, high))
        table = table.filter(mask)
        for position, field in enumerate(table.schema):
            if pa.types.is_dictionary(field.type):
                table = table.set_column(position, field.name,
                                         pc.cast(table.column(position), pa.string()))
        return table

    def _open(self) -> pq.ParquetFile:
        return pq.ParquetFile(self.path, pre_buffer=False, read_dictionary=self._text)


def conform(spec: TableSpec, frame: pd.DataFrame) -> pd.DataFrame:
    """The schema's columns and dtypes (DuckDB gives nullable or NaN-free types back), on a
    fresh 0..n-1 index (a filtered frame's own index would misalign the columns)."""
    frame = frame.reset_index(drop=True)
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
