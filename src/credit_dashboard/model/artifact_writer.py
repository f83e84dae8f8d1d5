"""Writing a model version: one directory per training run, staged then renamed (see ``versions``).

A version is a directory holding ``model.joblib``, ``model_card.json`` (with the sha256 of the
model file: the loader refuses a mismatch), the drift files and named tables
(``<name>.parquet``, listed in the card with their own sha256).

Atomic by construction. Everything is written into a hidden staging directory inside
``versions/`` and fsync'ed; the directory is then renamed to its final name in one step
(``os.replace`` is atomic on one file system), and only after that does the pointer
``active.json`` switch to it (temporary file, fsync, rename). A crash at any moment leaves the
previous active version served and untouched; a crash between the two renames leaves the new
version complete but not active (``scripts/activate_model.py`` can activate it). A later write
sweeps away what a killed writer left.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import joblib
import pandas as pd

from credit_dashboard.config import (
    DRIFT_REPORT_FILE,
    DRIFT_SUMMARY_FILE,
    MODEL_CARD_FILE,
    MODEL_FILE,
)
from credit_dashboard.model import versions
from credit_dashboard.model.artifact_format import (
    TRAIN_COMMAND,
    ArtifactError,
    sha256_bytes,
    to_jsonable,
)
from credit_dashboard.model.versions import TEMP_PREFIX as _TEMP_PREFIX
from credit_dashboard.model.versions import fsync_dir as _fsync_dir

log = logging.getLogger(__name__)

#: A table name becomes a file name: letters, digits and underscores only.
_TABLE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


def _temp_path(out_dir: Path, name: str) -> Path:
    # The writer's pid in the name lets a later run tell a killed writer's leftovers from the
    # files of a run still in progress (see _sweep_orphan_temps).
    fd, path = tempfile.mkstemp(prefix=f"{_TEMP_PREFIX}{name}.{os.getpid()}.", dir=out_dir)
    os.close(fd)
    # mkstemp creates 0600; the app may run as another user and must be able to read the files.
    os.chmod(path, 0o644)
    return Path(path)


def _writer_pid(path: Path) -> int | None:
    """The pid in ``.tmp-<name>.<pid>.<random>``, or None for a name of another shape."""
    parts = path.name.rsplit(".", 2)
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _sweep_orphan_temps(*directories: Path) -> None:
    """Delete temporary files and staging directories left by writers that died mid-write.

    They never break a load (a version only appears by rename), but repeated crashes would pile
    them up; those of a writer that is still running are left alone.
    """
    for directory in directories:
        for path in directory.glob(f"{_TEMP_PREFIX}*"):
            pid = _writer_pid(path)
            if pid is None or pid == os.getpid() or _pid_alive(pid):
                continue
            with contextlib.suppress(FileNotFoundError):
                shutil.rmtree(path) if path.is_dir() else path.unlink()
                log.info("removed %s, left by an interrupted training run (pid %d)", path.name, pid)


def _write_bytes(path: Path, data: bytes) -> None:
    versions.write_bytes_durably(path, data)


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def ensure_writable(out_dir: Path) -> None:
    """Fail now, before hours of work, when ``out_dir`` cannot hold the artifact."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = _temp_path(out_dir, "probe")
        probe.unlink()
    except OSError as exc:
        raise ArtifactError(
            f"output directory {out_dir} is not writable ({exc.strerror or exc}); "
            f"choose another with `{TRAIN_COMMAND} --out DIR`"
        ) from exc


def _write_tables(staging: Path, tables: Mapping[str, pd.DataFrame]) -> dict[str, dict]:
    listed: dict[str, dict] = {}
    for name, frame in tables.items():
        if not _TABLE_NAME.match(str(name)):
            raise ArtifactError(f"table name {name!r} must be letters, digits and underscores")
        if not isinstance(frame, pd.DataFrame):
            raise ArtifactError(f"table {name!r} is a {type(frame).__name__}, not a DataFrame")
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        payload = buffer.getvalue()
        file_name = f"{name}.parquet"
        _write_bytes(staging / file_name, payload)
        listed[str(name)] = {"file": file_name, "sha256": sha256_bytes(payload),
                             "rows": len(frame), "columns": [str(c) for c in frame.columns]}
    return listed


def write_artifacts(
    out_dir: Path,
    model: object,
    card: dict,
    drift: object | None = None,
    tables: Mapping[str, pd.DataFrame] | None = None,
    activate: bool = True,
) -> dict:
    """Write a NEW version (model, card, drift files, tables) and activate it; returns its card.

    ``card`` gets ``artifact_sha256`` (of the serialised model), ``model_version`` (the version
    id) and ``tables`` (name -> file, sha256, rows, columns). Earlier versions are kept. With
    ``activate=False`` the version is stored but the active one stays as it is.
    """
    root = Path(out_dir)
    store = versions.versions_root(root)
    store.mkdir(parents=True, exist_ok=True)
    _sweep_orphan_temps(root, store)
    buffer = io.BytesIO()
    joblib.dump(model, buffer, compress=3)
    payload = buffer.getvalue()
    sha = sha256_bytes(payload)
    version_id = versions.unique_version_id(root, sha)
    staging = Path(tempfile.mkdtemp(prefix=f"{_TEMP_PREFIX}{version_id}.{os.getpid()}.",
                                    dir=store))
    try:
        os.chmod(staging, 0o755)
        _write_bytes(staging / MODEL_FILE, payload)
        listed = _write_tables(staging, tables or {})
        if drift is not None:
            drift.save_html(staging / DRIFT_REPORT_FILE)
            _fsync_file(staging / DRIFT_REPORT_FILE)
            summary = json.dumps(to_jsonable(drift.summary), indent=1, allow_nan=False)
            _write_bytes(staging / DRIFT_SUMMARY_FILE, summary.encode("utf-8"))
        card = to_jsonable({**card, "artifact_sha256": sha, "model_version": version_id,
                            "tables": listed})
        _write_bytes(staging / MODEL_CARD_FILE,
                     json.dumps(card, indent=1, allow_nan=False).encode("utf-8"))
        _fsync_dir(staging)
        os.replace(staging, store / version_id)
        _fsync_dir(store)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    if activate:
        versions.write_active(root, version_id)
    log.info("wrote model version %s%s", version_id, " (active)" if activate else "")
    return card
