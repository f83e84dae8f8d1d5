"""Credit-records panel: the tuned model with the credit records against the same model on the
application table alone (same folds, same held-out clients), beside the plain baseline; the
bootstrap intervals of the differences; which tables and how many clients had records; what
shipped and why; and the threshold rule's decision (1/11 kept or the searched threshold)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, html

from credit_dashboard.i18n import format_number, format_percent
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.container import AppServices
from credit_dashboard.services.records_view import (
    NO_SECTION,
    NOT_USED,
    RecordsView,
    ThresholdView,
    interval_text,
    records_view,
    threshold_view,
)
from credit_dashboard.web.pages.model.common import models_table

PANEL = "model-records-panel"
TABLE = "model-records-table"
INTERVALS = "model-records-intervals"
TABLES = "model-records-tables"
DECISION = "model-records-decision"
THRESHOLD = "model-records-threshold"


def comparison_table(view: RecordsView) -> html.Div:
    return models_table(view.models, TABLE, _("With and without the credit records"))


def _intervals(view: RecordsView) -> html.Ul:
    items = []
    if view.auc_difference is not None:
        items.append(html.Li(_("AUC, with records minus application only: {interval}").format(
            interval=interval_text(view.auc_difference))))
    if view.cost_difference is not None:
        items.append(html.Li(_("Business cost per client, with records minus application only: "
                               "{interval}").format(interval=interval_text(view.cost_difference))))
    return html.Ul(items, id=INTERVALS, className="small mb-2")


def _tables(view: RecordsView) -> list:
    shares = []
    for template, value in ((_("{share} of the history"), view.share_history),
                            (_("{share} of the applicants"), view.share_applicants),
                            (_("{share} of the held-out clients"), view.share_holdout)):
        if value is not None:
            shares.append(template.format(share=format_percent(value, 0)))
    tables = ", ".join(_("{table}: {rows} rows").format(table=name, rows=format_number(rows))
                       for name, rows in view.tables)
    return [
        html.P(_("Tables used: {tables}.").format(tables=tables or "-"), className="small mb-1",
               id=TABLES),
        html.P(_("Clients with at least one record: {shares}; {n} record features.").format(
            shares=", ".join(shares) or "-", n=view.features), className="small"),
    ]


def threshold_part(view: ThresholdView | None) -> html.Div:
    if view is None:
        return html.Div(html.P(_("This model card predates the threshold rule: its threshold is "
                                 "the cost-optimal one on the out-of-fold predictions."),
                               className="small mb-0"), id=THRESHOLD)
    return html.Div([
        html.H3(_("Decision threshold"), className="h6 mt-3"),
        html.P(view.text, className="mb-0"),
    ], id=THRESHOLD)


def body(view: RecordsView, threshold: ThresholdView | None) -> list:
    if view.status == NO_SECTION:
        return [html.P(_("This model card has no credit-record comparison: the model was "
                         "trained before the credit records were compared. Train again with "
                         "`python scripts/train.py` to see it."), id=DECISION),
                threshold_part(threshold)]
    if view.status == NOT_USED:
        return [html.P(view.note, id=DECISION), threshold_part(threshold)]
    return [
        html.P(_("The same tuned model fitted twice on the same {folds} folds of {rows} "
                 "development rows and scored on the same {holdout} held-out clients: with the "
                 "credit records and on the application table alone. Intervals: 95%, paired "
                 "bootstrap of the held-out clients ({resamples} resamples).").format(
            folds=view.folds, rows=format_number(view.development_rows),
            holdout=format_number(view.holdout_rows), resamples=format_number(view.resamples)),
            className="small"),
        comparison_table(view),
        _intervals(view),
        *_tables(view),
        html.P(view.decision, className="fw-semibold mb-1", id=DECISION),
        html.P(view.shipped, className="mb-0"),
        threshold_part(threshold),
    ]


def layout(services: AppServices) -> dbc.Card:
    card = services.card
    return dbc.Card(
        [dbc.CardHeader(html.H2(_("Credit records"), className="h5 mb-0")),
         dbc.CardBody(body(records_view(card), threshold_view(card)))],
        className="mb-3", id=PANEL,
    )


def register_callbacks(app: Dash, services: AppServices) -> None:
    """Static panel: nothing to wire."""
