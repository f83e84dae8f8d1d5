"""Writing and loading the model artifact: ``model.joblib`` + ``model_card.json`` (+ drift files).

Atomic by construction. Everything is first written to temporary files in the output directory and
fsync'ed; only then are they renamed over the old files (``os.replace`` is atomic on one file
system). The pair is committed in three renames:

1. the new card is renamed to ``.model_card.json.pending`` (a journal entry: "this joblib is next");
2. the new joblib replaces ``model.joblib``;
3. the pending card replaces ``model_card.json``.

A crash before 2 leaves the old pair intact. A crash between 2 and 3 leaves the new joblib with the
old card, but the pending card names the new joblib's sha256, and ``load_model`` accepts it: the
loader never serves a joblib whose hash does not match the card it returns.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np

from credit_dashboard.config import (
    DRIFT_REPORT_FILE,
    DRIFT_SUMMARY_FILE,
    MODEL_CARD_FILE,
    MODEL_FILE,
)

log = logging.getLogger(__name__)

TRAIN_COMMAND = "python scripts/train.py"
PENDING_CARD_FILE = ".model_card.json.pending"
_TEMP_PREFIX = ".tmp-"


class ArtifactError(RuntimeError):
    """The artifact is missing, corrupt, mismatched or does not fit the data; says what to run."""


@dataclass
class LoadedModel:
    """A verified model with its card; ``version`` is the first 12 hex digits of its sha256."""

    model: object
    card: dict
    version: str


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


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform/file system allows it
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


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


def _sweep_orphan_temps(out_dir: Path) -> None:
    """Delete temporary files left by writers that died mid-write (kill -9, power loss).

    They never break a load (the pair is only ever swapped in by rename), but repeated crashes
    would pile them up; files of a writer that is still running are left alone.
    """
    for path in out_dir.glob(f"{_TEMP_PREFIX}*"):
        pid = _writer_pid(path)
        if pid is None or pid == os.getpid() or _pid_alive(pid):
            continue
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            log.info("removed %s, left by an interrupted training run (pid %d)", path.name, pid)


def _write_bytes(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


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


def write_artifacts(
    out_dir: Path, model: object, card: dict, drift: object | None = None,
    tables: dict[str, object] | None = None,
) -> dict:
    """Write the drift files and ``tables``, then the model/card pair atomically; returns the
    final card.

    ``card`` gets ``artifact_sha256`` and ``model_version`` from the serialised model, and
    ``tables`` ({name: file}) naming each DataFrame of ``tables`` written as ``<name>.parquet``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _sweep_orphan_temps(out_dir)
    temps: list[Path] = []
    try:
        buffer = io.BytesIO()
        joblib.dump(model, buffer, compress=3)
        payload = buffer.getvalue()
        sha = sha256_bytes(payload)
        model_tmp = _temp_path(out_dir, MODEL_FILE)
        temps.append(model_tmp)
        _write_bytes(model_tmp, payload)

        table_files = {name: f"{name}.parquet" for name in (tables or {})}
        extra = {"tables": table_files} if table_files else {}
        card = to_jsonable({**card, **extra, "artifact_sha256": sha, "model_version": sha[:12]})
        card_tmp = _temp_path(out_dir, MODEL_CARD_FILE)
        temps.append(card_tmp)
        _write_bytes(card_tmp, json.dumps(card, indent=1, allow_nan=False).encode("utf-8"))

        if drift is not None:
            html_tmp = _temp_path(out_dir, DRIFT_REPORT_FILE)
            temps.append(html_tmp)
            drift.save_html(html_tmp)
            _fsync_file(html_tmp)
            summary_tmp = _temp_path(out_dir, DRIFT_SUMMARY_FILE)
            temps.append(summary_tmp)
            summary = json.dumps(to_jsonable(drift.summary), indent=1, allow_nan=False)
            _write_bytes(summary_tmp, summary.encode("utf-8"))
            os.replace(html_tmp, out_dir / DRIFT_REPORT_FILE)
            os.replace(summary_tmp, out_dir / DRIFT_SUMMARY_FILE)

        for name, frame in (tables or {}).items():
            table_tmp = _temp_path(out_dir, table_files[name])
            temps.append(table_tmp)
            frame.to_parquet(table_tmp, index=False)
            _fsync_file(table_tmp)
            os.replace(table_tmp, out_dir / table_files[name])

        os.replace(card_tmp, out_dir / PENDING_CARD_FILE)
        _fsync_dir(out_dir)
        os.replace(model_tmp, out_dir / MODEL_FILE)
        _fsync_dir(out_dir)
        os.replace(out_dir / PENDING_CARD_FILE, out_dir / MODEL_CARD_FILE)
        _fsync_dir(out_dir)
        return card
    finally:
        for path in temps:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


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


def load_model(artifacts_dir: Path) -> LoadedModel:
    """Load ``model.joblib`` only if its sha256 equals the card's ``artifact_sha256``."""
    artifacts_dir = Path(artifacts_dir)
    model_path = artifacts_dir / MODEL_FILE
    card_path = artifacts_dir / MODEL_CARD_FILE
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
        pending = artifacts_dir / PENDING_CARD_FILE
        # A training run stopped between its last two renames: the pending card is the right one.
        pending_card = _read_card(pending) if pending.is_file() else None
        if pending_card is None or pending_card["artifact_sha256"] != sha:
            raise ArtifactError(
                f"{model_path} does not match {card_path} (sha256 {sha[:12]} vs "
                f"{str(card['artifact_sha256'])[:12]}): retrain with `{TRAIN_COMMAND}`"
            )
        card = pending_card
    try:
        model = joblib.load(io.BytesIO(payload))
    except Exception as exc:  # unpickling can fail in many ways (versions, truncation)
        raise ArtifactError(
            f"{model_path} cannot be loaded ({type(exc).__name__}: {exc}); "
            f"retrain with `{TRAIN_COMMAND}`"
        ) from exc
    return LoadedModel(model, card, sha[:12])


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
