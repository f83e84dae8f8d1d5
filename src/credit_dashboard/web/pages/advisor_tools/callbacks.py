"""Wiring: the panels follow the selected client; a Flask route serves the CSV export."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import ALL, Dash, Input, Output, State, ctx, html
from flask import Response

from credit_dashboard.services.container import AppServices
from credit_dashboard.services.neighbours import BackgroundIndex
from credit_dashboard.services.scoring import ClientResult, UnknownClientError
from credit_dashboard.services.whatif import (
    EDITABLE_INPUTS,
    EditCheck,
    apply_edits,
    choose_inputs,
    display_values,
    threshold_crossing,
)
from credit_dashboard.storage.decisions import (
    DecisionStore,
    DecisionStoreError,
    DecisionValidationError,
)
from credit_dashboard.web.pages.advisor.layout import CLIENT_STORE
from credit_dashboard.web.pages.advisor_tools.layout import (
    DECISION_CHOICE,
    DECISION_HISTORY,
    DECISION_MESSAGE,
    DECISION_REASON,
    DECISION_REASON_FEEDBACK,
    DECISION_SUBMIT,
    EXPORT_PATH,
    FEEDBACK,
    INPUT,
    N_INPUTS,
    N_NEIGHBOURS,
    NEIGHBOURS,
    RESET,
    SEARCH_APPLY,
    SEARCH_BUTTON,
    SEARCH_COLUMN,
    SEARCH_RESULT,
    SEARCH_STORE,
    SIMULATE,
    WHATIF_RESULT,
    decision_panel,
    neighbours_panel,
    whatif_panel,
)
from credit_dashboard.web.pages.advisor_tools.views import (
    crossing_view,
    history_view,
    neighbours_view,
    simulation_view,
)

logger = logging.getLogger(__name__)

#: The name recorded when nobody is signed in (logins disabled or not installed).
LOCAL_USER = "local"
#: How long a similar-clients query waits for the index still being built at start-up.
INDEX_WAIT_S = 120.0


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


def register(app: Dash, services: AppServices) -> None:
    """Build the index, open the log, add the three panels and their callbacks to the page."""
    scoring = services.scoring
    # Built in the background once the past clients are loaded (they load in the background
    # too): start-up never waits for it, only a query made in the first seconds does.
    pending = BackgroundIndex(lambda: services.history, scorer=scoring.model.default_probability)
    store = DecisionStore.for_settings(services.settings)
    columns = choose_inputs(services.card.get("global_importance", []), N_INPUTS)
    if not columns:  # a card without importance: offer the core amounts rather than nothing
        columns = ["AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE", "AMT_INCOME_TOTAL"]
    services.extras.update(neighbour_index=pending, decision_store=store, whatif_inputs=columns)
    logger.info(
        "advisor tools: what-if inputs %s; decision log %s", ", ".join(columns), store.location
    )
    services.advisor_panels.extend(
        [lambda: whatif_panel(columns), neighbours_panel, decision_panel]
    )
    input_values = Output({"type": INPUT, "column": ALL}, "value")
    input_ids = State({"type": INPUT, "column": ALL}, "id")

    def client_row(client_text: str | None) -> pd.DataFrame | None:
        if not client_text:
            return None
        try:
            return scoring.applicant_row(client_text)
        except UnknownClientError:
            return None

    @app.callback(
        input_values,
        Input(CLIENT_STORE, "data"),
        Input(RESET, "n_clicks"),
        Input(SEARCH_APPLY, "n_clicks"),
        State(SEARCH_STORE, "data"),
        input_ids,
    )
    def fill_inputs(client_text, _reset, _apply, crossing_edits, ids):  # type: ignore[no-untyped-def]
        row = client_row(client_text)
        if row is None:
            return [None] * len(ids)
        values = display_values(row, [i["column"] for i in ids])
        if ctx.triggered_id == SEARCH_APPLY and crossing_edits:
            values.update({k: v for k, v in crossing_edits.items() if k in values})
        return [values[i["column"]] for i in ids]

    @app.callback(
        Output({"type": FEEDBACK, "column": ALL}, "children"),
        Output({"type": INPUT, "column": ALL}, "className"),
        Output(WHATIF_RESULT, "children"),
        Input(SIMULATE, "n_clicks"),
        Input({"type": INPUT, "column": ALL}, "value"),
        Input(CLIENT_STORE, "data"),
        input_ids,
    )
    def simulate(_clicks, values, client_text, ids):  # type: ignore[no-untyped-def]
        plain = ["form-control" if EDITABLE_INPUTS[i["column"]].kind != "category" else ""
                 for i in ids]
        row = client_row(client_text)
        if row is None:
            return [None] * len(ids), plain, None
        edits = {i["column"]: v for i, v in zip(ids, values, strict=True)}
        check: EditCheck = apply_edits(row, edits)
        messages = [check.errors.get(i["column"]) for i in ids]
        classes = [
            f"{cls} is-invalid".strip() if i["column"] in check.errors else cls
            for i, cls in zip(ids, plain, strict=True)
        ]
        if not check.ok:
            note = dbc.Alert(
                "Not re-scored: correct the fields marked in red.", color="warning",
                id="at-whatif-invalid",
            )
            return messages, classes, note
        if not check.changed:
            hint = html.P(
                "These are the client's real values: edit one to simulate.",
                className="text-muted", id="at-whatif-unchanged",
            )
            return messages, classes, hint
        original = scoring.score_client(client_text)
        simulated = scoring.score_record(check.row)
        return messages, classes, simulation_view(original, simulated)

    @app.callback(
        Output(SEARCH_RESULT, "children"),
        Output(SEARCH_STORE, "data"),
        Output(SEARCH_APPLY, "style"),
        Input(SEARCH_BUTTON, "n_clicks"),
        State(SEARCH_COLUMN, "value"),
        State(CLIENT_STORE, "data"),
        State({"type": INPUT, "column": ALL}, "value"),
        input_ids,
        prevent_initial_call=True,
    )
    def search_flip(_clicks, column, client_text, values, ids):  # type: ignore[no-untyped-def]
        hidden = {"display": "none"}
        row = client_row(client_text)
        if row is None or not column:
            return None, None, hidden
        # Search from what is on screen (the advisor's edits), or the real values if invalid.
        check = apply_edits(row, {i["column"]: v for i, v in zip(ids, values, strict=True)})
        base = check.row if check.ok else row
        found = threshold_crossing(
            scoring.model, base, column, scale_annuity="AMT_ANNUITY" in columns
        )
        shown = {"display": "inline-block"} if found.found else hidden
        return crossing_view(found), found.edits() or None, shown

    @app.callback(Output(NEIGHBOURS, "children"), Input(CLIENT_STORE, "data"))
    def show_neighbours(client_text):  # type: ignore[no-untyped-def]
        row = client_row(client_text)
        if row is None:
            return None
        try:
            index = pending.get(timeout=INDEX_WAIT_S)
        except (TimeoutError, RuntimeError) as exc:
            return dbc.Alert(f"Similar clients are not available: {exc}.", color="warning")
        return neighbours_view(index.query(row, k=N_NEIGHBOURS))

    @app.callback(
        Output(DECISION_HISTORY, "children"),
        Output(DECISION_MESSAGE, "children"),
        Output(DECISION_REASON_FEEDBACK, "children"),
        Input(CLIENT_STORE, "data"),
        Input(DECISION_SUBMIT, "n_clicks"),
        State(DECISION_CHOICE, "value"),
        State(DECISION_REASON, "value"),
    )
    def decide(client_text, _clicks, choice, reason):  # type: ignore[no-untyped-def]
        row = client_row(client_text)
        if row is None:
            return None, None, None
        result = scoring.score_client(client_text)
        message: Any = html.P(
            f"The model recommends to {result.decision} (probability of default "
            f"{result.default_probability:.1%}, threshold {result.decision_threshold:.1%}).",
            className="text-muted small mb-0",
        )
        reason_problem = None
        if ctx.triggered_id == DECISION_SUBMIT:
            message, reason_problem = _record(store, result, choice, reason)
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


def _record(
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
            id="at-decision-recorded",
        ),
        None,
    )
