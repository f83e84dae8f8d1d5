"""The batches in the JSON API, and each batch's files for the analyst page.

- ``GET /api/batches``: every stored batch, newest first: id, as-of date, rows, mean predicted
  default probability, share refused at the threshold, PSI of the score, number of drifted
  columns, whether outcomes are known (and for how many clients).
- ``GET /api/batches/<id>/scores.csv``: the batch's scores: id, probability, decision and, for a
  refusal, the advisor page's reasons in plain words (at most four, in the request's language).
- ``GET /reports/batches/<id>``: the batch's Evidently drift report (HTML, for the analyst page's
  same-origin iframe).

Registering this extension also starts the worker's batch poller (``services.batch_service``), so
clients of a batch ingested while the app runs are searchable and answered by
``GET /api/clients/<id>`` within seconds. Logins and API keys are checked before these views run
(``credit_dashboard.web.auth``).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, send_file

from credit_dashboard.services.batch_service import BatchService, attach_batches

logger = logging.getLogger(__name__)

#: Who may read batches: analysts and administrators, enforced by the guard from the routes table
#: (``web/auth/roles.py``: ``ANALYSTS`` for these rules and the ``batch-`` callbacks).
ALLOWED_ROLES: tuple[str, ...] = ("analyst", "admin")
BATCHES_URL = "/api/batches"
REPORT_URL = "/reports/batches/{batch_id}"
SCORES_URL = "/api/batches/{batch_id}/scores.csv"


def _not_found(batch_id: str) -> Response:
    response = jsonify({"error": f"no batch has the id {batch_id!r}", "field": "batch_id"})
    response.status_code = 404
    return response


def _blueprint(batches: BatchService) -> Blueprint:
    bp = Blueprint("api_batches", __name__)

    @bp.get(BATCHES_URL)
    def list_batches() -> Response:
        return jsonify({"batches": batches.summaries()})

    @bp.get("/api/batches/<batch_id>/scores.csv")
    def scores_csv(batch_id: str) -> Response:
        if not batches.has_batch(batch_id):
            return _not_found(batch_id)
        return Response(
            batches.scores_csv(batch_id),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="scores_{batch_id}.csv"'},
        )

    @bp.get("/reports/batches/<batch_id>")
    def report(batch_id: str) -> Response:
        if not batches.has_batch(batch_id):
            return Response(f"There is no batch {batch_id!r}.", status=404, mimetype="text/plain")
        return send_file(batches.report_path(batch_id).resolve(), mimetype="text/html",
                         max_age=3600)

    return bp


def register(app: Any, services: Any) -> None:
    """Attach the batch service (poller included) and serve the routes above."""
    server: Flask = getattr(app, "server", app)
    batches = attach_batches(services)
    server.register_blueprint(_blueprint(batches))
