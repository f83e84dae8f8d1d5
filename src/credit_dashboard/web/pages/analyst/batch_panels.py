"""The analyst page's batch panels, in page order: monitoring over time, back-testing, portfolio,
the stored batches with their reports, and the upload."""

from __future__ import annotations

from typing import Any

from dash import Dash

from credit_dashboard.web.pages.analyst.components import (
    batch_backtest,
    batch_list,
    batch_monitoring,
    batch_portfolio,
    batch_upload,
)

PANELS = (batch_monitoring, batch_backtest, batch_portfolio, batch_list, batch_upload)


def layout(services: Any) -> list:
    return [panel.layout(services) for panel in PANELS]


def register_callbacks(app: Dash, services: Any) -> None:
    for panel in PANELS:
        panel.register_callbacks(app, services)
