"""The credit-records comparison and the threshold rule, read from the model card. No Dash.

Why a view of its own: the training fits the chosen recipe with the credit records and on the
application table alone, on the same folds and held-out rows, and keeps the records only when they
help beyond the noise of a paired bootstrap (``model.ship_rules``). The model page shows that
comparison beside the plain baseline, and the threshold rule's decision (1/11 or the searched
threshold). The sentences are written here in the reader's language from the card's numbers; the
card's own English sentences stay in the card.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from credit_dashboard.i18n import format_number
from credit_dashboard.i18n import gettext as _
from credit_dashboard.model.recipes import APPLICATION_ONLY, BASELINE, CHOSEN, WITH_RECORDS
from credit_dashboard.services.baseline_view import ModelFigures

#: Card sections the view reads.
NO_SECTION = "no_section"
NOT_USED = "not_used"
USED = "used"


@dataclass(frozen=True)
class Difference:
    """A bootstrap difference (with records minus application only) and its 95 % interval."""

    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class RecordsView:
    """What the credit-records panel shows."""

    status: str
    #: Why the records were not used (``NOT_USED``), in words.
    note: str | None = None
    models: tuple[ModelFigures, ...] = ()
    auc_difference: Difference | None = None
    cost_difference: Difference | None = None
    resamples: int = 0
    holdout_rows: int = 0
    folds: int = 0
    development_rows: int = 0
    #: (table, rows) in the schema's order.
    tables: tuple[tuple[str, int], ...] = ()
    #: Share of the history / applicants / held-out clients with at least one record.
    share_history: float | None = None
    share_applicants: float | None = None
    share_holdout: float | None = None
    features: int = 0
    decision: str = ""
    shipped: str = ""
    source: str | None = None


@dataclass(frozen=True)
class ThresholdView:
    """The threshold rule's decision: 1/11 kept, or the searched threshold, and why."""

    kept_one_eleventh: bool
    threshold: float
    searched: float | None
    per_fold: tuple[float, ...]
    cost_at_searched: float | None
    cost_at_one_eleventh: float | None
    difference: Difference | None
    text: str


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _difference(section: dict[str, Any] | None) -> Difference | None:
    if not section:
        return None
    return Difference(float(section["estimate"]), float(section["low"]), float(section["high"]))


def _figures(name: str, section: dict[str, Any] | None, shipped: bool) -> ModelFigures:
    section = section or {}
    cv, holdout = section.get("cv") or {}, section.get("holdout") or {}
    return ModelFigures(
        name=name, cv_roc_auc=_float(cv.get("roc_auc")),
        cv_normalised_cost=_float(cv.get("normalised_cost")),
        holdout_roc_auc=_float(holdout.get("roc_auc")),
        holdout_normalised_cost=_float(holdout.get("normalised_cost")),
        threshold=_float(holdout.get("threshold")), shipped=shipped,
    )


def interval_text(difference: Difference, digits: int = 4) -> str:
    """``+0.0012 [-0.0010, +0.0034]`` in the reader's number format."""
    def signed(value: float) -> str:
        return ("+" if value > 0 else "") + format_number(value, digits)
    return f"{signed(difference.estimate)} [{signed(difference.low)} ; {signed(difference.high)}]"


def _decision_text(winner: str | None, auc: Difference | None, cost: Difference | None) -> str:
    """Why the records were kept or not, from the intervals (the rule of ``ship_rules.beats``)."""
    if auc is None or cost is None:
        return _("The card does not hold the comparison's intervals.")
    if winner == WITH_RECORDS:
        if auc.low > 0:
            return _("The credit records are kept: with them the model ranks clients better "
                     "beyond the noise (the AUC difference's 95% interval is above 0) and its "
                     "business cost is not clearly worse.")
        return _("The credit records are kept: the AUCs cannot be told apart, but with the "
                 "records the business cost is lower beyond the noise (its 95% interval is "
                 "below 0).")
    if auc.low > 0:
        return _("The credit records are left out: with them the model ranks better, but its "
                 "business cost is clearly worse.")
    if auc.high < 0:
        return _("The credit records are left out: with them the model ranks worse beyond the "
                 "noise.")
    return _("The credit records are left out: neither the AUC nor the business cost is better "
             "with them beyond the noise (both 95% intervals include 0), and a tie keeps the "
             "simpler model.")


