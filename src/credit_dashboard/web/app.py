"""The Dash app factory and the ``server`` gunicorn serves (``credit_dashboard.web.app:server``).

``create_app(settings)`` loads everything once (:func:`credit_dashboard.services.load_services`),
builds the three pages and their callbacks, then lets extensions plug in.

Extension hook
--------------
An extension is a module with ``register(app: dash.Dash, services: AppServices) -> None``. It may:

- add Flask routes or blueprints on ``app.server`` (JSON API, log-in pages, ``before_request``
hooks); - add advisor-page panels: ``services.advisor_panels.append(make_panel)`` where
``make_panel()``
  returns a component, plus the panel's own callbacks (``app.callback``) reading the selected client
  from ``Input(CLIENT_STORE, "data")`` (:data:`CLIENT_STORE`:
  the client id as text, or None);
- score through ``services.scoring`` (:class:`~credit_dashboard.services.scoring.ScoringService`)
  and share
  objects with other extensions through ``services.extras``.

The modules in :data:`EXTENSIONS` are registered in that order when they exist (a module not written
yet is skipped; an extension that fails to import or register stops the start-up). Tests and
deployments can pass their own list: ``create_app(settings, extensions=[...])`` with modules, module
names or plain ``register`` callables.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from credit_dashboard.config import Settings, get_settings
from credit_dashboard.services.container import AppServices, StartupError, load_services
from credit_dashboard.web import language
from credit_dashboard.web.cache import init_cache
from credit_dashboard.web.pages.advisor import callbacks as advisor_callbacks
from credit_dashboard.web.pages.advisor import layout as advisor_layout
from credit_dashboard.web.pages.advisor import notice as advisor_notice
from credit_dashboard.web.pages.analyst import batch_panels as analyst_batch_panels
from credit_dashboard.web.pages.analyst import layout as analyst_layout
from credit_dashboard.web.pages.analyst.routes import register_routes as register_analyst_routes
from credit_dashboard.web.pages.model import layout as model_layout

logger = logging.getLogger(__name__)

Register = Callable[[dash.Dash, AppServices], None]

#: Extensions registered by default, in this order (skipped while the module does not exist).
EXTENSIONS: tuple[str, ...] = (
    "credit_dashboard.web.auth",  # logins before everything (before_request), headers, access log
    "credit_dashboard.web.api",  # JSON API on the same ScoringService
    "credit_dashboard.web.api_batches",  # stored batches: poller, /api/batches, batch reports
    "credit_dashboard.web.pages.advisor_tools",  # what-if, similar clients, decision log panels
)

#: Served from the repository (the app runs from a checkout, as the Procfile and README do).
ASSETS_DIR = Path(__file__).resolve().parents[3] / "assets"
BOOTSTRAP_CSS = "vendor/bootstrap.min.css"
TITLE = "Prêt à dépenser · credit scoring"

PAGES: tuple[tuple[str, str], ...] = (
    ("/", "Advisor"),
    ("/analyst", "Analyst"),
    ("/model", "Model"),
)


def _visible_pages() -> list[tuple[str, str]]:
    """The pages the caller's role may open (every page when logins are not installed)."""
    from flask import current_app, has_request_context

    if not has_request_context() or not current_app.config.get("CREDIT_ROLES_ENFORCED"):
        return list(PAGES)
    from credit_dashboard.web.auth import current_role
    from credit_dashboard.web.auth.roles import visible_pages

    return visible_pages(PAGES, current_role())


def _navbar() -> dbc.Navbar:
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Prêt à dépenser · credit scoring", href="/"),
                dbc.Nav(
                    [dbc.NavItem(dbc.NavLink(name, href=path, active="exact"))
                     for path, name in _visible_pages()],
                    navbar=True,
                ),
            ],
            fluid="xl",
        ),
        color="dark",
        dark=True,
        className="mb-3",
    )


def _not_found(pathname: str) -> html.Div:
    return dbc.Alert(
        [f"There is no page at {pathname}. ", html.A("Go to the advisor page", href="/"), "."],
        color="warning",
    )


def render_page(services: AppServices, pathname: str | None, search: str | None) -> Any:
    """The layout for an address (the router's whole job)."""
    path = (pathname or "/").rstrip("/") or "/"
    if path == "/":
        return advisor_layout.layout(services, advisor_callbacks.client_from_query(search))
    if path == "/analyst":
        return analyst_layout.layout(services)
    if path == "/model":
        return model_layout.layout(services)
    return _not_found(path)


def _resolve_extension(extension: str | ModuleType | Register) -> Register | None:
    if callable(extension) and not isinstance(extension, ModuleType):
        return extension
    if isinstance(extension, str):
        try:
            module = importlib.import_module(extension)
        except ModuleNotFoundError as exc:
            if exc.name == extension:
                logger.debug("extension %s not present: skipped", extension)
                return None
            raise
    else:
        module = extension
    register = getattr(module, "register", None)
    if register is None:
        logger.debug("module %s has no register(app, services): skipped", module.__name__)
    return register


def register_extensions(
    app: dash.Dash, services: AppServices, extensions: Iterable[str | ModuleType | Register]
) -> list[str]:
    """Call each extension's ``register(app, services)``; returns the names registered."""
    registered = []
    for extension in extensions:
        register = _resolve_extension(extension)
        if register is None:
            continue
        register(app, services)
        name = getattr(register, "__module__", None) or repr(register)
        registered.append(name)
        logger.info("extension registered: %s", name)
    return registered


def create_app(
    settings: Settings | None = None,
    extensions: Iterable[str | ModuleType | Register] | None = None,
) -> dash.Dash:
    """Build the app: load model and tables once, pages, callbacks, then extensions.

    Raises :class:`credit_dashboard.services.StartupError` (message: the file and what to run) when
    an artifact or a table is missing or does not match.
    """
    settings = settings or get_settings()
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

    advisor_callbacks.register_callbacks(app, services)
    register_analyst_routes(app, services)
    advisor_notice.register_routes(app, services)  # the printable refusal notice
    analyst_batch_panels.register_callbacks(app, services)
    register_extensions(app, services, EXTENSIONS if extensions is None else extensions)
    return app


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
