"""Decisions and reviews in the JSON API, for the lender's other systems (issue 19, section 6).

- ``POST /api/decisions`` (advisors, admins): record a decision. Body ``{"client_id", "decision",
  "reason", "model_version", "default_probability"}``: the version and probability the caller was
  shown. Refused with 409 when they are not the ones served now for that client (as the advisor
  page's form refuses a stale page), 404 for an unknown client, 422 naming the ``field`` to fix.
  The record keeps the input row, reasons and counterfactual served (``web.decisions_shown``).
- ``GET /api/decisions?client=ID`` (every role): the client's decisions, newest first, each with
  its ``reviews``.
- ``POST /api/decisions/<id>/review`` (advisors, admins): the applicant asks for a human review;
  body ``{"statement"}``, the applicant's own words.
- ``POST /api/reviews/<id>/outcome`` (analysts, admins, never the person who decided: 403): body
  ``{"outcome": "upheld" | "reversed", "reason"}`` and optionally ``"corrected": {column:
  value}``, Kaggle columns merged into the stored input row, checked like ``POST /api/score`` and
  re-scored with the served model; the record keeps the corrections and the new probability.

Each POST answers 201 with the new record's ``id`` and the ``record``. The user recorded is the
signed-in account, or ``key:<name>`` for an API key (``web.auth``). Roles are the routes table's
(``web/auth/roles.py``), checked before these views run. Errors are the API's JSON
(``web.api._error``): ``{"error", "request_id", "field"}``.
"""

from __future__ import annotations

import logging
import math
import numbers
from typing import Any

from flask import Blueprint, Flask, Response, request

from credit_dashboard.services import validation
from credit_dashboard.services.reviews_view import ReviewInputError, rescore_corrected
from credit_dashboard.services.scoring import UnknownClientError
from credit_dashboard.storage.decisions import (
    DecisionStoreError,
    DecisionValidationError,
    UnknownRecordError,
    decision_as_dict,
    review_as_dict,
)
from credit_dashboard.storage.decisions_model import same_person
from credit_dashboard.web.api import (
    _BadRequest,
    _error,
    _json,
    _read_json_body,
    _UnsupportedMedia,
)
from credit_dashboard.web.auth.shown import TOLERANCE
from credit_dashboard.web.decisions_shown import shown_record

log = logging.getLogger(__name__)

#: The outcomes a reviewer may record.
OUTCOMES = ("upheld", "reversed")
#: What ``POST /api/decisions`` requires (``reason`` may be empty when the model agrees).
DECISION_FIELDS = ("client_id", "decision", "model_version", "default_probability")
#: Who recorded a call when logins are off (local development).
LOCAL_USER = "local"


def caller() -> str:
    """The signed-in account, ``key:<name>`` for an API key, or :data:`LOCAL_USER`."""
    from flask import g

    return g.get("user") or LOCAL_USER


def _body() -> dict[str, Any]:
    raw = _read_json_body()
    if not isinstance(raw, dict):
        raise _Invalid("(body)", "the body must be a JSON object")
    return raw


class _Invalid(Exception):
    """A field the caller must fix: 422 naming it."""

    def __init__(self, field: str, message: str, status: int = 422, **extra: Any) -> None:
        super().__init__(message)
        self.field, self.message, self.status, self.extra = field, message, status, extra


def _required(body: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if body.get(name) is None:
            raise _Invalid(name, f"{name} is required")


def _client_id(raw: object, field: str = "client_id", status: int = 422) -> int:
    """A client number from a body (422 when wrong) or a query (400)."""
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise _Invalid(field, f"{field} must be a client number", status)
    try:
        return validation.parse_client_id(raw)
    except validation.ClientIdError as exc:
        raise _Invalid(field, str(exc), status) from exc


def _record_id(raw: str, what: str) -> int:
    """A path's record id; a non-number is an unknown record (404), like an unknown number."""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18 and int(raw) > 0):
        raise _Invalid(f"{what}_id", f"no {what} has the id {raw[:30]!r}", status=404)
    return int(raw)


def _text(body: dict[str, Any], name: str, required: bool = True) -> str:
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _Invalid(name, f"{name} is required and must be text")
    return value


def _decision_with_reviews(decision: Any, reviews: list[Any]) -> dict[str, Any]:
    record = decision_as_dict(decision)
    record["reviews"] = [review_as_dict(r) for r in reviews if r.decision_id == decision.id]
    return record