def _shipped_text(ship: dict[str, Any]) -> str:
    shipped = ship.get("shipped")
    if shipped == BASELINE:
        return _("Shipped: the plain baseline (application table only); the tuned model did not "
                 "beat it beyond the noise.")
    if ship.get("uses_credit_records"):
        return _("Shipped: the tuned model with the credit records.")
    return _("Shipped: the tuned model on the application table alone.")


def records_view(card: dict[str, Any]) -> RecordsView:
    """The panel's figures and sentences; ``status`` says when the card has none to show."""
    section = card.get("credit_records")
    if not section:
        return RecordsView(status=NO_SECTION)
    if not section.get("used"):
        note = (_("This model was trained with --no-credit-records: on the application table "
                  "alone.") if section.get("origin") == "disabled" else
                _("No credit-record tables were found beside the training table when this model "
                  "was trained, so it uses the application table alone."))
        return RecordsView(status=NOT_USED, note=note, source=section.get("source"))
    ship = card.get("ship_decision") or {}
    comparison = section.get("comparison") or {}
    winner = section.get("winner")
    shipped_model = ship.get("shipped", (card.get("chosen") or {}).get("model"))
    models = (
        _figures(_("Tuned model, application table only"), section.get(APPLICATION_ONLY),
                 shipped_model == CHOSEN and winner == APPLICATION_ONLY),
        _figures(_("Tuned model with credit records"), section.get(WITH_RECORDS),
                 shipped_model == CHOSEN and winner == WITH_RECORDS),
        _figures(_("Plain LightGBM baseline"), section.get(BASELINE),
                 shipped_model == BASELINE),
    )
    shares = section.get("clients_with_records") or {}
    rows = section.get("rows") or {}
    auc, cost = (_difference(comparison.get("auc_difference")),
                 _difference(comparison.get("cost_difference")))
    return RecordsView(
        status=USED, models=models, auc_difference=auc, cost_difference=cost,
        resamples=int(comparison.get("resamples", 0)),
        holdout_rows=int(rows.get("holdout", comparison.get("rows", 0))),
        folds=int(rows.get("folds", 0)), development_rows=int(rows.get("development", 0)),
        tables=tuple((name, int(n)) for name, n in (section.get("tables") or {}).items()),
        share_history=_float(shares.get("history")),
        share_applicants=_float(shares.get("applicants")),
        share_holdout=_float(shares.get("holdout")),
        features=len(section.get("features") or ()),
        decision=_decision_text(winner, auc, cost), shipped=_shipped_text(ship),
        source=section.get("source"),
    )


def threshold_view(card: dict[str, Any]) -> ThresholdView | None:
    """The threshold rule's decision, or None for a card trained before the rule."""
    rule = card.get("threshold_rule")
    if not rule:
        return None
    kept = rule.get("kept") == "one_eleventh"
    threshold = float(rule.get("threshold", card.get("decision_threshold", 1 / 11)))
    difference = _difference(rule.get("cost_difference"))
    per_fold = tuple(float(t) for t in rule.get("per_fold") or ())
    searched = _float(rule.get("searched"))
    folds = " ; ".join(format_number(t, 3) for t in per_fold)
    figures = {"searched": format_number(searched, 3) if searched is not None else "-",
               "folds": folds or "-",
               "interval": interval_text(difference) if difference else "-"}
    if (card.get("chosen") or {}).get("model") == BASELINE:
        text = _("The plain baseline always refuses from 1/11 of its probabilities; for "
                 "information, the cost-optimal threshold on its out-of-fold predictions is "
                 "{searched} (folds: {folds}).").format(**figures)
    elif kept:
        text = _("Threshold 1/11 ≈ 0.091 kept: the cost-optimal threshold on the out-of-fold "
                 "predictions, {searched} (folds: {folds}), does not lower the business cost "
                 "beyond the noise (difference per client {interval}) or moves from one side of "
                 "1/11 to the other between folds.").format(**figures)
    else:
        text = _("Threshold {searched} used instead of 1/11: it lowers the business cost beyond "
                 "the noise (difference per client {interval}) and every fold's optimum lies on "
                 "the same side of 1/11 (folds: {folds}).").format(**figures)
    return ThresholdView(kept, threshold, searched, per_fold, _float(rule.get("cost_at_searched")),
                         _float(rule.get("cost_at_one_eleventh")), difference, text)
