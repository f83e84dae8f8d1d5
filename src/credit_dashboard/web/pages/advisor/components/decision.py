"""Decision panel: the advisor records grant or refuse (with a reason when it goes against the
model), sees the client's past decisions, and downloads the whole log as CSV for audits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, dcc, html
from flask import Response

from credit_dashboard.services.container import AppServices
from credit_dashboard.services.scoring import ClientResult
from credit_dashboard.storage.decisions import (
    Decision,
    DecisionStore,
    DecisionStoreError,
    DecisionValidationError,
)
from credit_dashboard.web.pages.advisor.common import CLIENT_STORE, applicant_row

CHOICE = "decision-choice"
REASON = "decision-reason"
REASON_FEEDBACK = "decision-reason-feedback"
SUBMIT = "decision-submit"
MESSAGE = "decision-message"
RECORDED = "decision-recorded"
HISTORY = "decision-history"
HISTORY_TABLE = "decision-history-table"

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


def history_view(decisions: list[Decision]) -> html.Div:
    if not decisions:
        return html.P("No decision recorded yet.", className="text-muted small")
    head = html.Thead(
        html.Tr([html.Th(h) for h in ("When (UTC)", "Decision", "Model said", "By", "Reason")])
    )
    rows = [
        html.Tr(
            [
                html.Td(d.recorded_at.replace("T", " ")[:19]),
                html.Td(d.decision + (" (against the model)" if d.against_model else "")),
                html.Td(f"{d.model_decision} ({d.default_probability:.1%})"),
                html.Td(d.user),
                html.Td(d.reason or "–"),
            ]
        )
        for d in decisions
    ]
    return dbc.Table([head, html.Tbody(rows)], size="sm", className="mb-2", id=HISTORY_TABLE)


def layout(services: AppServices) -> dbc.Card:
    return dbc.Card(
        [
            dbc.CardHeader("Decision"),
            dbc.CardBody(
                [
                    dbc.RadioItems(
                        id=CHOICE,
                        options=[
                            {"label": "Grant", "value": "grant"},
                            {"label": "Refuse", "value": "refuse"},
                        ],
                        inline=True,
                        className="mb-2",
                    ),
                    html.Label(
                        "Reason (required when the decision goes against the model)",
                        htmlFor=REASON,
                        className="form-label mb-1",
                    ),
                    dcc.Textarea(id=REASON, className="form-control", style={"height": "70px"}),
                    html.Div(id=REASON_FEEDBACK, className="small text-danger mt-1"),
                    dbc.Button(
                        "Record the decision", id=SUBMIT, color="primary",
                        n_clicks=0, className="mt-2",
                    ),
                    html.Div(id=MESSAGE, className="mt-2", role="status"),
                    html.H3("Decisions recorded for this client", className="h6 mt-3"),
                    html.Div(id=HISTORY),
                    html.A(
                        "Download every decision (CSV, for audits)",
                        href=EXPORT_PATH,
                        className="small",
                    ),
                ]
            ),
        ],
        className="mb-3",
    )


def record(
    store: DecisionStore, result: ClientResult, choice: str | None, reason: str | None
) -> tuple[Any, str | None]:
    """Record one decision; (message for the panel, message beside the reason field)."""
    if not choice:
        return dbc.Alert("Choose grant or refuse first.", color="warning"), None
    try:
        stored = store.record(
            int(result.client_id),
            choice,
            user=current_user(),
            model_version=result.model_version or "unknown",
            default_probability=result.default_probability,
            decision_threshold=result.decision_threshold,
            reason=reason or "",
        )
    except DecisionValidationError as exc:
        if exc.field == "reason":
            return None, exc.message[:1].upper() + exc.message[1:]
        return dbc.Alert(f"Not recorded: {exc}", color="warning"), None
    except DecisionStoreError as exc:
        return dbc.Alert(f"Not recorded, please try again: {exc}", color="danger"), None
    return (
        dbc.Alert(
            f"Recorded: {stored.decision} for client {stored.client_id} by {stored.user}.",
            color="success",
            id=RECORDED,
        ),
        None,
    )


def register_callbacks(app: Dash, services: AppServices) -> None:
    """The form and history follow the client; a Flask route serves the CSV export."""
    scoring = services.scoring
    store = services.decision_store

    @app.callback(
        Output(HISTORY, "children"),
        Output(MESSAGE, "children"),
        Output(REASON_FEEDBACK, "children"),
        Input(CLIENT_STORE, "data"),
        Input(SUBMIT, "n_clicks"),
        State(CHOICE, "value"),
        State(REASON, "value"),
    )
    def decide(client_text, _clicks, choice, reason):  # type: ignore[no-untyped-def]
        if applicant_row(scoring, client_text) is None:
            return None, None, None
        result = scoring.score_client(client_text)
        message: Any = html.P(
            f"The model recommends to {result.decision} (probability of default "
            f"{result.default_probability:.1%}, threshold {result.decision_threshold:.1%}).",
            className="text-muted small mb-0",
        )
        reason_problem = None
        if ctx.triggered_id == SUBMIT:
            message, reason_problem = record(store, result, choice, reason)
        try:
            history = history_view(store.history(int(result.client_id)))
        except DecisionStoreError as exc:
            history = dbc.Alert(f"The decision log cannot be read: {exc}", color="danger")
        return history, message, reason_problem

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
