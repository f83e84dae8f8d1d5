"""The Dash app factory and the ``server`` gunicorn serves (``credit_dashboard.web.app:server``).

``create_app(settings)`` loads everything once (:func:`credit_dashboard.services.load_services`),
then registers, in this order and explicitly:

1. logins (:mod:`credit_dashboard.web.auth`), first: its ``before_request`` guard runs before
   anything registered after it (API, pages, their Flask routes);
2. the JSON API (:mod:`credit_dashboard.web.api`) on the same scoring service, and the stored
   batches' routes and poller (:mod:`credit_dashboard.web.api_batches`);
3. the pages (:data:`PAGES`): each page module's ``register_callbacks(app, services)`` wires its
   panels' callbacks and routes; the router below picks its ``layout``.

Tests build the app without logins or API with ``create_app(settings, with_auth=False,
with_api=False)``. The order actually registered is kept in ``server.config["CREDIT_PARTS"]``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import ModuleType
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from credit_dashboard.allocator import limit_arenas
from credit_dashboard.config import Settings, get_settings
from credit_dashboard.i18n import N_
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.container import AppServices, StartupError, load_services
from credit_dashboard.web import api, api_batches, api_decisions, auth, language
from credit_dashboard.web.cache import init_cache
from credit_dashboard.web.language import language_switch
from credit_dashboard.web.pages.admin import page as admin_page
from credit_dashboard.web.pages.advisor import page as advisor_page
from credit_dashboard.web.pages.advisor.components.search import client_from_query
from credit_dashboard.web.pages.analyst import page as analyst_page
from credit_dashboard.web.pages.model import page as model_page

logger = logging.getLogger(__name__)

#: Served from the repository (the app runs from a checkout, as the Procfile and README do).
ASSETS_DIR = Path(__file__).resolve().parents[3] / "assets"
BOOTSTRAP_CSS = "vendor/bootstrap.min.css"
TITLE = "Prêt à dépenser · credit scoring"

#: The navigation: (address, name), in order (names translated where drawn).
PAGES: tuple[tuple[str, str], ...] = (
    ("/", N_("Advisor")),
    ("/analyst", N_("Analyst")),
    ("/model", N_("Model")),
    (admin_page.PATH, N_("Accounts")),
)
#: Each page's module (``layout`` + ``register_callbacks``). Adding a page: a package under
#: ``pages/`` and one line here and in :data:`PAGES`.
PAGE_MODULES: dict[str, ModuleType] = {
    "/": advisor_page,
    "/analyst": analyst_page,
    "/model": model_page,
    admin_page.PATH: admin_page,
}


def _visible_pages() -> list[tuple[str, str]]:
    """The (path, name) of the pages the caller's role may open (all when logins are off)."""
    from flask import current_app, has_request_context

    pages = list(PAGES)
    if not has_request_context() or not current_app.config.get("CREDIT_ROLES_ENFORCED"):
        return pages
    from credit_dashboard.web.auth import current_role
    from credit_dashboard.web.auth.roles import visible_pages

    return visible_pages(pages, current_role())


def _navbar() -> dbc.Navbar:
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(_("Prêt à dépenser · credit scoring"), href="/"),
                dbc.Nav(
                    [dbc.NavItem(dbc.NavLink(_(name), href=path, active="exact"))
                     for path, name in _visible_pages()],
                    navbar=True,
                ),
                language_switch(),
            ],
            fluid="xl",
        ),
        color="dark",
        dark=True,
        className="mb-3",
    )


def _not_found(pathname: str) -> html.Div:
    return dbc.Alert(
        [_("There is no page at {path}. ").format(path=pathname),
         html.A(_("Go to the advisor page"), href="/"), "."],
        color="warning",
    )


def render_page(services: AppServices, pathname: str | None, search: str | None) -> Any:
    """The layout for an address (the router's whole job)."""
    path = (pathname or "/").rstrip("/") or "/"
    if path == "/":
        return advisor_page.layout(services, client_from_query(search))
    if path in PAGE_MODULES:
        return PAGE_MODULES[path].layout(services)
    return _not_found(path)


