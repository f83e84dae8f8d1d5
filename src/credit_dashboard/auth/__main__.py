"""``python -m credit_dashboard.auth``: the account commands of ``cli``."""

from credit_dashboard.auth.cli import _main

raise SystemExit(_main())
