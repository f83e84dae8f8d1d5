"""Decision panel: the advisor records grant or refuse (with a reason when it goes against the
model), sees the client's past decisions, and downloads the whole log as CSV for audits.

The form belongs to the client on screen (issue 10, section 2). Whenever the client changes, the
choice and the reason are cleared and the panel keeps a signed note of the client, model version
and probability it was drawn for (:mod:`credit_dashboard.web.auth.shown`). Recording re-scores the
client and refuses when the note is for another client or the score has changed since, so a reason
written for one client is never recorded against the next. Recording is for advisors and admins
(``web/auth/roles.py``); other roles see the form disabled, and the export link only when their
role may download it.

The panel also records that the applicant asks for a human review of the client's latest
decision, with the applicant's own statement (issue 19, section 4): advisors and admins record it,
analysts read it. The history shows each decision with its review: open for how many days, or
upheld / reversed by whom and why. The review itself is an analyst's or an admin's, on the
analyst page (``pages/analyst/components/reviews.py``), never the decider's. A recorded
decision keeps the input row, reasons and counterfactual served
(:mod:`credit_dashboard.web.decisions_shown`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html, no_update
from flask import Response

from credit_dashboard.i18n import format_percent, ngettext
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.container import AppServices
from credit_dashboard.services.reviews_view import outcome_word
from credit_dashboard.services.scoring import ClientResult
from credit_dashboard.storage.decisions import (
    Decision,
    DecisionStore,
    DecisionStoreError,
    DecisionValidationError,
)
from credit_dashboard.storage.decisions_model import MIN_STATEMENT_CHARS, Review
from credit_dashboard.web.auth import may_open, may_use, shown
from credit_dashboard.web.decisions_shown import ShownRecord, shown_record
from credit_dashboard.web.pages.advisor.common import CLIENT_STORE, scored

CHOICE = "decision-choice"
REASON = "decision-reason"
REASON_FEEDBACK = "decision-reason-feedback"
SUBMIT = "decision-submit"
MESSAGE = "decision-message"
RECORDED = "decision-recorded"
REFUSED = "decision-refused"
HISTORY = "decision-history"
HISTORY_TABLE = "decision-history-table"
#: The signed note of the client and score the form was drawn for (see the module docstring).
SHOWN = "decision-shown"
READ_ONLY = "decision-read-only"
#: The applicant's request for a review of the client's latest decision.
REVIEW_BOX = "decision-review"
#: The id of the decision the review control was drawn for (checked again when recording).
REVIEW_TARGET = "decision-review-target"
REVIEW_ABOUT = "decision-review-about"
REVIEW_STATEMENT = "decision-review-statement"
REVIEW_SUBMIT = "decision-review-submit"
REVIEW_MESSAGE = "decision-review-message"
REVIEW_RECORDED = "decision-review-recorded"

#: The CSV export's address (kept from the first release: audit scripts use it).
EXPORT_PATH = "/advisor-tools/decisions.csv"
#: The name recorded when nobody is signed in (logins disabled or not installed).
LOCAL_USER = "local"


def current_user() -> str:
    """The signed-in advisor, or :data:`LOCAL_USER` when logins are off or not installed."""
    try:
        from credit_dashboard.web.auth import current_user as signed_in
    except ImportError:
        return LOCAL_USER
    try:
        return signed_in() or LOCAL_USER
    except RuntimeError:  # outside a request (no flask.g)
        return LOCAL_USER


def _decision_word(decision: str) -> str:
    """``grant`` / ``refuse`` as the advisor reads them (the log stores the codes)."""
    return {"grant": _("grant"), "refuse": _("refuse")}.get(decision, decision)


def review_state(review: Review | None) -> Any:
    """A decision's review as the history shows it: open for N days, or its outcome."""
    if review is None:
        return "–"
    if review.is_open:
        days = int(review.age_days())
        text = ngettext("asked, open for {n} day", "asked, open for {n} days", days).format(n=days)
        if review.overdue:
            return html.Span([text, " ", dbc.Badge(_("overdue"), color="danger")])
        return text
    return _("{outcome} by {user}: {reason}").format(
        outcome=outcome_word(review.outcome), user=review.reviewed_by,
        reason=review.outcome_reason)


