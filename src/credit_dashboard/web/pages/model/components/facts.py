"""Facts panel: the model card in short (model, threshold, cost, held-out scores, data)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, html

from credit_dashboard.figures.model_card import imbalance_name, model_name
from credit_dashboard.i18n import format_datetime, format_number, format_percent
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.baseline_view import baseline_view
from credit_dashboard.services.container import AppServices


def fmt(value: Any, digits: int = 3) -> str:
    """A card's number in the reader's format ("0,769" in French), "-" when absent."""
    return "-" if value is None else format_number(float(value), digits)


def _calibration(calibration: dict[str, Any]) -> str:
    """The card records its method as English words; the page says it from the method's kind."""
    method = str(calibration.get("method", ""))
    if method.startswith("platt"):
        kind = _("Platt scaling (sigmoid) on the out-of-fold log-odds")
    elif method.startswith("none"):
        kind = _("none: the baseline's raw probabilities")
    else:
        kind = method or "-"
    return _("{method}, Brier score {brier} (held out)").format(
        method=kind, brier=fmt(calibration.get("brier_holdout"), 4))


def _trained(card: dict[str, Any]) -> str:
    created = card.get("created_at")
    try:
        when = format_datetime(datetime.fromisoformat(str(created)), "medium") + " UTC"
    except ValueError:
        when = str(created or "-")
    return _("{when} in {seconds} s").format(when=when, seconds=fmt(card.get("training_seconds"),
                                                                   0))


def facts_list(card: dict[str, Any]) -> html.Dl:
    chosen = card.get("chosen", {})
    holdout = card.get("holdout", {})
    fingerprint = card.get("data_fingerprint", {})
    calibration = card.get("calibration", {})
    facts = [
        (_("Model"), _("{model} (imbalance: {imbalance})").format(
            model=model_name(chosen.get("model", "-")),
            imbalance=imbalance_name(chosen.get("imbalance", "-")))),
        (_("Decision threshold"), fmt(card.get("decision_threshold"))
         + _(" (refuse at or above this default probability)")),
        (_("Business cost"), _("missed defaulter = {fn}, refused good payer = {fp}").format(
            fn=card.get("cost_fn", "-"), fp=card.get("cost_fp", "-"))),
        (_("Held-out ROC AUC"), fmt(holdout.get("roc_auc"))),
        (_("Held-out business cost (normalised)"), fmt(holdout.get("normalised_cost"))),
        (_("Held-out recall / precision"), "{} / {}".format(fmt(holdout.get("recall")),
                                                            fmt(holdout.get("precision")))),
        (_("Calibration"), _calibration(calibration)),
        (_("Best possible AUC on this data"), fmt(card.get("bayes_auc"))
         if card.get("bayes_auc") is not None else _("not known (real data)")),
        (_("Trained"), _trained(card)),
        (_("Training data"), _("{rows} clients, default rate {rate}, sha256 {sha}").format(
            rows=format_number(fingerprint.get("train_rows", 0)),
            rate=format_percent(float(fingerprint.get("target_rate") or 0.0), 1),
            sha=str(fingerprint.get("train_sha256", "-"))[:12])),
        (_("Applicants data"), _("{rows} clients, sha256 {sha}").format(
            rows=format_number(fingerprint.get("applicants_rows", 0)),
            sha=str(fingerprint.get("applicants_sha256", "-"))[:12])),
        (_("Model version"), str(card.get("model_version", "-"))),
    ]
    view = baseline_view(card)
    if view is not None:
        # The ship rule in the reader's words, from the card's figures (its own sentence is
        # English and stays in the card).
        facts.insert(1, (_("Why this model"), view.why))
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
