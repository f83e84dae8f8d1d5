"""Good and bad payers among past clients, summarised once at start-up for the advisor's
comparisons.

A click on a feature must not scan 300 k rows, so for every feature the advisor can pick (the
model's most important features plus the engineered ones) this module precomputes, from the history
table: histogram bins of repaid vs defaulted clients for numeric features, the default rate per
category for categorical ones (and for numbers with only a few distinct values, such as flags), the
median (the "usual" value in the readings), and a fixed random sample for the bivariate plot.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype

from credit_dashboard.i18n import format_percent, gettext
from credit_dashboard.model.record_catalogue import is_record_feature
from credit_dashboard.services.labels import display_scale, format_value, is_categorical, is_flag
from credit_dashboard.storage.schema import DAYS_EMPLOYED_ANOMALY, is_missing

logger = logging.getLogger(__name__)

HISTOGRAM_BINS = 30
#: Numbers with at most this many distinct values (flags, counts) read better as categories.
FEW_VALUES = 12
#: Histograms span these quantiles so a handful of extreme values do not flatten the picture.
RANGE_QUANTILES = (0.005, 0.995)
SAMPLE_SIZE = 2000
MISSING_CATEGORY = "not known"


@dataclass(frozen=True)
class NumericSummary:
    """Histogram of a numeric feature for repaid and defaulted clients, on the display scale."""

    feature: str
    axis_title: str
    edges: np.ndarray
    #: Percent of repaid (resp. defaulted) clients in each bin; each sums to 100 over the bins.
    share_repaid: np.ndarray
    share_defaulted: np.ndarray
    n_repaid: int
    n_defaulted: int
    #: Clients left out (missing value, or pensioners for years employed).
    n_left_out: int
    note: str = ""
    #: Share of the shown clients beyond the charted range (for :func:`summary_note`).
    outside_share: float = 0.0


@dataclass(frozen=True)
class CategorySummary:
    """Default rate per category (most frequent first)."""

    feature: str
    axis_title: str
    categories: tuple[str, ...]
    default_rate: np.ndarray
    count: np.ndarray
    overall_default_rate: float


Summary = NumericSummary | CategorySummary


def _category_key(feature: str, value: object) -> str:
    """The category a value falls in, as written on the chart (shared with the client's marker)."""
    return format_value(feature, value) if not isinstance(value, str) else value


def to_display(feature: str, values: np.ndarray) -> np.ndarray:
    """Values on the chart's axis (days -> years); pensioners' placeholder becomes missing."""
    values = np.asarray(values, dtype=float)
    if feature == "DAYS_EMPLOYED":
        values = np.where(values == DAYS_EMPLOYED_ANOMALY, np.nan, values)
    transform, _ = display_scale(feature)
    return np.asarray(transform(values), dtype=float)


def summarise_category(feature: str, values: pd.Series, target: pd.Series) -> CategorySummary:
    # One key per distinct value, not per row: formatting a value (Babel) costs about 20 us, and a
    # category column of 307,511 past clients holds a few dozen values (82 s -> 1 s at start-up).
    codes, distinct = pd.factorize(values.astype(object), use_na_sentinel=True)
    labels = np.array(
        [client_category(feature, v) for v in distinct] + [MISSING_CATEGORY],  # -1: missing
        dtype=object,
    )
    keys = labels[codes]
    grouped = target.groupby(keys).agg(["mean", "size"]).sort_values(
        "size", ascending=False
    )
    _, axis_title = display_scale(feature)
    return CategorySummary(
        feature=feature,
        axis_title=axis_title,
        categories=tuple(str(c) for c in grouped.index),
        default_rate=grouped["mean"].to_numpy(dtype=float),
        count=grouped["size"].to_numpy(dtype=int),
        overall_default_rate=float(target.mean()),
    )


def summarise_numeric(feature: str, values: pd.Series, target: pd.Series) -> NumericSummary:
    shown = to_display(feature, values.to_numpy())
    outcome = target.to_numpy()
    known = ~np.isnan(shown)
    shown, outcome = shown[known], outcome[known]
    _, axis_title = display_scale(feature)
    if shown.size == 0:
        edges = np.array([0.0, 1.0])
    else:
        low, high = np.quantile(shown, RANGE_QUANTILES)
        if high <= low:
            low, high = float(shown.min()), float(shown.max()) + 1.0
        edges = np.linspace(low, high, HISTOGRAM_BINS + 1)
    # Values beyond the range are not piled into the end bins (that drew a false peak at the
    # edge): they are left out of the bars, which stay shares of the whole group.
    group_sizes = (int((outcome == 0).sum()), int((outcome == 1).sum()))
    repaid, _ = np.histogram(shown[outcome == 0], bins=edges)
    defaulted, _ = np.histogram(shown[outcome == 1], bins=edges)
    notes = []
    if feature == "DAYS_EMPLOYED":
        notes.append("pensioners and people not employed are left out")
    outside = shown.size - int(repaid.sum() + defaulted.sum())
    if outside:
        notes.append(f"{outside / shown.size:.1%} of clients beyond the range shown")
    return NumericSummary(
        feature=feature,
        axis_title=axis_title,
        edges=edges,
        share_repaid=_percent(repaid, group_sizes[0]),
        share_defaulted=_percent(defaulted, group_sizes[1]),
        n_repaid=group_sizes[0],
        n_defaulted=group_sizes[1],
        n_left_out=int((~known).sum()),
        note="; ".join(notes),
        outside_share=outside / shown.size if outside else 0.0,
    )


def summary_note(summary: NumericSummary) -> str:
    """The summary's note in the current language (the summaries are built once, at start-up,
    so their ``note`` is the English one; charts are drawn per request)."""
    notes = []
    if summary.feature == "DAYS_EMPLOYED":
        notes.append(gettext("pensioners and people not employed are left out"))
    if summary.outside_share:
        notes.append(gettext("{share} of clients beyond the range shown").format(
            share=format_percent(summary.outside_share)))
    return "; ".join(notes)


def _percent(counts: np.ndarray, total: int) -> np.ndarray:
    return counts * (100.0 / total) if total else counts.astype(float)


def _median(feature: str, values: pd.Series) -> float:
    if feature == "DAYS_EMPLOYED":
        values = values.where(values != DAYS_EMPLOYED_ANOMALY)
    return float(values.median())


def summarise(feature: str, values: pd.Series, target: pd.Series) -> Summary:
    """The right summary for one feature: category rates or a histogram."""
    if is_categorical(feature) or not is_numeric_dtype(values):
        return summarise_category(feature, values, target)
    if values.nunique(dropna=True) <= FEW_VALUES:
        return summarise_category(feature, values, target)
    return summarise_numeric(feature, values, target)


@dataclass(frozen=True)
class HistoryComparison:
    """Everything the advisor's comparison charts need, computed once."""

    features: tuple[str, ...]
    summaries: dict[str, Summary]
    #: Median of each numeric feature among past clients: the "usual" value in the readings.
    typical: dict[str, float]
    #: A fixed random sample of past clients: their feature values plus TARGET.
    sample: pd.DataFrame
    target_column: str
    #: The sample's numeric features on the display scale, rounded to 4 significant digits, ready
    #: for the scatter plot (computed once: a scatter then costs no conversion per click).
    sample_display: dict[str, np.ndarray]



def pickable_features(
    global_importance: Sequence[dict[str, object]],
    explained: Iterable[str],
    engineered: Iterable[str],
    top_n: int = 20,
) -> tuple[str, ...]:
    """The model's ``top_n`` most important features, then the engineered ones (no duplicates).

    Credit-record features are left out: the comparisons summarise past clients' application
    facts, and their records stay in the store instead of in every worker."""
    explained_set = {f for f in explained if not is_record_feature(f)}
    ordered = [str(r["feature"]) for r in global_importance[:top_n]]
    ordered += [f for f in engineered if f in explained_set]
    seen: dict[str, None] = {}
    for feature in ordered:
        if feature in explained_set:
            seen.setdefault(feature, None)
    return tuple(seen)


def scatter_features(features: Iterable[str]) -> tuple[str, ...]:
    """Features that make sense on a scatter axis: numbers, not text, not yes/no flags."""
    return tuple(f for f in features if not is_categorical(f) and not is_flag(f))


def build_comparison(
    values: pd.DataFrame,
    target: pd.Series,
    features: Sequence[str],
    sample_size: int = SAMPLE_SIZE,
    seed: int = 0,
) -> HistoryComparison:
    """Summaries of ``features`` of past clients.

    ``values``: one row per client (feature values), ``target``: their outcomes (0/1).
    """
    if len(values) != len(target):
        raise ValueError(f"{len(values)} rows of values but {len(target)} outcomes")
    missing = [f for f in features if f not in values.columns]
    if missing:
        raise ValueError(f"history values lack the features {missing}")
    target = pd.Series(np.asarray(target, dtype=int), index=values.index)
    summaries = {f: summarise(f, values[f], target) for f in features}
    typical = {f: _median(f, values[f]) for f in features if is_numeric_dtype(values[f])}
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(values), size=min(sample_size, len(values)), replace=False)
    sample = values.iloc[np.sort(chosen)][list(features)].copy()
    sample["TARGET"] = target.iloc[np.sort(chosen)].to_numpy()
    logger.info("comparison summaries ready for %d features", len(features))
    sample_display = {
        f: _significant(to_display(f, sample[f].to_numpy(dtype=float)))
        for f in features
        if is_numeric_dtype(sample[f])
    }
    return HistoryComparison(
        features=tuple(features),
        summaries=summaries,
        typical=typical,
        sample=sample.reset_index(drop=True),
        target_column="TARGET",
        sample_display=sample_display,
    )


def _significant(values: np.ndarray, digits: int = 4) -> np.ndarray:
    """``values`` rounded to ``digits`` significant digits (a smaller chart to send)."""
    finite = np.abs(values[np.isfinite(values)])
    largest = float(finite.max()) if finite.size else 0.0
    if largest == 0.0:
        return values
    decimals = max(0, digits - 1 - int(np.floor(np.log10(largest))))
    return np.round(values, decimals)


def client_category(feature: str, value: object) -> str:
    """The category label a client's value falls in (matches :class:`CategorySummary`)."""
    return MISSING_CATEGORY if is_missing(value) else _category_key(feature, value)
