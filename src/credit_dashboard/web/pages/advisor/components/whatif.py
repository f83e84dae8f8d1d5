"""What-if panel: edit the client's most important inputs and see the new score beside the
original, and search where the decision flips on one input.

Scores come from the page's :class:`~credit_dashboard.services.scoring.ScoringService` (the
original from its cache, the simulated one through ``score_record``), so the "original" is exactly
the score shown at the top of the page. The fields are reset whenever the client changes (Dash
keeps a component's value when only a store changes).
"""

from __future__ import annotations

import json
from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html

from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.container import AppServices
from credit_dashboard.services.labels import feature_label, format_value
from credit_dashboard.services.whatif import (
    EDITABLE_INPUTS,
    SEARCHABLE_INPUTS,
    EditCheck,
    apply_edits,
    display_values,
    read_by_model,
    threshold_crossing,
)
from credit_dashboard.web.pages.advisor.common import CLIENT_STORE, applicant_row
from credit_dashboard.web.pages.advisor.components.whatif_views import (
    crossing_view,
    simulation_view,
)

INPUT = "whatif-input"  # pattern-matching: {"type": INPUT, "column": <raw column>}
FEEDBACK = "whatif-feedback"  # same pattern, the message beside the field
SIMULATE = "whatif-simulate"
RESET = "whatif-reset"
RESULT = "whatif-result"
INVALID = "whatif-invalid"
UNCHANGED = "whatif-unchanged"
FLIP_COLUMN = "whatif-flip-column"
FLIP_SEARCH = "whatif-flip-search"
FLIP_RESULT = "whatif-flip-result"
FLIP_APPLY = "whatif-flip-apply"
FLIP_STORE = "whatif-flip-edits"


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
            placeholder=_("not known") if spec.optional else None,
        )
    placeholder = _("empty = not employed") if spec.kind == "years_employed" else (
        _("not known") if spec.optional else ""
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
    unit = _(" (years)") if EDITABLE_INPUTS[column].kind == "years_employed" else ""
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


def _flip_search(columns: tuple[str, ...]) -> html.Div:
    searchable = [c for c in columns if c in SEARCHABLE_INPUTS]
    # Always in the layout (hidden when useless): callbacks need every component they listen to.
    return html.Div(
        [
            html.H3(_("Where does the decision flip?"), className="h6 mt-3"),
            html.Label(_("Field to search"), htmlFor=FLIP_COLUMN, className="form-label mb-1"),
            dbc.Row(
                [
                    dbc.Col(
                        dcc.Dropdown(
                            id=FLIP_COLUMN,
                            options=[{"label": feature_label(c), "value": c} for c in searchable],
                            value=searchable[0] if searchable else None,
                            clearable=False,
                        ),
                        md=4,
                    ),
                    dbc.Col(
                        dbc.Button(_("Find"), id=FLIP_SEARCH, color="secondary", n_clicks=0),
                        width="auto",
                    ),
                ],
                className="g-2 align-items-center",
            ),
            html.Div(id=FLIP_RESULT, className="mt-2", role="status"),
            dbc.Button(
                _("Try this value"), id=FLIP_APPLY, size="sm", color="secondary", n_clicks=0,
                style={"display": "none"},
            ),
            dcc.Store(id=FLIP_STORE),
        ],
        style=None if searchable else {"display": "none"},
    )


def offered_inputs(services: AppServices) -> tuple[str, ...]:
    """The inputs the panel offers: the chosen ones (``services.whatif_inputs``) that the served
    model reads; the model can change while the app runs, so it is asked each time."""
    return read_by_model(services.whatif_inputs, services.scoring.model.input_columns)


def layout(services: AppServices) -> dbc.Card:
    columns = offered_inputs(services)
    return dbc.Card(
        [
            dbc.CardHeader(_("What if… change the application and see the new score")),
            dbc.CardBody(
                [
                    html.P(
                        _("The inputs that matter most to the model and that a client can "
                          "change. Edit a value and press Enter (or Simulate); ratios such as "
                          "credit / income are recomputed by the model itself."),
                        className="text-muted small",
                    ),
                    dbc.Row([_field(c) for c in columns]),
                    dbc.Button(
                        _("Simulate"), id=SIMULATE, color="primary", n_clicks=0,
                        className="me-2",
                    ),
                    dbc.Button(_("Reset to the client's values"), id=RESET, color="link",
                               n_clicks=0),
                    html.Div(id=RESULT, className="mt-3"),
                    _flip_search(columns),
                ]
            ),
        ],
        className="mb-3",
    )


def register_callbacks(app: Dash, services: AppServices) -> None:
    scoring = services.scoring
    input_ids = State({"type": INPUT, "column": ALL}, "id")

    @app.callback(
        Output({"type": INPUT, "column": ALL}, "value"),
        Input(CLIENT_STORE, "data"),
        Input(RESET, "n_clicks"),
        Input(FLIP_APPLY, "n_clicks"),
        State(FLIP_STORE, "data"),
        input_ids,
    )
    def fill_inputs(client_text, _reset, _apply, crossing_edits, ids):  # type: ignore[no-untyped-def]
        row = applicant_row(scoring, client_text)
        if row is None:
            return [None] * len(ids)
        values = display_values(row, [i["column"] for i in ids])
        if ctx.triggered_id == FLIP_APPLY and crossing_edits:
            values.update({k: v for k, v in crossing_edits.items() if k in values})
        return [values[i["column"]] for i in ids]

    @app.callback(
        Output({"type": FEEDBACK, "column": ALL}, "children"),
        Output({"type": INPUT, "column": ALL}, "className"),
        Output(RESULT, "children"),
        Input(SIMULATE, "n_clicks"),
        Input({"type": INPUT, "column": ALL}, "value"),
        Input(CLIENT_STORE, "data"),
        input_ids,
    )
    def simulate(_clicks, values, client_text, ids):  # type: ignore[no-untyped-def]
        plain = ["form-control" if EDITABLE_INPUTS[i["column"]].kind != "category" else ""
                 for i in ids]
        row = applicant_row(scoring, client_text)
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
                _("Not re-scored: correct the fields marked in red."), color="warning",
                id=INVALID,
            )
            return messages, classes, note
        if not check.changed:
            hint = html.P(
                _("These are the client's real values: edit one to simulate."),
                className="text-muted", id=UNCHANGED,
            )
            return messages, classes, hint
        original = scoring.score_client(client_text)
        simulated = scoring.score_record(check.row)
        return messages, classes, simulation_view(original, simulated)

    @app.callback(
        Output(FLIP_RESULT, "children"),
        Output(FLIP_STORE, "data"),
        Output(FLIP_APPLY, "style"),
        Input(FLIP_SEARCH, "n_clicks"),
        State(FLIP_COLUMN, "value"),
        State(CLIENT_STORE, "data"),
        State({"type": INPUT, "column": ALL}, "value"),
        input_ids,
        prevent_initial_call=True,
    )
    def search_flip(_clicks, column, client_text, values, ids):  # type: ignore[no-untyped-def]
        hidden = {"display": "none"}
        row = applicant_row(scoring, client_text)
        if row is None or not column:
            return None, None, hidden
        # Search from what is on screen (the advisor's edits), or the real values if invalid.
        check = apply_edits(row, {i["column"]: v for i, v in zip(ids, values, strict=True)})
        base = check.row if check.ok else row
        found = threshold_crossing(
            scoring.model, base, column, scale_annuity="AMT_ANNUITY" in offered_inputs(services)
        )
        shown = {"display": "inline-block"} if found.found else hidden
        return crossing_view(found), found.edits() or None, shown
