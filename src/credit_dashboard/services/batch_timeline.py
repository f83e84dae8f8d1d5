"""The batches over time, shaped for the analyst page: oldest first, one label per batch, the PSI
matrix of the monitored features, the alerts, and the back-tests beside the training figures.

Pure: it arranges what the ingest stored (records, monitoring files, back-tests); nothing is
recomputed, so a page view with 24 batches costs a few dictionary look-ups.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from credit_dashboard.services.monitoring import SHIFT_ABOVE
from credit_dashboard.storage.batches_index import BatchRecord


@dataclass(frozen=True)
class Alert:
    batch_id: str
    label: str
    #: "score" or a feature name.
    what: str
    psi: float


@dataclass
class Timeline:
    records: list[BatchRecord]
    labels: list[str]
    score_psi: list[float]
    refused_share: list[float]
    mean_probability: list[float]
    #: Monitored features, most important first (those of the newest batch, then older extras).
    features: list[str]
    #: psi[i][j]: feature i in batch j (None when that batch did not monitor it).
    feature_psi: list[list[float | None]]
    alerts: list[Alert]
    backtests: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def threshold(self) -> float:
        return self.records[-1].decision_threshold if self.records else 0.0


def batch_label(record: BatchRecord, all_records: list[BatchRecord]) -> str:
    """The as-of date, with the id's suffix when two batches share a date."""
    same_day = sum(1 for r in all_records if r.as_of == record.as_of)
    return record.as_of if same_day == 1 else f"{record.as_of} ({record.batch_id[-8:]})"


def build_timeline(
    newest_first: list[BatchRecord],
    monitoring_of: Callable[[str], Mapping[str, Any]],
    backtests: Mapping[str, dict[str, Any]],
) -> Timeline:
    records = list(reversed(newest_first))
    labels = [batch_label(r, records) for r in records]
    per_batch = [
        {f["feature"]: float(f["psi"]) for f in monitoring_of(r.batch_id)["features"]}
        for r in records
    ]
    features: list[str] = []
    for psi in reversed(per_batch):  # newest batch's order first
        features.extend(name for name in psi if name not in features)
    matrix = [[psi.get(name) for psi in per_batch] for name in features]
    alerts = []
    for record, label, psi in zip(records, labels, per_batch, strict=True):
        if record.score_psi > SHIFT_ABOVE:
            alerts.append(Alert(record.batch_id, label, "score", record.score_psi))
        alerts.extend(Alert(record.batch_id, label, name, value)
                      for name, value in psi.items() if value > SHIFT_ABOVE)
    return Timeline(
        records=records,
        labels=labels,
        score_psi=[r.score_psi for r in records],
        refused_share=[r.refused_share for r in records],
        mean_probability=[r.mean_probability for r in records],
        features=features,
        feature_psi=matrix,
        alerts=alerts,
        backtests={k: v for k, v in backtests.items() if k in {r.batch_id for r in records}},
    )


def training_figures(card: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """(held-out AUC, held-out cost per client) of the model card, for the back-test chart."""
    holdout = card.get("holdout") or {}
    auc, cost = holdout.get("roc_auc"), holdout.get("normalised_cost")
    return (None if auc is None else float(auc), None if cost is None else float(cost))
