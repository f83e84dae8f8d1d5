"""Reviews panel: the applicants' requests for a human review, for analysts and admins.

Issue 19, section 4: the open reviews, oldest first, with their age (flagged past 30 days);
choosing one shows what the model saw (the input row kept with the decision), the score and
threshold, the reasons and the counterfactual shown, and the applicant's statement. The reviewer
may re-score with corrected data (a few declared facts, through the what-if's checks) and records
the outcome, upheld or reversed, with a reason. Nobody reviews their own decision: the person who
took it gets a message and nothing is recorded (the store refuses it too). The last closed
reviews stay listed with their outcome and reviewer.

The computation is :mod:`credit_dashboard.services.reviews_view`; this module lays it out.
"""

from __future__ import annotations

import logging
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html, no_update

from credit_dashboard.i18n import format_percent, ngettext
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services import reviews_view as view
from credit_dashboard.services.container import AppServices
from credit_dashboard.services.labels import feature_label
from credit_dashboard.storage.decisions import (
    DecisionStoreError,
    DecisionValidationError,
    UnknownRecordError,
)
from credit_dashboard.storage.decisions_model import same_person
from credit_dashboard.web.auth import may_use
from credit_dashboard.web.pages.advisor.components.decision import current_user

log = logging.getLogger(__name__)

PANEL = "reviews-panel"
OPEN = "reviews-open"
OPEN_TABLE = "reviews-open-table"
CHOICE = "reviews-choice"
DETAIL = "reviews-detail"
DETAIL_BODY = "reviews-detail-body"
FORM = "reviews-form"
#: One field per correctable fact (``reviews-edit-amt-income-total``...).
EDIT = {column: "reviews-edit-" + column.lower().replace("_", "-") for column in view.CORRECTABLE}
RESCORE = "reviews-rescore"
RESCORED = "reviews-rescored"
OUTCOME = "reviews-outcome"
REASON = "reviews-reason"
RECORD = "reviews-record"
MESSAGE = "reviews-message"
REFUSED = "reviews-refused"
RECORDED = "reviews-recorded"
CLOSED = "reviews-closed"
CLOSED_TABLE = "reviews-closed-table"


def _days(days: int) -> str:
    return ngettext("{n} day", "{n} days", days).format(n=days)


def open_view(rows: list[view.OpenRow]) -> Any:
    if not rows:
        return html.P(_("No review is waiting."), className="text-muted small mb-2")
    head = html.Thead(html.Tr([html.Th(h) for h in (
        _("Review"), _("Client"), _("Decision"), _("Decided by"), _("Applicant's statement"),
        _("Open for"))]))
    body = [
        html.Tr([
            html.Td(_("#{review}").format(review=row.review_id)),
            html.Td(str(row.client_id)),
            html.Td(row.decision),
            html.Td(row.decided_by),
            html.Td(row.statement),
            html.Td([_days(row.age_days), " ", dbc.Badge(_("over 30 days"), color="danger")]
                    if row.overdue else _days(row.age_days)),
        ], className="table-warning" if row.overdue else None)
        for row in rows
    ]
    return dbc.Table([head, html.Tbody(body)], size="sm", className="mb-2", id=OPEN_TABLE)


def closed_view(rows: list[view.ClosedRow]) -> Any:
    if not rows:
        return html.P(_("No review closed yet."), className="text-muted small mb-0")
    head = html.Thead(html.Tr([html.Th(h) for h in (
        _("Review"), _("Client"), _("Decision"), _("Outcome"), _("Reviewer"), _("Reason"),
        _("When (UTC)"))]))
    body = [
        html.Tr([html.Td(_("#{review}").format(review=r.review_id)), html.Td(str(r.client_id)),
                 html.Td(r.decision), html.Td(r.outcome), html.Td(r.reviewed_by), html.Td(r.reason),
                 html.Td(r.reviewed_at)])
        for r in rows
    ]
    return dbc.Table([head, html.Tbody(body)], size="sm", className="mb-0", id=CLOSED_TABLE)


def _options(rows: list[view.OpenRow]) -> list[dict[str, str]]:
    return [
        {"label": _("#{review} · client {client} · open for {days}").format(
            review=row.review_id, client=row.client_id, days=_days(row.age_days)),
         "value": str(row.review_id)}
        for row in rows
    ]


