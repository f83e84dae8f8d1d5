"""Accounts page (``/admin/accounts``, admins only): accounts and API keys.

Admins only is enforced on the server, not by the navigation: the page path and every callback
id (``accounts-``, ``apikeys-``) are ``ADMINS`` in :mod:`credit_dashboard.web.auth.roles`, so the
guard answers anyone else 403 before any of this code runs. Adding a panel: a module in
``components/`` and one line in :data:`PANELS`.
"""

from __future__ import annotations

from dash import Dash, html

from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.container import AppServices
from credit_dashboard.web.pages.admin.components import accounts, api_keys

PATH = "/admin/accounts"
#: The page's panels, top to bottom.
PANELS = (accounts, api_keys)


def layout(services: AppServices) -> html.Div:
    return html.Div(
        [html.H1(_("Accounts and API keys"), className="h3 mb-3"),
         *[panel.layout(services) for panel in PANELS]]
    )


def register_callbacks(app: Dash, services: AppServices) -> None:
    for panel in PANELS:
        panel.register_callbacks(app, services)
