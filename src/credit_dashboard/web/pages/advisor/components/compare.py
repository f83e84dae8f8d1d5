"""Compare panel: where the client stands among past clients who repaid and who defaulted, on one
feature (distribution or default rate per category) and on two (a scatter)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import numpy as np
from dash import Dash, Input, Output, dcc, html, no_update

from credit_dashboard.figures.comparison import bivariate, category_default_rate, distribution
from credit_dashboard.figures.palette import Figure
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.comparison import NumericSummary, client_category, to_display
from credit_dashboard.services.container import AppServices
from credit_dashboard.services.labels import display_scale, feature_label, format_value
from credit_dashboard.services.scoring import ClientResult
from credit_dashboard.web.pages.advisor.common import CLIENT_STORE, graph, scored

FEATURE = "compare-feature"
GRAPH = "compare-graph"
SCATTER_X = "compare-scatter-x"
SCATTER_Y = "compare-scatter-y"
SCATTER_GRAPH = "compare-scatter-graph"


def _feature_options(features: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"label": feature_label(f), "value": f} for f in features]


def _loading(graph_id: str, height: int) -> dcc.Loading:
    """A graph with a spinner while it is computed (the comparisons wait for the past clients,
    which load in the background for the first seconds after start-up)."""
    return dcc.Loading(graph(graph_id, height), delay_show=300, type="default")


def _first(features: list[str], allowed: set[str], skip: str | None = None) -> str | None:
    return next((f for f in features if f in allowed and f != skip), None)


def default_features(
    services: AppServices, result: ClientResult
) -> tuple[str | None, str | None, str | None]:
    """The features shown first: the client's strongest ones (comparison, scatter x, scatter y)."""
    ranked = [c.feature for c in result.contributions]
    numeric = set(services.scatter_features)
    scatter_x = _first(ranked, numeric)
    return (
        _first(ranked, set(services.comparison_features)),
        scatter_x,
        _first(ranked, numeric, skip=scatter_x),
    )


def _client_value(result: ClientResult, feature: str) -> object:
    for item in result.contributions:
        if item.feature == feature:
            return item.value
    return None


def comparison_figure(services: AppServices, result: ClientResult, feature: str) -> Figure:
    """Where this client stands among past repaid and defaulted clients on one feature."""
    summary = services.comparison.summaries[feature]
    value = _client_value(result, feature)
    if isinstance(summary, NumericSummary):
        shown = float(to_display(feature, np.array([value], dtype=float))[0]) if isinstance(
            value, (int, float, np.number)
        ) else None
        return distribution(summary, shown, format_value(feature, value))
    return category_default_rate(summary, client_category(feature, value))


def bivariate_figure(
    services: AppServices, result: ClientResult, x_feature: str, y_feature: str
) -> Figure:
    """Past clients on two features with this client marked."""
    comparison = services.comparison
    target = comparison.sample[comparison.target_column].to_numpy()

    def axis(feature: str) -> tuple[np.ndarray, float | None, str]:
        value = _client_value(result, feature)
        client = None if value is None else float(to_display(feature, np.array([value]))[0])
        _, title = display_scale(feature)
        return comparison.sample_display[feature], client, title

    x, client_x, x_title = axis(x_feature)
    y, client_y, y_title = axis(y_feature)
    return bivariate(x, y, target, x_title, y_title, client_x, client_y)


def _dropdown(label: str, component_id: str, features: tuple[str, ...]) -> list:
    return [
        html.Label(label, htmlFor=component_id),
        dcc.Dropdown(id=component_id, options=_feature_options(features), clearable=False),
    ]


def layout(services: AppServices) -> dbc.Card:
    numeric = services.scatter_features
    one_feature = dbc.Col(
        [*_dropdown(_("Feature"), FEATURE, services.comparison_features), _loading(GRAPH, 340)],
        lg=6,
    )
    two_features = dbc.Col(
        [
            dbc.Row(
                [
                    dbc.Col(_dropdown(_("Across"), SCATTER_X, numeric)),
                    dbc.Col(_dropdown(_("Up"), SCATTER_Y, numeric)),
                ]
            ),
            _loading(SCATTER_GRAPH, 400),
        ],
        lg=6,
    )
    return dbc.Card(
        [
            dbc.CardHeader(_("Compare with past clients who repaid and who defaulted")),
            dbc.CardBody(dbc.Row([one_feature, two_features])),
        ],
        className="mb-3",
    )


def register_callbacks(app: Dash, services: AppServices) -> None:
    scoring = services.scoring

    @app.callback(
        Output(FEATURE, "value"),
        Output(SCATTER_X, "value"),
        Output(SCATTER_Y, "value"),
        Input(CLIENT_STORE, "data"),
    )
    def pick_features(client_text: str | None) -> tuple:
        result = scored(scoring, client_text)
        if result is None:
            return no_update, no_update, no_update
        return default_features(services, result)

    @app.callback(Output(GRAPH, "figure"), Input(FEATURE, "value"), Input(CLIENT_STORE, "data"))
    def show_comparison(feature: str | None, client_text: str | None) -> Figure:
        result = scored(scoring, client_text)
        if result is None or feature not in services.comparison.summaries:
            return no_update
        return comparison_figure(services, result, feature)

    @app.callback(
        Output(SCATTER_GRAPH, "figure"),
        Input(SCATTER_X, "value"),
        Input(SCATTER_Y, "value"),
        Input(CLIENT_STORE, "data"),
    )
    def show_bivariate(x: str | None, y: str | None, client_text: str | None) -> Figure:
        result = scored(scoring, client_text)
        numeric = services.scatter_features
        if result is None or x not in numeric or y not in numeric:
            return no_update
        return bivariate_figure(services, result, x, y)
