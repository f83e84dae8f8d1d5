"""Per-client credit-record features on disk, read one client at a time with ``pread``.

A web worker scores a client with the ``CR_*`` features stored when the records were written
(training, import or batch ingest). Stored as Parquet, one lookup decoded a row group of some forty
columns (about 5 ms, a third of a page's records lookup) and each process kept the file's footer
(several megabytes at full size). Here a lookup is a binary search in a sorted id array and one
row of a row-major matrix, each read with ``os.pread`` at its offset: a few dozen microseconds,
and nothing is mapped into the worker. (A memory map was tried first: the kernel maps 64 KB
around each touched page, and 300 lookups grew each worker's resident size by 100 MB.)

One folder per signature of the code that computed the features, written whole under a hidden
name and renamed into place (the same rule as every file of the store)::

    features.<signature>/ids.npy        SK_ID_CURR, int64, sorted
    features.<signature>/values.npy     float64, one row per id, one column per feature
    features.<signature>/columns.json   the features' names, in the columns' order

A folder of another signature was computed by other code: it is not read, and it is removed
when the current one is written.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from credit_dashboard.storage.schema import ID_COLUMN

__all__ = ["FEATURES_PREFIX", "FeatureFile", "feature_folder", "remove_features",
           "write_features"]

#: Folder name prefix: ``features.<signature>``.
FEATURES_PREFIX = "features."
_IDS, _VALUES, _COLUMNS = "ids.npy", "values.npy", "columns.json"
_SIGNATURE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def feature_folder(parent: Path, signature: str) -> Path:
    """Where the features of ``parent`` (the base or a part) computed by ``signature`` live."""
    if not _SIGNATURE.fullmatch(signature):
        raise ValueError(f"not a feature signature: {signature!r}")
    return parent / f"{FEATURES_PREFIX}{signature}"


def write_features(parent: Path, frame: pd.DataFrame, signature: str) -> Path:
    """Write ``frame`` (``SK_ID_CURR`` and numeric features, one row per client) as the features
    of ``parent`` computed by ``signature``; folders of other signatures are removed after."""
    target = feature_folder(parent, signature)
    if frame[ID_COLUMN].duplicated().any():
        raise ValueError(f"features for {parent}: a client appears twice")
    ordered = frame.sort_values(ID_COLUMN, kind="stable")
    columns = [c for c in ordered.columns if c != ID_COLUMN]
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
    try:
        np.save(staging / _IDS, ordered[ID_COLUMN].to_numpy(dtype=np.int64))
        values = ordered[columns].to_numpy(dtype=np.float64)
        np.save(staging / _VALUES, np.ascontiguousarray(values.reshape(len(ordered),
                                                                       len(columns))))
        (staging / _COLUMNS).write_text(json.dumps(columns))
        for name in (_IDS, _VALUES, _COLUMNS):
            with open(staging / name, "rb") as handle:
                os.fsync(handle.fileno())
        if target.exists():  # the same code wrote it before: move the old one away first
            _remove(target)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    remove_features(parent, keep=target)
    return target


def remove_features(parent: Path, keep: Path | None = None) -> None:
    """Remove ``parent``'s features folders (but ``keep``): each renamed hidden first, so a
    reader never opens a half-deleted one."""
    for folder in parent.glob(f"{FEATURES_PREFIX}*"):
        if folder != keep and folder.is_dir():
            _remove(folder)


def _remove(folder: Path) -> None:
    doomed = folder.with_name(f".removing.{folder.name}.{os.getpid()}")
    os.replace(folder, doomed)
    shutil.rmtree(doomed, ignore_errors=True)


#: Above this many clients, a read loads the arrays instead of one ``pread`` per client.
_FEW = 64


@dataclass(frozen=True)
class _Array:
    """Where an ``.npy`` file's data starts, and its shape and dtype (from its header)."""

    path: Path
    offset: int
    shape: tuple[int, ...]
    dtype: np.dtype

    @classmethod
    def of(cls, path: Path) -> _Array:
        with open(path, "rb") as handle:
            version = np.lib.format.read_magic(handle)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, fortran, dtype = read_header(handle)
            if fortran:
                raise ValueError(f"{path}: expected a row-major array")
            return cls(path, handle.tell(), tuple(shape), np.dtype(dtype))

    @property
    def row_bytes(self) -> int:
        return int(np.prod(self.shape[1:], dtype=np.int64)) * self.dtype.itemsize

    def load(self) -> np.ndarray:
        return np.load(self.path)


