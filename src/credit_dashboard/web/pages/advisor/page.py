"""Advisor page (``/``): find a client, see the score, the decision, why, how the client compares,
the reasons to give a refused applicant (and the printable notice, :mod:`.notice`), what would
change it, similar past clients, and record a decision.

The page owns the one client store (:data:`CLIENT_STORE`, set by the search panel) and the
message/visibility of the results; every panel follows the store on its own. Adding a panel: write
a module in ``components/`` (ids prefixed by its name, ``layout(services)``,
``register_callbacks(app, services)``) and add it to :data:`CLIENT_PANELS`.
"""

from __future__ import annotations

from types import ModuleType

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html, no_update

from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.container import AppServices
from credit_dashboard.services.scoring import ClientResult, UnknownClientError
from credit_dashboard.web.pages.advisor import notice
from credit_dashboard.web.pages.advisor.common import CLIENT_STORE
from credit_dashboard.web.pages.advisor.components import (
    compare,
    counterfactual,
    credit_history,
    decision,
    explanation,
    profile,
    reasons,
    score,
    search,
    similar,
    whatif,
)

__all__ = ["CLIENT_STORE", "CLIENT_PANELS", "layout", "register_callbacks"]

MESSAGE = "advisor-message"
RESULTS = "advisor-results"
HEADER = "advisor-header"

#: The selected client's panels, top to bottom; a tuple of (panel, width out of 12) puts panels
#: side by side on wide screens.
CLIENT_PANELS: tuple[ModuleType | tuple[tuple[ModuleType, int], ...], ...] = (
    ((profile, 5), (score, 7)),
    explanation,
    reasons,
    counterfactual,
    credit_history,
    compare,
    whatif,
    similar,
    decision,
)


def header(result: ClientResult) -> str:
    """The results' title."""
    return _("Client {id}").format(id=result.client_id)


def _panels() -> list[ModuleType]:
    """Every panel of the page, once (for their callbacks)."""
    flat: list[ModuleType] = [search]
    for entry in CLIENT_PANELS:
        flat += [panel for panel, _width in entry] if isinstance(entry, tuple) else [entry]
    return flat


def _client_panels(services: AppServices) -> list:
    shown: list = []
    for entry in CLIENT_PANELS:
        if isinstance(entry, tuple):
            shown.append(
                dbc.Row(
                    [dbc.Col(panel.layout(services), md=width, className="mb-3")
                     for panel, width in entry]
                )
            )
        else:
            shown.append(entry.layout(services))
    return shown


def layout(services: AppServices, client_id: str | None = None) -> html.Div:
    """The advisor page; ``client_id`` comes from the address (``/?client=…``)."""
    return html.Div(
        [
            dcc.Store(id=CLIENT_STORE, data=client_id),
            *search.layout(services, client_id),
            html.Div(id=MESSAGE, role="status"),
            html.Div(
                id=RESULTS,
                style={"display": "none"},
                children=[html.H2(id=HEADER, className="h4 mb-3"), *_client_panels(services)],
            ),
            explanation.global_layout(services),
        ]
    )


def register_callbacks(app: Dash, services: AppServices) -> None:
    """The page's own callback (message and visibility), then every panel's."""
    scoring = services.scoring

    @app.callback(
        Output(MESSAGE, "children"),
        Output(RESULTS, "style"),
        Output(HEADER, "children"),
        Input(CLIENT_STORE, "data"),
    )
    def show_client(client_text: str | None) -> tuple:
        hidden = {"display": "none"}
        if not client_text:
            message = html.P(_("Type a client number above to see the score."),
                             className="text-muted")
            return message, hidden, no_update
        try:
            result = scoring.score_client(client_text)
        except UnknownClientError as exc:
            alert = dbc.Alert(_("No client to show: {problem}.").format(problem=exc),
                              color="warning", className="mb-3")
            return alert, hidden, no_update
        return None, {"display": "block"}, header(result)

    for panel in _panels():
        panel.register_callbacks(app, services)
    notice.register_routes(app, services)  # the printable refusal notice (/notice/<client>)
