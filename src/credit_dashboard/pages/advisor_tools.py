"""Advisor-page panels: what-if simulation, similar past clients, and the decision log.

An extension (see :mod:`credit_dashboard.app`): ``register(app, services)`` builds the
similar-client index and opens the decision log once, appends three panels to the advisor page and
wires their callbacks to the selected client (``pages.advisor.layout.CLIENT_STORE``). The
computations live in :mod:`credit_dashboard.whatif`, :mod:`credit_dashboard.neighbours` and
:mod:`credit_dashboard.decisions`; this module only turns their answers into components.

Scores come from the page's :class:`~credit_dashboard.scoring.ScoringService` (the original from its
cache, the simulated one through ``score_record``), so the what-if "original" is exactly the score
shown at the top of the page, and both use the same gauge and waterfall figures.
"""

from __future__ import annotations

import logging
import math
import time
from datetime import UTC, datetime
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html
from flask import Response

from credit_dashboard.decisions import (
    Decision,
    DecisionStore,
    DecisionStoreError,
    DecisionValidationError,
)
from credit_dashboard.explain import top_contributions
from credit_dashboard.figures.score import gauge, waterfall
from credit_dashboard.labels import feature_label, format_value
from credit_dashboard.neighbours import NeighbourIndex, SimilarClients
from credit_dashboard.pages.advisor.layout import CLIENT_STORE
from credit_dashboard.scoring import ClientResult, UnknownClientError
from credit_dashboard.services import AppServices
from credit_dashboard.whatif import (
    EDITABLE_INPUTS,
    SEARCHABLE_INPUTS,
    EditCheck,
    apply_edits,
    choose_inputs,
    contribution_changes,
    display_values,
    threshold_crossing,
)

logger = logging.getLogger(__name__)

#: How many editable inputs the what-if panel offers (the model's most important ones).
N_INPUTS = 8
N_NEIGHBOURS = 10
WATERFALL_TOP = 8
EXPORT_PATH = "/advisor-tools/decisions.csv"
#: The name recorded when nobody is signed in (logins disabled or not installed).
LOCAL_USER = "local"

# Component ids (prefixed: these panels share the page with others).
INPUT = "at-whatif-input"  # pattern-matching: {"type": INPUT, "column": <raw column>}
FEEDBACK = "at-whatif-feedback"  # same pattern, the message beside the field
SIMULATE = "at-whatif-simulate"
RESET = "at-whatif-reset"
WHATIF_RESULT = "at-whatif-result"
SEARCH_COLUMN = "at-flip-column"
SEARCH_BUTTON = "at-flip-search"
SEARCH_RESULT = "at-flip-result"
SEARCH_APPLY = "at-flip-apply"
SEARCH_STORE = "at-flip-edits"
NEIGHBOURS = "at-neighbours"
DECISION_CHOICE = "at-decision-choice"
DECISION_REASON = "at-decision-reason"
DECISION_REASON_FEEDBACK = "at-decision-reason-feedback"
DECISION_SUBMIT = "at-decision-submit"
DECISION_MESSAGE = "at-decision-message"
DECISION_HISTORY = "at-decision-history"

_GRAPH_CONFIG = {"displaylogo": False, "responsive": True}


# -- layout ---------------------------------------------------------------------------------------


def _input_control(column: str) -> Any:
    spec = EDITABLE_INPUTS[column]
    component_id = {"type": INPUT, "column": column}
    if spec.kind == "category":
        return dcc.Dropdown(
            id=component_id,
            options=[
                {"label": format_value(column, level), "value": level} for level in spec.levels
            ],
            clearable=spec.optional,
            placeholder="not known" if spec.optional else None,
        )
    placeholder = "empty = not employed" if spec.kind == "years_employed" else (
        "not known" if spec.optional else ""
    )
    return dcc.Input(
        id=component_id,
        type="text",
        inputMode="decimal",
        debounce=True,  # re-score when the advisor leaves the field or presses Enter
        placeholder=placeholder,
        className="form-control",
        autoComplete="off",
    )


