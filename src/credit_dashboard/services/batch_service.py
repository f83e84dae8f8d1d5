"""What the app knows of the stored batches: the list, their stored figures, ingest from the page.

One object per app (``services.batches``), shared by the API and the analyst page. It
only reads what the ingest stored (the figures of a batch never change once committed, so they are
kept in memory after their first read); the one thing it computes is nothing: a page view never
recomputes a PSI or a drift test.
"""

from __future__ import annotations

import csv
import io
import logging
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from credit_dashboard.config import Settings
from credit_dashboard.services.batch_clients import BatchClients
from credit_dashboard.services.batch_reasons import reason_texts
from credit_dashboard.services.batch_scores import REASONS_COLUMN
from credit_dashboard.services.batch_timeline import Timeline, build_timeline
from credit_dashboard.services.ingest import IngestResult, ingest_batch
from credit_dashboard.services.reasons import MAX_REASONS
from credit_dashboard.storage import batches as files
from credit_dashboard.storage.batches import BatchStore
from credit_dashboard.storage.batches_index import BatchRecord
from credit_dashboard.storage.schema import ID_COLUMN

logger = logging.getLogger(__name__)

#: The CSV's reason columns: a refusal's reasons, most important first (Reg B: at most four).
CSV_REASON_COLUMNS = tuple(f"reason_{i + 1}" for i in range(MAX_REASONS))


@dataclass
class BatchService:
    settings: Settings
    clients: BatchClients
    _figures: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def store(self) -> BatchStore:
        return self.clients.store

    def batches(self) -> list[BatchRecord]:
        """Newest first."""
        return self.store.batches()

    def backtests(self) -> dict[str, dict[str, Any]]:
        return self.store.index.backtests()

    def _stored(self, batch_id: str, name: str) -> dict[str, Any]:
        key = (batch_id, name)
        cached = self._figures.get(key)
        if cached is None:
            cached = self.store.read_json(batch_id, name)
            with self._lock:
                self._figures[key] = cached
        return cached

    def monitoring(self, batch_id: str) -> dict[str, Any]:
        """PSI of the score and features, Evidently's summary (as stored at ingest)."""
        return self._stored(batch_id, files.MONITORING_FILE)

    def portfolio(self, batch_id: str) -> dict[str, Any]:
        return self._stored(batch_id, files.PORTFOLIO_FILE)

    def summaries(self) -> list[dict[str, Any]]:
        """What ``GET /api/batches`` answers, newest first."""
        backtests = self.backtests()
        out = []
        for record in self.batches():
            backtest = backtests.get(record.batch_id)
            out.append({
                "batch_id": record.batch_id,
                "as_of": record.as_of,
                "rows": record.rows,
                "mean_default_probability": record.mean_probability,
                "refused_share": record.refused_share,
                "decision_threshold": record.decision_threshold,
                "score_psi": record.score_psi,
                "drifted_features": record.n_drifted_columns,
                "monitored_columns": record.n_columns,
                "max_feature_psi": record.max_feature_psi,
                "outcomes_known": backtest is not None,
                "clients_with_outcome": 0 if backtest is None else int(backtest["n_outcomes"]),
                "model_version": record.model_version,
                "ingested_at": record.ingested_at,
                "source_name": record.source_name,
            })
        return out

    def timeline(self) -> Timeline:
        """The batches oldest first with their PSI, alerts and back-tests (stored figures)."""
        return build_timeline(self.batches(), self.monitoring, self.backtests())

    def has_batch(self, batch_id: str) -> bool:
        try:
            self.store.batch_dir(batch_id)
        except KeyError:
            return False
        return self.store.index.get(batch_id) is not None

    def report_path(self, batch_id: str) -> Path:
        return self.store.report_path(batch_id)

    def scores_csv(self, batch_id: str) -> str:
        """id, probability, decision and the reasons in words, one line per client.

        The reasons are the advisor page's for a refused client (at most four, grouped by fact,
        each with its effect in points), written now in the current language from what the
        ingest stored; a granted client has none (nothing is owed), so its reason cells are
        empty. Batches stored before reasons were kept by fact give their stored sentences.
        """
        scores = self.store.read_scores(batch_id)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([ID_COLUMN, "default_probability", "decision", *CSV_REASON_COLUMNS])
        ids = scores[ID_COLUMN].to_numpy()
        probability = scores["default_probability"].to_numpy()
        decision = scores["decision"].to_numpy()
        if REASONS_COLUMN in scores.columns:
            texts = (reason_texts(spec) for spec in scores[REASONS_COLUMN].to_numpy())
        else:
            old = [c for c in scores.columns if c.startswith("reason_")]
            texts = ([t for t in row if t] for row in scores[old].itertuples(index=False))
        empty = [""] * len(CSV_REASON_COLUMNS)
        for client, p, verdict, reasons in zip(ids, probability, decision, texts, strict=True):
            cells = (list(reasons) + empty)[: len(CSV_REASON_COLUMNS)]
            writer.writerow([int(client), f"{p:.6f}", verdict, *cells])
        return buffer.getvalue()

    def ingest(self, path: Path, as_of: str | date | None = None,
               source_name: str | None = None) -> IngestResult:
        """Ingest a file (the analyst page's upload); this worker sees it at once."""
        result = ingest_batch(path, self.settings, as_of=as_of, store=self.store,
                              source_name=source_name)
        self.clients.refresh()
        return result


def attach_batches(services: Any, poll: bool = True, load_now: bool = True) -> BatchService:
    """Give the app its batch service once: batch clients searchable and scorable, poller running.

    ``services`` is the app's ``AppServices``; a second call returns the same service. With
    ``load_now`` False the batches' applicant rows are read by the poller's thread instead of the
    caller (a page view needs only the stored figures, never the clients).
    """
    existing = services.batches
    if existing is not None:
        return existing
    settings = services.settings
    clients = BatchClients(lambda: BatchStore(settings.data_dir))
    service = BatchService(settings, clients)
    services.scoring.more_clients = clients
    services.batches = service
    if poll:
        clients.start(load_now=load_now)
    return service
