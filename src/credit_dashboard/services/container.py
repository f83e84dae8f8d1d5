"""What the app holds in memory, loaded once at start-up: model, tables, comparisons, drift summary.

``load_services`` is the only place that reads the artifacts and the tables; pages, panels and the
API get the resulting :class:`AppServices` and never touch a file. Anything missing or not matching
stops the start-up with a :class:`StartupError` that names the file and the command to run.

What an advisor needs first (the model and the applicants) is loaded before the app serves. The
history of past clients (300 k rows) and the comparisons computed from it take several seconds, so
they are loaded by a background thread once their files have been checked: the score and the
explanation of the first client do not wait for them. ``services.history`` and
``services.comparison`` wait for that thread when used before it is done.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from credit_dashboard.config import DRIFT_REPORT_FILE, DRIFT_SUMMARY_FILE, Settings
from credit_dashboard.services.comparison import (
    HistoryComparison,
    build_comparison,
    pickable_features,
    scatter_features,
)
from credit_dashboard.services.neighbours import BackgroundIndex
from credit_dashboard.services.scoring import ResultCache, ScoringService
from credit_dashboard.services.whatif import choose_inputs
from credit_dashboard.storage.decisions import DecisionStore
from credit_dashboard.storage.schema import CATEGORICAL_COLUMNS, TARGET_COLUMN

logger = logging.getLogger(__name__)

MAKE_DATA_COMMAND = "python scripts/make_data.py --out {data_dir}"
TRAIN_COMMAND = (
    "python scripts/train.py --train {data_dir}/application_train.parquet "
    "--applicants {data_dir}/application_test.parquet --out {artifacts_dir}"
)
#: How many editable inputs the what-if panel offers (the model's most important ones).
N_WHATIF_INPUTS = 8
#: Offered when the model card lists no importance: the core amounts rather than nothing.
FALLBACK_WHATIF_INPUTS = ("AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE", "AMT_INCOME_TOTAL")
#: Rows of history turned into model features at a time (bounds the memory peak at start-up).
FEATURE_CHUNK_ROWS = 50_000


class StartupError(RuntimeError):
    """The app cannot start; the message names the file and what to run (no traceback shown)."""


class _Pending:
    """A value computed by a background thread; ``get()`` waits for it (or re-raises its error)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._done = threading.Event()
        self._value: Any = None
        self._error: BaseException | None = None

    def set(self, value: Any) -> None:
        self._value = value
        self._done.set()

    def fail(self, error: BaseException) -> None:
        self._error = error
        self._done.set()

    def ready(self) -> bool:
        return self._done.is_set() and self._error is None

    def get(self) -> Any:
        self._done.wait()
        if self._error is not None:
            raise StartupError(f"loading the {self.name} failed: {self._error}") from self._error
        return self._value


@dataclass
class AppServices:
    """Everything pages, their panels and the API share. Built once per app, by
    :func:`load_services`; panels read the fields they need and never open a file."""

    settings: Settings
    scoring: ScoringService
    #: Features the advisor can compare with past clients (the model's top ones + engineered).
    comparison_features: tuple[str, ...]
    #: Those that can go on a scatter axis (numbers that are not yes/no flags).
    scatter_features: tuple[str, ...]
    drift_summary: dict[str, Any] | None
    #: Advisors' decisions (SQLite/PostgreSQL), for the decision panel and its CSV export.
    decision_store: DecisionStore
    #: The raw columns the what-if panel lets the advisor edit, most important first.
    whatif_inputs: tuple[str, ...]
    cache: ResultCache | None = None
    #: The stored applicant batches (list, figures, ingest), attached once on first use by
    #: :func:`credit_dashboard.services.batch_service.attach_batches`.
    batches: Any | None = None
    #: The similar-clients index, built in the background once the past clients are loaded (set
    #: by :func:`load_services` right after construction: its thread reads ``self.history``).
    neighbour_index: BackgroundIndex = field(init=False, repr=False)
    #: Seconds each start-up step took (logged, and read by the benchmark).
    timings: dict[str, float] = field(default_factory=dict)
    _history: _Pending = field(default_factory=lambda: _Pending("history table"), repr=False)
    _comparison: _Pending = field(
        default_factory=lambda: _Pending("comparisons with past clients"), repr=False
    )

    @property
    def card(self) -> dict[str, Any]:
        return self.scoring.card

    @property
    def applicants(self) -> pd.DataFrame:
        return self.scoring.applicants

    @property
    def history(self) -> pd.DataFrame:
        """Past clients with TARGET (text columns as pandas categories); waits for the loader."""
        return self._history.get()

    @property
    def comparison(self) -> HistoryComparison:
        """Summaries of past clients for the comparison charts; waits for the loader."""
        return self._comparison.get()

    def comparison_ready(self) -> bool:
        return self._comparison.ready()

    @property
    def model_directory(self) -> Path:
        """The folder of the version being served (drift files live beside its model)."""
        directory = getattr(self.scoring.loaded_model, "directory", None)
        return Path(directory) if directory is not None else self.settings.artifacts_dir

    @property
    def drift_report_path(self) -> Path:
        return self.model_directory / DRIFT_REPORT_FILE

    @property
    def drift_summary_path(self) -> Path:
        return self.model_directory / DRIFT_SUMMARY_FILE

    def drift_report_available(self) -> bool:
        return self.drift_report_path.is_file()


