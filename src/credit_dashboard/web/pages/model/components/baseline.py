"""Baseline panel: the tuned model against the plain LightGBM baseline on the same folds and the
same held-out clients, which one was shipped and why, and which rows each figure comes from."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, html

from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.baseline_view import BaselineView, baseline_view
from credit_dashboard.services.container import AppServices
from credit_dashboard.web.pages.model.common import models_table

TABLE = "model-baseline-table"


def comparison_table(view: BaselineView) -> html.Div:
    return models_table(view.models, TABLE, _("The tuned model against the plain baseline"))


def body(view: BaselineView | None) -> list:
    if view is None:
        return [html.P(_("This model card has no baseline: it was trained before every run "
                         "compared itself with the plain LightGBM. Train again with "
                         "`python scripts/train.py` to see the comparison."))]
    parts: list = [
        html.P(_("Business cost: 10 for each missed defaulter plus 1 for each refused good "
                 "payer, divided by the number of clients (lower is better)."), className="small"),
        comparison_table(view),
        html.P(view.why, className="fw-semibold"),
    ]
    if not view.same_holdout_rows:
        parts.append(dbc.Alert(_("The card does not show that both models were scored on the "
                                 "same held-out clients."), color="warning"))
    parts.append(html.H3(_("Where the figures come from"), className="h6 mt-3"))
    parts.append(html.Ul([html.Li(text) for text in view.sources], className="small"))
    return parts


def layout(services: AppServices) -> dbc.Card:
    return dbc.Card(
        [dbc.CardHeader(html.H2(_("Shipped model against the plain baseline"),
                                className="h5 mb-0")),
         dbc.CardBody(body(baseline_view(services.card)))],
        className="mb-3",
    )


def register_callbacks(app: Dash, services: AppServices) -> None:
    """Static panel: nothing to wire."""
