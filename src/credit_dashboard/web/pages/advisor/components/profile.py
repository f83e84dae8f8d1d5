"""Profile panel: the applicant's key facts in plain words."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Dash, Input, Output, html, no_update

from credit_dashboard.services.container import AppServices
from credit_dashboard.services.labels import format_value
from credit_dashboard.web.pages.advisor.common import CLIENT_STORE, applicant_row

CARD = "profile-card"

#: The profile card: (label, column), in the order an advisor reads a file.
PROFILE_FIELDS: tuple[tuple[str, str], ...] = (
    ("Age", "DAYS_BIRTH"),
    ("Gender", "CODE_GENDER"),
    ("Family status", "NAME_FAMILY_STATUS"),
    ("Children", "CNT_CHILDREN"),
    ("Education", "NAME_EDUCATION_TYPE"),
    ("Income type", "NAME_INCOME_TYPE"),
    ("Occupation", "OCCUPATION_TYPE"),
    ("Years employed", "DAYS_EMPLOYED"),
    ("Income", "AMT_INCOME_TOTAL"),
    ("Contract type", "NAME_CONTRACT_TYPE"),
    ("Credit amount", "AMT_CREDIT"),
    ("Annuity", "AMT_ANNUITY"),
    ("Goods price", "AMT_GOODS_PRICE"),
    ("Housing", "NAME_HOUSING_TYPE"),
)


def profile_card(row: pd.Series) -> html.Dl:
    """The applicant's key facts in plain words."""
    items: list[html.Dt | html.Dd] = []
    for label, column in PROFILE_FIELDS:
        if column in row.index:
            items.append(html.Dt(label, className="col-5"))
            items.append(html.Dd(format_value(column, row[column]), className="col-7"))
    return html.Dl(items, className="row mb-0 profile")


def layout(services: AppServices) -> dbc.Card:
    return dbc.Card([dbc.CardHeader("Profile"), dbc.CardBody(id=CARD)])


def register_callbacks(app: Dash, services: AppServices) -> None:
    @app.callback(Output(CARD, "children"), Input(CLIENT_STORE, "data"))
    def show_profile(client_text: str | None) -> html.Dl:
        row = applicant_row(services.scoring, client_text)
        return no_update if row is None else profile_card(row.iloc[0])
