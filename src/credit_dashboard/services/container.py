"""What the app holds in memory: the served model version, the applicants, the past clients and
what is built from them, shared by every page, panel and the API as one typed :class:`AppServices`.

``load_services`` is the only place that reads the artifacts and the tables; pages, panels and the
API get the resulting :class:`AppServices` and never touch a file. Anything missing or not matching
stops the start-up with a :class:`StartupError` that names the file and the command to run
(``services.startup``).

What an advisor needs first (the model and the applicants) is loaded before the app serves. The
past clients (300 k rows), the comparisons and the similar-clients index built from them take
several seconds: they are prepared in background threads (``services.past_clients``), and
``services.history``, ``services.comparison`` and ``services.neighbour_index.get()`` wait for them
when used before they are ready. The model watcher (``services.model_watch``) then follows the
artifacts' pointer, so an activated version is served without a restart.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from credit_dashboard.config import DRIFT_REPORT_FILE, DRIFT_SUMMARY_FILE, Settings
from credit_dashboard.model.record_features import RECORD_FEATURES, attach, features_for
from credit_dashboard.services.background import BackgroundValue
from credit_dashboard.services.comparison import (
    HistoryComparison,
    pickable_features,
    scatter_features,
)
from credit_dashboard.services.model_watch import ModelWatcher
from credit_dashboard.services.neighbours import NeighbourIndex
from credit_dashboard.services.past_clients import PastClients
from credit_dashboard.services.scoring import ResultCache, ScoringService
from credit_dashboard.services.served_version import ServedVersion, prepare_version
from credit_dashboard.services.startup import (
    StartupError,
    commands,
    history_columns,
    read_applicants,
)
from credit_dashboard.services.whatif import choose_inputs
from credit_dashboard.storage.credit_records.schema import RECORDS_DIR
from credit_dashboard.storage.credit_records.store import CreditRecordStore
from credit_dashboard.storage.decisions import DecisionStore
from credit_dashboard.storage.schema import ID_COLUMN

__all__ = ["AppServices", "StartupError", "load_services"]

logger = logging.getLogger(__name__)

#: How many editable inputs the what-if panel offers (the model's most important ones).
N_WHATIF_INPUTS = 8
#: Offered when the model card lists no importance: the core amounts rather than nothing.
FALLBACK_WHATIF_INPUTS = ("AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE", "AMT_INCOME_TOTAL")


@dataclass
class AppServices:
    """Everything pages, their panels and the API share. Built once per app, by
    :func:`load_services`; panels read the fields they need and never open a file."""

    settings: Settings
    #: Scores with the served model version (swapped by the model watcher on activation).
    scoring: ScoringService
    #: Features the advisor can compare with past clients (the model's top ones + engineered).
    comparison_features: tuple[str, ...]
    #: Those that can go on a scatter axis (numbers that are not yes/no flags).
    scatter_features: tuple[str, ...]
    #: Advisors' decisions (SQLite/PostgreSQL), for the decision panel and its CSV export.
    decision_store: DecisionStore
    #: The raw columns the what-if panel lets the advisor edit, most important first.
    whatif_inputs: tuple[str, ...]
    #: The past clients and what is built from them, prepared in the background.
    past_clients: PastClients
    cache: ResultCache | None = None
    #: The stored applicant batches (list, figures, ingest), attached once on first use by
    #: :func:`credit_dashboard.services.batch_service.attach_batches`.
    batches: Any | None = None
    #: The credit-record store (None when the data folder holds no credit records): one
    #: client's records are read from disk on demand, never held by a worker.
    credit_records: CreditRecordStore | None = None
    #: Follows ``active.json`` and switches ``scoring`` to a newly activated version.
    model_watcher: ModelWatcher | None = None
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
        """Past clients with TARGET (text columns as pandas categories); waits for the loader."""
        return _waited(self.past_clients.history)

    @property
    def comparison(self) -> HistoryComparison:
        """Summaries of past clients for the comparison charts; waits for the loader."""
        return _waited(self.past_clients.comparison)

    def comparison_ready(self) -> bool:
        return self.past_clients.comparison.ready()

    @property
    def neighbour_index(self) -> BackgroundValue[NeighbourIndex]:
        """The similar-clients index (``get(timeout)`` waits for it)."""
        return self.past_clients.neighbour_index

    @property
    def drift_summary(self) -> dict[str, Any] | None:
        """The served version's drift summary (None when its training run wrote none)."""
        return self.scoring.served.drift_summary

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


