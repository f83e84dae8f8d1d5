"""Profile panel: the applicant's key facts in plain words."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Dash, Input, Output, html, no_update

from credit_dashboard.i18n import N_
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.container import AppServices
from credit_dashboard.services.labels import format_value
from credit_dashboard.web.pages.advisor.common import CLIENT_STORE, applicant_row

CARD = "profile-card"

#: The profile card: (label, column), in the order an advisor reads a file.
PROFILE_FIELDS: tuple[tuple[str, str], ...] = (
    (N_("Age"), "DAYS_BIRTH"),
    (N_("Gender"), "CODE_GENDER"),
    (N_("Family status"), "NAME_FAMILY_STATUS"),
    (N_("Children"), "CNT_CHILDREN"),
    (N_("Education"), "NAME_EDUCATION_TYPE"),
    (N_("Income type"), "NAME_INCOME_TYPE"),
    (N_("Occupation"), "OCCUPATION_TYPE"),
    (N_("Years employed"), "DAYS_EMPLOYED"),
    (N_("Income"), "AMT_INCOME_TOTAL"),
    (N_("Contract type"), "NAME_CONTRACT_TYPE"),
    (N_("Credit amount"), "AMT_CREDIT"),
    (N_("Annuity"), "AMT_ANNUITY"),
    (N_("Goods price"), "AMT_GOODS_PRICE"),
    (N_("Housing"), "NAME_HOUSING_TYPE"),
)


def profile_card(row: pd.Series) -> html.Dl:
    """The applicant's key facts in plain words."""
    items: list[html.Dt | html.Dd] = []
    for label, column in PROFILE_FIELDS:
        if column in row.index:
            items.append(html.Dt(_(label), className="col-5"))
            items.append(html.Dd(format_value(column, row[column]), className="col-7"))
    return html.Dl(items, className="row mb-0 profile")


def layout(services: AppServices) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(_("Profile")), dbc.CardBody(id=CARD)])


def register_callbacks(app: Dash, services: AppServices) -> None:
    @app.callback(Output(CARD, "children"), Input(CLIENT_STORE, "data"))
    def show_profile(client_text: str | None) -> html.Dl:
        row = applicant_row(services.scoring, client_text)
        return no_update if row is None else profile_card(row.iloc[0])
