"""``python -m credit_dashboard``: serve the dashboard on ``settings.host:settings.port``.

Production uses gunicorn on ``credit_dashboard.app:server`` (see the Procfile); both paths stop with
one readable line (which file, what to run) instead of a traceback when something is missing.
"""

from __future__ import annotations

import logging
import sys

import dash

from credit_dashboard.config import Settings, get_settings

logger = logging.getLogger("credit_dashboard")


def _configure_logging() -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )


#: gunicorn stops (instead of starting new workers forever) when a worker exits with this status.
GUNICORN_BOOT_ERROR = 3


def create_app_or_exit(settings: Settings | None = None, exit_status: int = 2) -> dash.Dash:
    """``create_app``, or exit with ``exit_status`` and the start-up problem in one line."""
    from credit_dashboard.app import create_app
    from credit_dashboard.services import StartupError

    _configure_logging()
    try:
        return create_app(settings)
    except StartupError as exc:
        logger.error("cannot start the dashboard: %s", exc)
        raise SystemExit(exit_status) from None


def main() -> int:
    settings = get_settings()
    app = create_app_or_exit(settings)
    logger.info("serving on http://%s:%d", settings.host, settings.port)
    app.run(host=settings.host, port=settings.port, debug=settings.debug)
    return 0


if __name__ == "__main__":
    sys.exit(main())
