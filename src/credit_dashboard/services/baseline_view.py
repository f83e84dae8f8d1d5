"""The shipped model against the plain LightGBM baseline, from the model card. No Dash.

Issue 11: every run fits the plain baseline on the same cross-validation folds and the same
held-out rows as the tuned model, and ships the tuned model only if it beats the baseline on
held-out AUC *and* business cost. This module reads those figures back from the card, says which
rows each comes from, and words the ship decision in the reader's language from the same numbers
the training compared (the card's own English sentence stays in the card, for maintainers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from credit_dashboard.i18n import format_number
from credit_dashboard.i18n import gettext as _
from credit_dashboard.model.recipes import BASELINE, CHOSEN


@dataclass(frozen=True)
class ModelFigures:
    """One model's figures: cross-validated and held out."""

    name: str
    shipped: bool
    cv_roc_auc: float | None
    cv_normalised_cost: float | None
    holdout_roc_auc: float | None
    holdout_normalised_cost: float | None
    threshold: float | None


@dataclass(frozen=True)
class BaselineView:
    """Tuned model vs baseline, the ship decision and where the figures come from."""

    models: tuple[ModelFigures, ...]
    shipped: str
    why: str
    #: One sentence per source of rows.
    sources: tuple[str, ...]
    same_holdout_rows: bool


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _figures(name: str, section: dict[str, Any], shipped: bool) -> ModelFigures:
    cv = section.get("cv") or {}
    return ModelFigures(
        name=name, shipped=shipped,
        cv_roc_auc=_number(cv.get("roc_auc")),
        cv_normalised_cost=_number(cv.get("normalised_cost")),
        holdout_roc_auc=_number(section.get("roc_auc")),
        holdout_normalised_cost=_number(section.get("normalised_cost")),
        threshold=_number(section.get("threshold")),
    )


def _interval(section: dict[str, Any]) -> str:
    """"+0.0045 (95 % interval -0.0003 to +0.0100)" from a bootstrap difference."""
    def signed(value: float) -> str:
        text = format_number(abs(value), 4)
        return ("+" if value >= 0 else "−") + text
    return _("{estimate} (95 % interval {low} to {high})").format(
        estimate=signed(float(section["estimate"])), low=signed(float(section["low"])),
        high=signed(float(section["high"])))


def why_shipped(shipped: str, tuned: ModelFigures, baseline: ModelFigures,
                decision: dict[str, Any] | None = None) -> str:
    """The ship rule in words: with the card's paired bootstrap (``ship_decision``) when it has
    one, else from the held-out figures (cards trained before the rule looked at the noise)."""
    if None in (tuned.holdout_roc_auc, baseline.holdout_roc_auc, tuned.holdout_normalised_cost,
                baseline.holdout_normalised_cost):
        return _("The card does not hold both models' held-out figures.")
    auc_gain = tuned.holdout_roc_auc - baseline.holdout_roc_auc
    cost_gain = baseline.holdout_normalised_cost - tuned.holdout_normalised_cost
    figures = _("held-out AUC {auc} against {base_auc} for the baseline, business cost per "
                "client {cost} against {base_cost}").format(
        auc=format_number(tuned.holdout_roc_auc, 4),
        base_auc=format_number(baseline.holdout_roc_auc, 4),
        cost=format_number(tuned.holdout_normalised_cost, 4),
        base_cost=format_number(baseline.holdout_normalised_cost, 4))
    tuned_vs = (decision or {}).get("tuned_vs_baseline")
    if tuned_vs and "auc_difference" in tuned_vs and "cost_difference" in tuned_vs:
        noise = _("tuned minus baseline: AUC {auc}, business cost {cost}; {figures}").format(
            auc=_interval(tuned_vs["auc_difference"]),
            cost=_interval(tuned_vs["cost_difference"]), figures=figures)
        if shipped == CHOSEN:
            return _("The tuned LightGBM is shipped: it beats the plain baseline beyond the "
                     "noise of the held-out comparison ({noise}).").format(noise=noise)
        return _("The plain baseline is shipped: the tuned LightGBM did not beat it beyond the "
                 "noise of the held-out comparison ({noise}).").format(noise=noise)
    if shipped == CHOSEN:
        return _("The tuned LightGBM is shipped: it beats the plain baseline on both AUC and "
                 "business cost ({figures}).").format(figures=figures)
    lost = [name for name, gain in ((_("AUC"), auc_gain), (_("business cost"), cost_gain))
            if gain <= 0]
    return _("The plain baseline is shipped: the tuned LightGBM did not beat it on {what} "
             "({figures}).").format(what=_(" and ").join(lost) or _("the held-out rows"),
                                    figures=figures)


def baseline_view(card: dict[str, Any]) -> BaselineView | None:
    """The comparison, or None when the card predates the baseline (no ``baseline`` section)."""
    baseline_section = card.get("baseline")
    if not baseline_section:
        return None
    shipped = (card.get("chosen") or {}).get("model", CHOSEN)
    tuned_section = card.get("candidate") or {**card.get("holdout", {}),
                                               "cv": {}, "threshold": None}
    tuned = _figures(_("Tuned LightGBM"), tuned_section, shipped == CHOSEN)
    baseline = _figures(_("Plain LightGBM baseline"), baseline_section, shipped == BASELINE)
    holdout = card.get("holdout") or {}
    cv = baseline_section.get("cv") or {}
    final = card.get("final_fit") or {}
    same = bool(holdout.get("ids_sha256")) and (
        holdout.get("ids_sha256") == baseline_section.get("ids_sha256"))
    sources = [
        _("Cross-validation: out-of-fold predictions on the {rows} development rows, in the same "
          "{folds} folds for both models; each fold is scored with choices made on the other "
          "folds only.").format(rows=format_number(cv.get("rows", 0)),
                                folds=cv.get("folds", "-")),
        _("Held out: the same {rows} clients for both models (fingerprint of their ids {sha}), "
          "set aside before any choice and scored by models fitted on the development rows.")
        .format(rows=format_number(holdout.get("rows", holdout.get("n", 0))),
                sha=holdout.get("ids_sha256", "-")),
    ]
    if final.get("rows"):
        sources.append(_("The shipped model was then refitted on all {rows} labelled rows; no "
                         "figure here comes from that fit.").format(
            rows=format_number(final["rows"])))
    return BaselineView(
        models=(tuned, baseline), shipped=shipped, why=why_shipped(shipped, tuned, baseline,
                                                     card.get("ship_decision")),
        sources=tuple(sources),
        same_holdout_rows=same,
    )
