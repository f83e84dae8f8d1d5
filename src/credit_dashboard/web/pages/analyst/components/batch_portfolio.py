"""Portfolio view of one batch: how its default probabilities spread, and refusal and default rates
by segment (contract type, income type, age band, education) with the client counts.

Default rates are observed ones, so they exist only for the clients whose outcome came back; the
chart says so, and shows the predicted mean probability for every client beside them.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html

from credit_dashboard.figures import monitoring as charts
from credit_dashboard.i18n import format_number, format_percent
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.labels import feature_label
from credit_dashboard.services.portfolio import AGE_BAND, SEGMENTS
from credit_dashboard.web.pages.analyst.components.batch_common import (
    BATCHES_CHANGED,
    batch_service,
    card,
    no_batches,
)

BODY = "batch-portfolio-body"
BATCH = "batch-portfolio-batch"
SEGMENT = "batch-portfolio-segment"
CHARTS = "batch-portfolio-charts"
HISTOGRAM = "batch-portfolio-histogram"
SEGMENT_CHART = "batch-portfolio-segment-chart"


def _segment_label(name: str) -> str:
    return _("Age band") if name == AGE_BAND else feature_label(name)


def segment_rows(portfolio: dict, backtest: dict | None, segment: str) -> list[dict]:
    """The portfolio's rows for ``segment``, with observed default rates where outcomes exist."""
    observed = {r["level"]: r for r in (backtest or {}).get("segments", {}).get(segment, [])}
    rows = []
    for row in portfolio["segments"][segment]:
        extra = observed.get(row["level"], {})
        rows.append({**row, "default_rate": extra.get("default_rate"),
                     "with_outcome": extra.get("with_outcome", 0)})
    return rows


def charts_for(services: Any, batch_id: str | None, segment: str | None) -> list:
    service = batch_service(services)
    if not batch_id or not service.has_batch(batch_id):
        return [html.P(_("Choose a batch."))]
    segment = segment if segment in SEGMENTS else SEGMENTS[0]
    record = service.store.index.get(batch_id)
    portfolio = service.portfolio(batch_id)
    backtest = service.backtests().get(batch_id)
    rows = segment_rows(portfolio, backtest, segment)
    histogram = portfolio["histogram"]
    outcome_note = (
        _("{n} of {total} clients of this batch have an outcome: default rates are observed on "
          "them only.").format(n=format_number(backtest["n_outcomes"]),
                               total=format_number(record.rows))
        if backtest else _("No outcome is known for this batch yet: only predicted figures.")
    )
    table = dbc.Table(
        [html.Thead(html.Tr([html.Th(_segment_label(segment)), html.Th(_("Clients")),
                             html.Th(_("Refused")), html.Th(_("Mean probability")),
                             html.Th(_("With an outcome")), html.Th(_("Observed default rate"))])),
         html.Tbody([html.Tr([
             html.Td(r["level"]), html.Td(format_number(r["clients"])),
             html.Td(format_percent(r["refused_share"])),
             html.Td(format_percent(r["mean_probability"])),
             html.Td(format_number(r["with_outcome"])),
             html.Td("-" if r["default_rate"] is None else format_percent(r["default_rate"])),
         ]) for r in rows])],
        size="sm", striped=True, className="mb-0",
    )
    return [
        dcc.Graph(id=HISTOGRAM, figure=charts.probability_histogram(
            histogram["edges"], histogram["counts"], record.decision_threshold, record.as_of),
            config={"displayModeBar": False}),
        html.P(outcome_note, className="small text-muted"),
        dcc.Graph(id=SEGMENT_CHART, figure=charts.segment_chart(rows, _segment_label(segment),
                                                                record.as_of),
                  config={"displayModeBar": False}),
        table,
    ]


def content(services: Any) -> list:
    records = batch_service(services).batches()
    if not records:
        return [no_batches()]
    options = [{"label": f"{r.as_of} · {r.batch_id}", "value": r.batch_id} for r in records]
    return [
        dbc.Row([
            dbc.Col([dbc.Label(_("Batch"), html_for=BATCH),
                     dcc.Dropdown(id=BATCH, options=options, value=records[0].batch_id,
                                  clearable=False)], md=6),
            dbc.Col([dbc.Label(_("Segment"), html_for=SEGMENT),
                     dcc.Dropdown(id=SEGMENT, clearable=False, value=SEGMENTS[0],
                                  options=[{"label": _segment_label(s), "value": s}
                                           for s in SEGMENTS])], md=6),
        ], className="mb-2"),
        html.Div(charts_for(services, records[0].batch_id, SEGMENTS[0]), id=CHARTS),
    ]


def layout(services: Any) -> dbc.Card:
    return card(_("Portfolio by batch"), content(services), BODY)


def register_callbacks(app: Dash, services: Any) -> None:
    @app.callback(Output(BODY, "children"), Input(BATCHES_CHANGED, "data"),
                  prevent_initial_call=True)
    def refresh(_version: object) -> list:
        return content(services)

    @app.callback(Output(CHARTS, "children"), Input(BATCH, "value"), Input(SEGMENT, "value"),
                  prevent_initial_call=True)
    def show(batch_id: str | None, segment: str | None) -> list:
        return charts_for(services, batch_id, segment)
