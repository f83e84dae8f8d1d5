"""What the model page's panels share: numbers as the page writes them, which feature policy a
version followed, and why two versions could not be compared, in words."""

from __future__ import annotations

from collections.abc import Sequence

import dash_bootstrap_components as dbc
from dash import html

from credit_dashboard.i18n import format_number
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services import versions_view
from credit_dashboard.services.baseline_view import ModelFigures
from credit_dashboard.services.versions_view import Comparison
from credit_dashboard.web.pages.tables import scrolling_table


def number(value: float | None, digits: int = 4) -> str:
    return "-" if value is None else format_number(value, digits)


def _model_row(model: ModelFigures) -> html.Tr:
    name = [model.name, html.Span(_(" (shipped)"), className="fw-bold")] if model.shipped \
        else model.name
    return html.Tr(
        [html.Th(name, scope="row"), html.Td(number(model.cv_roc_auc)),
         html.Td(number(model.cv_normalised_cost)), html.Td(number(model.holdout_roc_auc)),
         html.Td(number(model.holdout_normalised_cost)), html.Td(number(model.threshold, 3))],
        className="table-active" if model.shipped else None,
    )


def models_table(models: Sequence[ModelFigures], table_id: str, caption: str) -> html.Div:
    """Models side by side: cross-validated and held-out AUC and cost, threshold; the shipped
    one marked (the baseline and the credit-records panels)."""
    headings = [_("Model"), _("Cross-validated AUC"), _("Cross-validated cost per client"),
                _("Held-out AUC"), _("Held-out cost per client"), _("Threshold")]
    table = dbc.Table(
        [html.Thead(html.Tr([html.Th(h, scope="col") for h in headings])),
         html.Tbody([_model_row(m) for m in models])],
        size="sm", striped=True, id=table_id, className="mb-2",
    )
    return scrolling_table(table, caption)


#: Hex digits of a policy's sha256 shown in tables (enough to tell two policies apart).
SHORT_SHA = 12


def policy_text(sha256: str | None) -> str:
    """A version's feature policy as its short sha256, or "not recorded" for older cards."""
    return _("not recorded") if not sha256 else sha256[:SHORT_SHA]


def problem_text(comparison: Comparison) -> str:
    """Why the two versions cannot be compared, in words."""
    return {
        versions_view.ONE_VERSION: _("Only one model version is stored, so there is nothing to "
                                     "compare yet: every run of `python scripts/train.py` adds "
                                     "one."),
        versions_view.SAME_VERSION: _("Choose two different versions to compare them."),
        versions_view.NO_TABLE: _("Version {version} kept no readable held-out predictions "
                                  "(trained before versions stored them), so it cannot be "
                                  "compared on the same clients.").format(
            version=comparison.detail),
        versions_view.NO_COMMON_ROWS: _("These two versions have no held-out client in common "
                                        "({a} and {b} held-out clients, none shared), so they "
                                        "cannot be compared on the same rows.").format(
            a=format_number(comparison.first_rows), b=format_number(comparison.second_rows)),
        versions_view.LABELS_DIFFER: _("The two versions' held-out clients share ids but not "
                                       "outcomes: they were trained on different data and "
                                       "cannot be compared."),
        versions_view.ONE_CLASS: _("The common held-out clients all have the same outcome: an "
                                   "AUC cannot be measured on them."),
    }.get(comparison.problem or "", _("These versions cannot be compared."))
