"""The same-origin Flask route that serves the Evidently drift report file to the analyst page."""

from __future__ import annotations

from dash import Dash
from flask import Response, send_file

from credit_dashboard.services.container import AppServices

DRIFT_REPORT_URL = "/reports/drift"


def register_routes(app: Dash, services: AppServices) -> None:
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
