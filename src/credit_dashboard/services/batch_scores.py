"""Scoring a whole batch at once: probability, decision and, for refusals, the top reasons.

The rows go through the model in a few large chunks (one feature pass and one booster call per
chunk, on the model's batch threads), never one by one. Reasons are owed for a refusal (granted
clients get none, as on the advisor page), and they are what costs: TreeSHAP takes some forty times
longer than the probability. So only the refused clients are explained; their reasons are the three
features that raised their risk most, written as on the advisor page ("External score 3 is 0.12:
raises the risk, +0.45"), so the CSV an analyst downloads says why without opening the dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from credit_dashboard.model.cost import GRANT, REFUSE, is_refused
from credit_dashboard.services.explain import Contribution, reading
from credit_dashboard.services.labels import feature_label
from credit_dashboard.storage.schema import ID_COLUMN

#: Rows explained per model call (bounds the memory of the contribution matrix).
CHUNK_ROWS = 20_000
REASONS = 3
REASON_COLUMNS = tuple(f"reason_{i + 1}" for i in range(REASONS))


@dataclass
class BatchScores:
    """What scoring a batch produces: the scores table and the monitored feature values."""

    #: id, default_probability, decision, reason_1..3 (refusals only), model_version.
    table: pd.DataFrame
    #: The model's value of every explained feature per client (for the PSI of the features).
    feature_values: pd.DataFrame


def _reasons(contributions: pd.DataFrame, values: pd.DataFrame, raw: pd.DataFrame) -> list[list]:
    """The ``REASONS`` contributions that raise each row's risk most, as sentences."""
    matrix = contributions.to_numpy()
    names = list(contributions.columns)
    k = min(REASONS, matrix.shape[1])
    top = np.argsort(-matrix, axis=1, kind="stable")[:, :k]
    # The raw Kaggle value where there is one (a pensioner's 365243 reads "pensioner").
    shown = {n: (raw[n] if n in raw.columns else values[n]).to_numpy(dtype=object) for n in names}
    labels = {n: feature_label(n) for n in names}
    out = []
    for row, columns in enumerate(top):
        out.append([
            reading(Contribution(names[c], labels[names[c]], shown[names[c]][row],
                                 float(matrix[row, c])))
            for c in columns
            if matrix[row, c] > 0
        ])
    return out


def score_batch(model: object, applicants: pd.DataFrame, model_version: str) -> BatchScores:
    """Score and explain every client of ``applicants`` with ``model`` (a CreditRiskModel)."""
    threshold = float(model.decision_threshold)  # type: ignore[attr-defined]
    parts, value_parts, reasons = [], [], []
    for start in range(0, len(applicants), CHUNK_ROWS):
        chunk = applicants.iloc[start : start + CHUNK_ROWS]
        p = np.asarray(model.default_probability(chunk), dtype=float)  # type: ignore[attr-defined]
        parts.append(p)
        value_parts.append(model.feature_values(chunk))  # type: ignore[attr-defined]
        chunk_reasons: list[list] = [[] for _ in range(len(chunk))]
        refused_rows = np.flatnonzero(is_refused(p, threshold))
        if len(refused_rows):
            subset = chunk.iloc[refused_rows]
            explanation = model.explain_rows(subset)  # type: ignore[attr-defined]
            texts = _reasons(explanation.contributions, explanation.feature_values, subset)
            for position, text in zip(refused_rows, texts, strict=True):
                chunk_reasons[position] = text
        reasons.extend(chunk_reasons)
    probability = np.concatenate(parts)
    refused = is_refused(probability, threshold)
    table = pd.DataFrame({
        ID_COLUMN: applicants[ID_COLUMN].to_numpy(),
        "default_probability": probability,
        "decision": np.where(refused, REFUSE, GRANT),
    })
    for i, column in enumerate(REASON_COLUMNS):
        table[column] = [r[i] if i < len(r) else "" for r in reasons]
    table["model_version"] = model_version
    return BatchScores(table, pd.concat(value_parts).reset_index(drop=True))
