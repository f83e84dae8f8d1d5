"""Drift summary panel: the share of drifted columns and the most drifted ones, in words."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, html

from credit_dashboard.i18n import N_, format_number, format_percent
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


#: Evidently's names of its drift tests (as the report stores them) -> the reader's words.
_TESTS: dict[str, str] = {
    "chi-square": N_("chi-square test"),
    "K-S": N_("Kolmogorov-Smirnov test"),
    "Z-test": N_("Z-test of proportions"),
    "Anderson-Darling": N_("Anderson-Darling test"),
    "Jensen-Shannon distance": N_("Jensen-Shannon distance"),
    "Wasserstein distance (normed)": N_("Wasserstein distance (normalised)"),
    "PSI": N_("population stability index"),
}


def drift_test_name(method: object) -> str:
    """"chi-square p_value" -> "chi-square test (p-value)", in the reader's language; a test
    this table does not know is shown as Evidently names it."""
    text = str(method or "-")
    name, p_value = (text[: -len(" p_value")], True) if text.endswith(" p_value") else (text, False)
    known = _TESTS.get(name)
    if known is None:
        return text
    return _("{test} (p-value)").format(test=_(known)) if p_value else _(known)


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
                    html.Td(drift_test_name(detail.get("method"))),
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
