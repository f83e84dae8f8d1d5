"""Drift summary panel: the share of drifted columns and the most drifted ones, in words."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, html

from credit_dashboard.i18n import format_number, format_percent
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.container import AppServices
from credit_dashboard.services.labels import feature_label
from credit_dashboard.web.pages.analyst.common import how_to_produce

SUMMARY = "drift-summary"
MOST_DRIFTED_SHOWN = 10


def _score_text(score: object) -> str:
    if score is None:
        return "-"
    value = float(score)  # type: ignore[arg-type]
    return "< 0.0001" if 0 <= value < 1e-4 else f"{value:.3g}"


def drift_summary_block(summary: dict[str, Any]) -> html.Div:
    """Share of drifted columns and the most drifted ones, in words and a small table."""
    share = float(summary.get("share_drifted", 0.0))
    n_drifted = int(summary.get("n_drifted", 0))
    n_columns = int(summary.get("n_columns", 0))
    columns = summary.get("columns", {})
    rows = []
    for name in list(summary.get("drifted_columns", []))[:MOST_DRIFTED_SHOWN]:
        detail = columns.get(name, {})
        score = detail.get("score")
        rows.append(
            html.Tr(
                [
                    html.Td(feature_label(name)),
                    html.Td(html.Code(name)),
                    html.Td(_score_text(score)),
                    html.Td(str(detail.get("method", "-"))),
                ]
            )
        )
    table = (
        dbc.Table(
            [
                html.Thead(html.Tr([html.Th(_("Column")), html.Th(_("Kaggle name")),
                                    html.Th(_("Drift score")), html.Th(_("Test"))])),
                html.Tbody(rows),
            ],
            size="sm",
            striped=True,
            className="mb-0",
        )
        if rows
        else html.P(_("No column drifted."), className="mb-0")
    )
    return html.Div(
        [
            html.P(
                [
                    html.Strong(_("{share} of the columns drifted").format(
                        share=format_percent(share, 0))),
                    _(" ({n} of {total}), comparing {past} past clients with {current} current "
                      "applicants.").format(
                        n=n_drifted, total=n_columns,
                        past=format_number(int(summary.get("rows_reference", 0))),
                        current=format_number(int(summary.get("rows_current", 0)))),
                ]
            ),
            html.H3(_("Most drifted columns"), className="h6"),
            table,
            html.Small(
                _("Drift score: the test's p-value for statistical tests (the lower, the stronger "
                  "the drift), or the distance for distance methods (the higher, the stronger)."),
                className="text-muted",
            ),
        ],
        id=SUMMARY,
    )


def layout(services: AppServices) -> dbc.Card:
    summary = services.drift_summary
    return dbc.Card(
        [
            dbc.CardHeader(_("Summary")),
            dbc.CardBody(
                drift_summary_block(summary)
                if summary is not None
                else how_to_produce(
                    services, _("The drift summary {path}").format(
                        path=services.drift_summary_path)
                )
            ),
        ],
        className="mb-3",
    )


def register_callbacks(app: Dash, services: AppServices) -> None:
    """Static panel: nothing to wire."""
