"""Writing and loading the model artifact: one *version* per training run (see ``versions``).

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
import hashlib
import io
import json
import logging
import math
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
import pandas as pd

from credit_dashboard.config import (
    DRIFT_REPORT_FILE,
    DRIFT_SUMMARY_FILE,
    MODEL_CARD_FILE,
    MODEL_FILE,
)
from credit_dashboard.model import versions
from credit_dashboard.model.versions import TEMP_PREFIX as _TEMP_PREFIX
from credit_dashboard.model.versions import fsync_dir as _fsync_dir

log = logging.getLogger(__name__)

TRAIN_COMMAND = "python scripts/train.py"
#: A table name becomes a file name: letters, digits and underscores only.
_TABLE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


class ArtifactError(RuntimeError):
    """The artifact is missing, corrupt, mismatched or does not fit the data; says what to run."""


@dataclass
class LoadedModel:
    """A verified model with its card.

    ``version`` is the version id (``<UTC time>-<sha12>``; the first 12 hex digits of the sha256
    for a folder trained before versions existed). The card's tables are read on first use only
    (they can hold 300 k rows that start-up does not need), checked against their sha256.
    """

    model: object
    card: dict
    version: str
    directory: Path | None = None
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def table_names(self) -> tuple[str, ...]:
        return tuple(sorted((self.card.get("tables") or {}).keys()))

    def has_table(self, name: str) -> bool:
        return name in self.table_names

    def table(self, name: str) -> pd.DataFrame:
        """The named table of this version (read once, then kept); ArtifactError if absent."""
        with self._lock:
            if name not in self._tables:
                self._tables[name] = read_table_file(self, name)
            return self._tables[name]


# -- writing -------------------------------------------------------------------------------------
def to_jsonable(value: object) -> object:
    """NumPy scalars/arrays -> Python; NaN and infinities -> None (JSON has no such numbers)."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return value


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


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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


# -- loading -------------------------------------------------------------------------------------
def _read_card(path: Path) -> dict:
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ArtifactError(
            f"model card {path} cannot be read ({exc}); retrain with `{TRAIN_COMMAND}`"
        ) from exc
    if not isinstance(card, dict) or "artifact_sha256" not in card:
        raise ArtifactError(
            f"model card {path} has no artifact_sha256; retrain with `{TRAIN_COMMAND}`"
        )
    return card


def load_version(directory: Path) -> LoadedModel:
    """Load one version directory: ``model.joblib`` only if its sha256 equals the card's."""
    directory = Path(directory)
    model_path, card_path = directory / MODEL_FILE, directory / MODEL_CARD_FILE
    for path in (card_path, model_path):
        if not path.is_file():
            raise ArtifactError(f"{path} not found: train the model first with `{TRAIN_COMMAND}`")
    try:
        payload = model_path.read_bytes()
    except OSError as exc:
        raise ArtifactError(f"{model_path} cannot be read ({exc})") from exc
    sha = sha256_bytes(payload)
    card = _read_card(card_path)
    if card["artifact_sha256"] != sha:
        raise ArtifactError(
            f"{model_path} does not match {card_path} (sha256 {sha[:12]} vs "
            f"{str(card['artifact_sha256'])[:12]}): retrain with `{TRAIN_COMMAND}`"
        )
    try:
        model = joblib.load(io.BytesIO(payload))
    except Exception as exc:  # unpickling can fail in many ways (versions, truncation)
        raise ArtifactError(
            f"{model_path} cannot be loaded ({type(exc).__name__}: {exc}); "
            f"retrain with `{TRAIN_COMMAND}`"
        ) from exc
    version = directory.name if versions.is_version_id(directory.name) else sha[:12]
    return LoadedModel(model, card, version, directory)


def active_directory(artifacts_dir: Path) -> Path:
    """The directory of the version to serve: the pointer's, else the legacy flat folder."""
    artifacts_dir = Path(artifacts_dir)
    try:
        active = versions.read_active(artifacts_dir)
    except versions.VersionError as exc:
        raise ArtifactError(str(exc)) from exc
    if active is not None:
        return versions.version_dir(artifacts_dir, active)
    stored = versions.list_versions(artifacts_dir)
    if stored and not (artifacts_dir / MODEL_FILE).is_file():
        raise ArtifactError(
            f"{artifacts_dir / versions.ACTIVE_FILE} not found: {len(stored)} version(s) stored "
            f"but none active; activate one with `{versions.ACTIVATE_COMMAND} {stored[-1].version}`"
        )
    return artifacts_dir  # legacy layout (or nothing at all: load_version says what to run)


def load_model(artifacts_dir: Path) -> LoadedModel:
    """Load the active version of ``artifacts_dir`` (verified against its card's sha256)."""
    return load_version(active_directory(artifacts_dir))


def read_table_file(loaded: LoadedModel, name: str) -> pd.DataFrame:
    """Read and verify one table of a loaded version (``LoadedModel.table`` caches it)."""
    entry = (loaded.card.get("tables") or {}).get(name)
    if entry is None or loaded.directory is None:
        raise ArtifactError(f"model version {loaded.version} has no {name} table")
    path = loaded.directory / str(entry.get("file", f"{name}.parquet"))
    try:
        payload = path.read_bytes()
    except OSError as exc:
        raise ArtifactError(f"{path} cannot be read ({exc.strerror or exc})") from exc
    if sha256_bytes(payload) != entry.get("sha256"):
        raise ArtifactError(f"{path} does not match its sha256 in the model card")
    try:
        return pd.read_parquet(io.BytesIO(payload))
    except Exception as exc:  # pyarrow raises several types for a torn file
        raise ArtifactError(f"{path} is not a readable table ({exc})") from exc


def check_input_schema(card: dict, columns: object, table_path: Path | str) -> None:
    """Raise ``ArtifactError`` when ``table_path`` lacks columns the model was trained on."""
    required = list(card.get("input_schema", {}).get("columns", []))
    present = set(columns)
    missing = [c for c in required if c not in present]
    if missing:
        shown = ", ".join(missing[:8]) + (" ..." if len(missing) > 8 else "")
        raise ArtifactError(
            f"{table_path} lacks {len(missing)} column(s) the model was trained on ({shown}); "
            f"supply a table with the training schema or retrain with "
            f"`{TRAIN_COMMAND} --applicants {table_path}`"
        )
