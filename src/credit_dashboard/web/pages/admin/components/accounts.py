"""Accounts panel: every account (name, role, created, state), and adding, changing the role of,
disabling, enabling and deleting one.

One callback does every change, so the table and its message always come from the same reading of
the users file. A new password is shown once in the message, which the next change replaces.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.container import AppServices
from credit_dashboard.web.auth import accounts
from credit_dashboard.web.auth.roles import ADVISOR
from credit_dashboard.web.pages.admin import common

ACCOUNTS_TABLE = "accounts-table"
ACCOUNTS_MESSAGE = "accounts-message"
ACCOUNTS_NEW_NAME = "accounts-new-name"
ACCOUNTS_NEW_ROLE = "accounts-new-role"
ACCOUNTS_ADD = "accounts-add"
ACCOUNTS_PASSWORD = "accounts-password"
#: Pattern-matching ids, one per account row (``name``: the account).
ACCOUNTS_ROLE = "accounts-role"
ACCOUNTS_SET_ROLE = "accounts-set-role"
ACCOUNTS_TOGGLE = "accounts-toggle"
ACCOUNTS_DELETE = "accounts-delete"


def _for(name: str) -> html.Span:
    """The account's name, read by screen readers after a row's button ("Delete" + " marie")."""
    return html.Span(f" {name}", className="visually-hidden")


def _row(account: accounts.Account, actor: str) -> html.Tr:
    name = account.name
    yours = _(" (you)") if name == actor else ""
    state = _("disabled") if account.disabled else _("active")
    # A native select labelled by a hidden label around it (dbc.Select takes no aria-label).
    role_select = html.Label([
        html.Span(_("Role of {name}").format(name=name), className="visually-hidden"),
        dbc.Select(id={"type": ACCOUNTS_ROLE, "name": name}, options=common.role_options(),
                   value=account.role, size="sm"),
    ], className="d-inline-block me-2 mb-0")
    return html.Tr([
        html.Th(name + yours, scope="row"),
        html.Td([role_select, dbc.Button(
            [_("Change role"), _for(name)], id={"type": ACCOUNTS_SET_ROLE, "name": name},
            size="sm", color="primary", outline=True,
        )]),
        html.Td(common.created_text(account.created)),
        html.Td(state),
        html.Td(className="text-nowrap", children=[
            dbc.Button([_("Enable") if account.disabled else _("Disable"), _for(name)],
                       id={"type": ACCOUNTS_TOGGLE, "name": name}, size="sm",
                       color="secondary", outline=True, className="me-2"),
            dcc.ConfirmDialogProvider(
                dbc.Button([_("Delete"), _for(name)], size="sm", color="danger", outline=True),
                id={"type": ACCOUNTS_DELETE, "name": name},
                message=_("Delete the account {name}? Its sessions end at once; this cannot be "
                          "undone.").format(name=name),
            ),
        ]),
    ])


def accounts_table(actor: str) -> html.Div:
    """The accounts as they are in the users file now (a message if it cannot be read)."""
    try:
        rows = accounts.list_accounts(common.users_file())
    except RuntimeError as exc:
        return common.message(str(exc), ok=False)
    return common.table([_("Name"), _("Role"), _("Created"), _("State"), _("Actions")],
                        [_row(a, actor) for a in rows], _("Accounts"))


def layout(services: AppServices) -> dbc.Card:
    return common.panel(
        _("Accounts"),
        _("Advisors decide on clients; analysts read the analyst and model pages and export the "
          "decision log; admins do everything, including this page. A role change applies at "
          "the account's next click."),
        html.Div(accounts_table(common.actor()), id=ACCOUNTS_TABLE),
        _("Add an account"),
        {"name_id": ACCOUNTS_NEW_NAME, "name_label": _("New account's name"),
         "placeholder": _("e.g. marie.dupont"), "role_id": ACCOUNTS_NEW_ROLE,
         "button_id": ACCOUNTS_ADD, "button": _("Add account")},
        ACCOUNTS_MESSAGE,
    )


def _change(trigger: Any, new_name: Any, new_role: Any, row_roles: dict[str, Any]) -> Any:
    """Do what was pressed; the message to show (a password box for a new account)."""
    path, actor = common.users_file(), common.actor()
    if trigger == ACCOUNTS_ADD:
        name = accounts.check_name(new_name)
        password = accounts.add_user(path, name, new_role, actor=actor, exists_ok=False)
        return common.secret_once(
            _("Password for {name} ({role})").format(name=name, role=common.role_name(new_role)),
            password, ACCOUNTS_PASSWORD,
        )
    kind, name = trigger["type"], trigger["name"]
    if kind == ACCOUNTS_SET_ROLE:
        role = row_roles.get(name)
        if not accounts.set_role(path, name, role, actor=actor):
            return common.message(_("{name} already has the role {role}.").format(
                name=name, role=common.role_name(role)))
        return common.message(_("{name} now has the role {role}.").format(
            name=name, role=common.role_name(role)))
    if kind == ACCOUNTS_TOGGLE:
        disable = not next((a.disabled for a in accounts.list_accounts(path) if a.name == name),
                           False)
        accounts.set_disabled(path, name, disable, actor=actor)
        done = _("{name} is disabled: it cannot sign in.") if disable else _(
            "{name} is enabled again.")
        return common.message(done.format(name=name))
    if kind != ACCOUNTS_DELETE:
        raise PreventUpdate
    accounts.delete_user(path, name, actor=actor)
    return common.message(_("The account {name} is deleted.").format(name=name))


def register_callbacks(app: Dash, services: AppServices) -> None:
    @app.callback(
        Output(ACCOUNTS_TABLE, "children"),
        Output(ACCOUNTS_MESSAGE, "children"),
        Output(ACCOUNTS_NEW_NAME, "value"),
        Output(ACCOUNTS_NEW_ROLE, "value"),
        Input(ACCOUNTS_ADD, "n_clicks"),
        Input({"type": ACCOUNTS_SET_ROLE, "name": ALL}, "n_clicks"),
        Input({"type": ACCOUNTS_TOGGLE, "name": ALL}, "n_clicks"),
        Input({"type": ACCOUNTS_DELETE, "name": ALL}, "submit_n_clicks"),
        State(ACCOUNTS_NEW_NAME, "value"),
        State(ACCOUNTS_NEW_ROLE, "value"),
        State({"type": ACCOUNTS_ROLE, "name": ALL}, "value"),
        prevent_initial_call=True,
    )
    def change(add, set_role, toggle, delete, new_name, new_role, row_roles):  # type: ignore[no-untyped-def]
        common.require_admin(ACCOUNTS_TABLE)
        common.require_a_click()
        rows = ctx.states_list[2] if isinstance(ctx.states_list[2], list) else []
        roles_by_name = {item["id"].get("name"): item.get("value") for item in rows
                         if isinstance(item, dict) and isinstance(item.get("id"), dict)}
        try:
            shown = _change(ctx.triggered_id, new_name, new_role, roles_by_name)
        except (accounts.AccountError, RuntimeError) as exc:
            # Nothing was written; the name typed stays, so it can be corrected.
            refused = common.message(str(exc), ok=False)
            return accounts_table(common.actor()), refused, new_name, new_role
        if ctx.triggered_id != ACCOUNTS_ADD:
            return accounts_table(common.actor()), shown, new_name, new_role
        # A new account resets the form, so a second click does not add it twice.
        return accounts_table(common.actor()), shown, "", ADVISOR
