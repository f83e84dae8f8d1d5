"""``python -m credit_dashboard``: serve the dashboard on ``settings.host:settings.port``.

Production uses gunicorn on ``credit_dashboard.web.app:server`` (see the Procfile); both paths stop
with one readable line (which file, what to run) instead of a traceback when something is missing.
"""

from __future__ import annotations

import logging
import sys

from credit_dashboard.config import get_settings
from credit_dashboard.web.app import create_app_or_exit

logger = logging.getLogger("credit_dashboard")


def main() -> int:
    settings = get_settings()
    app = create_app_or_exit(settings)
    logger.info("serving on http://%s:%d", settings.host, settings.port)
    app.run(host=settings.host, port=settings.port, debug=settings.debug)
    return 0


if __name__ == "__main__":
    sys.exit(main())
