"""The JSON API, served by the same Flask server and the same ``ScoringService`` as the pages.

- ``GET /api/health``: liveness, readiness and model version; public, carries no client data.
- ``GET /api/clients/<id>``: an applicant's score, decision, threshold, largest contributions,
  ``reasons`` (the principal reasons for a refusal, ``services.reasons``; empty when granted) and
  ``credit_records`` (the compact summary of ``services.credit_history``; null when this lender's
  data has no credit records) and ``counterfactual`` (``services.counterfactual``: for a refusal,
  the smallest change of the loan the model grants, ``{"changes": {"AMT_CREDIT": 720000.0, ...},
  "default_probability": 0.087}``, or ``{"changes": null, "why": "..."}``; null when granted).
- ``POST /api/score``: the same answer for a raw record (Kaggle column names -> values), with an
  optional ``"credit_records": {"bureau": [rows...], ...}`` beside the fields: the client's rows of
  the six credit-record tables, checked like an import (``validate_tables``), turned into the
  model's ``CR_*`` features and scored with the record. ``SK_ID_CURR`` is then required, and a row
  may leave it out (it is the record's). The ``counterfactual`` keeps those records as sent.

Answers come from ``ClientResult.to_dict``, the object the advisor page draws, so the API and the
page cannot disagree. Every failure is a JSON body ``{"error": ..., "request_id": ...}`` with a 4xx
status that says what to fix (field-level ``fields`` for an invalid record); nothing reaches the
caller as an HTML error page or a traceback. Logins and API keys are checked before these views run
(``credit_dashboard.web.auth``).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pandas as pd
from flask import Blueprint, Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from credit_dashboard.services import validation
from credit_dashboard.services.counterfactual import (
    Counterfactual,
    client_counterfactual,
    record_counterfactual,
)
from credit_dashboard.services.credit_history import COLUMNS_READ, credit_history
from credit_dashboard.services.explain import top_contributions
from credit_dashboard.services.reasons import refusal_reasons
from credit_dashboard.storage.credit_records.schema import TABLES
from credit_dashboard.storage.schema import ID_COLUMN

log = logging.getLogger(__name__)

#: A full record is about 6 KiB of JSON; anything far larger is a mistake or an attack.
MAX_BODY_BYTES = 64 * 1024
#: Contributions returned unless ``?top=`` says otherwise (the advisor page's waterfall shows 10).
DEFAULT_TOP = 10
_API_METHODS = {"/api/health": "GET", "/api/score": "POST", "/api/decisions": "GET, POST"}
#: The body's key for the client's credit-record rows (``POST /api/score``).
RECORDS_KEY = "credit_records"


def _json(payload: dict[str, Any], status: int = 200) -> Response:
    """A JSON response; non-finite numbers are refused so every answer is strict JSON."""
    try:
        body = json.dumps(payload, allow_nan=False)
    except ValueError:
        log.error("rid=%s an answer held NaN or Infinity; refused", g.get("request_id"))
        body, status = json.dumps({"error": "the answer could not be computed"}), 500
    return Response(body, status=status, mimetype="application/json")


def _error(status: int, message: str, **extra: Any) -> Response:
    return _json({"error": message, "request_id": g.get("request_id"), **extra}, status)


def _top_from_query() -> int | None:
    """``?top=N`` (1-500) or ``?top=all`` (None = every contribution)."""
    raw = request.args.get("top")
    if raw is None:
        return DEFAULT_TOP
    if raw == "all":
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 3 and 1 <= int(raw) <= 500):
        raise _BadRequest("top must be a whole number from 1 to 500, or 'all'")
    return int(raw)


class _BadRequest(Exception):
    """A query or body the caller must fix; becomes a 400 answer."""


def _answer(result: Any, top: int | None, counterfactual: Counterfactual | None,
            **extra: Any) -> Response:
    """The ClientResult as the page has it, plus the sum of the contributions not listed, the
    reasons for a refusal, what would change it and ``extra`` fields."""
    payload = result.to_dict(top_n=top)
    if top is not None:
        split = top_contributions(result.contributions, top)
        payload["other_contributions"] = {"sum": split.others, "count": split.n_others}
    # Reasons for a refusal (at most four, never a protected fact); an empty list when granted.
    payload["reasons"] = [reason.to_dict() for reason in refusal_reasons(result).reasons]
    # The smallest change of the loan the model grants, checked by re-scoring (null when granted).
    payload["counterfactual"] = None if counterfactual is None else counterfactual.to_dict()
    payload.update(extra)
    return _json(payload)


def _read_json_body() -> object:
    if request.mimetype != "application/json":
        raise _UnsupportedMedia()
    request.max_content_length = MAX_BODY_BYTES  # enforced while reading, chunked bodies too
    raw = request.get_data(cache=False)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _BadRequest("the body is not UTF-8 text") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise _BadRequest(f"malformed JSON: {exc.msg} at {where}") from exc
    except (RecursionError, ValueError) as exc:
        # Nesting thousands deep, or an integer with thousands of digits.
        raise _BadRequest("malformed JSON: nested too deep or a number too long") from exc


class _UnsupportedMedia(Exception):
    """The body is not declared as JSON."""


class _BadRecords(Exception):
    """Credit records the caller must fix; becomes a 422 naming the table."""

    def __init__(self, message: str, table: str | None = None) -> None:
        super().__init__(message)
        self.table = table


def _shown_name(key: object) -> str:
    """A table or column name fit to echo back: printable and short (a hostile key could be
    long or carry markup)."""
    text = str(key)
    return "".join(ch if ch.isprintable() else "?" for ch in text[:60]) + (
        "..." if len(text) > 60 else "")


def _record_frames(raw: object, client_id: int) -> dict[str, pd.DataFrame]:
    """The body's ``credit_records`` as frames by table, every schema column present (a column
    left out of a row is a missing value, as a record field is; the integer columns are then
    refused by ``validate_tables``). Unknown tables and columns are refused by name rather than
    dropped: a caller who misspells a column must not get a score that silently ignored it."""
    if not isinstance(raw, dict):
        raise _BadRecords(f"{RECORDS_KEY} must be an object of table name -> list of rows")
    frames: dict[str, pd.DataFrame] = {}
    for table, rows in raw.items():
        if table not in TABLES:
            raise _BadRecords(
                f"{RECORDS_KEY}: unknown table {_shown_name(table)!r}; expected some "
                f"of {', '.join(TABLES)}", table=_shown_name(table))
        spec = TABLES[table]
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise _BadRecords(f"{RECORDS_KEY}.{table} must be a list of objects (one per row)",
                              table=table)
        for number, row in enumerate(rows, start=1):
            unknown = [key for key in row if key not in spec.columns]
            if unknown:
                raise _BadRecords(
                    f"{RECORDS_KEY}.{table} row {number}: unknown column "
                    f"{_shown_name(unknown[0])!r}", table=table)
        columns = {
            column: [row.get(column, client_id if column == ID_COLUMN else None) for row in rows]
            for column in spec.columns
        }
        frames[table] = pd.DataFrame(columns, columns=list(spec.columns))
    return frames


def _record_aggregates(raw: object, client_id: int) -> pd.DataFrame:
    """The ``CR_*`` features of the body's records, validated like an import (``client_id`` is
    the only known client), or _BadRecords naming the table and the problem."""
    from credit_dashboard.model.record_features import aggregate_frames
    from credit_dashboard.storage.credit_records.validation import validate_tables
    from credit_dashboard.storage.loading import DataValidationError

    frames = _record_frames(raw, client_id)
    try:
        checked = validate_tables(frames, {client_id}, "credit_records")
    except DataValidationError as exc:
        message = str(exc)
        table = next((name for name in TABLES if f"({name})" in message), None)
        raise _BadRecords(message, table=table) from exc
    return aggregate_frames(checked, ids=[client_id])


def _records_summary(services: Any, client_id: int) -> dict[str, Any] | None:
    """The client's credit-record summary, or None when this lender's data holds no records."""
    store = services.credit_records
    if store is None:
        return None
    return credit_history(client_id, store.client_records(client_id, COLUMNS_READ),
                          store.tables()).to_dict()


def _blueprint(services: Any) -> Blueprint:
    bp = Blueprint("api", __name__, url_prefix="/api")
    scoring = services.scoring

    @bp.get("/health")
    def health() -> Response:
        # "ok": this process answers; "ready": the past clients behind the comparison charts
        # (loaded in the background after start-up) are there too. Per worker process.
        return _json({
            "status": "ok",
            "ready": services.comparison_ready(),
            "model_version": scoring.model_version,
        })

    # ``path`` so "../x" or "a/b" reach the view and get the id rules' message, not a bare 404.
    @bp.get("/clients/<path:client_text>")
    def client(client_text: str) -> Response:
        from credit_dashboard.services.scoring import UnknownClientError

        try:
            client_id = validation.parse_client_id(client_text)
        except validation.ClientIdError as exc:
            return _error(400, str(exc), field="client_id")
        top = _top_from_query()
        try:
            result = scoring.score_client(client_id)
        except UnknownClientError:
            return _error(404, f"no applicant has the id {client_id}", field="client_id")
        return _answer(result, top, client_counterfactual(scoring, client_id, result=result),
                       credit_records=_records_summary(services, client_id))

    @bp.post("/score")
    def score() -> Response:
        top = _top_from_query()
        raw = _read_json_body()
        records = None
        required = validation.REQUIRED_FIELDS
        if isinstance(raw, dict) and RECORDS_KEY in raw:
            raw = dict(raw)
            records = raw.pop(RECORDS_KEY)
            # Records belong to one client: the record must say which.
            required = required | {ID_COLUMN}
        try:
            frame = validation.validate_record(raw, required=required)
        except validation.RecordValidationError as exc:
            return _error(
                422,
                f"the record cannot be scored: {len(exc.errors)} field(s) to fix",
                fields=[e.as_dict() for e in exc.errors],
            )
        # A mapping with None for missing values: ScoringService turns None into the missing value
        # of each column's dtype, whereas a NaN in a text column would reach it as the text "nan".
        record = {k: (None if pd.isna(v) else v) for k, v in frame.iloc[0].items()}
        aggregates = None
        if records is not None:
            aggregates = _record_aggregates(records, int(record[ID_COLUMN]))
        result = scoring.score_record(record, aggregates=aggregates)
        found = record_counterfactual(scoring, record, aggregates, result=result)
        return _answer(result, top, found)

    # Without this, Dash's catch-all page route would answer unknown /api/ paths (and GET
    # /api/score) with the app's HTML page and a 200.
    @bp.route("/<path:_rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def elsewhere(_rest: str) -> Response:
        allowed = _API_METHODS.get(request.path)
        if allowed is None and request.path.startswith("/api/clients/"):
            allowed = "GET"
        if allowed is None:
            return _error(404, "no such API endpoint: see /api/health, /api/clients/<id>, "
                               "/api/score")
        response = _error(405, f"use {allowed} for {request.path}")
        response.headers["Allow"] = allowed
        return response

    @bp.errorhandler(_BadRequest)
    def bad_request(exc: _BadRequest) -> Response:
        return _error(400, str(exc))

    @bp.errorhandler(_BadRecords)
    def bad_records(exc: _BadRecords) -> Response:
        return _error(422, f"the credit records cannot be used: {exc}", field=RECORDS_KEY,
                      table=exc.table)

    @bp.errorhandler(_UnsupportedMedia)
    def unsupported(_exc: _UnsupportedMedia) -> Response:
        return _error(415, "send the record as JSON with Content-Type: application/json")

    @bp.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        """A bug must not show a traceback to an API caller; it is logged under the request id."""
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        log.exception("rid=%s unexpected error in %s", g.get("request_id"), request.path)
        return _error(500, "internal error; quote the request id when reporting it")

    return bp


def _http_error(exc: HTTPException) -> Response | HTTPException:
    """JSON for every HTTP error under /api/ (routing 404/405 too); other paths keep their pages."""
    if not request.path.startswith("/api/"):
        return exc
    if exc.code == 413:
        return _error(413, f"the body is larger than {MAX_BODY_BYTES // 1024} KiB")
    return _error(exc.code or 500, exc.description or exc.name)


def register(app: Any, services: Any) -> None:
    """Serve the API on ``app``'s Flask server (a Dash app or a Flask app) with ``services``."""
    server: Flask = getattr(app, "server", app)
    server.register_blueprint(_blueprint(services))
    # App-wide so routing errors under /api/ (unknown path, wrong method) answer in JSON too.
    server.register_error_handler(HTTPException, _http_error)
