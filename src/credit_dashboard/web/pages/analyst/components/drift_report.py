"""Drift report panel: the Evidently report, in an iframe, served as a file on the same origin.

The report is megabytes of HTML: a Flask route serves it (:data:`DRIFT_REPORT_URL`), never a
callback.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, html
from flask import Response, send_file

from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.container import AppServices
from credit_dashboard.web.pages.analyst.common import how_to_produce

FRAME = "drift-report-frame"
DRIFT_REPORT_URL = "/reports/drift"


def layout(services: AppServices) -> dbc.Card:
    report = (
        html.Iframe(
            id=FRAME,
            src=DRIFT_REPORT_URL,
            title=_("Evidently data drift report"),
            style={"width": "100%", "height": "900px", "border": "0"},
        )
        if services.drift_report_available()
        else how_to_produce(services, _("The drift report {path}").format(
            path=services.drift_report_path))
    )
    return dbc.Card([dbc.CardHeader(_("Full report (Evidently)")), dbc.CardBody(report)])


def register_callbacks(app: Dash, services: AppServices) -> None:
    """Serve the drift report file at :data:`DRIFT_REPORT_URL` (404 with a hint if absent)."""
    path = services.drift_report_path

    @app.server.route(DRIFT_REPORT_URL)
    def drift_report() -> Response:
        if not path.is_file():
            return Response(
                f"The drift report {path.name} is missing: run scripts/train.py to produce it.",
                status=404,
                mimetype="text/plain",
            )
        return send_file(path.resolve(), mimetype="text/html", max_age=300)
