"""One model version as the app serves it, prepared completely before it answers anyone.

Start-up and a live switch (``services.model_watch``) prepare a version the same way: load and
verify it (``model.artifact.validate_version``: sha256, tables, the client tables' columns), score
one applicant with it (a model that loads but cannot score this data is refused here, not on an
advisor's click), read its drift summary and index its out-of-fold scores. The result is one
immutable object: the scoring service swaps it in with a single assignment, so a request sees
the old version or the new one, never a mixture.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from credit_dashboard.config import DRIFT_SUMMARY_FILE
from credit_dashboard.model.artifact import ArtifactError, LoadedModel, validate_version
from credit_dashboard.services.out_of_fold import OutOfFoldScores
from credit_dashboard.storage.schema import TARGET_COLUMN

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServedVersion:
    """The served model, its card and tables, plus what panels derive from that version."""

    loaded: LoadedModel
    #: The training run's out-of-fold probabilities of past clients; None when it kept none.
    out_of_fold: OutOfFoldScores | None = None
    #: The drift summary of the training run (None when it wrote none: the page says so).
    drift_summary: dict[str, Any] | None = None

    @property
    def version(self) -> str:
        return str(self.loaded.version)

    @property
    def model(self) -> Any:
        return self.loaded.model

    @property
    def card(self) -> dict[str, Any]:
        return self.loaded.card


def read_drift_summary(path: Path) -> dict[str, Any] | None:
    """The drift summary, or None when the training run did not produce one (the page says so)."""
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        logger.warning("cannot read %s (%s): the analyst page will say so", path, exc)
        return None


def prepare_version(
    directory: Path,
    client_tables: Mapping[str, Iterable[str]],
    trial_row: pd.DataFrame | None = None,
    *,
    require_tables: bool = True,
) -> ServedVersion:
    """Everything a version needs to serve, or ArtifactError (one line) saying why it cannot.

    ``trial_row``: one applicant row the model must score to a probability in [0, 1].
    ``require_tables=False`` (start-up): a broken table is logged, not fatal.
    """
    loaded = validate_version(directory, client_tables, require_tables=require_tables)
    if trial_row is not None:
        _score_one(loaded, trial_row)
    try:
        out_of_fold = OutOfFoldScores.of_version(loaded)
    except ArtifactError as exc:
        if require_tables:
            raise
        logger.warning("similar clients will show no probability: %s", exc)
        out_of_fold = None
    summary_dir = Path(loaded.directory) if loaded.directory is not None else Path(directory)
    return ServedVersion(loaded, out_of_fold, read_drift_summary(summary_dir / DRIFT_SUMMARY_FILE))


def _score_one(loaded: LoadedModel, row: pd.DataFrame) -> None:
    frame = row.drop(columns=[TARGET_COLUMN], errors="ignore")
    try:
        probability = float(loaded.model.explain_rows(frame).probability[0])
    except Exception as exc:  # any failure of a foreign pipeline on this data refuses it
        raise ArtifactError(
            f"model version {loaded.version} cannot score the served applicants "
            f"({type(exc).__name__}: {exc})"
        ) from exc
    if not (math.isfinite(probability) and 0.0 <= probability <= 1.0):
        raise ArtifactError(
            f"model version {loaded.version} gives the probability {probability} to an applicant"
        )
