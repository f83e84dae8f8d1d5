"""Advisor page (``/``): find a client, see the score, the decision, why, and how the client
compares.

Only components here; the callbacks module fills them. The selected client lives in the
:data:`CLIENT_STORE` store (the client id as text, or None) so that extension panels can follow it.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from credit_dashboard.figures.score import global_importance
from credit_dashboard.services.container import AppServices
from credit_dashboard.services.labels import feature_label
from credit_dashboard.web.pages.advisor.components import reasons as reasons_panel

#: The selected client id (text) or None: extension panels use it as a callback Input.
CLIENT_STORE = "advisor-client-id"
#: The page's own view of the address: it exists only with the page, so one callback can read and
#: write ``?client=`` together with the search box (the app-wide ``url`` exists before the page).
ADDRESS = "advisor-address"
SEARCH_INPUT = "client-search"
SUGGESTIONS = "client-suggestions"
SEARCH_BUTTON = "client-go"
MESSAGE = "client-message"
RESULTS = "client-results"
HEADER = "client-header"
PROFILE = "client-profile"
GAUGE = "client-gauge"
DECISION = "client-decision"
WATERFALL = "client-waterfall"
READINGS = "client-readings"
COMPARE_FEATURE = "compare-feature"
COMPARE_GRAPH = "compare-graph"
SCATTER_X = "scatter-x"
SCATTER_Y = "scatter-y"
SCATTER_GRAPH = "scatter-graph"

#: Advisors read the charts; zoom and export tools would only cover the titles.
_GRAPH_CONFIG = {"displayModeBar": False, "responsive": True}


def _search_card(services: AppServices, client_id: str | None) -> dbc.Card:
    example = services.scoring.search_ids("1", 1)
    hint = f"e.g. {example[0]}" if example else "digits only"
    return dbc.Card(
        dbc.CardBody(
            [
                html.Label("Client number (SK_ID_CURR)", htmlFor=SEARCH_INPUT, className="fw-bold"),
                dbc.InputGroup(
                    [
                        dbc.Input(
                            id=SEARCH_INPUT,
                            type="text",
                            inputmode="numeric",
                            list=SUGGESTIONS,
                            value=client_id or "",
                            placeholder=f"Type a client number ({hint})",
                            autocomplete="off",
                            debounce=False,
                        ),
                        dbc.Button("Show", id=SEARCH_BUTTON, color="primary", n_clicks=0),
                    ]
                ),
                html.Datalist(id=SUGGESTIONS, children=[]),
                html.Small(
                    f"{services.scoring.n_applicants:,} applicants. Suggestions appear as you "
                    "type; press Enter or Show. Share a client with the page address (/?client=…).",
                    className="text-muted",
                ),
                _model_line(services),
            ]
        ),
        className="mb-3",
    )


def _graph(graph_id: str, height: int) -> dcc.Graph:
    return dcc.Graph(id=graph_id, config=_GRAPH_CONFIG, style={"height": f"{height}px"})


def _loading(graph_id: str, height: int) -> dcc.Loading:
    """A graph with a spinner while it is computed (the comparisons wait for the past clients,
    which load in the background for the first seconds after start-up)."""
    return dcc.Loading(_graph(graph_id, height), delay_show=300, type="default")


def _model_line(services: AppServices) -> html.Small:
    card = services.card
    created = str(card.get("created_at", ""))[:10] or "unknown date"
    return html.Small(
        f"Model {services.scoring.model_version}, trained {created}; refuse at a probability of "
        f"default of {services.scoring.decision_threshold:.1%} or more.",
        className="text-muted d-block mt-1",
    )


def _feature_options(features: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"label": feature_label(f), "value": f} for f in features]


def _results(services: AppServices) -> html.Div:
    numeric = services.scatter_features
    return html.Div(
        id=RESULTS,
        style={"display": "none"},
        children=[
            html.H2(id=HEADER, className="h4 mb-3"),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Card([dbc.CardHeader("Profile"), dbc.CardBody(id=PROFILE)]),
                        md=5,
                        className="mb-3",
                    ),
                    dbc.Col(
                        dbc.Card(
                            [
                                dbc.CardHeader("Score and decision"),
                                dbc.CardBody([_graph(GAUGE, 260), html.Div(id=DECISION)]),
                            ]
                        ),
                        md=7,
                        className="mb-3",
                    ),
                ]
            ),
            dbc.Card(
                [
                    dbc.CardHeader("Why: what pushed this client's risk up or down"),
                    dbc.CardBody(
                        dbc.Row(
                            [
                                dbc.Col(_graph(WATERFALL, 520), lg=7),
                                dbc.Col(
                                    [html.H3("In words", className="h6"), html.Ul(id=READINGS)],
                                    lg=5,
                                ),
                            ]
                        )
                    ),
                ],
                className="mb-3",
            ),
            reasons_panel.layout(services),
            dbc.Card(
                [
                    dbc.CardHeader("Compare with past clients who repaid and who defaulted"),
                    dbc.CardBody(
                        dbc.Row(
                            [
                                dbc.Col(
                                    [
                                        html.Label("Feature", htmlFor=COMPARE_FEATURE),
                                        dcc.Dropdown(
                                            id=COMPARE_FEATURE,
                                            options=_feature_options(services.comparison_features),
                                            clearable=False,
                                        ),
                                        _loading(COMPARE_GRAPH, 340),
                                    ],
                                    lg=6,
                                ),
                                dbc.Col(
                                    [
                                        dbc.Row(
                                            [
                                                dbc.Col([
                                                    html.Label("Across", htmlFor=SCATTER_X),
                                                    dcc.Dropdown(
                                                        id=SCATTER_X,
                                                        options=_feature_options(numeric),
                                                        clearable=False,
                                                    ),
                                                ]),
                                                dbc.Col([
                                                    html.Label("Up", htmlFor=SCATTER_Y),
                                                    dcc.Dropdown(
                                                        id=SCATTER_Y,
                                                        options=_feature_options(numeric),
                                                        clearable=False,
                                                    ),
                                                ]),
                                            ]
                                        ),
                                        _loading(SCATTER_GRAPH, 400),
                                    ],
                                    lg=6,
                                ),
                            ]
                        )
                    ),
                ],
                className="mb-3",
            ),
            *[panel() for panel in services.advisor_panels],
        ],
    )


def layout(services: AppServices, client_id: str | None = None) -> html.Div:
    """The advisor page; ``client_id`` comes from the address (``/?client=…``)."""
    importance = services.card.get("global_importance", [])
    return html.Div(
        [
            dcc.Location(id=ADDRESS, refresh="callback-nav"),
            dcc.Store(id=CLIENT_STORE, data=client_id),
            _search_card(services, client_id),
            html.Div(id=MESSAGE, role="status"),
            _results(services),
            dbc.Card(
                [
                    dbc.CardHeader("Global importance"),
                    dbc.CardBody(
                        dcc.Graph(figure=global_importance(importance), config=_GRAPH_CONFIG)
                        if importance
                        else html.P("The model card lists no global importance.")
                    ),
                ],
                className="mb-3",
            ),
        ]
    )