def _blueprint(services: Any) -> Blueprint:
    bp = Blueprint("api_decisions", __name__, url_prefix="/api")
    scoring = services.scoring
    store = services.decision_store

    @bp.post("/decisions")
    def record_decision() -> Response:
        body = _body()
        _required(body, DECISION_FIELDS)
        client_id = _client_id(body["client_id"])
        version, probability = body["model_version"], body["default_probability"]
        if not isinstance(version, str):
            raise _Invalid("model_version", "model_version must be text")
        if isinstance(probability, bool) or not isinstance(probability, numbers.Real):
            raise _Invalid("default_probability", "default_probability must be a number")
        try:
            served = scoring.score_client(client_id)
        except UnknownClientError as exc:
            raise _Invalid("client_id", f"no applicant has the id {client_id}", 404) from exc
        stale = None
        if version != served.model_version:
            stale = "model_version"
        elif not math.isclose(float(probability), served.default_probability, rel_tol=0,
                              abs_tol=TOLERANCE):
            stale = "default_probability"
        if stale is not None:
            raise _Invalid(
                stale,
                f"the score sent is not the one served now for client {client_id}: fetch "
                f"/api/clients/{client_id} again and decide on that score; nothing recorded",
                409,
                served={"model_version": served.model_version,
                        "default_probability": served.default_probability},
            )
        shown = shown_record(services, client_id)
        stored = store.record(
            client_id,
            body["decision"],
            user=caller(),
            model_version=served.model_version,
            default_probability=served.default_probability,
            decision_threshold=served.decision_threshold,
            reason=_text(body, "reason", required=False),
            inputs=shown.inputs,
            reasons=shown.reasons,
            counterfactual=shown.counterfactual,
        )
        return _json({"id": stored.id, "record": decision_as_dict(stored)}, 201)

    @bp.get("/decisions")
    def list_decisions() -> Response:
        raw = request.args.get("client")
        if raw is None:
            raise _Invalid("client", "say which client: /api/decisions?client=<id>", 400)
        client_id = _client_id(raw, "client", 400)
        decisions = store.history(client_id)
        if not decisions and not scoring.has_client(client_id):
            raise _Invalid("client", f"no applicant has the id {client_id}", 404)
        reviews = store.reviews(client_id=client_id)
        return _json({
            "client_id": client_id,
            "decisions": [_decision_with_reviews(d, reviews) for d in decisions],
        })

    @bp.post("/decisions/<decision_id>/review")
    def request_review(decision_id: str) -> Response:
        number = _record_id(decision_id, "decision")
        store.get(number)  # 404 before looking at the body
        body = _body()
        review = store.request_review(number, statement=_text(body, "statement"), user=caller())
        return _json({"id": review.id, "record": review_as_dict(review)}, 201)

    @bp.post("/reviews/<review_id>/outcome")
    def record_outcome(review_id: str) -> Response:
        number = _record_id(review_id, "review")
        review = store.get_review(number)
        decision = store.get(review.decision_id)
        if same_person(decision.user, caller()):
            raise _Invalid("user", _self_review(decision.user), 403)
        body = _body()
        _required(body, ("outcome", "reason"))
        outcome = body["outcome"]
        if outcome not in OUTCOMES:
            raise _Invalid("outcome", f"outcome must be one of {', '.join(OUTCOMES)}")
        extra: dict[str, Any] = {}
        if body.get("corrected") is not None:
            if not decision.inputs:
                raise _Invalid("corrected", "this decision was recorded without its input row: "
                                            "it cannot be re-scored")
            try:
                rescored = rescore_corrected(scoring, decision.inputs, body["corrected"])
            except ReviewInputError as exc:
                raise _Invalid("corrected", f"the corrected data cannot be scored: {exc}",
                               fields=[{"field": k, "problem": v}
                                       for k, v in exc.errors.items()]) from exc
            extra = {
                "corrected_inputs": rescored.corrected,
                "rescored_probability": rescored.result.default_probability,
                "rescored_model_version": rescored.result.model_version,
            }
        closed = store.record_review_outcome(
            number, outcome=outcome, reason=_text(body, "reason"), user=caller(), **extra)
        return _json({"id": closed.id, "record": review_as_dict(closed)}, 201)

    # A known path with the wrong method gets 405 and what to use (else the API's catch-all in
    # web/api.py would say the endpoint does not exist).
    @bp.route("/decisions/<path:_rest>", methods=["GET", "PUT", "PATCH", "DELETE"])
    @bp.route("/reviews/<path:_rest>", methods=["GET", "PUT", "PATCH", "DELETE"])
    def wrong_method(_rest: str) -> Response:
        parts = request.path.strip("/").split("/")
        if len(parts) == 4 and parts[3] in ("review", "outcome"):
            response = _error(405, f"use POST for {request.path}")
            response.headers["Allow"] = "POST"
            return response
        return _error(404, "no such API endpoint: see /api/decisions?client=<id>, "
                           "/api/decisions/<id>/review, /api/reviews/<id>/outcome")

    @bp.errorhandler(_Invalid)
    def invalid(exc: _Invalid) -> Response:
        return _error(exc.status, exc.message, field=exc.field, **exc.extra)

    @bp.errorhandler(DecisionValidationError)
    def refused(exc: DecisionValidationError) -> Response:
        if exc.field == "user":  # the store's own check: nobody reviews their own decision
            return _error(403, exc.message, field="user")
        if exc.field in ("decision_id", "review_id"):  # a review already open, or closed
            return _error(409, exc.message, field=exc.field)
        return _error(422, exc.message, field=exc.field)

    @bp.errorhandler(UnknownRecordError)
    def unknown(exc: UnknownRecordError) -> Response:
        return _error(404, str(exc).strip("'\""), field="id")

    @bp.errorhandler(DecisionStoreError)
    def unavailable(exc: DecisionStoreError) -> Response:
        log.error("decision log unavailable: %s", exc)
        return _error(503, "the decision log cannot be reached now; nothing was recorded, "
                           "try again")

    @bp.errorhandler(_BadRequest)
    def bad_request(exc: _BadRequest) -> Response:
        return _error(400, str(exc), field="(body)")

    @bp.errorhandler(_UnsupportedMedia)
    def unsupported(_exc: _UnsupportedMedia) -> Response:
        return _error(415, "send the body as JSON with Content-Type: application/json")

    return bp


def _self_review(user: str) -> str:
    return (f"{user} took this decision and cannot review it: another analyst or admin must "
            f"record the outcome")


def register(app: Any, services: Any) -> None:
    """Serve the decisions API on ``app``'s Flask server beside ``web.api``."""
    server: Flask = getattr(app, "server", app)
    server.register_blueprint(_blueprint(services))
