"""Answers of the advisor tools as components: the simulation, similar clients, decisions."""

from __future__ import annotations

import math

import dash_bootstrap_components as dbc
from dash import dcc, html

from credit_dashboard.decisions import Decision
from credit_dashboard.explain import top_contributions
from credit_dashboard.figures.score import gauge, waterfall
from credit_dashboard.labels import feature_label, format_value, is_missing
from credit_dashboard.neighbours import SimilarClients
from credit_dashboard.pages.advisor_tools.layout import WATERFALL_TOP
from credit_dashboard.scoring import ClientResult
from credit_dashboard.whatif import EDITABLE_INPUTS, ThresholdCrossing, contribution_changes

_GRAPH_CONFIG = {"displaylogo": False, "responsive": True}


def _decision_words(result: ClientResult) -> str:
    icon = "✖ Refuse" if result.decision == "refuse" else "✔ Grant"
    return f"{icon} · probability of default {result.default_probability:.1%}"


def _score_column(title: str, result: ClientResult) -> dbc.Col:
    parts = top_contributions(result.contributions, WATERFALL_TOP)
    return dbc.Col(
        [
            html.H3(title, className="h6"),
            html.Div(_decision_words(result), className=f"decision decision-{result.decision}"),
            dcc.Graph(
                figure=gauge(result.default_probability, result.decision_threshold),
                config=_GRAPH_CONFIG,
                style={"height": "240px"},
            ),
            dcc.Graph(figure=waterfall(parts, result.base_value), config=_GRAPH_CONFIG),
        ],
        lg=6,
    )


def difference_text(original: ClientResult, simulated: ClientResult) -> str:
    points = (simulated.default_probability - original.default_probability) * 100
    direction = "up" if points > 0 else "down" if points < 0 else "unchanged"
    change = f"{abs(points):.1f} points {direction}" if points else "unchanged"
    if simulated.decision != original.decision:
        verdict = f"the decision changes from {original.decision} to {simulated.decision}"
    else:
        verdict = f"the decision stays {original.decision}"
    return f"Probability of default {change}; {verdict}."


def _changes_table(original: ClientResult, simulated: ClientResult) -> html.Div:
    table = contribution_changes(
        {c.feature: c.contribution for c in original.contributions},
        {c.feature: c.contribution for c in simulated.contributions},
    )
    if table.empty:
        return html.Div()
    rows = [
        html.Tr(
            [
                html.Td(feature_label(r.feature)),
                html.Td(f"{r.original:+.3f}"),
                html.Td(f"{r.modified:+.3f}"),
                html.Td(f"{r.change:+.3f} ({'more' if r.change > 0 else 'less'} risk)"),
            ]
        )
        for r in table.itertuples()
    ]
    head = html.Thead(
        html.Tr([html.Th("What moved"), html.Th("Before"), html.Th("After"), html.Th("Change")])
    )
    return html.Div(
        [
            html.H3("What moved the risk score (log-odds)", className="h6"),
            dbc.Table([head, html.Tbody(rows)], size="sm", bordered=False, className="mb-0"),
        ]
    )


def simulation_view(original: ClientResult, simulated: ClientResult) -> html.Div:
    return html.Div(
        [
            dbc.Alert(
                difference_text(original, simulated), color="info", id="at-whatif-difference"
            ),
            dbc.Row([_score_column("Original", original), _score_column("Simulated", simulated)]),
            _changes_table(original, simulated),
        ]
    )


def neighbours_view(answer: SimilarClients) -> html.Div:
    table = answer.neighbours
    defaults = answer.n_defaults
    summary = (
        f"{defaults} of these {answer.k} similar past clients defaulted "
        f"({answer.default_rate:.0%}), against {answer.population_default_rate:.1%} of all past "
        "clients."
    )
    columns = (
        ("Client", lambda r: str(r.SK_ID_CURR)),
        ("Outcome", lambda r: "✖ defaulted" if r.TARGET == 1 else "✔ repaid"),
        ("Model probability", lambda r: "–" if math.isnan(r.default_probability)
         else f"{r.default_probability:.1%}"),
        ("Age", lambda r: f"{r.AGE_YEARS:.0f}"),
        ("Years employed", lambda r: "not employed" if is_missing(r.YEARS_EMPLOYED)
         else f"{r.YEARS_EMPLOYED:.1f}"),
        ("Income", lambda r: format_value("AMT_INCOME_TOTAL", r.AMT_INCOME_TOTAL)),
        ("Credit", lambda r: format_value("AMT_CREDIT", r.AMT_CREDIT)),
        ("Annuity", lambda r: format_value("AMT_ANNUITY", r.AMT_ANNUITY)),
        ("Contract", lambda r: format_value("NAME_CONTRACT_TYPE", r.NAME_CONTRACT_TYPE)),
        ("Family status", lambda r: format_value("NAME_FAMILY_STATUS", r.NAME_FAMILY_STATUS)),
        ("External score 3", lambda r: format_value("EXT_SOURCE_3", r.EXT_SOURCE_3)),
    )
    head = html.Thead(html.Tr([html.Th(name) for name, _ in columns]))
    body = html.Tbody(
        [html.Tr([html.Td(cell(r)) for _, cell in columns]) for r in table.itertuples()]
    )
    return html.Div(
        [
            html.P(summary, className="fw-bold", id="at-neighbours-summary"),
            dbc.Table([head, body], size="sm", striped=True, responsive=True, className="mb-0"),
        ]
    )


def history_view(decisions: list[Decision]) -> html.Div:
    if not decisions:
        return html.P("No decision recorded yet.", className="text-muted small")
    head = html.Thead(
        html.Tr([html.Th(h) for h in ("When (UTC)", "Decision", "Model said", "By", "Reason")])
    )
    rows = [
        html.Tr(
            [
                html.Td(d.recorded_at.replace("T", " ")[:19]),
                html.Td(d.decision + (" (against the model)" if d.against_model else "")),
                html.Td(f"{d.model_decision} ({d.default_probability:.1%})"),
                html.Td(d.user),
                html.Td(d.reason or "–"),
            ]
        )
        for d in decisions
    ]
    return dbc.Table([head, html.Tbody(rows)], size="sm", className="mb-2", id="at-history-table")


def crossing_view(found: ThresholdCrossing) -> html.P:
    """The threshold search's answer in words, with a button to try the value."""
    label = feature_label(found.column)
    if not found.found:
        return html.P(
            f"{label}: the decision stays {found.original_decision} for every valid value between "
            f"{_shown(found.column, found.low)} and {_shown(found.column, found.high)}.",
            className="mb-0",
        )
    linked = "".join(
        f" (with {feature_label(k).lower()} {_shown(k, v)})" for k, v in found.linked.items()
    )
    return html.P(
        f"Now {found.original_decision} at {found.original_probability:.1%}. With "
        f"{label.lower()} {_shown(found.column, found.value)}{linked}, the decision becomes "
        f"{found.decision} ({found.probability:.1%}).",
        className="mb-1",
        id="at-flip-answer",
    )


def _shown(column: str, value: float) -> str:
    if EDITABLE_INPUTS[column].kind == "years_employed":
        return f"{value:.1f} years"
    return f"{value:,.0f}"
