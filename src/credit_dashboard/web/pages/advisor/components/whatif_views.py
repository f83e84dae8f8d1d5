"""The what-if panel's answers as components: the simulation side by side, the flip search."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import numpy as np
from dash import dcc, html

from credit_dashboard.figures.score import gauge, waterfall
from credit_dashboard.i18n import format_number, format_percent
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.grouped import grouped
from credit_dashboard.services.labels import feature_label
from credit_dashboard.services.scoring import ClientResult
from credit_dashboard.services.whatif import (
    EDITABLE_INPUTS,
    ThresholdCrossing,
    contribution_changes,
)

DIFFERENCE = "whatif-difference"
FLIP_ANSWER = "whatif-flip-answer"
WATERFALL_TOP = 8

_GRAPH_CONFIG = {"displaylogo": False, "responsive": True}


def _decision_words(result: ClientResult) -> str:
    icon = _("✖ Refuse") if result.decision == "refuse" else _("✔ Grant")
    return _("{decision} · probability of default {p}").format(
        decision=icon, p=format_percent(result.default_probability))


def _waterfall(result: ClientResult) -> dict[str, Any]:
    return waterfall(grouped(result), WATERFALL_TOP, result.decision_threshold)


def _on_one_axis(figures: list[dict[str, Any]]) -> None:
    """Give the waterfalls the same range, so original and simulated read side by side."""
    ends: list[float] = []
    for figure in figures:
        trace = figure["data"][0]
        steps = [x for x, m in zip(trace["x"], trace["measure"], strict=True) if m == "relative"]
        path = trace["base"] + np.cumsum([0.0, *steps])
        ends += [float(path.min()), float(path.max())]
    low, high = min(ends), max(ends)
    pad = 0.08 * (high - low or 1.0)
    for figure in figures:
        axis = {**figure["layout"].get("xaxis", {}), "range": [low - pad, high + pad]}
        figure["layout"]["xaxis"] = {**axis, "autorange": False}


def _sized_graph(figure: Any) -> dcc.Graph:
    """A graph as tall as its figure says (a fixed box would crop or overlap a long waterfall)."""
    height = figure["layout"].get("height") or 450
    return dcc.Graph(figure=figure, config=_GRAPH_CONFIG, style={"height": f"{height}px"})


def _score_column(title: str, result: ClientResult, bars: dict[str, Any]) -> dbc.Col:
    dial = gauge(result.default_probability, result.decision_threshold)
    return dbc.Col(
        [
            html.H3(title, className="h6"),
            html.Div(_decision_words(result), className=f"decision decision-{result.decision}"),
            _sized_graph(dial),
            _sized_graph(bars),
        ],
        lg=6,
    )


def difference_text(original: ClientResult, simulated: ClientResult) -> str:
    points = (simulated.default_probability - original.default_probability) * 100
    if points > 0:
        change = _("{points} points up").format(points=format_number(abs(points), 1))
    elif points < 0:
        change = _("{points} points down").format(points=format_number(abs(points), 1))
    else:
        change = _("unchanged")
    if simulated.decision != original.decision:
        verdict = _("the decision changes from {before} to {after}").format(
            before=_decision(original.decision), after=_decision(simulated.decision))
    else:
        verdict = _("the decision stays {decision}").format(decision=_decision(original.decision))
    return _("Probability of default {change}; {verdict}.").format(change=change, verdict=verdict)


def _decision(code: str) -> str:
    return {"grant": _("grant"), "refuse": _("refuse")}.get(code, code)


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
                html.Td(f"{r.change:+.3f} "
                        + (_("(more risk)") if r.change > 0 else _("(less risk)"))),
            ]
        )
        for r in table.itertuples()
    ]
    head = html.Thead(
        html.Tr([html.Th(_("What moved")), html.Th(_("Before")), html.Th(_("After")),
                 html.Th(_("Change"))])
    )
    return html.Div(
        [
            html.H3(_("What moved the risk score (log-odds)"), className="h6"),
            dbc.Table([head, html.Tbody(rows)], size="sm", bordered=False, className="mb-0"),
        ]
    )


def simulation_view(original: ClientResult, simulated: ClientResult) -> html.Div:
    bars = [_waterfall(original), _waterfall(simulated)]
    _on_one_axis(bars)
    return html.Div(
        [
            dbc.Alert(difference_text(original, simulated), color="info", id=DIFFERENCE),
            dbc.Row(
                [
                    _score_column(_("Original"), original, bars[0]),
                    _score_column(_("Simulated"), simulated, bars[1]),
                ]
            ),
            _changes_table(original, simulated),
        ]
    )


def crossing_view(found: ThresholdCrossing) -> html.P:
    """The threshold search's answer in words, with a button to try the value."""
    label = feature_label(found.column)
    if not found.found:
        return html.P(
            _("{label}: the decision stays {decision} for every valid value between {low} and "
              "{high}.").format(label=label, decision=_decision(found.original_decision),
                                low=_shown(found.column, found.low),
                                high=_shown(found.column, found.high)),
            className="mb-0",
        )
    linked = "".join(
        _(" (with {feature} {value})").format(feature=feature_label(k).lower(), value=_shown(k, v))
        for k, v in found.linked.items()
    )
    return html.P(
        _("Now {before} at {p}. With {feature} {value}{linked}, the decision becomes {after} "
          "({q}).").format(before=_decision(found.original_decision),
                           p=format_percent(found.original_probability), feature=label.lower(),
                           value=_shown(found.column, found.value), linked=linked,
                           after=_decision(found.decision), q=format_percent(found.probability)),
        className="mb-1",
        id=FLIP_ANSWER,
    )


def _shown(column: str, value: float) -> str:
    if EDITABLE_INPUTS[column].kind == "years_employed":
        return _("{n} years").format(n=format_number(value, 1))
    return format_number(value)
