"""What would change the decision: for a refused client, the smallest change of the loan that the
served model grants (``services.counterfactual``), under the reasons.

The same object as the API's ``counterfactual`` and the printed notice's paragraph, so the three
cannot disagree: the amounts were rounded to readable figures and the changed row re-scored by the
scoring service before anything is shown. Redrawn whenever the client changes.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, html

from credit_dashboard.i18n import format_amount, format_percent
from credit_dashboard.i18n import gettext as _
from credit_dashboard.model.cost import REFUSE
from credit_dashboard.services.container import AppServices
from credit_dashboard.services.counterfactual import (
    MAX_CHANGE,
    MAX_REPAYMENTS,
    Counterfactual,
    client_counterfactual,
)
from credit_dashboard.services.scoring import ClientResult
from credit_dashboard.web.pages.advisor.common import CLIENT_STORE, scored

COUNTERFACTUAL_BODY = "counterfactual-body"
COUNTERFACTUAL_CHANGES = "counterfactual-changes"
COUNTERFACTUAL_NONE = "counterfactual-none"


def layout(services: AppServices) -> dbc.Card:
    """The panel's frame; its callback fills it for the selected client."""
    return dbc.Card(
        [
            dbc.CardHeader(_("What would change the decision")),
            dbc.CardBody(html.Div(id=COUNTERFACTUAL_BODY, role="status")),
        ],
        className="mb-3",
    )


def counterfactual_block(result: ClientResult, found: Counterfactual | None) -> html.Div:
    """The changes and the probability they reach, or why there are none (or that the client is
    granted)."""
    if result.decision != REFUSE or found is None:
        return html.Div(html.P(_("Granted: nothing needs to change."),
                               className="mb-0 text-muted"))
    limits = _("Only the loan may change: the credit amount (down to {share} of it), the goods "
               "price or a down payment, and the duration (up to {repayments} monthly "
               "repayments); nothing about the applicant.").format(
        share=format_percent(1 - MAX_CHANGE, 0), repayments=MAX_REPAYMENTS)
    if not found.found:
        return html.Div([
            html.P(found.why_text(), id=COUNTERFACTUAL_NONE, className="mb-1"),
            html.P(limits, className="small text-muted mb-0"),
        ])
    children: list = [
        html.P(_("The model would grant the loan with:"), className="mb-1"),
        html.Ul([html.Li(phrase) for phrase in found.change_phrases()],
                id=COUNTERFACTUAL_CHANGES, className="mb-2"),
    ]
    if found.down_payment is not None and found.goods_price is not None:
        children.append(html.P(
            _("The applicant would pay {amount} of the goods price ({price}) as a down "
              "payment.").format(amount=format_amount(found.down_payment),
                                 price=format_amount(found.goods_price)),
            className="mb-1",
        ))
    probability, threshold = _distinct_percents(found.default_probability or 0.0,
                                                found.decision_threshold)
    children.append(html.P(
        _("Probability of default {probability} (threshold {threshold}), the rest of the "
          "application unchanged; checked by scoring the changed application again.").format(
            probability=probability, threshold=threshold),
        className="mb-1",
    ))
    children.append(html.P(limits, className="small text-muted mb-0"))
    return html.Div(children)


def _distinct_percents(probability: float, threshold: float) -> tuple[str, str]:
    """Both as percentages with as few decimals as tell them apart: the smallest change lands
    just below the threshold, and "9.1% (threshold 9.1%)" would read as no change at all."""
    for digits in (1, 2, 3):
        shown = format_percent(probability, digits), format_percent(threshold, digits)
        if shown[0] != shown[1]:
            return shown
    return format_percent(probability, 4), format_percent(threshold, 4)


def register_callbacks(app: Dash, services: AppServices) -> None:
    """Fill the panel whenever the selected client changes."""
    scoring = services.scoring

    @app.callback(Output(COUNTERFACTUAL_BODY, "children"), Input(CLIENT_STORE, "data"))
    def show_counterfactual(client_text: str | None) -> html.Div | None:
        result = scored(scoring, client_text)
        if result is None or result.client_id is None:
            return None
        found = client_counterfactual(scoring, result.client_id, result=result)
        return counterfactual_block(result, found)
