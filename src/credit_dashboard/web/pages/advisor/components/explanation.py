"""Explanation panel: what pushed this client's risk up or down (waterfall + plain readings), and
the model's global importance below the client."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html, no_update

from credit_dashboard.figures.score import global_importance, waterfall
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.container import AppServices
from credit_dashboard.services.grouped import group_reading, grouped
from credit_dashboard.services.scoring import ClientResult
from credit_dashboard.web.pages.advisor.common import CLIENT_STORE, GRAPH_CONFIG, graph, scored

WATERFALL = "explanation-waterfall"
READINGS = "explanation-readings"
IMPORTANCE = "explanation-importance"

WATERFALL_TOP = 10
READINGS_TOP = 6


def readings(services: AppServices, result: ClientResult) -> list[html.Li]:
    """The strongest contributions in words."""
    # The "usual" values come from past clients; for the first seconds after start-up, while they
    # load in the background, the readings state the values without them rather than wait.
    typical = services.comparison.typical if services.comparison_ready() else None
    groups = grouped(result).groups[:READINGS_TOP]
    return [html.Li(group_reading(g, typical)) for g in groups]


def client_waterfall(result: ClientResult) -> dict:
    return waterfall(grouped(result), WATERFALL_TOP, result.decision_threshold)


def layout(services: AppServices) -> dbc.Card:
    """The client's explanation (filled by the callback)."""
    return dbc.Card(
        [
            dbc.CardHeader(_("Why: what pushed this client's risk up or down")),
            dbc.CardBody(
                dbc.Row(
                    [
                        dbc.Col(graph(WATERFALL, 520), lg=7),
                        dbc.Col([html.H3(_("In words"), className="h6"), html.Ul(id=READINGS)],
                                lg=5),
                    ]
                )
            ),
        ],
        className="mb-3",
    )


def global_layout(services: AppServices) -> dbc.Card:
    """The model's global importance (the same for every client: shown below the results)."""
    importance = services.card.get("global_importance", [])
    return dbc.Card(
        [
            dbc.CardHeader(_("Global importance")),
            dbc.CardBody(
                dcc.Graph(id=IMPORTANCE, figure=global_importance(importance), config=GRAPH_CONFIG)
                if importance
                else html.P(_("The model card lists no global importance."))
            ),
        ],
        className="mb-3",
    )


def register_callbacks(app: Dash, services: AppServices) -> None:
    @app.callback(
        Output(WATERFALL, "figure"), Output(READINGS, "children"), Input(CLIENT_STORE, "data")
    )
    def show_explanation(client_text: str | None) -> tuple:
        result = scored(services.scoring, client_text)
        if result is None:
            return no_update, no_update
        return client_waterfall(result), readings(services, result)
