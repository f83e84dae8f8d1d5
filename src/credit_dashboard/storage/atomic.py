"""Writing tables so that a reader never sees half a file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd


def write_parquet_atomic(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write one table atomically (see :func:`write_tables_atomic`)."""
    return write_tables_atomic({Path(path): frame})[0]


def write_tables_atomic(tables: Mapping[Path, pd.DataFrame]) -> list[Path]:
    """Write every table to a temporary file beside its target, then rename them all into place.

    ``os.replace`` is atomic on one file system, and renaming starts only once every table has been
    written, so a failure (disk full, bad value) leaves the previous files untouched and no
    temporary file behind.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for path, frame in tables.items():
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            os.close(fd)
            staged.append((Path(tmp_name), path))
            frame.to_parquet(tmp_name, index=False)
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)
    return [path for _, path in staged]
