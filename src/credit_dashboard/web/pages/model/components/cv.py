"""Cross-validation panel: the candidates compared, best business cost first."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, html

from credit_dashboard.figures.model_card import CV_COLUMNS, cv_headers, cv_table_rows
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.container import AppServices
from credit_dashboard.web.pages.tables import scrolling_table

TABLE = "cv-table"


def cv_table(card: dict[str, Any]) -> html.Div | html.P:
    rows = cv_table_rows(card.get("cv", []), card.get("chosen"))
    if not rows:
        return html.P(_("The model card has no cross-validation results."))
    keys = [key for key, _title in CV_COLUMNS]
    chosen = _(" (shipped)")
    table = dbc.Table(
        [
            html.Thead(html.Tr([html.Th(h, scope="col") for h in cv_headers()])),
            html.Tbody(
                [
                    html.Tr([html.Td([r["model"], chosen] if r["chosen"] and key == "model"
                                     else r[key]) for key in keys],
                            className="table-active fw-bold" if r["chosen"] else None)
                    for r in rows
                ]
            ),
        ],
        size="sm",
        striped=True,
        id=TABLE,
    )
    return scrolling_table(table, _("Candidates compared by cross-validation"))


def layout(services: AppServices) -> dbc.Card:
    return dbc.Card(
        [
            dbc.CardHeader(_("Candidates compared by cross-validation (best cost first)")),
            dbc.CardBody(cv_table(services.card)),
        ],
        className="mb-3",
    )


def register_callbacks(app: Dash, services: AppServices) -> None:
    """Static panel: nothing to wire."""
