"""Loading a model version, verified: the active one to serve, or any stored one to check.

A version (written by :mod:`artifact_writer`, laid out as :mod:`versions` says) is served only when
its ``model.joblib`` matches the sha256 in its card and loads; its tables are read on demand, each
checked against its own sha256. :func:`validate_version` adds the checks a switch needs before
the version may answer anyone: every table readable, the client tables carrying every column the
model was trained on. ``scripts/activate_model.py`` and every running worker's model watcher use it.

This module is also the artifact's public face: the writer's functions are importable from here.
"""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import pandas as pd

from credit_dashboard.config import MODEL_CARD_FILE, MODEL_FILE
from credit_dashboard.model import versions
from credit_dashboard.model.artifact_format import (
    TRAIN_COMMAND,
    ArtifactError,
    sha256_bytes,
    sha256_file,
    to_jsonable,
)
from credit_dashboard.model.artifact_writer import _TEMP_PREFIX, ensure_writable, write_artifacts

log = logging.getLogger(__name__)

__all__ = [
    "TRAIN_COMMAND", "_TEMP_PREFIX", "ArtifactError", "LoadedModel", "active_directory",
    "check_input_schema", "ensure_writable", "load_model", "load_version", "read_table_file",
    "sha256_bytes", "sha256_file", "to_jsonable", "validate_version", "write_artifacts",
]


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
    if loaded.directory is None:
        raise ArtifactError(f"model version {loaded.version} has no {name} table")
    return read_version_table(loaded.directory, loaded.card, name)


def read_version_table(directory: Path, card: Mapping, name: str) -> pd.DataFrame:
    """Read and verify one table of the version in ``directory`` without loading its model (the
    model page compares versions by their held-out tables; loading every model would cost far
    more)."""
    entry = (card.get("tables") or {}).get(name)
    if entry is None:
        raise ArtifactError(f"model version {Path(directory).name} has no {name} table")
    path = Path(directory) / str(entry.get("file", f"{name}.parquet"))
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


def validate_version(
    directory: Path, client_tables: Mapping[str, Iterable[str]], *, require_tables: bool = True
) -> LoadedModel:
    """Load a version and check that it can serve, before anything switches to it.

    ``client_tables`` maps each client table (its path, for the message) to its columns. Raises
    ArtifactError (one line: what is wrong and where) when the model does not match its sha256 or
    cannot be loaded, when a client table lacks a column the model was trained on, or (with
    ``require_tables``) when one of its tables cannot be read. The tables are read here, so a
    version that passes needs no file read when it answers.

    ``require_tables=False`` is for the start-up, where there is no other version to fall back
    on: a broken table is logged and only the panels that read it say they cannot.
    """
    loaded = load_version(directory)
    for where, columns in client_tables.items():
        check_input_schema(loaded.card, columns, where)
    for name in loaded.table_names:
        try:
            loaded.table(name)
        except ArtifactError as exc:
            if require_tables:
                raise
            log.warning("model version %s: %s", loaded.version, exc)
    return loaded
