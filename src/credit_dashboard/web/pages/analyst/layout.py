"""Analyst page (``/analyst``): data drift between past clients and current applicants.

The Evidently report is megabytes of HTML: it is served as a file by a Flask route on the same
origin (:mod:`credit_dashboard.web.pages.analyst.routes`) and shown in an iframe, never pushed
through
a callback.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from credit_dashboard.services.container import AppServices
from credit_dashboard.services.labels import feature_label
from credit_dashboard.web.pages.analyst import batch_panels
from credit_dashboard.web.pages.analyst.routes import DRIFT_REPORT_URL

MOST_DRIFTED_SHOWN = 10
REPORT_FRAME = "drift-report-frame"


def _how_to_produce(services: AppServices, what: str) -> dbc.Alert:
    settings = services.settings
    return dbc.Alert(
        [
            html.P(f"{what} is missing.", className="mb-1"),
            html.P(
                [
                    "The training run writes it next to the model: ",
                    html.Code(
                        f"python scripts/train.py --train {settings.train_path} "
                        f"--applicants {settings.applicants_path} --out {settings.artifacts_dir}"
                    ),
                ],
                className="mb-0",
            ),
        ],
        color="warning",
    )


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
                html.Thead(html.Tr([html.Th("Column"), html.Th("Kaggle name"),
                                    html.Th("Drift score"), html.Th("Test")])),
                html.Tbody(rows),
            ],
            size="sm",
            striped=True,
            className="mb-0",
        )
        if rows
        else html.P("No column drifted.", className="mb-0")
    )
    return html.Div(
        [
            html.P(
                [
                    html.Strong(f"{share:.0%} of the columns drifted"),
                    f" ({n_drifted} of {n_columns}), comparing "
                    f"{int(summary.get('rows_reference', 0)):,} past clients with "
                    f"{int(summary.get('rows_current', 0)):,} current applicants.",
                ]
            ),
            html.H3("Most drifted columns", className="h6"),
            table,
            html.Small(
                "Drift score: the test's p-value for statistical tests (the lower, the stronger "
                "the drift), or the distance for distance methods (the higher, the stronger).",
                className="text-muted",
            ),
        ],
        id="drift-summary",
    )


def layout(services: AppServices) -> html.Div:
    summary = services.drift_summary
    report = (
        html.Iframe(
            id=REPORT_FRAME,
            src=DRIFT_REPORT_URL,
            title="Evidently data drift report",
            style={"width": "100%", "height": "900px", "border": "0"},
        )
        if services.drift_report_available()
        else _how_to_produce(services, f"The drift report {services.drift_report_path}")
    )
    return html.Div(
        [
            html.H1("Monitoring", className="h3 mb-3"),
            *batch_panels.layout(services),
            html.H2("Training history against the applicant table", className="h4 mb-3"),
            dbc.Card(
                [
                    dbc.CardHeader("Summary"),
                    dbc.CardBody(
                        drift_summary_block(summary)
                        if summary is not None
                        else _how_to_produce(
                            services, f"The drift summary {services.settings.drift_summary_path}"
                        )
                    ),
                ],
                className="mb-3",
            ),
            dbc.Card([dbc.CardHeader("Full report (Evidently)"), dbc.CardBody(report)]),
        ]
    )