def history_view(decisions: list[Decision], reviews: list[Review] | tuple[()] = ()) -> html.Div:
    """The client's decisions, newest first, each with its latest review."""
    if not decisions:
        return html.P(_("No decision recorded yet."), className="text-muted small")
    latest: dict[int, Review] = {}
    for review in reviews:  # oldest first: the last one of a decision stays
        latest[review.decision_id] = review
    headers = (_("When (UTC)"), _("Decision"), _("Model said"), _("By"), _("Reason"),
               _("Review"))
    head = html.Thead(html.Tr([html.Th(h) for h in headers]))
    rows = [
        html.Tr(
            [
                html.Td(d.recorded_at.replace("T", " ")[:19]),
                html.Td(_decision_word(d.decision)
                        + (_(" (against the model)") if d.against_model else "")),
                html.Td(f"{_decision_word(d.model_decision)} "
                        f"({format_percent(d.default_probability)})"),
                html.Td(d.user),
                html.Td(d.reason or "–"),
                html.Td(review_state(latest.get(d.id))),
            ]
        )
        for d in decisions
    ]
    return dbc.Table([head, html.Tbody(rows)], size="sm", className="mb-2", id=HISTORY_TABLE)


def _review_controls(read_only: bool) -> html.Div:
    """The applicant's request for a review (shown once the client has a decision)."""
    return html.Div(
        [
            html.H3(_("The applicant asks for a review"), className="h6 mt-3"),
            html.P(id=REVIEW_ABOUT, className="small text-muted mb-1"),
            html.Label(_("The applicant's own statement: what they contest and why"),
                       htmlFor=REVIEW_STATEMENT, className="form-label mb-1"),
            dcc.Textarea(id=REVIEW_STATEMENT, className="form-control",
                         style={"height": "70px"}, disabled=read_only),
            dbc.Button(_("Record the request for a review"), id=REVIEW_SUBMIT,
                       color="secondary", n_clicks=0, className="mt-2", disabled=read_only),
            html.Div(id=REVIEW_MESSAGE, className="mt-2", role="status"),
        ],
        id=REVIEW_BOX, style={"display": "none"},
    )


def layout(services: AppServices) -> dbc.Card:
    # Drawn for the caller's role; the server refuses the recording callback to others anyway.
    read_only = not may_use(SUBMIT)
    return dbc.Card(
        [
            dbc.CardHeader(_("Decision")),
            dbc.CardBody(
                [
                    html.P(
                        _("Your role may read the decisions but not record them."),
                        className="text-muted small mb-2", id=READ_ONLY,
                    ) if read_only else None,
                    dcc.Store(id=SHOWN),
                    dcc.Store(id=REVIEW_TARGET),
                    dbc.RadioItems(
                        id=CHOICE,
                        options=[
                            {"label": _("Grant"), "value": "grant", "disabled": read_only},
                            {"label": _("Refuse"), "value": "refuse", "disabled": read_only},
                        ],
                        inline=True,
                        className="mb-2",
                    ),
                    html.Label(
                        _("Reason (required when the decision goes against the model)"),
                        htmlFor=REASON,
                        className="form-label mb-1",
                    ),
                    dcc.Textarea(
                        id=REASON, className="form-control", style={"height": "70px"},
                        disabled=read_only,
                    ),
                    html.Div(id=REASON_FEEDBACK, className="small text-danger mt-1"),
                    dbc.Button(
                        _("Record the decision"), id=SUBMIT, color="primary",
                        n_clicks=0, className="mt-2", disabled=read_only,
                    ),
                    html.Div(id=MESSAGE, className="mt-2", role="status"),
                    html.H3(_("Decisions recorded for this client"), className="h6 mt-3"),
                    html.Div(id=HISTORY),
                    _review_controls(read_only=not may_use(REVIEW_SUBMIT)),
                    html.A(
                        _("Download every decision (CSV, for audits)"),
                        href=EXPORT_PATH,
                        className="small",
                    ) if may_open(EXPORT_PATH) else None,
                ]
            ),
        ],
        className="mb-3",
    )


