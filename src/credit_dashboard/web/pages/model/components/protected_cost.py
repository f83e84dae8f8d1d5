"""Cost of excluding protected attributes: a version trained with CODE_GENDER against one trained
without it (``train.py --exclude-protected``), on their common held-out clients; or how to train
the missing one."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, html

from credit_dashboard.i18n import format_number
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.container import AppServices
from credit_dashboard.services.protected_view import (
    TRAIN_EXCLUDED_COMMAND,
    TRAIN_INCLUDED_COMMAND,
    ProtectedCost,
    protected_cost,
)
from credit_dashboard.web.pages.model.common import number, problem_text
from credit_dashboard.web.pages.tables import scrolling_table

TABLE = "model-protected-table"


def _signed(value: float) -> str:
    return ("+" if value > 0 else "") + format_number(value, 4)


def body(cost: ProtectedCost) -> list:
    if cost.comparison is None:
        command = TRAIN_EXCLUDED_COMMAND if cost.missing == "excluded" else TRAIN_INCLUDED_COMMAND
        missing = (_("No stored version was trained without CODE_GENDER.")
                   if cost.missing == "excluded" else
                   _("No stored version was trained with CODE_GENDER."))
        return [html.P(missing),
                html.P([_("Train it with "), html.Code(command),
                        _(" (add --no-activate to keep serving the current version); this panel "
                          "then shows what excluding the attribute costs.")])]
    comparison = cost.comparison
    if comparison.problem is not None:
        return [dbc.Alert(problem_text(comparison), color="info", className="mb-0")]
    with_it, without = comparison.figures
    headings = [_("Measure"), _("With CODE_GENDER"), _("Without CODE_GENDER"), _("Change")]
    lines = [(_("ROC AUC"), with_it.roc_auc, without.roc_auc, cost.auc_change),
             (_("Business cost per client"), with_it.normalised_cost, without.normalised_cost,
              cost.cost_change)]
    table = dbc.Table(
        [html.Thead(html.Tr([html.Th(h, scope="col") for h in headings])),
         html.Tbody([html.Tr([html.Th(name, scope="row"), html.Td(number(a)), html.Td(number(b)),
                              html.Td(_signed(change))]) for name, a, b, change in lines])],
        size="sm", striped=True, id=TABLE, className="mb-2",
    )
    verdict = (_("Excluding CODE_GENDER costs {cost} per client and changes the AUC by {auc}.")
               if cost.cost_change > 0 else
               _("Excluding CODE_GENDER costs nothing here: the business cost per client changes "
                 "by {cost} and the AUC by {auc}.")).format(cost=_signed(cost.cost_change),
                                                            auc=_signed(cost.auc_change))
    return [
        html.P(_("Version {included} (with) against {excluded} (without), on the {n} held-out "
                 "clients both kept.").format(included=cost.included, excluded=cost.excluded,
                                             n=format_number(comparison.common_rows)),
               className="small"),
        scrolling_table(table, _("What excluding CODE_GENDER costs")),
        html.P(verdict, className="fw-semibold mb-0"),
    ]


def layout(services: AppServices) -> dbc.Card:
    return dbc.Card(
        [dbc.CardHeader(html.H2(_("What excluding protected attributes costs"),
                                className="h5 mb-0")),
         dbc.CardBody(body(protected_cost(services.settings.artifacts_dir)))],
        className="mb-3",
    )


def register_callbacks(app: Dash, services: AppServices) -> None:
    """Static panel: nothing to wire."""
