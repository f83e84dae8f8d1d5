"""What the batch panels of the analyst page share: the page's batch store id and the service.

``BATCHES_CHANGED`` is the one store the batch panels read: the upload panel writes the index's
version into it after an ingest, and every batch panel re-renders from the stored figures.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.batch_service import BatchService, attach_batches

BATCHES_CHANGED = "batch-store-changed"


def batch_service(services: Any) -> BatchService:
    """The app's batch service (attached on first use: the poller starts with it and loads the
    batches' clients in its thread, so a page view only reads the index and stored figures)."""
    return attach_batches(services, load_now=False)


def no_batches() -> dbc.Alert:
    return dbc.Alert(
        [html.Span(_("No applicant batch is stored yet. Ingest one with ")),
         html.Code("python scripts/ingest_batch.py FILE --as-of YYYY-MM-DD"),
         html.Span(_(" or upload a file below."))],
        color="info", className="mb-0",
    )


def card(header: str, body: Any, panel_id: str) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(header), dbc.CardBody(body, id=panel_id)], className="mb-3")
