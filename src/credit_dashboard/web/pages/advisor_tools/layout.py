"""The three panels' components (filled by the callbacks): what-if, similar clients, decision."""

from __future__ import annotations

import json
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from credit_dashboard.services.labels import feature_label, format_value
from credit_dashboard.services.whatif import EDITABLE_INPUTS, SEARCHABLE_INPUTS

#: How many editable inputs the what-if panel offers (the model's most important ones).
N_INPUTS = 8
N_NEIGHBOURS = 10
WATERFALL_TOP = 8
EXPORT_PATH = "/advisor-tools/decisions.csv"

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


def input_id(column: str) -> dict[str, str]:
    """The pattern-matching id of one what-if field (the callbacks collect them with ``ALL``)."""
    return {"type": INPUT, "column": column}


def dom_id(component_id: dict[str, str]) -> str:
    """The ``id`` attribute Dash writes into the page for a pattern-matching id.

    Dash renders a dict id as its JSON with sorted keys and no spaces; a label's ``htmlFor`` must
    name exactly that string for screen readers to pair the label with its field (a browser test
    checks the pairing in the real page, so a change in Dash's rendering would be caught).
    """
    return json.dumps(component_id, sort_keys=True, separators=(",", ":"))


def _input_control(column: str) -> Any:
    spec = EDITABLE_INPUTS[column]
    component_id = input_id(column)
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
            html.Label(
                f"{feature_label(column)}{unit}",
                htmlFor=dom_id(input_id(column)),
                className="form-label mb-1",
            ),
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
            html.Label("Field to search", htmlFor=SEARCH_COLUMN, className="form-label mb-1"),
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
