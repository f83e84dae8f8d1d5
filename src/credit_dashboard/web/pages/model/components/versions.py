"""Versions panel: every stored model version in a table, and two of them compared side by side
on the held-out clients they have in common (AUC, cost, threshold, refusal rate, ROC curves)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html

from credit_dashboard.figures.versions import roc_comparison
from credit_dashboard.i18n import format_number, format_percent, ngettext
from credit_dashboard.i18n import gettext as _
from credit_dashboard.model.versions import VersionInfo
from credit_dashboard.services import versions_view
from credit_dashboard.services.container import AppServices
from credit_dashboard.services.versions_view import Comparison, VersionFigures
from credit_dashboard.web.pages.model.common import number, policy_text, problem_text
from credit_dashboard.web.pages.tables import scrolling_table

TABLE = "model-versions-table"
FIRST = "model-versions-first"
SECOND = "model-versions-second"
RESULT = "model-versions-comparison"
_GRAPH_CONFIG = {"displayModeBar": False, "responsive": True}


def versions_table(stored: list[VersionInfo]) -> html.Div:
    headings = [_("Version"), _("Trained at (UTC)"), _("Held-out AUC"),
                _("Held-out cost per client"), _("Threshold"), _("Feature policy"), _("Active")]
    rows = [
        html.Tr([
            html.Th(v.version, scope="row", className="font-monospace"),
            html.Td((v.created_at or "-").replace("T", " ").replace("+00:00", "")),
            html.Td(number(v.roc_auc)), html.Td(number(v.normalised_cost)),
            html.Td(number(v.decision_threshold, 3)),
            html.Td(policy_text(v.policy_sha256), className="font-monospace"),
            html.Td(html.Strong(_("active")) if v.active else (v.problem or "")),
        ], className="table-active" if v.active else None)
        for v in stored
    ]
    table = dbc.Table([html.Thead(html.Tr([html.Th(h, scope="col") for h in headings])),
                       html.Tbody(rows)], size="sm", striped=True, id=TABLE, className="mb-0")
    return scrolling_table(table, _("Stored model versions"))


def _figures_table(figures: tuple[VersionFigures, ...]) -> html.Div:
    lines = [
        (_("ROC AUC"), [number(f.roc_auc) for f in figures]),
        (_("Business cost per client"), [number(f.normalised_cost) for f in figures]),
        (_("Threshold on these clients"), [number(f.decision_threshold, 3) for f in figures]),
        (_("Refusal rate"), [format_percent(f.refusal_rate) for f in figures]),
        (_("Feature policy"), [policy_text(f.policy_sha256) for f in figures]),
    ]
    table = dbc.Table(
        [html.Thead(html.Tr([html.Th(_("Measure"), scope="col")]
                            + [html.Th(f.version, scope="col", className="font-monospace")
                               for f in figures])),
         html.Tbody([html.Tr([html.Th(name, scope="row"), *[html.Td(v) for v in values]])
                     for name, values in lines])],
        size="sm", striped=True, className="mb-2",
    )
    return scrolling_table(table, _("Two versions side by side"))


def comparison_view(comparison: Comparison) -> list:
    if comparison.problem is not None:
        return [dbc.Alert(problem_text(comparison), color="info", className="mb-0")]
    rows = ngettext("Compared on the {n} held-out client both versions kept ({a} and {b} "
                    "held out).",
                    "Compared on the {n} held-out clients both versions kept ({a} and {b} "
                    "held out).", comparison.common_rows).format(
        n=format_number(comparison.common_rows), a=format_number(comparison.first_rows),
        b=format_number(comparison.second_rows))
    curves = [(f.version, f.fpr, f.tpr, f.roc_auc) for f in comparison.figures]
    return [
        html.P(rows, className="fw-semibold"),
        html.P(_("Each version is scored at the threshold its own held-out figures use; the "
                 "business cost is 10 per missed defaulter plus 1 per refused good payer, per "
                 "client."), className="small"),
        _figures_table(comparison.figures),
        dcc.Graph(figure=roc_comparison(curves, comparison.common_rows), config=_GRAPH_CONFIG,
                  id="model-versions-roc"),
    ]


def _select(component_id: str, label: str, stored: list[VersionInfo],
            value: str | None) -> dbc.Col:
    options = [{"label": v.version + (_(" (active)") if v.active else ""), "value": v.version}
               for v in stored]
    return dbc.Col([dbc.Label(label, html_for=component_id),
                    dbc.Select(id=component_id, options=options, value=value)], md=6)


def layout(services: AppServices) -> dbc.Card:
    stored = versions_view.versions(services.settings.artifacts_dir)
    first, second = versions_view.default_pair(stored)
    if not stored:
        content: list = [html.P(_("No model version is stored in this artifacts folder (a model "
                                  "trained before versions existed): `python scripts/train.py` "
                                  "writes the first one."))]
    else:
        content = [
            versions_table(stored),
            html.H3(_("Compare two versions"), className="h6 mt-4"),
            dbc.Row([_select(FIRST, _("First version"), stored, first),
                     _select(SECOND, _("Second version"), stored, second)],
                    className="g-2 mb-3"),
            dcc.Loading(html.Div(id=RESULT, **{"aria-live": "polite"})),
        ]
    return dbc.Card(
        [dbc.CardHeader(html.H2(_("Model versions"), className="h5 mb-0")),
         dbc.CardBody(content)],
        className="mb-3",
    )


def register_callbacks(app: Dash, services: AppServices) -> None:
    @app.callback(Output(RESULT, "children"), Input(FIRST, "value"), Input(SECOND, "value"))
    def compare_versions(first: str | None, second: str | None) -> list:
        return comparison_view(versions_view.compare(services.settings.artifacts_dir, first,
                                                      second))
