"""The account commands: ``python -m credit_dashboard.web.auth COMMAND``.

``add-user``, ``add-api-key``, ``set-role``, ``disable``, ``enable``, ``remove`` and ``list`` call
the same functions as the admin page (:mod:`accounts`), so the guard rails (valid names, never
without an admin) hold here too. Passwords and keys are printed once, here, and stored only hashed
in the users file. The output is English (scripts read the ``API key ...: KEY`` line); refusals
follow ``CREDIT_LANGUAGE`` when it is set.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from credit_dashboard import i18n
from credit_dashboard.web.auth import accounts
from credit_dashboard.web.auth.guard import API_KEY_HEADER
from credit_dashboard.web.auth.roles import ROLES
from credit_dashboard.web.auth.settings import AuthSettings


def _actor() -> str:
    """Who is changing accounts, for the log: the command line and the system account."""
    try:
        return f"command line ({getpass.getuser()})"
    except (KeyError, OSError):  # no name for this uid (some containers)
        return "command line"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m credit_dashboard.web.auth",
        description="Manage dashboard accounts in the users file (CREDIT_USERS_FILE); "
                    "admins can do the same on the page /admin/accounts.",
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
    role = sub.add_parser("set-role", help="change the role of the account NAME")
    role.add_argument("name")
    role.add_argument("--role", choices=ROLES, required=True)
    for command, text in (("disable", "stop NAME signing in (ends its sessions)"),
                          ("enable", "let a disabled account sign in again"),
                          ("remove", "remove the user and the API key named NAME")):
        sub.add_parser(command, help=text).add_argument("name")
    sub.add_parser("list", help="list accounts and API keys (never a secret)")
    return parser


def _list(path) -> None:  # type: ignore[no-untyped-def]
    for account in accounts.list_accounts(path):
        created = account.created.isoformat() if account.created else "-"
        state = " (disabled)" if account.disabled else ""
        print(f"user    {account.name}\t{account.role or 'unknown role'}\t{created}{state}")
    for key in accounts.list_api_keys(path):
        created = key.created.isoformat() if key.created else "-"
        print(f"API key {key.name}\t{key.role or 'unknown role'}\t{created}")


def _run(args: argparse.Namespace) -> int:
    path, actor = AuthSettings().users_file, _actor()
    if args.command == "add-user":
        password = accounts.add_user(path, args.name, args.role, actor=actor)
        print(f"password for {args.name} ({args.role}): {password}")
    elif args.command == "add-api-key":
        key = accounts.add_api_key(path, args.name, args.role, actor=actor)
        print(f"API key {args.name} ({args.role}; send it as {API_KEY_HEADER}): {key}")
    elif args.command == "set-role":
        changed = accounts.set_role(path, args.name, args.role, actor=actor)
        print(f"{args.name} is {args.role}" + ("" if changed else " already"))
    elif args.command in ("disable", "enable"):
        accounts.set_disabled(path, args.name, args.command == "disable", actor=actor)
        print(f"{args.name} is {args.command}d")
    elif args.command == "list":
        _list(path)
    elif accounts.remove(path, args.name, actor=actor):
        print(f"removed {args.name}")
    else:
        print(f"no user or API key named {args.name}")
        return 1
    print(f"(users file: {path})")
    return 0


def _main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    with i18n.use_language(os.environ.get("CREDIT_LANGUAGE") or "en"):
        try:
            return _run(args)
        except (accounts.AccountError, RuntimeError) as exc:  # RuntimeError: unreadable file
            print(f"refused: {exc}", file=sys.stderr)
            return 2
