"""Fairness panel: per audited attribute (gender, age band) the groups' figures on held-out
clients, the demographic-parity and equalized-odds differences, the card's reading of the gaps
in words, and refusal rate against default rate per group on one chart."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, dcc, html

from credit_dashboard.figures.fairness import refusal_vs_default
from credit_dashboard.i18n import format_number, format_percent
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.container import AppServices
from credit_dashboard.services.fairness_view import AttributeView, FairnessView, fairness_view
from credit_dashboard.web.pages.tables import scrolling_table

CHART = "model-fairness-chart"


def _percent(value: float | None) -> str:
    return "-" if value is None else format_percent(value)


def _points(value: float | None) -> str:
    return "-" if value is None else _("{points} points").format(points=f"{100 * value:.1f}")


def group_table(attribute: AttributeView) -> html.Div:
    headings = [_("Group"), _("Clients"), _("Observed default rate"), _("Refusal rate"),
                _("Defaulters refused (TPR)"), _("Good payers refused (FPR)"), _("AUC")]
    rows = [
        html.Tr([html.Th(g["label"], scope="row"), html.Td(format_number(g["count"])),
                 html.Td(format_percent(g["default_rate"])),
                 html.Td(format_percent(g["refusal_rate"])),
                 html.Td(_percent(g["tpr"])), html.Td(_percent(g["fpr"])),
                 html.Td("-" if g["roc_auc"] is None else format_number(g["roc_auc"], 3))])
        for g in attribute.groups
    ]
    table = dbc.Table([html.Thead(html.Tr([html.Th(h, scope="col") for h in headings])),
                       html.Tbody(rows)], size="sm", striped=True, className="mb-2")
    return scrolling_table(table, attribute.title)


def attribute_block(attribute: AttributeView) -> html.Div:
    return html.Div([
        html.H3(attribute.title, className="h6 mt-3"),
        group_table(attribute),
        html.P([
            _("Demographic-parity difference (largest gap in refusal rates): {dp}. "
              "Equalized-odds difference (largest gap in TPR or FPR): {eo}.").format(
                dp=_points(attribute.demographic_parity_difference),
                eo=_points(attribute.equalized_odds_difference)),
        ], className="small mb-1"),
        html.P(attribute.words, className="mb-2"),
    ])


def body(view: FairnessView | None) -> list:
    if view is None:
        return [html.P(_("This model card has no fairness section (trained before it existed): "
                         "train again with `python scripts/train.py`."))]
    intro = _("On the {rows} held-out clients, refusing at or above {threshold}. Computed at "
              "training with fairlearn; a refusal counts as the positive decision. Groups of "
              "fewer than 30 clients are shown but left out of the differences.").format(
        rows=format_number(view.rows),
        threshold="-" if view.threshold is None else format_number(view.threshold, 3))
    chart = refusal_vs_default([(a.title, a.groups) for a in view.attributes])
    return [
        html.P(intro, className="small"),
        *[attribute_block(a) for a in view.attributes],
        html.P(_("On the chart, the dashed line is the refusal rate a group would get from its "
                 "default rate alone; a group above it is refused more than its default rate "
                 "explains."), className="small mt-3 mb-1"),
        dcc.Graph(id=CHART, figure=chart, config={"displayModeBar": False, "responsive": True}),
    ]


def layout(services: AppServices) -> dbc.Card:
    return dbc.Card(
        [dbc.CardHeader(html.H2(_("Fairness by gender and age"), className="h5 mb-0")),
         dbc.CardBody(body(fairness_view(services.card)))],
        className="mb-3",
    )


def register_callbacks(app: Dash, services: AppServices) -> None:
    """Static panel: nothing to wire."""
