"""The JSON API, served by the same Flask server and the same ``ScoringService`` as the pages.

- ``GET /api/health``: liveness, readiness and model version; public, carries no client data.
- ``GET /api/clients/<id>``: an applicant's score, decision, threshold, largest contributions and
  ``reasons`` (the principal reasons for a refusal, ``services.reasons``; empty when granted).
- ``POST /api/score``: the same answer for a raw record (Kaggle column names -> values).

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
from credit_dashboard.services.explain import top_contributions
from credit_dashboard.services.reasons import refusal_reasons

log = logging.getLogger(__name__)

#: A full record is about 6 KiB of JSON; anything far larger is a mistake or an attack.
MAX_BODY_BYTES = 64 * 1024
#: Contributions returned unless ``?top=`` says otherwise (the advisor page's waterfall shows 10).
DEFAULT_TOP = 10
_API_METHODS = {"/api/health": "GET", "/api/score": "POST"}


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


def _answer(result: Any, top: int | None) -> Response:
    """The ClientResult as the page has it, plus the sum of the contributions not listed and the
    reasons for a refusal."""
    payload = result.to_dict(top_n=top)
    if top is not None:
        split = top_contributions(result.contributions, top)
        payload["other_contributions"] = {"sum": split.others, "count": split.n_others}
    # Reasons for a refusal (at most four, never a protected fact); an empty list when granted.
    payload["reasons"] = [reason.to_dict() for reason in refusal_reasons(result).reasons]
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
        return _answer(result, top)

    @bp.post("/score")
    def score() -> Response:
        top = _top_from_query()
        raw = _read_json_body()
        try:
            frame = validation.validate_record(raw)
        except validation.RecordValidationError as exc:
            return _error(
                422,
                f"the record cannot be scored: {len(exc.errors)} field(s) to fix",
                fields=[e.as_dict() for e in exc.errors],
            )
        # A mapping with None for missing values: ScoringService turns None into the missing value
        # of each column's dtype, whereas a NaN in a text column would reach it as the text "nan".
        record = {k: (None if pd.isna(v) else v) for k, v in frame.iloc[0].items()}
        return _answer(scoring.score_record(record), top)

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
