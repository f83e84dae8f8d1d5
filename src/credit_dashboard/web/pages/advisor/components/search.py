"""Search panel: the client-number box with suggestions, kept in step with the page address.

The flow: the box writes ``?client=…`` into the address and the client store; a change of address
(Back/Forward, a shared link) sets the store and puts its client back into the box. So a shared
link, the Back button and the box always agree, and an unknown or malformed id is handled in one
place (the page's message).
"""

from __future__ import annotations

from urllib.parse import parse_qs, quote

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from credit_dashboard.i18n import format_number, format_percent
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.container import AppServices
from credit_dashboard.web.pages.advisor.common import CLIENT_STORE

#: The page's own view of the address: it exists only with the page, so one callback can read and
#: write ``?client=`` together with the search box (the app-wide ``url`` exists before the page).
ADDRESS = "search-address"
INPUT = "search-input"
SUGGESTIONS = "search-suggestions"
BUTTON = "search-go"

QUERY_KEY = "client"
SUGGESTION_LIMIT = 10


def client_from_query(search: str | None) -> str | None:
    """The ``client`` value of a query string such as ``?client=100001`` (None when absent)."""
    values = parse_qs((search or "").lstrip("?")).get(QUERY_KEY)
    return values[0] if values else None


def query_for(client_text: str) -> str:
    return f"?{QUERY_KEY}={quote(client_text.strip(), safe='')}"


def _model_line(services: AppServices) -> html.Small:
    card = services.card
    created = str(card.get("created_at", ""))[:10] or _("unknown date")
    return html.Small(
        _("Model {version}, trained {date}; refuse at a probability of default of {threshold} or "
          "more.").format(version=services.scoring.model_version, date=created,
                          threshold=format_percent(services.scoring.decision_threshold)),
        className="text-muted d-block mt-1",
    )


def layout(services: AppServices, client_id: str | None) -> list:
    """The address and the search card (``client_id`` comes from the address)."""
    example = services.scoring.search_ids("1", 1)
    hint = _("e.g. {example}").format(example=example[0]) if example else _("digits only")
    card = dbc.Card(
        dbc.CardBody(
            [
                html.Label(_("Client number (SK_ID_CURR)"), htmlFor=INPUT, className="fw-bold"),
                dbc.InputGroup(
                    [
                        dbc.Input(
                            id=INPUT,
                            type="text",
                            inputmode="numeric",
                            list=SUGGESTIONS,
                            value=client_id or "",
                            placeholder=_("Type a client number ({hint})").format(hint=hint),
                            autocomplete="off",
                            debounce=False,
                        ),
                        dbc.Button(_("Show"), id=BUTTON, color="primary", n_clicks=0),
                    ]
                ),
                html.Datalist(id=SUGGESTIONS, children=[]),
                html.Small(
                    _("{n} applicants. Suggestions appear as you type; press Enter or Show. "
                      "Share a client with the page address (/?client=…).").format(
                        n=format_number(services.scoring.n_applicants)),
                    className="text-muted",
                ),
                _model_line(services),
            ]
        ),
        className="mb-3",
    )
    return [dcc.Location(id=ADDRESS, refresh="callback-nav"), card]


def register_callbacks(app: Dash, services: AppServices) -> None:
    scoring = services.scoring

    @app.callback(Output(SUGGESTIONS, "children"), Input(INPUT, "value"))
    def suggest(text: str | None) -> list[html.Option]:
        return [html.Option(value=i) for i in scoring.search_ids(text or "", SUGGESTION_LIMIT)]

    @app.callback(
        Output(ADDRESS, "search"),
        Output(CLIENT_STORE, "data"),
        Output(INPUT, "value"),
        Input(ADDRESS, "search"),
        Input(INPUT, "n_submit"),
        Input(BUTTON, "n_clicks"),
        Input(INPUT, "value"),
        State(CLIENT_STORE, "data"),
        prevent_initial_call=True,
    )
    def sync_search_and_address(
        search: str | None,
        _submits: int | None,
        _clicks: int | None,
        text: str | None,
        shown: str | None,
    ) -> tuple:
        # One callback both ways, because the address and the search box each update the other:
        # Dash refuses a loop spread over two callbacks but allows one callback to list the same
        # property as input and output (its own writes do not call it again). The page's own
        # Location is used, not the app's: every input must exist whenever the address changes.
        if ctx.triggered_id == ADDRESS:
            # The address changed (Back/Forward, a shared link): the box shows its client.
            # The Location also reports the address once when the page mounts: the page already
            # shows that client then, and setting the store again would redraw everything twice.
            client = client_from_query(search)
            if client == shown:
                return no_update, no_update, no_update
            return no_update, client, client or ""
        text = (text or "").strip()
        # Enter and Show always go (an unknown id then gets its message); the last keystroke and
        # Enter can arrive together, so "typing" means the value alone changed.
        submitted = bool({f"{INPUT}.n_submit", f"{BUTTON}.n_clicks"} & set(ctx.triggered_prop_ids))
        # While typing, jump only once the text is exactly a known id (e.g. a picked suggestion).
        if not submitted and not (text.isdigit() and scoring.has_client(int(text))):
            return no_update, no_update, no_update
        # The store is set here too: a callback's own write to the address does not call it again.
        return (query_for(text) if text else ""), (text or None), no_update