def record(
    store: DecisionStore,
    result: ClientResult,
    choice: str | None,
    reason: str | None,
    served: ShownRecord | None = None,
) -> tuple[Any, str | None]:
    """Record one decision; (message for the panel, message beside the reason field).

    ``served``: the input row, reasons and counterfactual the record keeps (None: without them).
    """
    if not choice:
        return dbc.Alert(_("Choose grant or refuse first."), color="warning"), None
    kept: dict[str, Any] = {}
    if served is not None:
        kept = {"inputs": served.inputs, "reasons": served.reasons,
                "counterfactual": served.counterfactual}
    try:
        stored = store.record(
            int(result.client_id),
            choice,
            user=current_user(),
            model_version=result.model_version or "unknown",
            default_probability=result.default_probability,
            decision_threshold=result.decision_threshold,
            reason=reason or "",
            **kept,
        )
    except DecisionValidationError as exc:
        if exc.field == "reason":
            return None, exc.message[:1].upper() + exc.message[1:]
        return dbc.Alert(_("Not recorded: {problem}").format(problem=exc), color="warning"), None
    except DecisionStoreError as exc:
        return dbc.Alert(_("Not recorded, please try again: {problem}").format(problem=exc),
                         color="danger"), None
    return (
        dbc.Alert(
            _("Recorded: {decision} for client {client} by {user}.").format(
                decision=_decision_word(stored.decision), client=stored.client_id,
                user=stored.user),
            color="success",
            id=RECORDED,
        ),
        None,
    )


def shown_of(result: ClientResult) -> shown.Shown:
    """What the page shows of a scored client: the facts a recorded decision is bound to."""
    return shown.Shown(
        int(result.client_id), result.model_version or "unknown", result.default_probability
    )


def _recommendation(result: ClientResult) -> html.P:
    return html.P(
        _("The model recommends to {decision} (probability of default {p}, threshold {t}).")
        .format(decision=_decision_word(result.decision),
                p=format_percent(result.default_probability),
                t=format_percent(result.decision_threshold)),
        className="text-muted small mb-0",
    )


def _history(store: DecisionStore, result: ClientResult) -> Any:
    try:
        client_id = int(result.client_id)
        return history_view(store.history(client_id), store.reviews(client_id=client_id))
    except DecisionStoreError as exc:
        return dbc.Alert(_("The decision log cannot be read: {problem}").format(problem=exc),
                         color="danger")


def review_target(store: DecisionStore, client_id: int) -> tuple[int | None, str, dict[str, str]]:
    """(id of the latest decision, the sentence about it, the review box's style)."""
    try:
        latest = store.history(client_id, limit=1)
        reviews = store.reviews(client_id=client_id) if latest else []
    except DecisionStoreError:
        return None, "", {"display": "none"}
    if not latest:
        return None, "", {"display": "none"}
    decision = latest[0]
    about = _("For the latest decision: {decision} on {when} by {user}.").format(
        decision=_decision_word(decision.decision), when=decision.recorded_at[:10],
        user=decision.user)
    if any(r.is_open and r.decision_id == decision.id for r in reviews):
        about += " " + _("A review of it is already open.")
    return decision.id, about, {}


def request_review(
    store: DecisionStore, client_id: int, target: object, statement: str | None
) -> tuple[Any, bool]:
    """Record the applicant's request; (message, recorded?). The target must still be the
    client's latest decision: the browser's word for it is checked here."""
    text = (statement or "").strip()
    if len(text) < MIN_STATEMENT_CHARS:
        message = _("Write the applicant's statement first (at least {n} characters).").format(
            n=MIN_STATEMENT_CHARS)
        return dbc.Alert(message, color="warning"), False
    latest = store.history(client_id, limit=1)
    if not latest or not isinstance(target, int) or latest[0].id != target:
        message = _("The decisions of this client have changed since the page was drawn: "
                    "nothing recorded. Open the client again.")
        return dbc.Alert(message, color="danger"), False
    if any(r.is_open for r in store.reviews(client_id=client_id) if r.decision_id == target):
        return dbc.Alert(_("A review of this decision is already open: nothing recorded."),
                         color="warning"), False
    try:
        store.request_review(target, statement=text, user=current_user())
    except DecisionValidationError as exc:
        return dbc.Alert(_("Not recorded: {problem}").format(problem=exc.message),
                         color="warning"), False
    return dbc.Alert(
        _("Recorded: client {client} asks for a review of the decision of {when}. An analyst "
          "or an admin other than {user} will review it.").format(
            client=client_id, when=latest[0].recorded_at[:10], user=latest[0].user),
        color="success", id=REVIEW_RECORDED,
    ), True


