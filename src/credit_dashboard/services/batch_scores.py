"""Scoring a whole batch at once: probability, decision and, for refusals, the reasons.

The rows go through the model in a few large chunks (one feature pass and one booster call per
chunk, on the model's batch threads), never one by one. Reasons are owed for a refusal (granted
clients get none, as on the advisor page, the API and the notice), and they are what costs:
LightGBM's TreeSHAP (``pred_contrib``) takes some twenty times longer than the probability. So
only the refused clients are explained, and their reasons are chosen for all of them at once
(:mod:`credit_dashboard.services.batch_reasons`): the advisor page's reasons, grouped by fact, at
most four, stored without words so the CSV is written in the language of whoever downloads it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from credit_dashboard.model.cost import GRANT, REFUSE, is_refused
from credit_dashboard.services.batch_reasons import NO_REASONS, reason_specs
from credit_dashboard.storage.schema import ID_COLUMN

#: Rows explained per model call (bounds the memory of the contribution matrix).
CHUNK_ROWS = 20_000
#: The scores table's column of stored reasons (JSON, see ``batch_reasons``).
REASONS_COLUMN = "reasons"


@dataclass
class BatchScores:
    """What scoring a batch produces: the scores table and the monitored feature values."""

    #: id, default_probability, decision, reasons (JSON; "[]" for a grant), model_version.
    table: pd.DataFrame
    #: The model's value of every explained feature per client (for the PSI of the features).
    feature_values: pd.DataFrame


def score_batch(model: object, applicants: pd.DataFrame, model_version: str) -> BatchScores:
    """Score every client of ``applicants`` with ``model`` (a CreditRiskModel), explain refusals."""
    threshold = float(model.decision_threshold)  # type: ignore[attr-defined]
    parts, value_parts, reasons = [], [], []
    for start in range(0, len(applicants), CHUNK_ROWS):
        chunk = applicants.iloc[start : start + CHUNK_ROWS]
        p = np.asarray(model.default_probability(chunk), dtype=float)  # type: ignore[attr-defined]
        parts.append(p)
        value_parts.append(model.feature_values(chunk))  # type: ignore[attr-defined]
        chunk_reasons = [NO_REASONS] * len(chunk)
        refused_rows = np.flatnonzero(is_refused(p, threshold))
        if len(refused_rows):
            subset = chunk.iloc[refused_rows]
            explanation = model.explain_rows(subset)  # type: ignore[attr-defined]
            specs = reason_specs(explanation.contributions, explanation.base_value,
                                 explanation.probability, explanation.feature_values, subset)
            for position, spec in zip(refused_rows, specs, strict=True):
                chunk_reasons[position] = spec
        reasons.extend(chunk_reasons)
    probability = np.concatenate(parts)
    refused = is_refused(probability, threshold)
    table = pd.DataFrame({
        ID_COLUMN: applicants[ID_COLUMN].to_numpy(),
        "default_probability": probability,
        "decision": np.where(refused, REFUSE, GRANT),
        REASONS_COLUMN: reasons,
    })
    table["model_version"] = model_version
    return BatchScores(table, pd.concat(value_parts).reset_index(drop=True))