def _lists(services: AppServices) -> tuple[Any, Any, list[dict[str, str]]]:
    """(open list, closed list, choices), or a message when the log cannot be read."""
    store = services.decision_store
    try:
        opened = view.open_rows(store)
        return open_view(opened), closed_view(view.closed_rows(store)), _options(opened)
    except DecisionStoreError as exc:
        alert = dbc.Alert(_("The decision log cannot be read: {problem}").format(problem=exc),
                          color="danger")
        return alert, None, []


def _edit_fields(read_only: bool) -> html.Div:
    fields = [
        dbc.Col([
            dbc.Label(feature_label(column), html_for=EDIT[column], className="small mb-0"),
            dbc.Input(id=EDIT[column], type="text", size="sm", disabled=read_only,
                      inputMode="decimal"),
        ], md=4, lg=2, className="mb-2")
        for column in view.CORRECTABLE
    ]
    return dbc.Row(fields, className="g-2")


def layout(services: AppServices) -> dbc.Card:
    read_only = not may_use(RECORD)
    opened, closed, options = _lists(services)
    return dbc.Card(
        [
            dbc.CardHeader(html.H2(_("Reviews asked by applicants"), className="h5 mb-0")),
            dbc.CardBody([
                html.P(_("An applicant may ask for a person to review an automated decision. "
                         "Review it with what the model saw, then record whether the decision "
                         "is upheld or reversed. Nobody reviews their own decision."),
                       className="small text-muted"),
                html.H3(_("Open reviews, oldest first"), className="h6"),
                html.Div(opened, id=OPEN),
                dbc.Label(_("Review to look at"), html_for=CHOICE, className="mb-1"),
                dbc.Select(id=CHOICE, options=options, className="mb-3"),
                html.Div(id=DETAIL),
                html.Div([
                    html.H3(_("Re-score with corrected data"), className="h6 mt-3"),
                    _edit_fields(read_only),
                    dbc.Button(_("Re-score"), id=RESCORE, color="secondary", size="sm",
                               n_clicks=0, disabled=read_only),
                    html.Div(id=RESCORED, className="mt-2", role="status"),
                    html.H3(_("Outcome"), className="h6 mt-3"),
                    dbc.RadioItems(id=OUTCOME, inline=True, className="mb-2", options=[
                        {"label": _("Upheld"), "value": "upheld", "disabled": read_only},
                        {"label": _("Reversed"), "value": "reversed", "disabled": read_only},
                    ]),
                    dbc.Label(_("Reason for the outcome"), html_for=REASON, className="mb-1"),
                    dcc.Textarea(id=REASON, className="form-control", style={"height": "70px"},
                                 disabled=read_only),
                    dbc.Button(_("Record the outcome"), id=RECORD, color="primary", n_clicks=0,
                               className="mt-2", disabled=read_only),
                ], id=FORM, style={"display": "none"}),
                html.Div(id=MESSAGE, className="mt-2", role="status"),
                html.H3(_("Closed reviews (last {n})").format(n=view.CLOSED_SHOWN),
                        className="h6 mt-4"),
                html.Div(closed, id=CLOSED),
            ]),
        ],
        className="mb-3", id=PANEL,
    )


def _score_line(label: str, probability: float, threshold: float, decision: str) -> html.P:
    return html.P(
        _("{label}: probability of default {p}, threshold {t}: {decision}.").format(
            label=label, p=format_percent(probability), t=format_percent(threshold),
            decision=view.decision_word(decision)),
        className="mb-1",
    )