def create_app(
    settings: Settings | None = None, *, with_auth: bool = True, with_api: bool = True
) -> dash.Dash:
    """Build the app: load model and tables once, then logins, API and pages, in that order.

    ``with_auth=False`` / ``with_api=False`` leave logins / the API out (tests of the pages).

    Raises :class:`credit_dashboard.services.StartupError` (message: the file and what to run) when
    an artifact or a table is missing or does not match.
    """
    settings = settings or get_settings()
    # Before load_services starts its background threads: each would get an arena of its own.
    limit_arenas(settings.malloc_arenas)
    app = dash.Dash(
        __name__,
        title=TITLE,
        update_title=None,
        assets_folder=str(ASSETS_DIR),
        # Bootstrap is linked explicitly (first, so app.css can refine it), not auto-loaded.
        assets_path_ignore=["vendor"],
        external_stylesheets=[f"/assets/{BOOTSTRAP_CSS}"],
        serve_locally=True,
        suppress_callback_exceptions=True,
    )
    language.register(app)
    cache = init_cache(app.server, settings)
    services = load_services(settings, cache=cache)
    app.server.config["CREDIT_SERVICES"] = services

    def shell() -> html.Div:
        # A function, so the navigation is drawn per request for the caller's role.
        return html.Div(
            [
                dcc.Location(id="url", refresh="callback-nav"),
                _navbar(),
                dbc.Container(html.Main(id="page-content"), fluid="xl", className="pb-5"),
            ]
        )

    app.layout = shell

    @app.callback(
        Output("page-content", "children"), Input("url", "pathname"), State("url", "search")
    )
    def route(pathname: str | None, search: str | None) -> Any:
        return render_page(services, pathname, search)

    parts: list[str] = []
    if with_auth:  # first: its before_request guard covers everything registered below
        auth.register(app, services)
        parts.append("auth")
    if with_api:
        api.register(app, services)
        api_batches.register(app, services)  # stored batches: poller, /api/batches, reports
        api_decisions.register(app, services)  # decisions and reviews: /api/decisions...
        parts.append("api")
    for path, module in PAGE_MODULES.items():
        module.register_callbacks(app, services)
        parts.append(f"page {path}")
    app.server.config["CREDIT_PARTS"] = tuple(parts)
    _prepare_dash_server(app)
    logger.info("registered: %s", ", ".join(parts))
    return app


def _prepare_dash_server(app: dash.Dash) -> None:
    """Run Dash's first-request set-up now, before the worker serves anyone.

    Dash does it on a worker's first request, and only then learns which component scripts it
    may serve; it marks the set-up as done before doing it. In a threaded gunicorn worker whose
    first requests come together (a browser fetching the page's scripts), one thread sets up while
    another is refused a script (500 "the path requested is not valid"; seen on react-dom after a
    sign-in) and the page stays blank. The request context is the layout's (it is drawn per user).
    """
    with app.server.test_request_context("/"):
        app._setup_server()  # Dash has no public hook for this


#: gunicorn stops (instead of starting new workers forever) when a worker exits with this status.
GUNICORN_BOOT_ERROR = 3


def configure_logging() -> None:
    """One log format for ``python -m credit_dashboard`` and gunicorn workers."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )


def create_app_or_exit(settings: Settings | None = None, exit_status: int = 2) -> dash.Dash:
    """``create_app``, or exit with ``exit_status`` and the start-up problem in one line."""
    configure_logging()
    try:
        return create_app(settings)
    except StartupError as exc:
        logging.getLogger("credit_dashboard").error("cannot start the dashboard: %s", exc)
        raise SystemExit(exit_status) from None


_server = None


def __getattr__(name: str) -> Any:
    """``server`` is built on first use, so importing this module (tests) needs no artifacts."""
    global _server
    if name == "server":
        if _server is None:
            _server = create_app_or_exit(exit_status=GUNICORN_BOOT_ERROR).server
        return _server
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
