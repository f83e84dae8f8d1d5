"""``python -m credit_dashboard.web.auth``: the account commands of ``cli``."""

from credit_dashboard.web.auth.cli import _main

raise SystemExit(_main())