def detail_view(detail: view.ReviewDetail) -> html.Div:
    """What the reviewer reads before deciding."""
    decision, review = detail.decision, detail.review
    parts: list[Any] = [
        html.H3(_("Review #{review}: client {client}, decision of {when} by {user}").format(
            review=review.id, client=review.client_id, when=decision.recorded_at[:10],
            user=decision.user), className="h6"),
        html.P(_("Asked by {user} on {when}.").format(
            user=review.requested_by, when=review.requested_at[:10]),
            className="small text-muted mb-1"),
        html.Blockquote(review.statement, className="border-start border-3 ps-2 mb-2"),
        _score_line(_("Recorded score"), decision.default_probability, decision.decision_threshold,
                    decision.model_decision),
        html.P(_("Decided: {decision}").format(decision=view.decision_word(decision.decision))
               + (" – " + decision.reason if decision.reason else ""), className="mb-1"),
    ]
    if detail.replayed is not None:
        note = (_("Re-scored now from the stored inputs: the same score (model {model}).")
                if detail.replay_matches else
                _("The served model ({model}) gives {p} for the stored inputs now.")).format(
            model=detail.replayed.model_version,
            p=format_percent(detail.replayed.default_probability))
        parts.append(html.P(note, className="small text-muted mb-2"))
    else:
        parts.append(html.P(_("This decision was recorded without its input row."),
                            className="small text-warning mb-2"))
    parts.append(html.H4(_("Reasons shown"), className="h6 mt-2 mb-1"))
    if detail.reasons:
        if detail.reasons_as_recorded:
            parts.append(html.P(_("As recorded (in English):"), className="small mb-1"))
        parts.append(html.Ol([html.Li(text) for text in detail.reasons], className="mb-2"))
    else:
        parts.append(html.P(_("None (the model granted)."), className="small mb-2"))
    parts.append(html.H4(_("What would have changed the decision"), className="h6 mb-1"))
    parts.append(html.P(detail.counterfactual or _("Nothing recorded."), className="mb-2"))
    if detail.inputs:
        parts.append(html.Details([
            html.Summary(_("What the model saw ({n} inputs)").format(n=len(detail.inputs))),
            html.Div(dbc.Table(
                html.Tbody([html.Tr([html.Th(label, scope="row", className="fw-normal"),
                                     html.Td(value)]) for label, value in detail.inputs]),
                size="sm", className="mb-0"), style={"maxHeight": "260px", "overflowY": "auto"},
                tabIndex=0),
        ], open=True, className="mb-2"))
    # The review drawn, for scripts and tests whatever the language.
    return html.Div(parts, id=DETAIL_BODY, **{"data-review": str(review.id)})


def _edits(values: tuple[Any, ...]) -> dict[str, object]:
    return dict(zip(view.CORRECTABLE, values, strict=True))


def _rescore_view(rescored: view.PanelRescore, recorded_probability: float) -> Any:
    if rescored.errors or rescored.result is None:
        problems = [html.Li(f"{feature_label(c)}: {m}") for c, m in rescored.errors.items()]
        return dbc.Alert([_("These values cannot be scored:"), html.Ul(problems, className="mb-0")],
                         color="warning")
    result = rescored.result
    if not rescored.corrected:
        return dbc.Alert(_("Nothing corrected: change a value first."), color="info")
    return dbc.Alert(
        _("With the corrections: probability of default {p} (recorded {before}), the model "
          "says {decision}.").format(
            p=format_percent(result.default_probability),
            before=format_percent(recorded_probability),
            decision=view.decision_word(result.decision)),
        color="success" if result.decision == "grant" else "secondary",
    )


