"""Monitoring over time: PSI of the score per batch, the feature x batch PSI heat map, refusal rate
and mean probability per batch, and an alert when the score or a top feature crosses 0.25.

Everything shown was computed at ingest; this panel only arranges it (``services.batch_timeline``).
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html

from credit_dashboard.figures import monitoring as charts
from credit_dashboard.i18n import format_number
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.batch_timeline import Timeline
from credit_dashboard.services.labels import feature_label
from credit_dashboard.web.pages.analyst.components.batch_common import (
    BATCHES_CHANGED,
    batch_service,
    card,
    no_batches,
)

BODY = "batch-monitoring-body"
ALERT = "batch-monitoring-alert"
SCORE_PSI = "batch-monitoring-score-psi"
HEATMAP = "batch-monitoring-heatmap"
REFUSALS = "batch-monitoring-refusals"
ALERTS_SHOWN = 8


def _alert(timeline: Timeline) -> dbc.Alert:
    if not timeline.alerts:
        return dbc.Alert(_("No shift: the score and every monitored feature stay below a PSI of "
                           "0.25 in every batch."), color="success", id=ALERT)
    items = [
        html.Li(_("{batch}: {what} has shifted (PSI {psi})").format(
            batch=a.label, what=_("the score") if a.what == "score" else feature_label(a.what),
            psi=format_number(a.psi, 2)))
        for a in timeline.alerts[-ALERTS_SHOWN:]
    ]
    more = len(timeline.alerts) - len(items)
    return dbc.Alert([
        html.Strong(_("Population shift: {n} PSI value(s) above 0.25.").format(
            n=len(timeline.alerts))),
        html.Ul(items, className="mb-0"),
        html.Small(_("and {n} earlier").format(n=more)) if more > 0 else None,
    ], color="danger", id=ALERT)


def content(services: Any) -> list:
    timeline = batch_service(services).timeline()
    if not timeline.records:
        return [no_batches()]
    names = [feature_label(f) for f in timeline.features]
    return [
        _alert(timeline),
        html.P(_("PSI compares each batch with the training history: below 0.1 the population "
                 "is stable, 0.1 to 0.25 deserves a look, above 0.25 it has shifted."),
               className="text-muted small"),
        dcc.Graph(id=SCORE_PSI, figure=charts.score_psi_over_time(timeline.labels,
                                                                  timeline.score_psi),
                  config={"displayModeBar": False}),
        dcc.Graph(id=HEATMAP, figure=charts.feature_psi_heatmap(
            timeline.labels, timeline.features, names, timeline.feature_psi),
            config={"displayModeBar": False}),
        dcc.Graph(id=REFUSALS, figure=charts.refusal_and_probability(
            timeline.labels, timeline.refused_share, timeline.mean_probability,
            timeline.threshold), config={"displayModeBar": False}),
    ]


def layout(services: Any) -> dbc.Card:
    return card(_("Monitoring over time"), content(services), BODY)


def register_callbacks(app: Dash, services: Any) -> None:
    @app.callback(Output(BODY, "children"), Input(BATCHES_CHANGED, "data"),
                  prevent_initial_call=True)
    def refresh(_version: object) -> list:
        return content(services)
