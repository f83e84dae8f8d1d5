"""Analyst page (``/analyst``): the applicants' requests for a human review first (they wait for a
person), then monitoring of the stored applicant batches over time, then the training run's drift
between past clients and the applicant table.

Adding a panel: a module in ``components/`` and one line in :data:`REVIEW_PANELS`,
:data:`BATCH_PANELS` or :data:`TRAINING_PANELS`.
"""

from __future__ import annotations

from dash import Dash, html

from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.container import AppServices
from credit_dashboard.web.pages.analyst.components import (
    batch_backtest,
    batch_list,
    batch_monitoring,
    batch_portfolio,
    batch_upload,
    drift_report,
    drift_summary,
    reviews,
)

#: The reviews asked by applicants (issue 19), on top: each waits for a person.
REVIEW_PANELS = (reviews,)
#: The batches' panels, top to bottom: monitoring over time, back-testing, portfolio, the stored
#: batches with their reports, and the upload.
BATCH_PANELS = (batch_monitoring, batch_backtest, batch_portfolio, batch_list, batch_upload)
#: The training run's drift report, below.
TRAINING_PANELS = (drift_summary, drift_report)


def layout(services: AppServices) -> html.Div:
    return html.Div(
        [
            html.H1(_("Monitoring"), className="h3 mb-3"),
            *[panel.layout(services) for panel in REVIEW_PANELS],
            *[panel.layout(services) for panel in BATCH_PANELS],
            html.H2(_("Training history against the applicant table"), className="h4 mb-3"),
            *[panel.layout(services) for panel in TRAINING_PANELS],
        ]
    )


def register_callbacks(app: Dash, services: AppServices) -> None:
    """Every panel's callbacks and routes (the drift report's Flask route among them)."""
    for panel in (*REVIEW_PANELS, *BATCH_PANELS, *TRAINING_PANELS):
        panel.register_callbacks(app, services)