def register_callbacks(app: Dash, services: AppServices) -> None:
    """The form follows the client (reset, new note); recording checks the note; CSV export."""
    scoring = services.scoring
    store = services.decision_store

    @app.callback(
        Output(HISTORY, "children"),
        Output(MESSAGE, "children"),
        Output(REASON_FEEDBACK, "children"),
        Output(CHOICE, "value"),
        Output(REASON, "value"),
        Output(SHOWN, "data"),
        Output(REVIEW_TARGET, "data"),
        Output(REVIEW_ABOUT, "children"),
        Output(REVIEW_BOX, "style"),
        Output(REVIEW_STATEMENT, "value"),
        Output(REVIEW_MESSAGE, "children"),
        Input(CLIENT_STORE, "data"),
    )
    def show(client_text):  # type: ignore[no-untyped-def]
        # A Dash page keeps a form's values when only a store changes: clear them here.
        result = scored(scoring, client_text)
        if result is None:
            return None, None, None, None, "", None, None, "", {"display": "none"}, "", None
        note = shown.sign(shown_of(result))
        target, about, style = review_target(store, int(result.client_id))
        return (_history(store, result), _recommendation(result), None, None, "", note,
                target, about, style, "", None)

    @app.callback(
        Output(HISTORY, "children", allow_duplicate=True),
        Output(MESSAGE, "children", allow_duplicate=True),
        Output(REASON_FEEDBACK, "children", allow_duplicate=True),
        Output(REVIEW_TARGET, "data", allow_duplicate=True),
        Output(REVIEW_ABOUT, "children", allow_duplicate=True),
        Output(REVIEW_BOX, "style", allow_duplicate=True),
        Output(REVIEW_MESSAGE, "children", allow_duplicate=True),
        Input(SUBMIT, "n_clicks"),
        State(CLIENT_STORE, "data"),
        State(SHOWN, "data"),
        State(CHOICE, "value"),
        State(REASON, "value"),
        prevent_initial_call=True,
    )
    def record_decision(clicks, client_text, note, choice, reason):  # type: ignore[no-untyped-def]
        unchanged = (no_update,) * 4
        if not clicks:
            return (no_update, no_update, no_update, *unchanged)
        result = scored(scoring, client_text)  # re-scored now, not taken from the browser
        if result is None:
            message = _("No client is shown: nothing recorded.")
            return (no_update, dbc.Alert(message, color="warning", id=REFUSED), None, *unchanged)
        refused = shown.mismatch(note, shown_of(result))
        if refused is not None:
            return (no_update, dbc.Alert(refused, color="danger", id=REFUSED), None, *unchanged)
        served = shown_record(services, int(result.client_id)) if choice else None
        message, reason_problem = record(store, result, choice, reason, served)
        target, about, style = review_target(store, int(result.client_id))
        return _history(store, result), message, reason_problem, target, about, style, None

    @app.callback(
        Output(HISTORY, "children", allow_duplicate=True),
        Output(REVIEW_MESSAGE, "children", allow_duplicate=True),
        Output(REVIEW_STATEMENT, "value", allow_duplicate=True),
        Output(REVIEW_ABOUT, "children", allow_duplicate=True),
        Input(REVIEW_SUBMIT, "n_clicks"),
        State(CLIENT_STORE, "data"),
        State(REVIEW_TARGET, "data"),
        State(REVIEW_STATEMENT, "value"),
        prevent_initial_call=True,
    )
    def record_review_request(clicks, client_text, target, statement):  # type: ignore[no-untyped-def]
        if not clicks:
            return no_update, no_update, no_update, no_update
        result = scored(scoring, client_text)
        if result is None:
            message = _("No client is shown: nothing recorded.")
            return no_update, dbc.Alert(message, color="warning"), no_update, no_update
        client_id = int(result.client_id)
        try:
            message, done = request_review(store, client_id, target, statement)
        except DecisionStoreError as exc:
            alert = dbc.Alert(_("Not recorded, please try again: {problem}").format(problem=exc),
                              color="danger")
            return no_update, alert, no_update, no_update
        if not done:
            return no_update, message, no_update, no_update
        _target, about, _style = review_target(store, client_id)
        return _history(store, result), message, "", about

    @app.server.route(EXPORT_PATH)
    def export_decisions() -> Response:
        try:
            text = store.export_csv_text()
        except DecisionStoreError as exc:
            return Response(f"The decision log cannot be read: {exc}\n", status=503,
                            mimetype="text/plain")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        return Response(
            text,
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="decisions-{stamp}.csv"'},
        )
