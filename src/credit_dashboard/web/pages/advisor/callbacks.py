"""Advisor page callbacks: thin wrappers around plain functions the benchmark can call too.

The flow: the search box writes ``?client=…`` into the address and the client store; a change of
address (Back/Forward) sets the store and puts its client back into the search box; the store drives
the score, the explanation and the comparisons. So a shared link, the Back button and the search
box always agree, and an unknown or malformed id is handled in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, quote

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import Dash, Input, Output, State, ctx, html, no_update

from credit_dashboard.figures.comparison import bivariate, category_default_rate, distribution
from credit_dashboard.figures.palette import Figure
from credit_dashboard.figures.score import gauge, waterfall
from credit_dashboard.services.comparison import NumericSummary, client_category, to_display
from credit_dashboard.services.container import AppServices
from credit_dashboard.services.grouped import group_reading, grouped
from credit_dashboard.services.labels import display_scale, format_value
from credit_dashboard.services.scoring import ClientResult, UnknownClientError
from credit_dashboard.web.pages.advisor import layout as ids
from credit_dashboard.web.pages.advisor.components import reasons as reasons_panel

QUERY_KEY = "client"
SUGGESTION_LIMIT = 10
WATERFALL_TOP = 10
READINGS_TOP = 6

#: The profile card: (label, column), in the order an advisor reads a file.
PROFILE_FIELDS: tuple[tuple[str, str], ...] = (
    ("Age", "DAYS_BIRTH"),
    ("Gender", "CODE_GENDER"),
    ("Family status", "NAME_FAMILY_STATUS"),
    ("Children", "CNT_CHILDREN"),
    ("Education", "NAME_EDUCATION_TYPE"),
    ("Income type", "NAME_INCOME_TYPE"),
    ("Occupation", "OCCUPATION_TYPE"),
    ("Years employed", "DAYS_EMPLOYED"),
    ("Income", "AMT_INCOME_TOTAL"),
    ("Contract type", "NAME_CONTRACT_TYPE"),
    ("Credit amount", "AMT_CREDIT"),
    ("Annuity", "AMT_ANNUITY"),
    ("Goods price", "AMT_GOODS_PRICE"),
    ("Housing", "NAME_HOUSING_TYPE"),
)


def client_from_query(search: str | None) -> str | None:
    """The ``client`` value of a query string such as ``?client=100001`` (None when absent)."""
    values = parse_qs((search or "").lstrip("?")).get(QUERY_KEY)
    return values[0] if values else None


def query_for(client_text: str) -> str:
    return f"?{QUERY_KEY}={quote(client_text.strip(), safe='')}"


@dataclass(frozen=True)
class ClientView:
    """Everything the advisor page shows for one client, before it becomes callback outputs."""

    header: str
    profile: html.Dl
    gauge: Figure
    decision: html.Div
    waterfall: Figure
    readings: list[html.Li]
    compare_feature: str | None
    scatter_x: str | None
    scatter_y: str | None


def profile_card(row: pd.Series) -> html.Dl:
    """The applicant's key facts in plain words."""
    items: list[html.Dt | html.Dd] = []
    for label, column in PROFILE_FIELDS:
        if column in row.index:
            items.append(html.Dt(label, className="col-5"))
            items.append(html.Dd(format_value(column, row[column]), className="col-7"))
    return html.Dl(items, className="row mb-0 profile")


def decision_block(result: ClientResult) -> html.Div:
    """The decision in words and with an icon (never by colour alone), and the margin."""
    refuse = result.decision == "refuse"
    icon, word = ("✖", "Refuse") if refuse else ("✔", "Grant")
    points = abs(result.margin) * 100
    side = "above" if refuse else "below"
    return html.Div(
        [
            html.Div(
                [html.Span(icon, className="me-2", **{"aria-hidden": "true"}), word],
                className=f"decision decision-{result.decision}",
            ),
            html.P(
                f"Probability of default {result.default_probability:.1%}: {points:.1f} points "
                f"{side} the threshold of {result.decision_threshold:.1%}.",
                className="mb-0",
            ),
        ]
    )


def _first(features: list[str], allowed: set[str], skip: str | None = None) -> str | None:
    return next((f for f in features if f in allowed and f != skip), None)