def register_callbacks(app: Dash, services: AppServices) -> None:
    """Choosing a review, re-scoring it with corrections, recording its outcome."""
    scoring = services.scoring
    store = services.decision_store
    edit_states = [State(EDIT[c], "value") for c in view.CORRECTABLE]

    @app.callback(
        Output(DETAIL, "children"),
        Output(FORM, "style"),
        *[Output(EDIT[c], "value") for c in view.CORRECTABLE],
        Output(RESCORED, "children"),
        Output(OUTCOME, "value"),
        Output(REASON, "value"),
        Output(MESSAGE, "children", allow_duplicate=True),
        Input(CHOICE, "value"),
        prevent_initial_call="initial_duplicate",
    )
    def choose(review_text):  # type: ignore[no-untyped-def]
        # Another review: every field of the previous one is cleared (Dash keeps values).
        blank = [None] * len(view.CORRECTABLE)
        if not review_text:
            return None, {"display": "none"}, *blank, None, None, "", no_update
        try:
            detail = view.review_detail(scoring, store, int(review_text))
        except (UnknownRecordError, ValueError):
            return (dbc.Alert(_("No such review."), color="warning"), {"display": "none"},
                    *blank, None, None, "", None)
        values = [view.field_text(c, detail.correctable.get(c)) for c in view.CORRECTABLE]
        return detail_view(detail), {}, *values, None, None, "", None

    @app.callback(
        Output(RESCORED, "children", allow_duplicate=True),
        Input(RESCORE, "n_clicks"),
        State(CHOICE, "value"),
        *edit_states,
        prevent_initial_call=True,
    )
    def rescore(clicks, review_text, *values):  # type: ignore[no-untyped-def]
        if not clicks or not review_text:
            return no_update
        decision = store.get(store.get_review(int(review_text)).decision_id)
        if not decision.inputs:
            return dbc.Alert(_("This decision was recorded without its input row: it cannot "
                               "be re-scored."), color="warning")
        rescored = view.rescore_edits(scoring, decision.inputs, _edits(values))
        return _rescore_view(rescored, decision.default_probability)

    @app.callback(
        Output(MESSAGE, "children", allow_duplicate=True),
        Output(OPEN, "children"),
        Output(CLOSED, "children"),
        Output(CHOICE, "options"),
        Output(CHOICE, "value"),
        Input(RECORD, "n_clicks"),
        State(CHOICE, "value"),
        State(OUTCOME, "value"),
        State(REASON, "value"),
        *edit_states,
        prevent_initial_call=True,
    )
    def record(clicks, review_text, outcome, reason, *values):  # type: ignore[no-untyped-def]
        unchanged = (no_update,) * 4
        if not clicks or not review_text:
            return (no_update, *unchanged)
        message, done = record_outcome(services, int(review_text), outcome, reason,
                                       _edits(values))
        if not done:
            return (message, *unchanged)
        opened, closed, options = _lists(services)
        return message, opened, closed, options, None


def record_outcome(
    services: AppServices, review_id: int, outcome: str | None, reason: str | None,
    edits: dict[str, object],
) -> tuple[Any, bool]:
    """Record the outcome as the signed-in reviewer; (message, recorded?)."""
    store = services.decision_store
    reviewer = current_user()
    try:
        review = store.get_review(review_id)
        decision = store.get(review.decision_id)
    except UnknownRecordError:
        return dbc.Alert(_("No such review."), color="warning"), False
    if same_person(decision.user, reviewer):
        return dbc.Alert(
            _("You took this decision ({user}): you cannot review it. Another analyst or "
              "admin must record the outcome. Nothing recorded.").format(user=decision.user),
            color="danger", id=REFUSED), False
    if outcome not in ("upheld", "reversed"):
        return dbc.Alert(_("Choose upheld or reversed first."), color="warning"), False
    extra: dict[str, Any] = {}
    if decision.inputs:
        rescored = view.rescore_edits(services.scoring, decision.inputs, edits)
        if rescored.errors or rescored.result is None:
            return dbc.Alert(_("Correct the re-scoring values first: nothing recorded."),
                             color="warning"), False
        if rescored.corrected:
            extra = {"corrected_inputs": rescored.corrected,
                     "rescored_probability": rescored.result.default_probability,
                     "rescored_model_version": rescored.result.model_version}
    try:
        closed = store.record_review_outcome(review_id, outcome=outcome, reason=reason or "",
                                             user=reviewer, **extra)
    except DecisionValidationError as exc:
        if exc.field == "reason":
            text = _("Write the reason for the outcome (at least 5 characters): nothing recorded.")
        elif exc.field == "user":
            text = _("You took this decision ({user}): you cannot review it. Another analyst or "
                     "admin must record the outcome. Nothing recorded.").format(user=decision.user)
        else:
            text = _("Not recorded: {problem}").format(problem=exc.message)
        return dbc.Alert(text, color="danger" if exc.field == "user" else "warning",
                         id=REFUSED), False
    except DecisionStoreError as exc:
        return dbc.Alert(_("Not recorded, please try again: {problem}").format(problem=exc),
                         color="danger"), False
    log.info("review #%s closed: %s by %s", review_id, closed.outcome, reviewer)
    return dbc.Alert(
        _("Recorded: review #{review} {outcome} by {user}.").format(
            review=review_id, outcome=view.outcome_word(closed.outcome), user=reviewer),
        color="success", id=RECORDED), True
