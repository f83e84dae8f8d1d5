"""The account commands:
``python -m credit_dashboard.web.auth add-user | add-api-key | remove NAME``.

Passwords and keys are printed once, here, and stored only hashed in the users file.
"""

from __future__ import annotations

import argparse

from credit_dashboard.web.auth.guard import API_KEY_HEADER
from credit_dashboard.web.auth.settings import AuthSettings
from credit_dashboard.web.auth.users import ROLES, add_api_key, add_user, remove


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m credit_dashboard.web.auth",
        description="Manage dashboard accounts in the users file (CREDIT_USERS_FILE).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add-user", help="add a user or reset a password (printed once)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, default="advisor",
                     help="advisor, analyst or admin (default: advisor)")
    key = sub.add_parser("add-api-key", help="create an API key named NAME (printed once)")
    key.add_argument("name")
    key.add_argument("--role", choices=ROLES, default="advisor",
                     help="what the key may call (default: advisor)")
    drop = sub.add_parser("remove", help="remove the user and the API key named NAME")
    drop.add_argument("name")
    args = parser.parse_args(argv)

    path = AuthSettings().users_file
    if args.command == "add-user":
        print(f"password for {args.name} ({args.role}): {add_user(path, args.name, args.role)}")
    elif args.command == "add-api-key":
        key = add_api_key(path, args.name, args.role)
        print(f"API key {args.name} ({args.role}; send it as {API_KEY_HEADER}): {key}")
    elif remove(path, args.name):
        print(f"removed {args.name}")
    else:
        print(f"no user or API key named {args.name}")
        return 1
    print(f"(users file: {path})")
    return 0
