"""Activation panel: an admin serves another stored version (or rolls back), after confirming.

Admins only, on the server: every id of this panel starts with ``model-activate-``, which
:mod:`credit_dashboard.web.auth.roles` gives to ``ADMINS``, so the guard answers anyone else 403
before a callback runs; the callback checks the role again before it writes anything. Analysts
see the versions (the versions panel) and this panel read-only. The pointer is moved by
:func:`credit_dashboard.services.activation.activate` (checks, ``write_active``, one log line),
the same function ``scripts/activate_model.py`` calls; every worker's model watch then switches.
"""

from __future__ import annotations

import logging

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from credit_dashboard.i18n import gettext as _
from credit_dashboard.model.artifact import ArtifactError
from credit_dashboard.model.versions import VersionError
from credit_dashboard.services import activation, versions_view
from credit_dashboard.services.container import AppServices

log = logging.getLogger(__name__)

CHOICE = "model-activate-choice"
BUTTON = "model-activate-button"
CONFIRM = "model-activate-confirm"
MESSAGE = "model-activate-message"


def may_activate() -> bool:
    """Whether the caller may activate (admins; everyone when logins are off, as elsewhere)."""
    from credit_dashboard.web.auth import current_role, may_use

    return may_use(BUTTON) and current_role() in (None, "admin")


def require_admin() -> None:
    """Refuse the callback unless the caller is an admin (the guard's 403 came first; this
    keeps the write safe if the roles table were ever edited wrongly)."""
    if not may_activate():
        from credit_dashboard.web.auth import current_role

        log.error("model activation reached by role %s: refused", current_role())
        raise PreventUpdate


def _actor() -> str:
    from credit_dashboard.web.auth import current_user

    return current_user() or "local-dev"


def switch_message(services: AppServices, version: str) -> str:
    if services.settings.model_poll_s <= 0:
        return _("Version {version} is now active. The model watch is off "
                 "(CREDIT_MODEL_POLL_SECONDS=0): restart the workers to serve it.").format(
            version=version)
    return _("Version {version} is now active: every worker switches within {seconds} s, "
             "without a restart.").format(version=version, seconds=activation.SWITCH_SECONDS)


def layout(services: AppServices) -> dbc.Card:
    stored = versions_view.versions(services.settings.artifacts_dir)
    allowed = may_activate()
    header = dbc.CardHeader(html.H2(_("Activate a version"), className="h5 mb-0"))
    if not stored:
        return dbc.Card([header, dbc.CardBody(html.P(_("No stored version to activate.")))],
                        className="mb-3")
    active = next((v.version for v in stored if v.active), None)
    choice = next((v.version for v in stored if not v.active), stored[0].version)
    options = [{"label": v.version + (_(" (active)") if v.active else ""), "value": v.version}
               for v in stored if v.problem is None]
    intro = (_("Serving another version, or rolling back, is one step: the version is checked "
               "(files, sha256, columns), then becomes active for every worker.")
             if allowed else
             _("Only admins can activate a version; you see the versions read-only."))
    body = [
        html.P(intro, className="small"),
        html.P(_("Active now: {version}").format(version=active or _("none")),
               className="font-monospace small"),
    ]
    if allowed:
        body += [
            dbc.Row([
                dbc.Col([dbc.Label(_("Version to activate"), html_for=CHOICE),
                         dbc.Select(id=CHOICE, options=options, value=choice)], md=8),
                dbc.Col(dbc.Button(_("Activate…"), id=BUTTON, color="danger", outline=True),
                        md=4, className="d-flex align-items-end mt-2 mt-md-0"),
            ], className="g-2"),
            dcc.ConfirmDialog(id=CONFIRM),
            html.Div(id=MESSAGE, **{"aria-live": "polite"}),
        ]
    return dbc.Card([header, dbc.CardBody(body)], className="mb-3")


def register_callbacks(app: Dash, services: AppServices) -> None:
    @app.callback(Output(CONFIRM, "displayed"), Output(CONFIRM, "message"),
                  Input(BUTTON, "n_clicks"), State(CHOICE, "value"), prevent_initial_call=True)
    def ask(n_clicks: int | None, version: str | None) -> tuple[bool, str]:
        require_admin()
        if not n_clicks or not version:
            raise PreventUpdate
        return True, _("Activate model version {version}? Every worker will serve it within "
                       "{seconds} s.").format(version=version, seconds=activation.SWITCH_SECONDS)

    @app.callback(Output(MESSAGE, "children"), Input(CONFIRM, "submit_n_clicks"),
                  State(CHOICE, "value"), prevent_initial_call=True)
    def activate(submitted: int | None, version: str | None) -> dbc.Alert:
        require_admin()
        if not submitted or not version:
            raise PreventUpdate
        settings = services.settings
        try:
            activation.activate(settings.artifacts_dir,
                                [settings.applicants_path, settings.train_path], version,
                                actor=_actor())
        except (ArtifactError, VersionError) as exc:
            log.warning("model page: activation of %s refused: %s", version, exc)
            return dbc.Alert(_("Version {version} was refused and the active version is "
                               "unchanged: {problem}").format(version=version, problem=exc),
                             color="danger", className="mt-3 mb-0")
        return dbc.Alert(switch_message(services, version), color="success",
                         className="mt-3 mb-0")
