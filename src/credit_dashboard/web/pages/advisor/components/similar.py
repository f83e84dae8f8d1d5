"""Similar-clients panel: the past clients closest to this one and how they actually did.

The index (:mod:`credit_dashboard.services.neighbours`) is built in the background at start-up;
only a query made in its first seconds waits for it. The probability beside each past client is
the out-of-fold one of the served version's training run (``services.out_of_fold``), never the
final model's in-sample score; the panel says so, and says why there is none for a version that
did not keep them.
"""

from __future__ import annotations

import math

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, html

from credit_dashboard.i18n import format_number, format_percent
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.container import AppServices
from credit_dashboard.services.labels import format_value
from credit_dashboard.services.neighbours import SimilarClients
from credit_dashboard.storage.schema import is_missing
from credit_dashboard.web.pages.advisor.common import CLIENT_STORE, applicant_row
from credit_dashboard.web.pages.tables import scrolling_table

TABLE = "similar-clients"
SUMMARY = "similar-summary"
NOTE = "similar-probability-note"

N_NEIGHBOURS = 10
#: How long a similar-clients query waits for the index still being built at start-up.
INDEX_WAIT_S = 120.0


def probability_note(answer: SimilarClients, served_version: str) -> str:
    """Where the probabilities come from, in words (or why there are none)."""
    if answer.scores_version is None:
        return _("Model version {version} kept no out-of-fold probabilities, so none is shown: "
                 "its scores of the clients it was trained on would look better than they "
                 "are.").format(version=served_version)
    note = _("Probabilities are out-of-fold scores from the training run of model version "
             "{version}: each past client was scored by a model that had not seen them.").format(
        version=answer.scores_version)
    if answer.neighbours["default_probability"].isna().any():
        note += " " + _("– : a client that training run did not score.")
    return note


def neighbours_view(answer: SimilarClients, served_version: str = "") -> html.Div:
    table = answer.neighbours
    defaults = answer.n_defaults
    summary = _("{defaults} of these {k} similar past clients defaulted ({rate}), against "
                "{population} of all past clients.").format(
        defaults=defaults, k=answer.k, rate=format_percent(answer.default_rate, 0),
        population=format_percent(answer.population_default_rate))
    defaulted, repaid, not_employed = _("✖ defaulted"), _("✔ repaid"), _("not employed")
    columns = (
        (_("Client"), lambda r: str(r.SK_ID_CURR)),
        (_("Outcome"), lambda r: defaulted if r.TARGET == 1 else repaid),
        (_("Out-of-fold probability"), lambda r: "–" if math.isnan(r.default_probability)
         else format_percent(r.default_probability)),
        (_("Age"), lambda r: format_number(r.AGE_YEARS)),
        (_("Years employed"), lambda r: not_employed if is_missing(r.YEARS_EMPLOYED)
         else format_number(r.YEARS_EMPLOYED, 1)),
        (_("Income"), lambda r: format_value("AMT_INCOME_TOTAL", r.AMT_INCOME_TOTAL)),
        (_("Credit"), lambda r: format_value("AMT_CREDIT", r.AMT_CREDIT)),
        (_("Annuity"), lambda r: format_value("AMT_ANNUITY", r.AMT_ANNUITY)),
        (_("Contract"), lambda r: format_value("NAME_CONTRACT_TYPE", r.NAME_CONTRACT_TYPE)),
        (_("Family status"),
         lambda r: format_value("NAME_FAMILY_STATUS", r.NAME_FAMILY_STATUS)),
        (_("External score 3"), lambda r: format_value("EXT_SOURCE_3", r.EXT_SOURCE_3)),
    )
    head = html.Thead(html.Tr([html.Th(name) for name, _cell in columns]))
    body = html.Tbody(
        [html.Tr([html.Td(cell(r)) for _name, cell in columns]) for r in table.itertuples()]
    )
    return html.Div(
        [
            html.P(summary, className="fw-bold", id=SUMMARY),
            scrolling_table(dbc.Table([head, body], size="sm", striped=True, className="mb-0"),
                            _("Similar past clients")),
            html.P(probability_note(answer, served_version), className="text-muted small mt-2",
                   id=NOTE),
        ]
    )


def layout(services: AppServices) -> dbc.Card:
    return dbc.Card(
        [
            dbc.CardHeader(_("How did similar past clients do? ({n} most similar)").format(
                n=N_NEIGHBOURS)),
            dbc.CardBody(
                [
                    html.P(
                        _("Similar on external scores, age, years employed, income, credit, "
                          "annuity and goods price (each standardised over all past clients)."),
                        className="text-muted small",
                    ),
                    html.Div(id=TABLE),
                ]
            ),
        ],
        className="mb-3",
    )


def register_callbacks(app: Dash, services: AppServices) -> None:
    @app.callback(Output(TABLE, "children"), Input(CLIENT_STORE, "data"))
    def show_neighbours(client_text):  # type: ignore[no-untyped-def]
        row = applicant_row(services.scoring, client_text)
        if row is None:
            return None
        try:
            index = services.neighbour_index.get(timeout=INDEX_WAIT_S)
        except (TimeoutError, RuntimeError) as exc:
            return dbc.Alert(_("Similar clients are not available: {problem}.").format(
                problem=exc), color="warning")
        served = services.scoring.served  # one version for the scores and the note
        answer = index.query(row, k=N_NEIGHBOURS, scores=served.out_of_fold)
        return neighbours_view(answer, served.version)