def _field(column: str) -> dbc.Col:
    unit = " (years)" if EDITABLE_INPUTS[column].kind == "years_employed" else ""
    return dbc.Col(
        [
            html.Label(f"{feature_label(column)}{unit}", className="form-label mb-1"),
            _input_control(column),
            html.Div(
                id={"type": FEEDBACK, "column": column},
                className="small text-danger mt-1",
                role="alert",
            ),
        ],
        md=6,
        lg=3,
        className="mb-3",
    )


def whatif_panel(columns: list[str]) -> dbc.Card:
    searchable = [c for c in columns if c in SEARCHABLE_INPUTS]
    # Always in the layout (hidden when useless): callbacks need every component they listen to.
    search = html.Div(
        [
            html.H3("Where does the decision flip?", className="h6 mt-3"),
            dbc.Row(
                [
                    dbc.Col(
                        dcc.Dropdown(
                            id=SEARCH_COLUMN,
                            options=[{"label": feature_label(c), "value": c} for c in searchable],
                            value=searchable[0] if searchable else None,
                            clearable=False,
                        ),
                        md=4,
                    ),
                    dbc.Col(
                        dbc.Button("Find", id=SEARCH_BUTTON, color="secondary", n_clicks=0),
                        width="auto",
                    ),
                ],
                className="g-2 align-items-center",
            ),
            html.Div(id=SEARCH_RESULT, className="mt-2", role="status"),
            dbc.Button(
                "Try this value", id=SEARCH_APPLY, size="sm", color="secondary", n_clicks=0,
                style={"display": "none"},
            ),
            dcc.Store(id=SEARCH_STORE),
        ],
        style=None if searchable else {"display": "none"},
    )
    return dbc.Card(
        [
            dbc.CardHeader("What if… change the application and see the new score"),
            dbc.CardBody(
                [
                    html.P(
                        "The inputs that matter most to the model and that a client can "
                        "change. Edit a value and press Enter (or Simulate); ratios such as "
                        "credit / income are recomputed by the model itself.",
                        className="text-muted small",
                    ),
                    dbc.Row([_field(c) for c in columns]),
                    dbc.Button(
                        "Simulate", id=SIMULATE, color="primary", n_clicks=0, className="me-2"
                    ),
                    dbc.Button("Reset to the client's values", id=RESET, color="link", n_clicks=0),
                    html.Div(id=WHATIF_RESULT, className="mt-3"),
                    search,
                ]
            ),
        ],
        className="mb-3",
    )


def neighbours_panel() -> dbc.Card:
    return dbc.Card(
        [
            dbc.CardHeader(f"How did similar past clients do? ({N_NEIGHBOURS} most similar)"),
            dbc.CardBody(
                [
                    html.P(
                        "Similar on external scores, age, years employed, income, credit, annuity "
                        "and goods price (each standardised over all past clients).",
                        className="text-muted small",
                    ),
                    html.Div(id=NEIGHBOURS),
                ]
            ),
        ],
        className="mb-3",
    )


