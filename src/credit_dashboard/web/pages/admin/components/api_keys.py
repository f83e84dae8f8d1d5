"""API keys panel: every key (name, role, created; never the key), creating one (the key shown
once) and revoking one.

Like the accounts panel, one callback does every change and redraws the list from the users file.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.container import AppServices
from credit_dashboard.web.auth import accounts
from credit_dashboard.web.auth.guard import API_KEY_HEADER
from credit_dashboard.web.auth.roles import ADVISOR
from credit_dashboard.web.pages.admin import common

APIKEYS_TABLE = "apikeys-table"
APIKEYS_MESSAGE = "apikeys-message"
APIKEYS_NEW_NAME = "apikeys-new-name"
APIKEYS_NEW_ROLE = "apikeys-new-role"
APIKEYS_CREATE = "apikeys-create"
APIKEYS_SECRET = "apikeys-secret"
#: Pattern-matching id, one per key (``name``: the key's name).
APIKEYS_REVOKE = "apikeys-revoke"


def _row(key: accounts.ApiKeyInfo) -> html.Tr:
    return html.Tr([
        html.Th(key.name, scope="row"),
        html.Td(common.role_name(key.role)),
        html.Td(common.created_text(key.created)),
        html.Td(dcc.ConfirmDialogProvider(
            dbc.Button([_("Revoke"), html.Span(f" {key.name}", className="visually-hidden")],
                       size="sm", color="danger", outline=True),
            id={"type": APIKEYS_REVOKE, "name": key.name},
            message=_("Revoke the API key {name}? Programs using it are refused from their next "
                      "call; this cannot be undone.").format(name=key.name),
        )),
    ])


def keys_table() -> html.Div:
    """The API keys as they are in the users file now (or why it cannot be read)."""
    try:
        keys = accounts.list_api_keys(common.users_file())
    except RuntimeError as exc:
        return common.message(str(exc), ok=False)
    if not keys:
        return html.P(_("No API key yet."), className="text-body-secondary")
    return common.table([_("Name"), _("Role"), _("Created"), _("Actions")],
                        [_row(k) for k in keys], _("API keys"))


def layout(services: AppServices) -> dbc.Card:
    return common.panel(
        _("API keys"),
        _("Programs call the JSON API with a key in the {header} header; the key's role decides "
          "what it may call.").format(header=API_KEY_HEADER),
        html.Div(keys_table(), id=APIKEYS_TABLE),
        _("Create an API key"),
        {"name_id": APIKEYS_NEW_NAME, "name_label": _("New key's name"),
         "placeholder": _("e.g. loan-origination"), "role_id": APIKEYS_NEW_ROLE,
         "button_id": APIKEYS_CREATE, "button": _("Create API key")},
        APIKEYS_MESSAGE,
    )


def _change(trigger: Any, new_name: Any, new_role: Any) -> dbc.Alert:
    path, actor = common.users_file(), common.actor()
    if trigger == APIKEYS_CREATE:
        name = accounts.check_name(new_name)
        key = accounts.add_api_key(path, name, new_role, actor=actor, exists_ok=False)
        return common.secret_once(
            _("API key {name} ({role})").format(name=name, role=common.role_name(new_role)),
            key, APIKEYS_SECRET,
        )
    if not isinstance(trigger, dict) or trigger.get("type") != APIKEYS_REVOKE:
        raise PreventUpdate
    accounts.revoke_api_key(path, trigger["name"], actor=actor)
    return common.message(_("The API key {name} is revoked.").format(name=trigger["name"]))


def register_callbacks(app: Dash, services: AppServices) -> None:
    @app.callback(
        Output(APIKEYS_TABLE, "children"),
        Output(APIKEYS_MESSAGE, "children"),
        Output(APIKEYS_NEW_NAME, "value"),
        Output(APIKEYS_NEW_ROLE, "value"),
        Input(APIKEYS_CREATE, "n_clicks"),
        Input({"type": APIKEYS_REVOKE, "name": ALL}, "submit_n_clicks"),
        State(APIKEYS_NEW_NAME, "value"),
        State(APIKEYS_NEW_ROLE, "value"),
        prevent_initial_call=True,
    )
    def change(create, revoke, new_name, new_role):  # type: ignore[no-untyped-def]
        common.require_admin(APIKEYS_TABLE)
        common.require_a_click()
        try:
            shown = _change(ctx.triggered_id, new_name, new_role)
        except (accounts.AccountError, RuntimeError) as exc:
            return keys_table(), common.message(str(exc), ok=False), new_name, new_role
        if ctx.triggered_id != APIKEYS_CREATE:
            return keys_table(), shown, new_name, new_role
        return keys_table(), shown, "", ADVISOR  # a new key resets the form
