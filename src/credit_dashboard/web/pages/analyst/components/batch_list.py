"""The stored batches, newest first, each with its scores CSV and its Evidently drift report (shown
below in a same-origin iframe, as the training drift report)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html

from credit_dashboard.i18n import format_number, format_percent
from credit_dashboard.i18n import gettext as _
from credit_dashboard.web.pages.analyst.components.batch_common import (
    BATCHES_CHANGED,
    batch_service,
    card,
    no_batches,
)
from credit_dashboard.web.pages.tables import scrolling_table

BODY = "batch-list-body"
TABLE = "batch-list-table"
REPORT_BATCH = "batch-list-report-batch"
REPORT_FRAME = "batch-list-report-frame"
REPORT_URL = "/reports/batches/{batch_id}"
SCORES_URL = "/api/batches/{batch_id}/scores.csv"


def content(services: Any) -> list:
    service = batch_service(services)
    summaries = service.summaries()
    if not summaries:
        return [no_batches()]
    rows = [
        html.Tr([
            html.Td(s["as_of"]), html.Td(html.Code(s["batch_id"])),
            html.Td(format_number(s["rows"])),
            html.Td(format_percent(s["mean_default_probability"])),
            html.Td(format_percent(s["refused_share"])),
            html.Td(format_number(s["score_psi"], 3)),
            html.Td(f"{s['drifted_features']} / {s['monitored_columns']}"),
            html.Td(format_number(s["clients_with_outcome"]) if s["outcomes_known"] else _("no")),
            html.Td([
                html.A(_("scores CSV"), href=SCORES_URL.format(batch_id=s["batch_id"]),
                       download=f"scores_{s['batch_id']}.csv"),
                " · ",
                html.A(_("drift report"), href=REPORT_URL.format(batch_id=s["batch_id"]),
                       target="_blank"),
            ]),
        ])
        for s in summaries
    ]
    header = [_("As of"), _("Batch"), _("Clients"), _("Mean probability"), _("Refused"),
              _("PSI of the score"), _("Drifted columns"), _("Outcomes"), _("Files")]
    options = [{"label": f"{s['as_of']} · {s['batch_id']}", "value": s["batch_id"]}
               for s in summaries]
    first = summaries[0]["batch_id"]
    return [
        scrolling_table(
            dbc.Table([html.Thead(html.Tr([html.Th(h) for h in header])), html.Tbody(rows)],
                      id=TABLE, size="sm", striped=True),
            _("Stored batches"),
        ),
        dbc.Label(_("Evidently drift report of batch"), html_for=REPORT_BATCH),
        dcc.Dropdown(id=REPORT_BATCH, options=options, value=first, clearable=False,
                     className="mb-2"),
        html.Iframe(id=REPORT_FRAME, src=REPORT_URL.format(batch_id=first),
                    title=_("Evidently data drift report of the batch"),
                    style={"width": "100%", "height": "800px", "border": "0"}),
    ]


def layout(services: Any) -> dbc.Card:
    return card(_("Stored batches"), content(services), BODY)


def register_callbacks(app: Dash, services: Any) -> None:
    @app.callback(Output(BODY, "children"), Input(BATCHES_CHANGED, "data"),
                  prevent_initial_call=True)
    def refresh(_version: object) -> list:
        return content(services)

    @app.callback(Output(REPORT_FRAME, "src"), Input(REPORT_BATCH, "value"),
                  prevent_initial_call=True)
    def report(batch_id: str | None) -> str:
        return REPORT_URL.format(batch_id=batch_id or "")
