"""What the model page shows of the stored versions: the list, and two versions compared on the
held-out clients they have in common. No Dash.

Why the common clients: two trainings may hold out different rows (another seed, other data), and
an AUC measured on other rows says nothing about which model is better. Each version keeps its
held-out predictions (``holdout_predictions.parquet``: SK_ID_CURR, TARGET, default_probability),
so both are scored again here on exactly the ids they share, each at the threshold its held-out
figures were computed at. The tables are read without loading the models (a version is never
modified once written, so a table read once is kept, keyed by its sha256).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.metrics import roc_curve as sklearn_roc_curve

from credit_dashboard.config import MODEL_CARD_FILE
from credit_dashboard.model.artifact import ArtifactError, read_version_table
from credit_dashboard.model.cost import is_refused, normalised_cost
from credit_dashboard.model.recipes import BASELINE
from credit_dashboard.model.versions import VersionError, VersionInfo, list_versions, version_dir
from credit_dashboard.storage.schema import ID_COLUMN, TARGET_COLUMN

logger = logging.getLogger(__name__)

HOLDOUT_TABLE = "holdout_predictions"
PROBABILITY = "default_probability"
#: Points kept of each ROC curve sent to the browser (the curve's shape, not every client).
ROC_POINTS = 300

#: Why two versions could not be compared (the page words each one).
ONE_VERSION = "one_version"
SAME_VERSION = "same_version"
NO_TABLE = "no_table"
NO_COMMON_ROWS = "no_common_rows"
ONE_CLASS = "one_class"
LABELS_DIFFER = "labels_differ"


def versions(artifacts_dir: Path) -> list[VersionInfo]:
    """Every stored version, newest first (the page's table and menus)."""
    return list(reversed(list_versions(artifacts_dir)))


def holdout_threshold(card: dict[str, Any]) -> float | None:
    """The threshold the card's held-out figures were computed at: the evaluation model's (chosen
    on the development rows), or the baseline's 1/11 when the baseline was shipped. The final
    fit's ``decision_threshold`` is chosen on other predictions and differs slightly."""
    fairness = card.get("fairness") or {}
    if fairness.get("threshold") is not None:
        return float(fairness["threshold"])
    chosen = (card.get("chosen") or {}).get("model")
    source = card.get("baseline" if chosen == BASELINE else "candidate") or {}
    value = source.get("threshold", card.get("decision_threshold"))
    return None if value is None else float(value)


def read_card(directory: Path) -> dict[str, Any]:
    try:
        card = json.loads((Path(directory) / MODEL_CARD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"{directory / MODEL_CARD_FILE} cannot be read ({exc})") from exc
    if not isinstance(card, dict):
        raise ArtifactError(f"{directory / MODEL_CARD_FILE} is not a JSON object")
    return card


@lru_cache(maxsize=16)
def _holdout(directory: str, sha256: str) -> pd.DataFrame:
    card = read_card(Path(directory))
    table = read_version_table(Path(directory), card, HOLDOUT_TABLE)
    return table[[ID_COLUMN, TARGET_COLUMN, PROBABILITY]]


def holdout_predictions(artifacts_dir: Path, version: str) -> tuple[dict[str, Any], pd.DataFrame]:
    """A version's card and its held-out predictions (ArtifactError when it kept none)."""
    directory = version_dir(artifacts_dir, version)
    card = read_card(directory)
    entry = (card.get("tables") or {}).get(HOLDOUT_TABLE)
    if entry is None:
        raise ArtifactError(f"model version {version} kept no held-out predictions")
    return card, _holdout(str(directory), str(entry.get("sha256")))


@dataclass(frozen=True)
class VersionFigures:
    """One version scored on the common held-out clients."""

    version: str
    decision_threshold: float
    roc_auc: float
    normalised_cost: float
    refusal_rate: float
    #: sha256 of the feature policy the version was trained under (None: not recorded).
    policy_sha256: str | None
    #: The ROC curve (thinned to :data:`ROC_POINTS` points).
    fpr: np.ndarray
    tpr: np.ndarray


@dataclass(frozen=True)
class Comparison:
    """Two versions on the held-out ids they share; ``problem`` says why not when it is set."""

    first: str | None
    second: str | None
    common_rows: int
    first_rows: int = 0
    second_rows: int = 0
    figures: tuple[VersionFigures, ...] = ()
    problem: str | None = None
    #: The version without a held-out table (``NO_TABLE``), or the unreadable one.
    detail: str | None = None


def _thin(fpr: np.ndarray, tpr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(fpr) <= ROC_POINTS:
        return fpr, tpr
    keep = np.unique(np.linspace(0, len(fpr) - 1, ROC_POINTS).round().astype(int))
    return fpr[keep], tpr[keep]


def score(version: str, card: dict[str, Any], y: np.ndarray, p: np.ndarray) -> VersionFigures:
    """AUC, business cost per client ``(10·FN + FP) / n``, refusal rate and ROC of ``p``."""
    threshold = holdout_threshold(card)
    if threshold is None:
        raise ArtifactError(f"model version {version}: the card names no threshold")
    fpr, tpr, _ = sklearn_roc_curve(y, p)
    fpr, tpr = _thin(fpr, tpr)
    return VersionFigures(
        version=version, decision_threshold=threshold,
        roc_auc=float(roc_auc_score(y, p)),
        normalised_cost=float(normalised_cost(y, p, threshold)),
        refusal_rate=float(np.mean(is_refused(p, threshold))),
        policy_sha256=(card.get("feature_policy") or {}).get("sha256"),
        fpr=fpr, tpr=tpr,
    )


def compare(artifacts_dir: Path, first: str | None, second: str | None) -> Comparison:
    """``first`` and ``second`` scored on the held-out client ids both kept."""
    stored = {info.version for info in list_versions(artifacts_dir)}
    if len(stored) < 2:
        return Comparison(first, second, 0, problem=ONE_VERSION)
    if not first or not second or first == second:
        return Comparison(first, second, 0, problem=SAME_VERSION)
    loaded = {}
    for version in (first, second):
        try:
            loaded[version] = holdout_predictions(artifacts_dir, version)
        except (ArtifactError, VersionError) as exc:
            logger.warning("model page: cannot compare %s: %s", version, exc)
            return Comparison(first, second, 0, problem=NO_TABLE, detail=version)
    (card_a, table_a), (card_b, table_b) = loaded[first], loaded[second]
    common = table_a.merge(table_b, on=ID_COLUMN, suffixes=("_a", "_b"))
    sizes = {"first_rows": len(table_a), "second_rows": len(table_b)}
    if common.empty:
        return Comparison(first, second, 0, **sizes, problem=NO_COMMON_ROWS)
    if not np.array_equal(common[f"{TARGET_COLUMN}_a"], common[f"{TARGET_COLUMN}_b"]):
        return Comparison(first, second, len(common), **sizes, problem=LABELS_DIFFER)
    y = common[f"{TARGET_COLUMN}_a"].to_numpy().astype(int)
    if len(np.unique(y)) < 2:
        return Comparison(first, second, len(common), **sizes, problem=ONE_CLASS)
    figures = (score(first, card_a, y, common[f"{PROBABILITY}_a"].to_numpy()),
               score(second, card_b, y, common[f"{PROBABILITY}_b"].to_numpy()))
    return Comparison(first, second, len(common), **sizes, figures=figures)


def default_pair(stored: list[VersionInfo]) -> tuple[str | None, str | None]:
    """The pair the page opens with: the active version and the newest other one."""
    if not stored:
        return None, None
    active = next((v.version for v in stored if v.active), stored[0].version)
    other = next((v.version for v in stored if v.version != active), None)
    return active, other
