"""What the accounts page's panels share: the users file, who is acting, the admin check, role
names, dates, and the box that shows a new secret once.

The panels never touch the users file themselves: every read and change goes through
:mod:`credit_dashboard.web.auth.accounts`, the functions the command line uses too.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import dash_bootstrap_components as dbc
from dash import ctx, html
from dash.exceptions import PreventUpdate

from credit_dashboard.i18n import N_, format_date
from credit_dashboard.i18n import gettext as _
from credit_dashboard.web.auth.roles import ADMIN, ADVISOR, ANALYST
from credit_dashboard.web.auth.settings import AuthSettings
from credit_dashboard.web.pages.tables import scrolling_table

log = logging.getLogger(__name__)

#: Each role's name on screen (translated where drawn), in the order of the role menus.
ROLE_NAMES: dict[str, str] = {ADVISOR: N_("Advisor"), ANALYST: N_("Analyst"), ADMIN: N_("Admin")}


def users_file() -> Path:
    """The users file the logins read (``CREDIT_USERS_FILE``), read per call like the guard's."""
    return AuthSettings().users_file


def actor() -> str:
    """Who is changing accounts: the signed-in admin's account name (for the guard rails and the
    log), ``local-dev`` when logins are off."""
    from credit_dashboard.web.auth import current_user

    return current_user() or "local-dev"


def require_admin(component_id: str) -> None:
    """Stop a callback unless the caller may use ``component_id`` (admins only).

    The guard has refused such a request already (403, before any callback runs); this second
    check keeps the page safe if the roles table were ever edited wrongly.
    """
    from credit_dashboard.web.auth import current_role, may_use

    if not may_use(component_id) or (current_role() not in (None, ADMIN)):
        log.error("accounts callback %s reached by role %s: refused", component_id, current_role())
        raise PreventUpdate


def require_a_click() -> None:
    """Stop a callback unless a button was really pressed: rows drawn anew bring new buttons,
    whose ``n_clicks`` of None fire the callback too."""
    trigger = ctx.triggered[0] if ctx.triggered else {}
    if ctx.triggered_id is None or not trigger.get("value"):
        raise PreventUpdate


def role_name(role: str | None) -> str:
    return _(ROLE_NAMES[role]) if role in ROLE_NAMES else _("unknown role")


def role_options() -> list[dict[str, str]]:
    return [{"label": _(name), "value": role} for role, name in ROLE_NAMES.items()]


def created_text(created: datetime | None) -> str:
    return format_date(created) if created else _("not recorded")


def secret_once(label: str, secret: str, field_id: str) -> dbc.Alert:
    """A new password or key, in a read-only field that is easy to select and copy, with the
    warning that it is shown this once (only its hash is stored)."""
    return dbc.Alert(
        [
            html.Label(label, htmlFor=field_id, className="form-label fw-semibold"),
            dbc.Input(id=field_id, value=secret, readonly=True, type="text",
                      className="secret-once font-monospace", autoComplete="off"),
            html.P(_("Copy it now and hand it over safely: it is shown only this once and "
                     "cannot be recovered (only a hash of it is stored)."),
                   className="mb-0 mt-2 small"),
        ],
        color="success", className="mt-3",
    )


def message(text: str, ok: bool = True) -> dbc.Alert:
    return dbc.Alert(text, color="success" if ok else "danger", className="mt-3 mb-0")


def table(headings: list[str], rows: list[html.Tr], label: str) -> html.Div:
    """A compact striped table (one row per account or key) in a labelled scrolling region."""
    header = html.Thead(html.Tr([html.Th(text, scope="col") for text in headings]))
    return scrolling_table(
        dbc.Table([header, html.Tbody(rows)], striped=True, size="sm",
                  className="align-middle mb-0"),
        label,
    )


def panel(title: str, intro: str, table: html.Div, form_title: str, form: dict[str, str],
          message_id: str) -> dbc.Card:
    """A panel of the page: heading, a short explanation, the list, then the form that adds to it.

    ``form``: the ids and texts of the name field, the role menu and the button
    (``name_id``, ``name_label``, ``placeholder``, ``role_id``, ``button_id``, ``button``).
    """
    fields = dbc.Row([
        dbc.Col([dbc.Label(form["name_label"], html_for=form["name_id"]),
                 dbc.Input(id=form["name_id"], type="text", autoComplete="off", maxLength=64,
                           placeholder=form["placeholder"])], md=5),
        dbc.Col([dbc.Label(_("Role"), html_for=form["role_id"]),
                 dbc.Select(id=form["role_id"], options=role_options(), value=ADVISOR)], md=3),
        dbc.Col(dbc.Button(form["button"], id=form["button_id"], color="primary"),
                md=4, className="d-flex align-items-end mt-2 mt-md-0"),
    ], className="g-2")
    return dbc.Card([
        dbc.CardHeader(html.H2(title, className="h5 mb-0")),
        dbc.CardBody([
            html.P(intro, className="small"),
            table,
            html.H3(form_title, className="h6 mt-4"),
            fields,
            html.Div(id=message_id, **{"aria-live": "polite"}),
        ]),
    ], className="mb-3")
