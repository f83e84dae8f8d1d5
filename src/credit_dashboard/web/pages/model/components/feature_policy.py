"""Feature-policy panel: which features the served model may use and why (the policy recorded in
its card), what the policy costs against the same recipe without it on the same held-out clients,
and how well the model's inputs still predict gender and the age band (the proxy check)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, html

from credit_dashboard.i18n import format_number
from credit_dashboard.i18n import gettext as _
from credit_dashboard.model.feature_policy import EXCLUDED, FAIRNESS_ONLY, JUSTIFIED
from credit_dashboard.services.container import AppServices
from credit_dashboard.services.feature_policy_view import (
    PolicyCost,
    PolicyRule,
    PolicyView,
    ProxyCheck,
    policy_view,
    status_text,
)
from credit_dashboard.services.records_view import Difference, interval_text
from credit_dashboard.web.pages.model.common import number
from credit_dashboard.web.pages.tables import scrolling_table

PANEL = "model-policy-panel"
SUMMARY = "model-policy-summary"
COST = "model-policy-cost"
PROXY = "model-policy-proxy"
RULES = {FAIRNESS_ONLY: "model-policy-fairness-only", EXCLUDED: "model-policy-excluded",
         JUSTIFIED: "model-policy-justified"}
#: Features named in full in a rule's cell; the rest go behind a "show all" disclosure.
SHOWN_FEATURES = 6


def _signed(value: float, digits: int = 4) -> str:
    return ("+" if value > 0 else "") + format_number(value, digits)


def _difference(difference: Difference | None, without_interval: float) -> str:
    """The difference with its interval, or the bare difference when the card has no interval."""
    return _signed(without_interval) if difference is None else interval_text(difference)


def _feature_names(rule: PolicyRule) -> list:
    named = [_("{label} ({name})").format(label=f.label, name=f.name) for f in rule.features]
    if len(named) <= SHOWN_FEATURES:
        return ["; ".join(named)]
    return ["; ".join(named[:SHOWN_FEATURES]),
            html.Details([html.Summary(_("and {n} more").format(n=len(named) - SHOWN_FEATURES)),
                          "; ".join(named[SHOWN_FEATURES:])], className="small")]


def rules_table(rules: tuple[PolicyRule, ...], table_id: str, caption: str) -> html.Div:
    headings = [_("Features"), _("Why")]
    table = dbc.Table(
        [html.Thead(html.Tr([html.Th(h, scope="col") for h in headings])),
         html.Tbody([html.Tr([html.Td(_feature_names(rule)), html.Td(rule.why)])
                     for rule in rules])],
        size="sm", striped=True, id=table_id, className="mb-2",
    )
    return scrolling_table(table, caption)


def _summary(view: PolicyView) -> html.Div:
    where = (_("the packaged policy file") if view.packaged
             else _("the policy file {path}").format(path=view.path))
    counts = [html.Li(_("{status}: {n}").format(status=status_text(status), n=n))
              for status, n in view.counts]
    return html.Div([
        html.P([_("The served model follows {where}, sha256 ").format(where=where),
                html.Code(view.short_sha), _(". Rule of thumb: a fact is used only if it could be "
                                            "stated to the applicant as a reason.")],
               className="mb-1"),
        html.Ul(counts, className="small mb-2"),
    ], id=SUMMARY)


def cost_part(cost: PolicyCost | None) -> html.Div:
    if cost is None:
        return html.Div(html.P(_("The cost of the policy was not measured for this version."),
                               className="small"), id=COST)
    headings = [_("Measure"), _("With the policy"), _("Without the policy"),
                _("Difference (95% interval)")]
    lines = [(_("ROC AUC"), cost.auc_with, cost.auc_without,
              _difference(cost.auc_difference, cost.auc_with - cost.auc_without)),
             (_("Business cost per client"), cost.cost_with, cost.cost_without,
              _difference(cost.cost_difference, cost.cost_with - cost.cost_without))]
    table = dbc.Table(
        [html.Thead(html.Tr([html.Th(h, scope="col") for h in headings])),
         html.Tbody([html.Tr([html.Th(name, scope="row"), html.Td(number(a)), html.Td(number(b)),
                              html.Td(d)]) for name, a, b, d in lines])],
        size="sm", striped=True, className="mb-2",
    )
    return html.Div([
        html.H3(_("What the policy costs"), className="h6 mt-3"),
        html.P(_("The same recipe fitted once more with every feature, as before the policy, on "
                 "the same development rows, and both scored on the same {n} held-out clients; "
                 "each at its own cost-optimal threshold (10 per missed defaulter plus 1 per "
                 "refused good payer, per client). Differences: with minus without.").format(
            n=format_number(cost.rows)), className="small"),
        scrolling_table(table, _("The model with and without the feature policy")),
    ], id=COST)


def proxy_part(proxy: ProxyCheck | None) -> html.Div:
    if proxy is None:
        return html.Div(id=PROXY)
    return html.Div([
        html.H3(_("Proxy check"), className="h6 mt-3"),
        html.P(_("How well a small model predicts the applicant's gender and age band from "
                 "exactly the model's inputs (cross-validated AUC on {n} clients): 0.5 means the "
                 "inputs say nothing about it, 1 that they reveal it.").format(
            n=format_number(proxy.rows)), className="small mb-1"),
        html.Ul([html.Li(text) for text in proxy.readings], className="mb-2"),
    ], id=PROXY)


def body(view: PolicyView) -> list:
    if not view.recorded:
        return [html.P(_("This model card predates the feature policy (not recorded): train "
                         "again with `python scripts/train.py` to see the policy the model "
                         "follows and what it costs."), id=SUMMARY)]
    parts = [_summary(view), cost_part(view.cost), proxy_part(view.proxy)]
    for status, title in ((FAIRNESS_ONLY, _("Fairness testing only")),
                          (EXCLUDED, _("Excluded")),
                          (JUSTIFIED, _("Used with a written justification"))):
        rules = view.rules_with(status)
        if rules:
            parts += [html.H3(title, className="h6 mt-3"), rules_table(rules, RULES[status],
                                                                       title)]
    return parts


def layout(services: AppServices) -> dbc.Card:
    return dbc.Card(
        [dbc.CardHeader(html.H2(_("Feature policy"), className="h5 mb-0")),
         dbc.CardBody(body(policy_view(services.card)))],
        className="mb-3", id=PANEL,
    )


def register_callbacks(app: Dash, services: AppServices) -> None:
    """Static panel: nothing to wire."""