def _waited(value: BackgroundValue[Any]) -> Any:
    try:
        return value.get()
    except RuntimeError as exc:
        raise StartupError(f"loading the {value.name} failed: {exc.__cause__ or exc}") from exc


def _served_at_start(
    settings: Settings, applicants: pd.DataFrame, records: CreditRecordStore
) -> ServedVersion:
    """The active version, checked like a live switch (a broken table only logged: there is no
    other version to fall back on)."""
    from credit_dashboard.model.artifact import ArtifactError, active_directory

    # Record features come from the store, looked up by id: they count as columns of every
    # client table when the store holds records (a model trained with them then serves).
    from_records = list(RECORD_FEATURES) if records.available else []
    tables = {
        str(settings.applicants_path): list(applicants.columns) + from_records,
        str(settings.train_path): history_columns(settings.train_path, settings) + from_records,
    }
    trial = applicants.iloc[:1] if len(applicants) else None
    if trial is not None and from_records:
        trial = attach(trial, features_for(records, trial[ID_COLUMN].to_numpy()))
    try:
        return prepare_version(active_directory(settings.artifacts_dir), tables, trial,
                               require_tables=False)
    except ArtifactError as exc:  # its message names the file and the command to run
        raise StartupError(str(exc)) from exc
    except FileNotFoundError as exc:
        raise StartupError(
            f"{exc.filename or settings.model_path} is missing. Train the model with: "
            f"{commands(settings)['train']}"
        ) from exc


def load_services(
    settings: Settings, cache: ResultCache | None = None, background: bool = True
) -> AppServices:
    """Load model and applicants now, past clients in background threads (or now when
    ``background`` is False); raise :class:`StartupError` on anything missing or not matching.

    With ``background`` the model watcher polls too (every ``settings.model_poll_s`` seconds);
    without, ``services.model_watcher.check()`` looks once when called.
    """
    from credit_dashboard.model.features import ENGINEERED_FEATURES

    timings: dict[str, float] = {}
    started = time.perf_counter()
    applicants = read_applicants(settings.applicants_path, settings)
    timings["applicants"] = time.perf_counter() - started
    step = time.perf_counter()
    records = CreditRecordStore(settings.data_dir / RECORDS_DIR)
    served = _served_at_start(settings, applicants, records)
    scoring = ScoringService(served, applicants, None, cache=cache,
                             credit_records=records if records.available else None)
    timings["model"] = time.perf_counter() - step

    card = served.card
    features = pickable_features(
        card.get("global_importance", []), served.model.explained_features, ENGINEERED_FEATURES
    )
    whatif_inputs = tuple(
        choose_inputs(card.get("global_importance", []), N_WHATIF_INPUTS)
    ) or FALLBACK_WHATIF_INPUTS
    past_clients = PastClients(settings.train_path, served.model, features, timings,
                               start=background)
    if not background:
        past_clients.history.run()
        past_clients.comparison.run()
        _waited(past_clients.comparison)  # re-raise a failure now, as a StartupError
    watcher = ModelWatcher(settings, scoring)
    if background and settings.model_poll_s > 0:
        watcher.start(settings.model_poll_s)
    services = AppServices(
        settings=settings,
        scoring=scoring,
        comparison_features=features,
        scatter_features=scatter_features(features),
        decision_store=DecisionStore.for_settings(settings),
        whatif_inputs=whatif_inputs,
        past_clients=past_clients,
        cache=cache,
        model_watcher=watcher,
        timings=timings,
        credit_records=records if records.available else None,
    )
    timings["ready_to_serve"] = time.perf_counter() - started
    logger.info(
        "ready to serve model version %s after %.2fs (model %.2fs, applicants %.2fs; %d "
        "applicants); past clients %s", served.version, timings["ready_to_serve"],
        timings["model"], timings["applicants"], len(applicants),
        "loading in the background" if background else "loaded",
    )
    return services
