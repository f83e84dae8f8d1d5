"""Model versions on disk: one directory per training run, and a pointer naming the active one.

Layout of the artifacts folder::

    artifacts/
      active.json                 {"version": "<id>", "activated_at": ..., "previous": ...}
      versions/
        20261201T214500Z-3fa9c2d1e0ab/
          model.joblib  model_card.json  drift_report.html  drift_summary.json
          oof_predictions.parquet  holdout_predictions.parquet   (the tables of the card)
      runs.csv

Why a directory per version and a pointer: a version is written once, complete, into a hidden
staging directory and renamed into ``versions/`` in one atomic step; it is never modified again.
Activating (or rolling back) is then a single atomic rename of ``active.json`` (temporary file,
fsync, rename, fsync of the folder), so a reader sees the old version or the new one and never a
mixture, and every running worker can notice the switch by polling one small file.

A version id is ``<UTC timestamp>-<first 12 hex digits of the model's sha256>``: it sorts by
training time and says which model bytes it holds.

Folders trained before versions existed hold ``model.joblib`` + ``model_card.json`` at the top:
without an ``active.json`` they are still loaded as they are (the "legacy" layout).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from credit_dashboard.config import MODEL_CARD_FILE, MODEL_FILE

VERSIONS_DIR = "versions"
ACTIVE_FILE = "active.json"
ACTIVATE_COMMAND = "python scripts/activate_model.py"
#: Names of staging directories and temporary files: hidden, with the writer's pid inside.
TEMP_PREFIX = ".tmp-"
_VERSION_RE = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{12}(-\d+)?$")


class VersionError(RuntimeError):
    """A version id or the pointer is wrong; the message is one line for the user."""


# -- ids and places ------------------------------------------------------------------------------
def new_version_id(sha256: str, now: datetime | None = None) -> str:
    """``20261201T214500Z-3fa9c2d1e0ab``: sortable by time, readable, naming the model bytes."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{sha256[:12]}"


def is_version_id(text: str) -> bool:
    return bool(_VERSION_RE.match(text or ""))


def versions_root(artifacts_dir: Path) -> Path:
    return Path(artifacts_dir) / VERSIONS_DIR


def version_dir(artifacts_dir: Path, version_id: str) -> Path:
    """The directory of one version (the id is checked: it never escapes ``versions/``)."""
    if not is_version_id(version_id):
        raise VersionError(
            f"{version_id!r} is not a model version id (expected e.g. 20261201T214500Z-"
            f"3fa9c2d1e0ab; `{ACTIVATE_COMMAND} --list` shows them)"
        )
    return versions_root(artifacts_dir) / version_id


