"""Model page (``/model``): how the model was chosen and how well it does (from the served
version's card), against the plain baseline, the feature policy it follows and what that costs,
by group (fairness), and the stored versions:
compared on common held-out clients, activated by admins.

Adding a panel: a module in ``components/`` and one line in :data:`PANELS`.
"""

from __future__ import annotations

from dash import Dash, html

from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.container import AppServices
from credit_dashboard.web.pages.model.components import (
    activation,
    baseline,
    curves,
    cv,
    facts,
    fairness,
    feature_policy,
    records,
    versions,
)

#: The page's panels, top to bottom.
PANELS = (facts, baseline, records, feature_policy, versions, activation, fairness, cv,
          curves)


def layout(services: AppServices) -> html.Div:
    return html.Div(
        [html.H1(_("The model"), className="h3 mb-3"), *[p.layout(services) for p in PANELS]]
    )


def register_callbacks(app: Dash, services: AppServices) -> None:
    for panel in PANELS:
        panel.register_callbacks(app, services)
