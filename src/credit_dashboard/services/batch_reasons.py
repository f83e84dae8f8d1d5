"""The reasons for the refused clients of a whole batch: the advisor page's reasons, vectorised.

The advisor page explains one client with :func:`credit_dashboard.services.reasons.refusal_reasons`:
contributions summed by fact group, a walk from the average client's probability in order of size
for the points, then the largest raising groups that may be given, at most four. Doing that client
by client costs about a millisecond each (thousands of small objects and formatted numbers); a
48,744-row batch refuses some 14,000 clients. So here the same steps run on the whole contribution
matrix at once: group sums are one matrix product, the walk is a sort, a cumulative sum and the
logistic function per row. Only the few candidate groups of each refused client become objects,
to ask :func:`~credit_dashboard.services.reasons.is_withheld` whether they may be given.

What is stored is language-free: per client, its reasons as ``[group, probability change,
log-odds, [[feature, value, log-odds], ...]]`` (the group's members in the waterfall's order). The
words are written when the CSV is read (:func:`reason_texts`), by the advisor page's own
``reason_text``, in the language of that request. ``tests/batches/test_batch_reasons.py`` checks
that both paths give the same reasons for the same clients.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import expit

from credit_dashboard.services.explain import Contribution
from credit_dashboard.services.grouped import GroupedContribution, format_points
from credit_dashboard.services.groups import group_label, group_of, is_protected
from credit_dashboard.services.labels import feature_label
from credit_dashboard.services.reasons import (
    MAX_REASONS,
    is_withheld,
    reads_value,
    reason_text,
)
from credit_dashboard.storage.schema import is_missing

#: No reason (a granted client, or a refusal with nothing that may be given).
NO_REASONS = "[]"


def _json_value(value: object) -> object:
    """A member's value as JSON keeps it: Python scalars, missing values as null."""
    item = getattr(value, "item", None)
    value = item() if callable(item) else value
    if is_missing(value) or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return value if isinstance(value, (int, float, str, bool)) else str(value)


def _group_index(features: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Group keys in sorted order (the tie-break of every ordering below) and each feature's."""
    keys = sorted({group_of(f) for f in features})
    position = {k: i for i, k in enumerate(keys)}
    return keys, np.array([position[group_of(f)] for f in features], dtype=np.intp)


def walk_changes(base_value: float, sums: np.ndarray, probability: np.ndarray) -> np.ndarray:
    """Each group's change in probability at its step of the waterfall's walk, row by row.

    The same walk as :func:`credit_dashboard.services.grouped.probability_steps`: groups by
    decreasing absolute log-odds (ties by key, the columns' order), and the last step lands on the
    probability shown, so a row's changes sum to ``probability - expit(base_value)``.
    """
    order = np.argsort(-np.abs(sums), axis=1, kind="stable")
    walked = np.take_along_axis(sums, order, axis=1)
    reached = expit(base_value + np.cumsum(walked, axis=1))
    steps = np.diff(reached, axis=1, prepend=expit(base_value))
    steps[:, -1] += probability - reached[:, -1]
    changes = np.empty_like(steps)
    np.put_along_axis(changes, order, steps, axis=1)
    return changes


def reason_specs(
    contributions: pd.DataFrame,
    base_value: float,
    probability: np.ndarray,
    values: pd.DataFrame,
    raw: pd.DataFrame,
    limit: int = MAX_REASONS,
) -> list[str]:
    """The reasons of refused clients, one JSON text per row of ``contributions``.

    ``contributions`` and ``values`` are ``CreditRiskModel.explain_rows`` of the refused rows
    ``raw``; a member's value is the raw Kaggle value where there is one (as on the advisor page:
    a pensioner's 365243 days), the model's value for an engineered feature. A reason keeps the
    members its words read (``reasons.reads_value``: the first, the strongest raising one and a
    few named features), in the waterfall's order; a fact of 47 building columns keeps one or two.
    """
    features = list(contributions.columns)
    matrix = contributions.to_numpy(dtype=float)
    keys, group_of_feature = _group_index(features)
    membership = np.zeros((len(features), len(keys)))
    membership[np.arange(len(features)), group_of_feature] = 1.0
    sums = matrix @ membership
    changes = walk_changes(base_value, sums, np.asarray(probability, dtype=float))
    # Raising groups, largest effect in points first (the order of the reasons: the points shown
    # beside them, as ``reasons.refusal_reasons`` orders them), ties by log-odds then key.
    raising = np.lexsort((np.broadcast_to(np.arange(len(keys)), sums.shape), -sums, -changes),
                         axis=-1)
    # Per group: its members' columns by name (the tie-break of the members' order), and those
    # whose values the words read.
    name_rank = {f: r for r, f in enumerate(sorted(features))}
    by_name = sorted(range(len(features)), key=lambda i: name_rank[features[i]])
    members_of = [np.array([i for i in by_name if group_of_feature[i] == g], dtype=np.intp)
                  for g in range(len(keys))]
    read_of = [[i for i in members_of[g] if reads_value(keys[g], features[i])]
               for g in range(len(keys))]
    protected = [is_protected(k) for k in keys]
    shown = [(raw[n] if n in raw.columns else values[n]).to_numpy(dtype=object) for n in features]
    out = []
    for row in range(len(matrix)):
        reasons: list[list] = []
        for g in raising[row]:
            if len(reasons) == limit or sums[row, g] <= 0:
                break
            if protected[g]:
                continue
            columns = members_of[g]
            amounts = matrix[row, columns]
            # Members sorted by (-|log-odds|, name) as the advisor page's grouping sorts them:
            # argmax on name-ordered columns keeps the first by name among equals.
            first = int(columns[np.argmax(np.abs(amounts))])
            strongest = int(columns[np.argmax(amounts)])
            kept = sorted({first, strongest, *read_of[g]},
                          key=lambda i: (-abs(matrix[row, i]), name_rank[features[i]]))
            items = [[features[i], _json_value(shown[i][row]), float(matrix[row, i])]
                     for i in kept]
            group = _group(keys[g], items, float(sums[row, g]), float(changes[row, g]),
                           labelled=False)
            if is_withheld(group):
                continue
            reasons.append([keys[g], float(changes[row, g]), float(sums[row, g]), items])
        out.append(json.dumps(reasons, allow_nan=False) if reasons else NO_REASONS)
    return out


def _group(key: str, members: Sequence[Sequence], contribution: float, change: float,
           labelled: bool = True) -> GroupedContribution:
    return GroupedContribution(
        key=key,
        label=group_label(key) if labelled else key,
        members=tuple(
            Contribution(str(f), feature_label(str(f)) if labelled else str(f), v, float(c))
            for f, v, c in members
        ),
        contribution=contribution,
        probability_change=change,
        protected=False,
    )


def reason_texts(spec: str) -> list[str]:
    """A client's stored reasons in words, in the current language: "Your scores from external
    credit reference agencies are low. (+4.1 points)", most important first."""
    texts = []
    for key, change, contribution, members in json.loads(spec or NO_REASONS):
        text = reason_text(_group(key, members, float(contribution), float(change)))
        if text is not None:  # is_withheld was asked at ingest; the words agree with it
            texts.append(f"{text} ({format_points(float(change))})")
    return texts