def _commands(settings: Settings) -> dict[str, str]:
    names = {"data_dir": settings.data_dir, "artifacts_dir": settings.artifacts_dir}
    return {"data": MAKE_DATA_COMMAND.format(**names), "train": TRAIN_COMMAND.format(**names)}


def _require_file(path: Path, settings: Settings) -> None:
    if not path.is_file():
        raise StartupError(
            f"{path} is missing. Create the data set with: {_commands(settings)['data']} "
            "(or import Kaggle's CSVs with scripts/import_kaggle.py), then start again."
        )


def _read_applicants(path: Path, settings: Settings) -> pd.DataFrame:
    from credit_dashboard.storage.loading import DataValidationError, read_table

    _require_file(path, settings)
    try:
        return read_table(path, "applicants")
    except DataValidationError as exc:
        raise StartupError(f"{exc}. Recreate it with: {_commands(settings)['data']}") from exc


def _history_columns(path: Path, settings: Settings) -> list[str]:
    """The history table's columns, from the Parquet footer (instant, before the real read)."""
    _require_file(path, settings)
    try:
        names = pq.read_schema(path).names
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise StartupError(
            f"{path} is not a readable Parquet table ({exc}). Recreate it with: "
            f"{_commands(settings)['data']}"
        ) from exc
    if TARGET_COLUMN not in names:
        raise StartupError(f"{path} has no {TARGET_COLUMN} column: it is not a history table")
    return names


def read_history(path: Path) -> pd.DataFrame:
    """The history table as stored (it was validated when written by make_data or ingest).

    Text columns are read as pandas categories: half the memory of Python strings at 300 k rows,
    and the model and the comparisons treat them alike.
    """
    names = set(pq.read_schema(path).names)
    text = [c for c in CATEGORICAL_COLUMNS if c in names]
    table = pq.read_table(path, read_dictionary=text)
    # self_destruct frees each Arrow column as it is converted: the peak stays near one copy.
    history = table.to_pandas(self_destruct=True, split_blocks=True)
    del table
    pa.default_memory_pool().release_unused()
    return history


def history_feature_values(model: Any, history: pd.DataFrame, features: tuple[str, ...]):
    """The model's values of ``features`` for every past client, computed in chunks."""
    columns = list(features)
    parts = [
        model.feature_values(history.iloc[start : start + FEATURE_CHUNK_ROWS])[columns]
        for start in range(0, len(history), FEATURE_CHUNK_ROWS)
    ]
    return pd.concat(parts) if parts else pd.DataFrame(columns=columns)


def _read_drift_summary(path: Path) -> dict[str, Any] | None:
    """The drift summary, or None when the training run did not produce one (the page says so)."""
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        logger.warning("cannot read %s (%s): the analyst page will say so", path, exc)
        return None