def unique_version_id(artifacts_dir: Path, sha256: str, now: datetime | None = None) -> str:
    """A new id; two runs of the same bytes in the same second get ``-2``, ``-3``..."""
    base = new_version_id(sha256, now)
    candidate, n = base, 1
    while (versions_root(artifacts_dir) / candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


# -- durable small writes ------------------------------------------------------------------------
def fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform/file system allows it
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_bytes_durably(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _replace_atomically(path: Path, data: bytes) -> None:
    """Temporary file beside ``path`` + fsync + rename + fsync of the folder."""
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}.{os.getpid()}.", dir=path.parent)
    os.close(fd)
    try:
        os.chmod(tmp, 0o644)
        write_bytes_durably(Path(tmp), data)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    fsync_dir(path.parent)


# -- the pointer ---------------------------------------------------------------------------------
def read_active(artifacts_dir: Path) -> str | None:
    """The active version id, or None when there is no pointer (legacy or empty folder)."""
    path = Path(artifacts_dir) / ACTIVE_FILE
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise VersionError(f"{path} cannot be read ({exc})") from exc
    try:
        version = json.loads(raw)["version"]
    except (ValueError, KeyError, TypeError) as exc:
        raise VersionError(
            f"{path} is not a version pointer ({exc}); set one with `{ACTIVATE_COMMAND} VERSION`"
        ) from exc
    if not isinstance(version, str) or not is_version_id(version):
        raise VersionError(f"{path} names {version!r}, which is not a model version id")
    return version


def write_active(artifacts_dir: Path, version_id: str) -> None:
    """Point ``active.json`` at ``version_id`` atomically (the caller has validated it)."""
    artifacts_dir = Path(artifacts_dir)
    if not (version_dir(artifacts_dir, version_id) / MODEL_FILE).is_file():
        raise VersionError(f"version {version_id} does not exist in {versions_root(artifacts_dir)}")
    try:
        previous = read_active(artifacts_dir)
    except VersionError:
        previous = None  # a broken pointer is exactly what this call repairs
    pointer = {
        "version": version_id,
        "activated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "previous": previous,
    }
    _replace_atomically(artifacts_dir / ACTIVE_FILE, json.dumps(pointer, indent=1).encode())


def pointer_signature(artifacts_dir: Path) -> tuple[int, int, str] | None:
    """What a watcher compares between polls: (mtime_ns, size, version), None without a pointer."""
    path = Path(artifacts_dir) / ACTIVE_FILE
    try:
        stat = path.stat()
        version = read_active(artifacts_dir)
    except (FileNotFoundError, VersionError):
        return None
    return (stat.st_mtime_ns, stat.st_size, version or "")


# -- listing -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VersionInfo:
    """One version as listed: enough to choose one (the card is read, the model is not)."""

    version: str
    directory: Path
    active: bool
    created_at: str | None
    mode: str | None
    roc_auc: float | None
    normalised_cost: float | None
    decision_threshold: float | None
    tables: tuple[str, ...]
    #: Why the card could not be read, or None.
    problem: str | None = None
    #: Cards written before the feature policy: trained without CODE_GENDER
    #: (``--exclude-protected``, since replaced by the policy); None when the card does not say.
    exclude_protected: bool | None = None
    #: The card's ``feature_policy`` section (the policy followed with its sha256, its cost and
    #: the proxy check); None for a card written before the policy ("not recorded").
    feature_policy: dict | None = None

    @property
    def policy_sha256(self) -> str | None:
        """The sha256 of the policy file the version was trained under, or None."""
        return (self.feature_policy or {}).get("sha256")


def _info(directory: Path, active: str | None) -> VersionInfo:
    try:
        card = json.loads((directory / MODEL_CARD_FILE).read_text(encoding="utf-8"))
        if not isinstance(card, dict):
            raise ValueError("not a JSON object")
        problem = None
    except (OSError, ValueError) as exc:
        card, problem = {}, f"card unreadable: {exc}"
    holdout = card.get("holdout") or {}
    return VersionInfo(
        version=directory.name,
        directory=directory,
        active=directory.name == active,
        created_at=card.get("created_at"),
        mode=card.get("mode"),
        roc_auc=holdout.get("roc_auc"),
        normalised_cost=holdout.get("normalised_cost"),
        decision_threshold=card.get("decision_threshold"),
        tables=tuple(sorted((card.get("tables") or {}).keys())),
        problem=problem,
        exclude_protected=(card.get("protected") or {}).get("exclude_protected"),
        feature_policy=_policy_section(card),
    )


def _policy_section(card: dict) -> dict | None:
    section = card.get("feature_policy")
    return section if isinstance(section, dict) and section.get("sha256") else None


def list_versions(artifacts_dir: Path) -> list[VersionInfo]:
    """Every stored version, oldest first (staging directories of killed writers are skipped)."""
    root = versions_root(artifacts_dir)
    if not root.is_dir():
        return []
    try:
        active = read_active(artifacts_dir)
    except VersionError:
        active = None
    found = [p for p in root.iterdir() if p.is_dir() and is_version_id(p.name)]
    return [_info(p, active) for p in sorted(found, key=lambda p: p.name)]
