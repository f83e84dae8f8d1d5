"""What every advisor panel shares: the page's one client store and how to read it.

A panel's callbacks take ``Input(CLIENT_STORE, "data")`` (the client id as text, or None) and turn
it into a scored client or an applicant row with the helpers below; an unknown id gives None (the
page shows the message once, in :mod:`credit_dashboard.web.pages.advisor.page`).
"""

from __future__ import annotations

import pandas as pd
from dash import dcc

from credit_dashboard.services.scoring import ClientResult, ScoringService, UnknownClientError

#: The selected client id (text) or None: every panel's callbacks use it as an Input.
CLIENT_STORE = "advisor-client-id"

#: Advisors read the charts; zoom and export tools would only cover the titles.
GRAPH_CONFIG = {"displayModeBar": False, "responsive": True}


def graph(graph_id: str, height: int) -> dcc.Graph:
    return dcc.Graph(id=graph_id, config=GRAPH_CONFIG, style={"height": f"{height}px"})


def scored(scoring: ScoringService, client_text: str | None) -> ClientResult | None:
    """The client's score (from the cache after the first panel asked), or None."""
    if not client_text:
        return None
    try:
        return scoring.score_client(client_text)
    except UnknownClientError:
        return None


def applicant_row(scoring: ScoringService, client_text: str | None) -> pd.DataFrame | None:
    """The client's application as a one-row table, or None for no/unknown client."""
    if not client_text:
        return None
    try:
        return scoring.applicant_row(client_text)
    except UnknownClientError:
        return None
