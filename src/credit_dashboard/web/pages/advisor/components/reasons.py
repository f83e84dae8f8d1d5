"""The reasons panel: what to tell a refused applicant, the printable notice, and every fact behind
the score for analysts.

The reasons come from ``services.reasons`` (the same list as the API's ``reasons`` and the printed
notice). Protected facts the model leaned on are named to the advisor, never to the applicant, so
the person taking the decision sees them. Below, collapsed, a table of every fact group with its
features, effects in points and exact log-odds: analysts expand a group into what the model saw.
That table is built only once its fold has been opened: it is several hundred Dash components
(a third of the advisor page's server time for one client under load, measured with
scripts/loadtest.py) that most advisors never unfold.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, html

from credit_dashboard.i18n import gettext as _
from credit_dashboard.model.cost import REFUSE
from credit_dashboard.services.container import AppServices
from credit_dashboard.services.grouped import GroupedExplanation, format_points, grouped
from credit_dashboard.services.reasons import RefusalReasons, refusal_reasons
from credit_dashboard.services.scoring import ClientResult, UnknownClientError
from credit_dashboard.web.auth import may_open
from credit_dashboard.web.pages.advisor.notice import NOTICE_URL, notice_path

REASONS_BODY = "reasons-body"
REASONS_FACTS = "reasons-facts"
REASONS_FACTS_TOGGLE = "reasons-facts-toggle"
REASONS_NOTICE_LINK = "reasons-notice-link"


def layout(services: AppServices) -> dbc.Card:
    """The panel's frame; its callback fills it for the selected client."""
    return dbc.Card(
        [
            dbc.CardHeader(_("Reasons to give the applicant")),
            dbc.CardBody(
                [
                    html.Div(id=REASONS_BODY),
                    html.Details(
                        [
                            html.Summary(_("Every fact behind the score, with its features "
                                           "(points and exact log-odds, for analysts)"),
                                         id=REASONS_FACTS_TOGGLE),
                            html.Div(id=REASONS_FACTS, className="mt-2"),
                        ],
                        className="mt-3",
                    ),
                ]
            ),
        ],
        className="mb-3",
    )


def reasons_block(result: ClientResult, answer: RefusalReasons) -> html.Div:
    """The reasons (or that there are none), the withheld protected facts, the notice link."""
    if result.decision != REFUSE:
        return html.Div(html.P(_("Granted: there is no refusal to explain."), className="mb-0"))
    items = [
        html.Li([
            reason.text,
            html.Span(f" ({format_points(reason.probability_change)})",
                      className="text-muted small"),
        ])
        for reason in answer.reasons
    ]
    children: list = [
        html.P(_("The principal reasons for the refusal, most important first (effect on the "
                 "probability of default):"), className="mb-2"),
        html.Ol(items, id="reasons-list"),
    ]
    if answer.withheld:
        named = ", ".join(
            f"{g.label} ({format_points(g.probability_change)})" for g in answer.withheld
        )
        children.append(html.P(
            _("Not given as reasons, because they describe who the applicant is: {facts}. The "
              "model used them; check that the decision does not rest on them.").format(
                facts=named),
            className="small text-muted",
        ))
    if may_open(NOTICE_URL):  # advisors and admins hand the notice over; analysts only read
        children.append(html.A(
            _("Print the notice for the applicant"),
            id=REASONS_NOTICE_LINK,
            href=notice_path(result.client_id),
            target="_blank",
            rel="noopener",
            className="btn btn-outline-primary btn-sm",
        ))
    return html.Div(children)


def facts_table(explanation: GroupedExplanation) -> html.Table:
    """Every fact group, then its features: the analysts' view of the same numbers."""
    header = html.Thead(html.Tr([
        html.Th(_("Fact / feature"), scope="col"),
        html.Th(_("Value"), scope="col"),
        html.Th(_("Effect (points)"), scope="col", className="text-end"),
        html.Th(_("Log-odds"), scope="col", className="text-end"),
    ]))
    rows = []
    for group in explanation.groups:
        rows.append(html.Tr(
            [
                html.Th(group.label, scope="row"),
                html.Td(group.display_value if len(group.members) == 1 else ""),
                html.Td(format_points(group.probability_change), className="text-end"),
                html.Td(f"{group.contribution:+.4f}", className="text-end"),
            ],
            className="table-light",
        ))
        if len(group.members) > 1:
            rows.extend(
                html.Tr([
                    html.Td(member.label, className="ps-4"),
                    html.Td(member.display_value),
                    html.Td(""),
                    html.Td(f"{member.contribution:+.4f}", className="text-end"),
                ])
                for member in group.members
            )
    return html.Table([header, html.Tbody(rows)],
                      className="table table-sm small mb-0", id="reasons-facts-table")


def register_callbacks(app: Dash, services: AppServices) -> None:
    """Fill the panel whenever the selected client changes."""
    from credit_dashboard.web.pages.advisor.common import CLIENT_STORE

    @app.callback(Output(REASONS_BODY, "children"), Input(CLIENT_STORE, "data"))
    def show_reasons(client_text: str | None) -> html.Div | None:
        result = _scored(client_text)
        return None if result is None else reasons_block(result, refusal_reasons(result))

    @app.callback(
        Output(REASONS_FACTS, "children"),
        Input(CLIENT_STORE, "data"),
        Input(REASONS_FACTS_TOGGLE, "n_clicks"),
    )
    def show_facts(client_text: str | None, opened: int | None) -> html.Table | None:
        """The analysts' table, once its fold has been opened (then kept for the next client)."""
        if not opened:
            return None
        result = _scored(client_text)
        return None if result is None else facts_table(grouped(result))

    def _scored(client_text: str | None) -> ClientResult | None:
        if not client_text:
            return None
        try:
            return services.scoring.score_client(client_text)
        except UnknownClientError:
            return None