def decision_panel() -> dbc.Card:
    return dbc.Card(
        [
            dbc.CardHeader("Decision"),
            dbc.CardBody(
                [
                    dbc.RadioItems(
                        id=DECISION_CHOICE,
                        options=[
                            {"label": "Grant", "value": "grant"},
                            {"label": "Refuse", "value": "refuse"},
                        ],
                        inline=True,
                        className="mb-2",
                    ),
                    html.Label(
                        "Reason (required when the decision goes against the model)",
                        htmlFor=DECISION_REASON,
                        className="form-label mb-1",
                    ),
                    dcc.Textarea(
                        id=DECISION_REASON, className="form-control", style={"height": "70px"}
                    ),
                    html.Div(id=DECISION_REASON_FEEDBACK, className="small text-danger mt-1"),
                    dbc.Button(
                        "Record the decision", id=DECISION_SUBMIT, color="primary",
                        n_clicks=0, className="mt-2",
                    ),
                    html.Div(id=DECISION_MESSAGE, className="mt-2", role="status"),
                    html.H3("Decisions recorded for this client", className="h6 mt-3"),
                    html.Div(id=DECISION_HISTORY),
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


# -- what the panels show -------------------------------------------------------------------------


def _decision_words(result: ClientResult) -> str:
    icon = "✖ Refuse" if result.decision == "refuse" else "✔ Grant"
    return f"{icon} · probability of default {result.default_probability:.1%}"


def _score_column(title: str, result: ClientResult) -> dbc.Col:
    parts = top_contributions(result.contributions, WATERFALL_TOP)
    return dbc.Col(
        [
            html.H3(title, className="h6"),
            html.Div(_decision_words(result), className=f"decision decision-{result.decision}"),
            dcc.Graph(
                figure=gauge(result.default_probability, result.decision_threshold),
                config=_GRAPH_CONFIG,
                style={"height": "240px"},
            ),
            dcc.Graph(figure=waterfall(parts, result.base_value), config=_GRAPH_CONFIG),
        ],
        lg=6,
    )


def difference_text(original: ClientResult, simulated: ClientResult) -> str:
    points = (simulated.default_probability - original.default_probability) * 100
    direction = "up" if points > 0 else "down" if points < 0 else "unchanged"
    change = f"{abs(points):.1f} points {direction}" if points else "unchanged"
    if simulated.decision != original.decision:
        verdict = f"the decision changes from {original.decision} to {simulated.decision}"
    else:
        verdict = f"the decision stays {original.decision}"
    return f"Probability of default {change}; {verdict}."


def _changes_table(original: ClientResult, simulated: ClientResult) -> html.Div:
    table = contribution_changes(
        {c.feature: c.contribution for c in original.contributions},
        {c.feature: c.contribution for c in simulated.contributions},
    )
    if table.empty:
        return html.Div()
    rows = [
        html.Tr(
            [
                html.Td(feature_label(r.feature)),
                html.Td(f"{r.original:+.3f}"),
                html.Td(f"{r.modified:+.3f}"),
                html.Td(f"{r.change:+.3f} ({'more' if r.change > 0 else 'less'} risk)"),
            ]
        )
        for r in table.itertuples()
    ]
    head = html.Thead(
        html.Tr([html.Th("What moved"), html.Th("Before"), html.Th("After"), html.Th("Change")])
    )
    return html.Div(
        [
            html.H3("What moved the risk score (log-odds)", className="h6"),
            dbc.Table([head, html.Tbody(rows)], size="sm", bordered=False, className="mb-0"),
        ]
    )


def simulation_view(original: ClientResult, simulated: ClientResult) -> html.Div:
    return html.Div(
        [
            dbc.Alert(
                difference_text(original, simulated), color="info", id="at-whatif-difference"
            ),
            dbc.Row([_score_column("Original", original), _score_column("Simulated", simulated)]),
            _changes_table(original, simulated),
        ]
    )


def _record_of(row: pd.DataFrame) -> dict[str, object]:
    """A raw row as the mapping ``ScoringService.score_record`` takes (missing values as None)."""
    values = row.iloc[0].to_dict()
    return {k: (None if _is_missing(v) else v) for k, v in values.items()}


def _is_missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def neighbours_view(answer: SimilarClients) -> html.Div:
    table = answer.neighbours
    defaults = answer.n_defaults
    summary = (
        f"{defaults} of these {answer.k} similar past clients defaulted "
        f"({answer.default_rate:.0%}), against {answer.population_default_rate:.1%} of all past "
        "clients."
    )
    columns = (
        ("Client", lambda r: str(r.SK_ID_CURR)),
        ("Outcome", lambda r: "✖ defaulted" if r.TARGET == 1 else "✔ repaid"),
        ("Model probability", lambda r: "–" if math.isnan(r.default_probability)
         else f"{r.default_probability:.1%}"),
        ("Age", lambda r: f"{r.AGE_YEARS:.0f}"),
        ("Years employed", lambda r: "not employed" if _is_missing(r.YEARS_EMPLOYED)
         else f"{r.YEARS_EMPLOYED:.1f}"),
        ("Income", lambda r: format_value("AMT_INCOME_TOTAL", r.AMT_INCOME_TOTAL)),
        ("Credit", lambda r: format_value("AMT_CREDIT", r.AMT_CREDIT)),
        ("Annuity", lambda r: format_value("AMT_ANNUITY", r.AMT_ANNUITY)),
        ("Contract", lambda r: format_value("NAME_CONTRACT_TYPE", r.NAME_CONTRACT_TYPE)),
        ("Family status", lambda r: format_value("NAME_FAMILY_STATUS", r.NAME_FAMILY_STATUS)),
        ("External score 3", lambda r: format_value("EXT_SOURCE_3", r.EXT_SOURCE_3)),
    )
    head = html.Thead(html.Tr([html.Th(name) for name, _ in columns]))
    body = html.Tbody(
        [html.Tr([html.Td(cell(r)) for _, cell in columns]) for r in table.itertuples()]
    )
    return html.Div(
        [
            html.P(summary, className="fw-bold", id="at-neighbours-summary"),
            dbc.Table([head, body], size="sm", striped=True, responsive=True, className="mb-0"),
        ]
    )


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
    return dbc.Table([head, html.Tbody(rows)], size="sm", className="mb-2", id="at-history-table")


def current_user() -> str:
    """The signed-in advisor, or :data:`LOCAL_USER` when logins are off or not installed."""
    try:
        from credit_dashboard.auth import current_user as signed_in
    except ImportError:
        return LOCAL_USER
    try:
        return signed_in() or LOCAL_USER
    except RuntimeError:  # outside a request (no flask.g)
        return LOCAL_USER


# -- wiring ---------------------------------------------------------------------------------------


def register(app: Dash, services: AppServices) -> None:
    """Build the index, open the log, add the three panels and their callbacks to the page."""
    scoring = services.scoring
    started = time.perf_counter()
    index = NeighbourIndex(services.history, scorer=scoring.model.default_probability)
    services.timings["neighbour_index"] = time.perf_counter() - started
    store = DecisionStore()
    columns = choose_inputs(services.card.get("global_importance", []), N_INPUTS)
    if not columns:  # a card without importance: offer the core amounts rather than nothing
        columns = ["AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE", "AMT_INCOME_TOTAL"]
    services.extras.update(neighbour_index=index, decision_store=store, whatif_inputs=columns)
    logger.info(
        "advisor tools: neighbour index %.2fs, what-if inputs %s, decision log %s",
        services.timings["neighbour_index"], ", ".join(columns), store.path,
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
        simulated = scoring.score_record(_record_of(check.row))
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
        message = reason_problem = None
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
            return None, exc.message
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


def crossing_view(found: Any) -> html.Div:
    """The threshold search's answer in words, with a button to try the value."""
    label = feature_label(found.column)
    if not found.found:
        return html.P(
            f"{label}: the decision stays {found.original_decision} for every valid value between "
            f"{_shown(found.column, found.low)} and {_shown(found.column, found.high)}.",
            className="mb-0",
        )
    linked = "".join(
        f" (with {feature_label(k).lower()} {_shown(k, v)})" for k, v in found.linked.items()
    )
    return html.P(
        f"Now {found.original_decision} at {found.original_probability:.1%}. With "
        f"{label.lower()} {_shown(found.column, found.value)}{linked}, the decision becomes "
        f"{found.decision} ({found.probability:.1%}).",
        className="mb-1",
        id="at-flip-answer",
    )


def _shown(column: str, value: float) -> str:
    if EDITABLE_INPUTS[column].kind == "years_employed":
        return f"{value:.1f} years"
    return f"{value:,.0f}"
