"""Credit-history panel: how the client has borrowed and repaid, from the six credit-record tables.

A headline ("3 credits at other lenders, 1 active; ..."), the credits at other lenders and the
earlier applications with us one line each, and the repayments of the last 24 months on one chart.
Records are looked up by client id in the store (``services.credit_records``), so applicants,
batch clients and past clients all have theirs.

One callback writes the whole body from the client store: Dash keeps what a component shows when
only a store changes, so a panel that updated its parts one by one could leave the previous
client's rows on screen when the next client has no records. Rebuilding the body makes every
client start clean.
"""

from __future__ import annotations

import logging

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html

from credit_dashboard.figures.credit_history import TimelineLabels, repayment_timeline
from credit_dashboard.i18n import format_amount, format_number, format_percent, ngettext
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services import validation
from credit_dashboard.services.container import AppServices
from credit_dashboard.services.credit_history import (
    COLUMNS_READ,
    TIMELINE_MONTHS,
    CreditHistory,
    ago_text,
    credit_history,
)
from credit_dashboard.storage.credit_records.schema import INSTALLMENTS_PAYMENTS
from credit_dashboard.web.pages.advisor.common import CLIENT_STORE, GRAPH_CONFIG
from credit_dashboard.web.pages.tables import scrolling_table

logger = logging.getLogger(__name__)

BODY = "credit-history-body"
HEADLINE = "credit-history-headline"
BUREAU_TABLE = "credit-history-bureau"
APPLICATIONS_TABLE = "credit-history-applications"
TIMELINE = "credit-history-timeline"
EMPTY = "credit-history-empty"
UNAVAILABLE = "credit-history-unavailable"


def _amount(value: float | None) -> str:
    return "–" if value is None else format_amount(value)


def _none(section_id: str) -> html.P:
    return html.P(_("None."), className="text-muted mb-3", id=section_id)


def bureau_table(history: CreditHistory) -> html.Div | html.P:
    """One line per credit at another lender, most recent first."""
    if not history.bureau:
        return _none(BUREAU_TABLE)
    columns = (_("Type"), _("Status"), _("Amount"), _("Current debt"), _("Overdue"),
               _("Months late"), _("Opened"))
    rows = [
        html.Tr([html.Td(c.type_text()), html.Td(c.state_text()), html.Td(_amount(c.amount)),
                 html.Td(_amount(c.debt)), html.Td(_amount(c.overdue)),
                 html.Td(c.lateness_text()), html.Td(ago_text(c.opened_days_ago))])
        for c in history.bureau
    ]
    table = dbc.Table([html.Thead(html.Tr([html.Th(name) for name in columns])),
                       html.Tbody(rows)], size="sm", striped=True, className="mb-0")
    return html.Div(scrolling_table(table, _("Credits at other lenders"), id=BUREAU_TABLE),
                    className="mb-3")


def applications_table(history: CreditHistory) -> html.Div | html.P:
    """One line per earlier application with us, most recent first."""
    if not history.applications:
        return _none(APPLICATIONS_TABLE)
    columns = (_("Type"), _("Outcome"), _("Amount asked"), _("Amount granted"), _("Decided"),
               _("Reason for refusal"))
    rows = [
        html.Tr([html.Td(a.type_text()), html.Td(a.state_text()),
                 html.Td(_amount(a.amount_asked)), html.Td(_amount(a.amount_granted)),
                 html.Td(ago_text(a.decided_days_ago)), html.Td(a.reject_text())])
        for a in history.applications
    ]
    table = dbc.Table([html.Thead(html.Tr([html.Th(name) for name in columns])),
                       html.Tbody(rows)], size="sm", striped=True, className="mb-0")
    return html.Div(scrolling_table(table, _("Earlier applications with us"),
                                    id=APPLICATIONS_TABLE), className="mb-3")


def _month_text(month: int) -> str:
    return ngettext("{n} month ago", "{n} months ago", -month).format(n=format_number(-month))


def timeline_labels(months: list[int]) -> TimelineLabels:
    return TimelineLabels(
        month_axis=_("Months before the application"),
        month_ticks=[_month_text(m) for m in months],
        instalments_axis=_("Instalments"),
        on_time=_("paid on time"),
        late=_("paid late"),
        partly_paid=_("partly paid"),
        pos_axis=_("Days past due"),
        pos_days=_("cash and consumer loans: days past due"),
        card_axis=_("Card (€)"),
        card_balance=_("card balance"),
        card_limit=_("card limit"),
    )


