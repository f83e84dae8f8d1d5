"""Facts panel: the model card in short (model, threshold, cost, held-out scores, data)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, html

from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.container import AppServices


def fmt(value: Any, pattern: str = "{:.3f}") -> str:
    return "-" if value is None else pattern.format(value)


def facts_list(card: dict[str, Any]) -> html.Dl:
    chosen = card.get("chosen", {})
    holdout = card.get("holdout", {})
    fingerprint = card.get("data_fingerprint", {})
    calibration = card.get("calibration", {})
    facts = [
        (_("Model"), _("{model} (imbalance: {imbalance})").format(
            model=chosen.get("model", "-"), imbalance=chosen.get("imbalance", "-"))),
        (_("Decision threshold"), fmt(card.get("decision_threshold"))
         + _(" (refuse at or above this default probability)")),
        (_("Business cost"), _("missed defaulter = {fn}, refused good payer = {fp}").format(
            fn=card.get("cost_fn", "-"), fp=card.get("cost_fp", "-"))),
        (_("Held-out ROC AUC"), fmt(holdout.get("roc_auc"))),
        (_("Held-out business cost (normalised)"), fmt(holdout.get("normalised_cost"))),
        (_("Held-out recall / precision"), f"{fmt(holdout.get('recall'))} / "
                                        f"{fmt(holdout.get('precision'))}"),
        (_("Calibration"), f"{calibration.get('method', '-')}, Brier score "
                        f"{fmt(calibration.get('brier_holdout'), '{:.4f}')} (held out)"),
        (_("Best possible AUC on this data"), fmt(card.get("bayes_auc"))
         if card.get("bayes_auc") is not None else _("not known (real data)")),
        (_("Trained"), f"{card.get('created_at', '-')} in "
                    f"{fmt(card.get('training_seconds'), '{:.0f}')} s"),
        (_("Training data"), f"{fingerprint.get('train_rows', 0):,} clients, default rate "
                          f"{fmt(fingerprint.get('target_rate'), '{:.1%}')}, sha256 "
                          f"{str(fingerprint.get('train_sha256', '-'))[:12]}"),
        (_("Applicants data"), f"{fingerprint.get('applicants_rows', 0):,} clients, sha256 "
                            f"{str(fingerprint.get('applicants_sha256', '-'))[:12]}"),
        (_("Model version"), str(card.get("model_version", "-"))),
    ]
    if chosen.get("reason"):
        facts.insert(1, (_("Why this model"), str(chosen["reason"])))
    items: list[html.Dt | html.Dd] = []
    for label, value in facts:
        items += [html.Dt(label, className="col-sm-4"), html.Dd(value, className="col-sm-8")]
    return html.Dl(items, className="row mb-0")


def layout(services: AppServices) -> dbc.Card:
    return dbc.Card(
        [dbc.CardHeader(_("In short")), dbc.CardBody(facts_list(services.card))],
        className="mb-3",
    )


def register_callbacks(app: Dash, services: AppServices) -> None:
    """Static panel: nothing to wire."""