def client_view(services: AppServices, result: ClientResult, row: pd.Series) -> ClientView:
    """Build the page's content for a scored client (no model call here)."""
    explanation = grouped(result)
    # The "usual" values come from past clients; for the first seconds after start-up, while they
    # load in the background, the readings state the values without them rather than wait.
    typical = services.comparison.typical if services.comparison_ready() else None
    ranked = [c.feature for c in result.contributions]
    pickable = set(services.comparison_features)
    numeric = set(services.scatter_features)
    scatter_x = _first(ranked, numeric)
    return ClientView(
        header=f"Client {result.client_id}",
        profile=profile_card(row),
        gauge=gauge(result.default_probability, result.decision_threshold),
        decision=decision_block(result),
        waterfall=waterfall(explanation, WATERFALL_TOP, result.decision_threshold),
        readings=[html.Li(group_reading(g, typical)) for g in explanation.groups[:READINGS_TOP]],
        compare_feature=_first(ranked, pickable),
        scatter_x=scatter_x,
        scatter_y=_first(ranked, numeric, skip=scatter_x),
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


def _message(text: str, colour: str = "warning") -> dbc.Alert:
    return dbc.Alert(text, color=colour, className="mb-3")


def register_callbacks(app: Dash, services: AppServices) -> None:
    """Wire the advisor page's components to the functions above."""
    scoring = services.scoring
    reasons_panel.register_callbacks(app, services)

    @app.callback(Output(ids.SUGGESTIONS, "children"), Input(ids.SEARCH_INPUT, "value"))
    def suggest(text: str | None) -> list[html.Option]:
        return [html.Option(value=i) for i in scoring.search_ids(text or "", SUGGESTION_LIMIT)]

    @app.callback(
        Output(ids.ADDRESS, "search"),
        Output(ids.CLIENT_STORE, "data"),
        Output(ids.SEARCH_INPUT, "value"),
        Input(ids.ADDRESS, "search"),
        Input(ids.SEARCH_INPUT, "n_submit"),
        Input(ids.SEARCH_BUTTON, "n_clicks"),
        Input(ids.SEARCH_INPUT, "value"),
        State(ids.CLIENT_STORE, "data"),
        prevent_initial_call=True,
    )
    def sync_search_and_address(
        search: str | None,
        _submits: int | None,
        _clicks: int | None,
        text: str | None,
        shown: str | None,
    ) -> tuple:
        # One callback both ways, because the address and the search box each update the other:
        # Dash refuses a loop spread over two callbacks but allows one callback to list the same
        # property as input and output (its own writes do not call it again). The page's own
        # Location is used, not the app's: every input must exist whenever the address changes.
        if ctx.triggered_id == ids.ADDRESS:
            # The address changed (Back/Forward, a shared link): the box shows its client.
            # The Location also reports the address once when the page mounts: the page already
            # shows that client then, and setting the store again would redraw everything twice.
            client = client_from_query(search)
            if client == shown:
                return no_update, no_update, no_update
            return no_update, client, client or ""
        text = (text or "").strip()
        # Enter and Show always go (an unknown id then gets its message); the last keystroke and
        # Enter can arrive together, so "typing" means the value alone changed.
        submitted = bool(
            {f"{ids.SEARCH_INPUT}.n_submit", f"{ids.SEARCH_BUTTON}.n_clicks"}
            & set(ctx.triggered_prop_ids)
        )
        # While typing, jump only once the text is exactly a known id (e.g. a picked suggestion).
        if not submitted and not (text.isdigit() and scoring.has_client(int(text))):
            return no_update, no_update, no_update
        # The store is set here too: a callback's own write to the address does not call it again.
        return (query_for(text) if text else ""), (text or None), no_update

    @app.callback(
        Output(ids.MESSAGE, "children"),
        Output(ids.RESULTS, "style"),
        Output(ids.HEADER, "children"),
        Output(ids.PROFILE, "children"),
        Output(ids.GAUGE, "figure"),
        Output(ids.DECISION, "children"),
        Output(ids.WATERFALL, "figure"),
        Output(ids.READINGS, "children"),
        Output(ids.COMPARE_FEATURE, "value"),
        Output(ids.SCATTER_X, "value"),
        Output(ids.SCATTER_Y, "value"),
        Input(ids.CLIENT_STORE, "data"),
    )
    def show_client(client_text: str | None) -> tuple:
        hidden = {"display": "none"}
        if not client_text:
            message = html.P("Type a client number above to see the score.", className="text-muted")
            return (message, hidden, *([no_update] * 9))
        try:
            result = scoring.score_client(client_text)
            row = scoring.applicant_row(result.client_id).iloc[0]
        except UnknownClientError as exc:
            return (_message(f"No client to show: {exc}."), hidden, *([no_update] * 9))
        view = client_view(services, result, row)
        return (
            None,
            {"display": "block"},
            view.header,
            view.profile,
            view.gauge,
            view.decision,
            view.waterfall,
            view.readings,
            view.compare_feature,
            view.scatter_x,
            view.scatter_y,
        )

    def _scored(client_text: str | None) -> ClientResult | None:
        if not client_text:
            return None
        try:
            return scoring.score_client(client_text)
        except UnknownClientError:
            return None

    @app.callback(
        Output(ids.COMPARE_GRAPH, "figure"),
        Input(ids.COMPARE_FEATURE, "value"),
        Input(ids.CLIENT_STORE, "data"),
    )
    def show_comparison(feature: str | None, client_text: str | None) -> Figure:
        result = _scored(client_text)
        if result is None or feature not in services.comparison.summaries:
            return no_update
        return comparison_figure(services, result, feature)

    @app.callback(
        Output(ids.SCATTER_GRAPH, "figure"),
        Input(ids.SCATTER_X, "value"),
        Input(ids.SCATTER_Y, "value"),
        Input(ids.CLIENT_STORE, "data"),
    )
    def show_bivariate(x: str | None, y: str | None, client_text: str | None) -> Figure:
        result = _scored(client_text)
        numeric = services.scatter_features
        if result is None or x not in numeric or y not in numeric:
            return no_update
        return bivariate_figure(services, result, x, y)

