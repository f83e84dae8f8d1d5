"""What the app holds in memory, loaded once at start-up: model, tables, comparisons, drift summary.

``load_services`` is the only place that reads the artifacts and the tables; pages and extensions
get the resulting :class:`AppServices` and never touch a file. Anything missing or not matching
stops the start-up with a :class:`StartupError` that names the file and the command to run.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from dash.development.base_component import Component

from credit_dashboard.comparison import HistoryComparison, build_comparison, pickable_features
from credit_dashboard.config import Settings
from credit_dashboard.data.schema import TARGET_COLUMN
from credit_dashboard.scoring import ResultCache, ScoringService

logger = logging.getLogger(__name__)

MAKE_DATA_COMMAND = "python scripts/make_data.py --out {data_dir}"
TRAIN_COMMAND = (
    "python scripts/train.py --train {data_dir}/application_train.parquet "
    "--applicants {data_dir}/application_test.parquet --out {artifacts_dir}"
)


class StartupError(RuntimeError):
    """The app cannot start; the message names the file and what to run (no traceback shown)."""


@dataclass
class AppServices:
    """Everything pages, the API and extensions share. Built once per app."""

    settings: Settings
    scoring: ScoringService
    comparison: HistoryComparison
    drift_summary: dict[str, Any] | None
    cache: ResultCache | None = None
    #: Extra panels for the advisor page: each a function returning a component, rendered below the
    #: explanation in the order added. Their callbacks read the selected client from
    #: ``pages.advisor.layout.CLIENT_STORE`` (``data`` = the client id as text, or None).
    advisor_panels: list[Callable[[], Component]] = field(default_factory=list)
    #: Objects extensions want to share with each other (e.g. a decision store), by name.
    extras: dict[str, Any] = field(default_factory=dict)
    #: Seconds each start-up step took (logged, and read by the benchmark).
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def card(self) -> dict[str, Any]:
        return self.scoring.card

    @property
    def applicants(self) -> pd.DataFrame:
        return self.scoring.applicants

    @property
    def history(self) -> pd.DataFrame:
        return self.scoring.history

    @property
    def drift_report_path(self) -> Path:
        return self.settings.drift_report_path

    def drift_report_available(self) -> bool:
        return self.drift_report_path.is_file()


def _commands(settings: Settings) -> dict[str, str]:
    names = {"data_dir": settings.data_dir, "artifacts_dir": settings.artifacts_dir}
    return {
        "data": MAKE_DATA_COMMAND.format(**names),
        "train": TRAIN_COMMAND.format(**names),
    }


def _read_table(path: Path, kind: str, settings: Settings) -> pd.DataFrame:
    from credit_dashboard.data.loading import DataValidationError, read_table

    if not path.is_file():
        raise StartupError(
            f"{path} is missing. Create the data set with: {_commands(settings)['data']} "
            "(or import Kaggle's CSVs with scripts/import_kaggle.py), then start again."
        )
    try:
        return read_table(path, kind)
    except DataValidationError as exc:
        raise StartupError(f"{exc}. Recreate it with: {_commands(settings)['data']}") from exc


def _read_drift_summary(path: Path) -> dict[str, Any] | None:
    """The drift summary, or None when the training run did not produce one (the page says so)."""
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        logger.warning("cannot read %s (%s): the analyst page will say so", path, exc)
        return None


def load_services(settings: Settings, cache: ResultCache | None = None) -> AppServices:
    """Load model, tables and summaries once; raise :class:`StartupError` on anything missing."""
    from credit_dashboard.model.artifact import ArtifactError, check_input_schema, load_model
    from credit_dashboard.model.features import ENGINEERED_FEATURES

    timings: dict[str, float] = {}
    started = time.perf_counter()
    try:
        loaded = load_model(settings.artifacts_dir)
    except ArtifactError as exc:
        raise StartupError(str(exc)) from exc
    except FileNotFoundError as exc:
        raise StartupError(
            f"{exc.filename or settings.model_path} is missing. Train the model with: "
            f"{_commands(settings)['train']}"
        ) from exc
    timings["model"] = time.perf_counter() - started

    step = time.perf_counter()
    applicants = _read_table(settings.applicants_path, "applicants", settings)
    history = _read_table(settings.train_path, "train", settings)
    timings["tables"] = time.perf_counter() - step
    try:
        check_input_schema(loaded.card, applicants.columns, settings.applicants_path)
        check_input_schema(loaded.card, history.columns, settings.train_path)
    except ArtifactError as exc:
        raise StartupError(f"{exc}. Retrain with: {_commands(settings)['train']}") from exc

    step = time.perf_counter()
    scoring = ScoringService(loaded, applicants, history, cache=cache)
    features = pickable_features(
        loaded.card.get("global_importance", []),
        loaded.model.explained_features,
        ENGINEERED_FEATURES,
    )
    values = loaded.model.feature_values(history)
    comparison = build_comparison(values[list(features)], history[TARGET_COLUMN], features)
    timings["comparison"] = time.perf_counter() - step
    timings["total"] = time.perf_counter() - started
    logger.info(
        "start-up: model %.2fs, tables %.2fs, comparisons %.2fs (%d applicants, %d past clients)",
        timings["model"], timings["tables"], timings["comparison"], len(applicants), len(history),
    )
    return AppServices(
        settings=settings,
        scoring=scoring,
        comparison=comparison,
        drift_summary=_read_drift_summary(settings.drift_summary_path),
        cache=cache,
        timings=timings,
    )
