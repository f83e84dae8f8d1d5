"""Activating a stored model version: check it, then move the pointer; one home for the model
page's button and ``scripts/activate_model.py``. No Dash.

The version is checked BEFORE ``active.json`` moves (``model.artifact.validate_version``: files
present, sha256 of the model and tables, the model loads, the client tables carry every column it
was trained on), so a broken version is refused and the served one kept. Moving the pointer is
``model.versions.write_active`` (one atomic rename); every running worker's
``services.model_watch`` notices it within ``CREDIT_MODEL_POLL_SECONDS`` and switches.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import pyarrow.parquet as pq

from credit_dashboard.model.artifact import ArtifactError, validate_version
from credit_dashboard.model.versions import VersionError, read_active, version_dir, write_active

logger = logging.getLogger(__name__)

#: What a worker needs at most to notice a new pointer and switch (the page promises it).
SWITCH_SECONDS = 5


def validate(artifacts_dir: Path, client_tables: Iterable[Path], version: str) -> None:
    """Raise ArtifactError/VersionError when ``version`` cannot be served on these tables."""
    directory = version_dir(artifacts_dir, version)
    if not directory.is_dir():
        raise VersionError(f"version {version} is not stored in {directory.parent}")
    columns: dict[str, list[str]] = {}
    for table in client_tables:
        try:
            columns[str(table)] = pq.read_schema(table).names
        except Exception as exc:  # missing or not Parquet
            raise ArtifactError(f"{table} cannot be read ({exc})") from exc
    validate_version(directory, columns)


def activate(artifacts_dir: Path, client_tables: Iterable[Path], version: str,
             actor: str) -> str | None:
    """Check ``version`` and point ``active.json`` at it; returns the version active before.

    One log line names who activated what (an audit trail of which model answered when). Raises
    ArtifactError/VersionError, pointer untouched, when the version is broken.
    """
    validate(artifacts_dir, client_tables, version)
    try:
        previous = read_active(artifacts_dir)
    except VersionError:
        previous = None
    write_active(artifacts_dir, version)
    logger.info("model version %s activated by %s (previously %s); workers switch within %d s",
                version, actor, previous or "none", SWITCH_SECONDS)
    return previous