class FeatureFile:
    """One folder's features. Opening reads the small headers; each process opens its own file
    descriptors (``pread`` needs no shared position, but a descriptor is not carried across a
    fork on principle)."""

    def __init__(self, folder: Path) -> None:
        self._pid: int | None = None  # first: close() runs even when opening fails below
        self._fds: tuple[int, int] = (-1, -1)
        self.folder = folder
        self.columns = tuple(json.loads((folder / _COLUMNS).read_text()))
        self._ids = _Array.of(folder / _IDS)
        self._values = _Array.of(folder / _VALUES)
        self.n = self._ids.shape[0]
        if self._values.shape != (self.n, len(self.columns)):
            raise ValueError(f"{folder}: {self._values.shape} values for {self.n} clients and "
                             f"{len(self.columns)} features")
        self.bounds: tuple[int, int] | None = None
        if self.n:
            first, last = self._id_at(0), self._id_at(self.n - 1)
            self.bounds = (first, last)

    def _descriptors(self) -> tuple[int, int]:
        if self._pid != os.getpid():
            self._fds = (os.open(self._ids.path, os.O_RDONLY),
                         os.open(self._values.path, os.O_RDONLY))
            self._pid = os.getpid()
        return self._fds

    def _id_at(self, position: int) -> int:
        fd = self._descriptors()[0]
        data = os.pread(fd, 8, self._ids.offset + 8 * position)
        return int(np.frombuffer(data, dtype=self._ids.dtype)[0])

    def _position(self, client_id: int) -> int | None:
        """Binary search of the sorted ids, eight bytes read per step."""
        low, high = 0, self.n
        while low < high:
            middle = (low + high) // 2
            if self._id_at(middle) < client_id:
                low = middle + 1
            else:
                high = middle
        return low if low < self.n and self._id_at(low) == client_id else None

    def rows(self, wanted: np.ndarray) -> pd.DataFrame:
        """The rows of the sorted unique ids ``wanted`` that this file holds."""
        wanted = np.asarray(wanted, dtype=np.int64)
        if len(wanted) > _FEW:
            ids = self._ids.load()
            positions = np.searchsorted(ids, wanted)
            inside = positions < len(ids)
            found = np.zeros(len(wanted), dtype=bool)
            found[inside] = ids[positions[inside]] == wanted[inside]
            values = np.load(self._values.path, mmap_mode="r")[positions[found]]
            return self._frame(wanted[found], np.asarray(values))
        fd = self._descriptors()[1]
        size = self._values.row_bytes
        kept, rows = [], []
        for client_id in wanted:
            position = self._position(int(client_id))
            if position is None:
                continue
            data = os.pread(fd, size, self._values.offset + size * position)
            kept.append(int(client_id))
            rows.append(np.frombuffer(data, dtype=self._values.dtype))
        values = (np.vstack(rows) if rows
                  else np.empty((0, len(self.columns)), dtype=self._values.dtype))
        return self._frame(np.asarray(kept, dtype=np.int64), values)

    def _frame(self, ids: np.ndarray, values: np.ndarray) -> pd.DataFrame:
        frame = pd.DataFrame(values, columns=list(self.columns))
        frame.insert(0, ID_COLUMN, ids)
        return frame

    def frame(self) -> pd.DataFrame:
        """Every row (training reads them all)."""
        return self._frame(self._ids.load(), self._values.load())

    def close(self) -> None:
        """Close this process's descriptors (a child's copies are the child's to close)."""
        if self._pid == os.getpid():
            for fd in self._fds:
                os.close(fd)
        self._pid, self._fds = None, (-1, -1)

    # A folder replaced by newer features drops out of the store's cache: its descriptors go
    # with the last reference instead of accumulating in a long-running worker.
    __del__ = close