def _has_something_to_draw(history: CreditHistory, has_instalments: bool) -> bool:
    """An empty chart says nothing: only months with an instalment, a card balance or a loan
    past due are worth drawing (a real file may have loan months that were all on time)."""
    return any((has_instalments and (m.on_time or m.late or m.partly_paid))
               or m.card_balance is not None or (m.pos_days_past_due or 0) > 0
               for m in history.timeline)


def timeline_graph(history: CreditHistory) -> dcc.Graph | html.P:
    if not history.timeline:
        return _none(TIMELINE)
    months = [m.month for m in history.timeline]
    has_instalments = INSTALLMENTS_PAYMENTS.name in history.tables_with_rows
    if not _has_something_to_draw(history, has_instalments):
        return html.P(_("Nothing to chart over the last 24 months: no instalment, no card "
                        "balance and no loan month past due."), id=TIMELINE,
                      className="text-muted")
    figure = repayment_timeline(
        months, timeline_labels(months),
        on_time=[m.on_time for m in history.timeline] if has_instalments else None,
        late=[m.late for m in history.timeline] if has_instalments else None,
        partly_paid=[m.partly_paid for m in history.timeline] if has_instalments else None,
        pos_days_past_due=[m.pos_days_past_due for m in history.timeline],
        card_balance=[m.card_balance for m in history.timeline],
        card_limit=[m.card_limit for m in history.timeline],
    )
    return dcc.Graph(id=TIMELINE, figure=figure, config=GRAPH_CONFIG,
                     style={"height": f"{figure['layout']['height']}px"})


def _facts(history: CreditHistory) -> html.Ul:
    """The totals under the headline that the tables do not add up for the reader."""
    c = history.counts
    facts = []
    if c.bureau_credits:
        facts.append(_("Debt at other lenders: {debt}; overdue: {overdue}.").format(
            debt=format_amount(c.bureau_debt), overdue=format_amount(c.bureau_overdue)))
    if c.instalments:
        facts.append(_("Instalments with us: {late} paid late, {partly} partly paid, "
                       "out of {n}.").format(late=format_number(c.instalments_late),
                                             partly=format_number(c.instalments_partly_paid),
                                             n=format_number(c.instalments)))
    if c.pos_max_days_past_due is not None:
        facts.append(_("Cash and consumer loans with us: at most {days} days past due.").format(
            days=format_number(c.pos_max_days_past_due)))
    if c.card_use is not None:
        facts.append(_("Card: {balance} used of a {limit} limit ({share}) in the latest "
                       "month.").format(balance=format_amount(c.card_balance or 0.0),
                                        limit=format_amount(c.card_limit or 0.0),
                                        share=format_percent(c.card_use, 0)))
    return html.Ul([html.Li(text) for text in facts], className="small mb-3")


def history_view(history: CreditHistory) -> html.Div:
    """The panel's body for one client (the "no records" state included)."""
    if not history.has_records:
        return html.Div(dbc.Alert(history.headline(), color="light", className="mb-0", id=EMPTY))
    return html.Div([
        html.P(history.headline(), className="fw-bold", id=HEADLINE),
        _facts(history),
        html.H3(_("Credits at other lenders"), className="h6"),
        bureau_table(history),
        html.H3(_("Earlier applications with us"), className="h6"),
        applications_table(history),
        html.H3(_("Repayments over the last {n} months").format(n=TIMELINE_MONTHS),
                className="h6"),
        timeline_graph(history),
    ])


def layout(services: AppServices) -> dbc.Card:
    return dbc.Card(
        [
            dbc.CardHeader(_("Credit history")),
            dbc.CardBody(
                [
                    html.P(_("From the credit bureau and our own files: credits at other "
                             "lenders, earlier applications with us and how they were repaid."),
                           className="text-muted small"),
                    html.Div(id=BODY),
                ]
            ),
        ],
        className="mb-3",
    )


def register_callbacks(app: Dash, services: AppServices) -> None:
    @app.callback(Output(BODY, "children"), Input(CLIENT_STORE, "data"))
    def show_history(client_text: str | None) -> html.Div | dbc.Alert | None:
        store = services.credit_records  # None when the data folder has no credit records
        if store is None:
            return dbc.Alert(_("Credit records are not available for this lender's data."),
                             color="light", className="mb-0", id=UNAVAILABLE)
        if not client_text:
            return None
        try:
            client_id = validation.parse_client_id(client_text)
        except validation.ClientIdError:
            return None  # the page's message says what is wrong with the id
        try:
            frames = store.client_records(client_id, COLUMNS_READ)
        except Exception:  # a broken file must not take the rest of the page down
            logger.exception("reading the credit records of client %s failed", client_id)
            return dbc.Alert(_("The credit records could not be read; the error is logged."),
                             color="warning", className="mb-0")
        return history_view(credit_history(client_id, frames, store.tables()))