def _load_history_and_comparison(services: AppServices, model: Any) -> None:
    started = time.perf_counter()
    try:
        history = read_history(services.settings.train_path)
        services.timings["history"] = time.perf_counter() - started
        services._history.set(history)
    except BaseException as exc:  # surfaced to whoever waits for the history
        logger.error("cannot read %s: %s", services.settings.train_path, exc)
        services._history.fail(exc)
        services._comparison.fail(exc)
        return
    step = time.perf_counter()
    try:
        features = services.comparison_features
        values = history_feature_values(model, history, features)
        comparison = build_comparison(values, history[TARGET_COLUMN], features)
    except BaseException as exc:
        logger.error("cannot prepare the comparisons with past clients: %s", exc)
        services._comparison.fail(exc)
        return
    services.timings["comparison"] = time.perf_counter() - step
    services._comparison.set(comparison)
    logger.info(
        "past clients ready: %d rows read in %.2fs, comparisons for %d features in %.2fs",
        len(history), services.timings["history"], len(features), services.timings["comparison"],
    )


def _start_loader(services: AppServices, model: Any) -> None:
    threading.Thread(
        target=_load_history_and_comparison,
        args=(services, model),
        name="load-past-clients",
        daemon=True,
    ).start()


def _restart_loader_in_forked_children(services: AppServices, model: Any) -> None:
    """A forked process (gunicorn --preload) does not inherit the loader thread: if the past
    clients were not loaded yet at the fork, the child loads them itself instead of waiting forever.
    """
    reference = weakref.ref(services)

    def after_fork() -> None:
        alive = reference()
        if alive is not None and not alive._comparison._done.is_set():
            alive._history = _Pending("history table")
            alive._comparison = _Pending("comparisons with past clients")
            _start_loader(alive, model)

    os.register_at_fork(after_in_child=after_fork)


def load_services(
    settings: Settings, cache: ResultCache | None = None, background: bool = True
) -> AppServices:
    """Load model and applicants now, past clients in a background thread (or now when
    ``background`` is False); raise :class:`StartupError` on anything missing or not matching."""
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
    applicants = _read_applicants(settings.applicants_path, settings)
    history_columns = _history_columns(settings.train_path, settings)
    try:
        check_input_schema(loaded.card, applicants.columns, settings.applicants_path)
        check_input_schema(loaded.card, history_columns, settings.train_path)
    except ArtifactError as exc:
        raise StartupError(f"{exc}. Retrain with: {_commands(settings)['train']}") from exc
    scoring = ScoringService(loaded, applicants, None, cache=cache)
    timings["applicants"] = time.perf_counter() - step

    features = pickable_features(
        loaded.card.get("global_importance", []),
        loaded.model.explained_features,
        ENGINEERED_FEATURES,
    )
    whatif_inputs = tuple(
        choose_inputs(loaded.card.get("global_importance", []), N_WHATIF_INPUTS)
    ) or FALLBACK_WHATIF_INPUTS
    services = AppServices(
        settings=settings,
        scoring=scoring,
        comparison_features=features,
        scatter_features=scatter_features(features),
        drift_summary=_read_drift_summary(
            Path(loaded.directory or settings.artifacts_dir) / DRIFT_SUMMARY_FILE
        ),
        decision_store=DecisionStore.for_settings(settings),
        whatif_inputs=whatif_inputs,
        cache=cache,
        timings=timings,
    )
    if background:
        _start_loader(services, loaded.model)
        _restart_loader_in_forked_children(services, loaded.model)
    else:
        _load_history_and_comparison(services, loaded.model)
        services.comparison  # noqa: B018 - re-raise a failure now, as a StartupError
    # Built once the past clients are loaded (they load in the background too): start-up never
    # waits for it, only a similar-clients query made in the first seconds does.
    services.neighbour_index = BackgroundIndex(
        lambda: services.history, scorer=scoring.model.default_probability
    )
    timings["ready_to_serve"] = time.perf_counter() - started
    logger.info(
        "ready to serve after %.2fs (model %.2fs, applicants %.2fs; %d applicants); past clients "
        "%s", timings["ready_to_serve"], timings["model"], timings["applicants"], len(applicants),
        "loading in the background" if background else "loaded",
    )
    return services
