"""Score panel: the gauge of the probability of default and the decision in words."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, html, no_update

from credit_dashboard.figures.score import gauge
from credit_dashboard.i18n import format_number, format_percent
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.container import AppServices
from credit_dashboard.services.scoring import ClientResult
from credit_dashboard.web.pages.advisor.common import CLIENT_STORE, graph, scored

GAUGE = "score-gauge"
DECISION = "score-decision"


def decision_block(result: ClientResult) -> html.Div:
    """The decision in words and with an icon (never by colour alone), and the margin."""
    refuse = result.decision == "refuse"
    icon, word = ("✖", _("Refuse")) if refuse else ("✔", _("Grant"))
    points = abs(result.margin) * 100
    return html.Div(
        [
            html.Div(
                [html.Span(icon, className="me-2", **{"aria-hidden": "true"}), word],
                className=f"decision decision-{result.decision}",
            ),
            html.P(
                (_("Probability of default {p}: {points} points above the threshold of {t}.")
                 if refuse else
                 _("Probability of default {p}: {points} points below the threshold of {t}."))
                .format(p=format_percent(result.default_probability),
                        points=format_number(points, 1),
                        t=format_percent(result.decision_threshold)),
                className="mb-0",
            ),
        ]
    )


def layout(services: AppServices) -> dbc.Card:
    return dbc.Card(
        [
            dbc.CardHeader(_("Score and decision")),
            dbc.CardBody([graph(GAUGE, 260), html.Div(id=DECISION)]),
        ]
    )


def register_callbacks(app: Dash, services: AppServices) -> None:
    @app.callback(
        Output(GAUGE, "figure"), Output(DECISION, "children"), Input(CLIENT_STORE, "data")
    )
    def show_score(client_text: str | None) -> tuple:
        result = scored(services.scoring, client_text)
        if result is None:
            return no_update, no_update
        return gauge(result.default_probability, result.decision_threshold), decision_block(result)
