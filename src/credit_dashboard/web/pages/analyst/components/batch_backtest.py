"""Back-testing over time: realised AUC and business cost of the batches whose outcomes came back,
next to the held-out figures of training, and the calibration of the latest such batch.

It says which clients the figures rest on: in a real lender only granted loans get an outcome, so
the realised cost among refused clients is known only when the outcome file includes them.
"""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, dcc, html

from credit_dashboard.figures import monitoring as charts
from credit_dashboard.i18n import format_number
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.batch_timeline import training_figures
from credit_dashboard.web.pages.analyst.components.batch_common import (
    BATCHES_CHANGED,
    batch_service,
    card,
    no_batches,
)

BODY = "batch-backtest-body"
OVER_TIME = "batch-backtest-over-time"
CALIBRATION = "batch-backtest-calibration"
WHO = "batch-backtest-who"


def content(services: Any) -> list:
    timeline = batch_service(services).timeline()
    if not timeline.records:
        return [no_batches()]
    with_outcomes = [(r, label) for r, label in zip(timeline.records, timeline.labels,
                                                    strict=True)
                     if r.batch_id in timeline.backtests]
    if not with_outcomes:
        return [html.P(_("No outcome has come back yet for any batch: record them with "
                         "scripts/ingest_outcomes.py FILE (SK_ID_CURR, TARGET, OUTCOME_DATE)."),
                       id=WHO)]
    auc, cost = training_figures(services.card)
    figures = [timeline.backtests[r.batch_id] for r, _label in with_outcomes]
    labels = [label for _r, label in with_outcomes]
    lines = [
        html.Li(_("{batch}: {n} of {rows} clients have an outcome ({granted} granted, {refused} "
                  "refused by the model); {defaults} defaulted.").format(
            batch=label, n=format_number(f["n"]), rows=format_number(r.rows),
            granted=format_number(f["granted_with_outcome"]),
            refused=format_number(f["refused_with_outcome"]),
            defaults=format_number(f["defaults"])))
        for (r, label), f in zip(with_outcomes, figures, strict=True)
    ]
    latest_record, latest_label = with_outcomes[-1]
    return [
        dcc.Graph(id=OVER_TIME, figure=charts.backtest_over_time(
            labels, [f["roc_auc"] for f in figures], [f["normalised_cost"] for f in figures],
            auc, cost), config={"displayModeBar": False}),
        html.Div([html.P(_("Which clients have outcomes:"), className="mb-1"),
                  html.Ul(lines, className="small")], id=WHO),
        dcc.Graph(id=CALIBRATION, figure=charts.calibration_by_decile(
            figures[-1]["calibration"], latest_label), config={"displayModeBar": False}),
    ]


def layout(services: Any) -> Any:
    return card(_("Back-testing: outcomes against predictions"), content(services), BODY)


def register_callbacks(app: Dash, services: Any) -> None:
    @app.callback(Output(BODY, "children"), Input(BATCHES_CHANGED, "data"),
                  prevent_initial_call=True)
    def refresh(_version: object) -> list:
        return content(services)
