"""The model card's fairness section as the model page shows it. No Dash.

The figures are the training run's (fairlearn ``MetricFrame`` on the held-out clients, see
``model.fairness``); this module only orders them for display and words, in the reader's
language, the card's reading of each attribute: which part of the refusal-rate gap the groups'
default rates explain and which part comes from the model (``fairness.gap_summary``, the same
numbers the card's English sentence is written from).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from credit_dashboard.i18n import N_, format_percent
from credit_dashboard.i18n import gettext as _
from credit_dashboard.model.fairness import AGE_BANDS, MIN_GROUP_ROWS, gap_summary

#: Each audited attribute's name on screen.
ATTRIBUTE_NAMES = {"CODE_GENDER": N_("Gender (CODE_GENDER)"),
                   "AGE_BAND": N_("Age band (from DAYS_BIRTH)")}
_SOURCES = {"default_rates": N_("mostly from the groups' different default rates"),
            "model": N_("mostly from the model"),
            "both": N_("partly from the groups' default rates, partly from the model")}
#: The age bands youngest first (the card lists groups in fairlearn's alphabetical order).
_ORDER = {name: index for index, (name, _low, _high) in enumerate(AGE_BANDS)}
#: Group labels the card writes in English.
_GROUP_NAMES = {"unknown": N_("unknown")}


@dataclass(frozen=True)
class AttributeView:
    attribute: str
    title: str
    groups: tuple[dict[str, Any], ...]
    demographic_parity_difference: float | None
    equalized_odds_difference: float | None
    words: str
    #: The card's own sentence (English, as the training run wrote it).
    card_words: str | None


@dataclass(frozen=True)
class FairnessView:
    rows: int
    threshold: float | None
    attributes: tuple[AttributeView, ...]
    excluded_features: tuple[str, ...]


def group_name(name: str) -> str:
    return _(_GROUP_NAMES[name]) if name in _GROUP_NAMES else name


def _points(share: float) -> str:
    return _("{points} points").format(points=f"{100 * share:.1f}")


def words(title: str, rows: list[dict[str, Any]]) -> str:
    """The card's reading of one attribute, in the reader's language."""
    summary = gap_summary(rows)
    if summary is None:
        return _("{attribute}: fewer than two groups of {n} held-out clients, so no gap is "
                 "measured.").format(attribute=title, n=MIN_GROUP_ROWS)
    most, least = summary["most"], summary["least"]
    return _(
        "{attribute}: '{most}' is refused most often ({most_rate}) and '{least}' least "
        "({least_rate}), a gap of {gap}. Their default rates differ by {default_gap}; with the "
        "same true- and false-positive rates in every group, these default rates alone would "
        "give a gap of {explained}, so the gap comes {source}. The model's own differences: "
        "true-positive rates differ by up to {tpr_gap} and false-positive rates by up to "
        "{fpr_gap} between groups (equalized odds)."
    ).format(
        attribute=title, most=group_name(most["group"]), least=group_name(least["group"]),
        most_rate=format_percent(most["refusal_rate"]),
        least_rate=format_percent(least["refusal_rate"]), gap=_points(summary["gap"]),
        default_gap=_points(summary["default_gap"]), explained=_points(summary["explained"]),
        source=_(_SOURCES[summary["source"]]), tpr_gap=_points(summary["tpr_gap"]),
        fpr_gap=_points(summary["fpr_gap"]),
    )


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def fairness_view(card: dict[str, Any]) -> FairnessView | None:
    """The section, or None when the card has none (trained before it existed)."""
    section = card.get("fairness")
    if not section or not section.get("attributes"):
        return None
    attributes = []
    for name, report in section["attributes"].items():
        title = _(ATTRIBUTE_NAMES[name]) if name in ATTRIBUTE_NAMES else name
        groups = tuple(
            {**row, "label": group_name(str(row["group"])),
             **{k: _finite(row.get(k)) for k in ("tpr", "fpr", "roc_auc")}}
            for row in sorted(report.get("groups", []),
                              key=lambda r: (_ORDER.get(str(r["group"]), len(_ORDER)),
                                             str(r["group"])))
        )
        attributes.append(AttributeView(
            attribute=name, title=title, groups=groups,
            demographic_parity_difference=_finite(report.get("demographic_parity_difference")),
            equalized_odds_difference=_finite(report.get("equalized_odds_difference")),
            words=words(title, list(report.get("groups", []))),
            card_words=report.get("explanation"),
        ))
    return FairnessView(
        rows=int(section.get("rows", 0)), threshold=_finite(section.get("threshold")),
        attributes=tuple(attributes),
        excluded_features=tuple(section.get("excluded_features") or ()),
    )
