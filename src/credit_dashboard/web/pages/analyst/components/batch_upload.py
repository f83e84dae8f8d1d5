"""Upload a batch from the analyst page: the same ingest, checks and messages as
``scripts/ingest_batch.py``, with a spinner while it runs (scoring and drift take seconds).

After a successful ingest the panel writes the index version into the page's ``BATCHES_CHANGED``
store, and every batch panel re-renders with the new batch.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import tempfile
from pathlib import Path
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html, no_update

from credit_dashboard.i18n import format_number
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.ingest import IngestError
from credit_dashboard.web.pages.analyst.components.batch_common import (
    BATCHES_CHANGED,
    batch_service,
    card,
)

logger = logging.getLogger(__name__)

UPLOAD = "batch-upload-file"
AS_OF = "batch-upload-as-of"
MESSAGE = "batch-upload-message"
#: Kaggle's 48,744 applicants are about 40 MB of CSV (55 MB once base64-encoded by the browser).
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".pq")


def layout(services: Any) -> dbc.Card:
    body = [
        dcc.Store(id=BATCHES_CHANGED),
        dbc.Row([
            dbc.Col([dbc.Label(_("As-of date of the batch"), html_for=AS_OF),
                     dbc.Input(id=AS_OF, type="text", placeholder="YYYY-MM-DD",
                               maxLength=10)], md=4),
            dbc.Col(dcc.Upload(
                id=UPLOAD, max_size=MAX_UPLOAD_BYTES, multiple=False,
                children=html.Div([_("Drop a batch file here or "), html.A(_("choose one")),
                                   html.Small(_(" (CSV, CSV.gz or Parquet with Kaggle's "
                                                "applicant columns)"))]),
                className="border border-2 rounded p-3 text-center",
                style={"borderStyle": "dashed", "cursor": "pointer"},
            ), md=8),
        ], className="align-items-end mb-2"),
        dcc.Loading(html.Div(id=MESSAGE), type="circle"),
    ]
    return card(_("Ingest a new batch"), body, "batch-upload-body")


def _safe_name(filename: str) -> str:
    name = Path(filename or "").name
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[:120] or "batch"


def ingest_upload(services: Any, contents: str, filename: str, as_of: str | None
                  ) -> tuple[dbc.Alert, int | None]:
    """Decode and ingest an upload; the message and, on success, the new index version."""
    name = _safe_name(filename)
    if not name.lower().endswith(_SUFFIXES):
        return dbc.Alert(_("{name}: unsupported file type (expected .csv, .csv.gz or .parquet)")
                         .format(name=name), color="danger"), None
    try:
        data = base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (IndexError, ValueError, binascii.Error):
        return dbc.Alert(_("{name}: the upload could not be read").format(name=name),
                         color="danger"), None
    service = batch_service(services)
    with tempfile.TemporaryDirectory(prefix="batch-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            result = service.ingest(path, as_of=(as_of or "").strip() or None, source_name=name)
        except IngestError as exc:
            text = str(exc).replace(f"{folder}/", "")
            return dbc.Alert(text, color="danger"), None
    record = result.record
    return dbc.Alert(
        _("Batch {batch} stored: {n} clients scored as of {date}. They can be searched on the "
          "advisor page now.").format(batch=record.batch_id, n=format_number(record.rows),
                                      date=record.as_of),
        color="success"), service.store.index.version()


def register_callbacks(app: Dash, services: Any) -> None:
    # ``contents`` is cleared once handled: the same file chosen again is then a change, and the
    # browser does not keep megabytes of base64 in the page.
    @app.callback(Output(MESSAGE, "children"), Output(BATCHES_CHANGED, "data"),
                  Output(UPLOAD, "contents"), Input(UPLOAD, "contents"),
                  State(UPLOAD, "filename"), State(AS_OF, "value"), prevent_initial_call=True)
    def upload(contents: str | None, filename: str | None, as_of: str | None):
        if not contents:
            return no_update, no_update, no_update
        message, version = ingest_upload(services, contents, filename or "", as_of)
        return message, (version if version is not None else no_update), None
