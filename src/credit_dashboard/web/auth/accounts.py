"""Managing accounts and API keys: the one home of the page ``/admin/accounts`` and the commands.

Both the admin page and ``python -m credit_dashboard.web.auth ...`` call these functions, so a rule
holds whichever way a change is made. Every change is one :func:`users.update_users` call (the
file's lock, then one atomic rewrite): every gunicorn worker sees it at its next request, and two
changes at once never lose one another. Each change is logged with who made it, never with a
password or a key.

Guard rails, checked under the lock on the file as it is at that moment (so two admins demoting
each other at the same time cannot leave the product without one):

- a name has 2 to 64 letters, digits, dots, hyphens or underscores and is new (ignoring capitals);
- an admin cannot delete, disable or demote their own account;
- the last enabled admin cannot be deleted, disabled or demoted.

Messages are for the person who asked, in their language (:mod:`credit_dashboard.i18n`).
"""

from __future__ import annotations

import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from werkzeug.security import generate_password_hash

from credit_dashboard.i18n import gettext as _
from credit_dashboard.web.auth.roles import ADMIN, ADVISOR, ROLES
from credit_dashboard.web.auth.users import (
    _api_key_digest,
    now_text,
    read_users,
    update_users,
)

log = logging.getLogger("credit_dashboard.web.auth")

#: Letters (accents allowed), digits, ``.``, ``-``, ``_``; first a letter or a digit. No ``:``, so
#: a name never looks like an API caller (``key:NAME``) or the command line (``command line``).
NAME_RULE = re.compile(r"[^\W_][\w.-]{1,63}")
#: Generated passwords: 16 random bytes, URL-safe (22 characters), easy to copy in one piece.
PASSWORD_BYTES = 16


class AccountError(ValueError):
    """A change refused, with a message (translated) for the person who asked for it."""


@dataclass(frozen=True)
class Account:
    """One account as an admin sees it: never its password hash."""

    name: str
    role: str | None
    created: datetime | None
    disabled: bool


@dataclass(frozen=True)
class ApiKeyInfo:
    """One API key as an admin sees it: never the key, nor its hash."""

    name: str
    role: str | None
    created: datetime | None


# ------------------------------------------------------------------------------------ reading


def _created(entry: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(entry["created"]))
    except (KeyError, ValueError):
        return None  # made before creation dates were stored


def _role(entry: dict[str, Any]) -> str | None:
    role = entry.get("role", ADVISOR)  # entries from before roles were advisors
    return role if role in ROLES else None


def list_accounts(path: Path) -> list[Account]:
    """Every account, by name."""
    users = read_users(path)["users"]
    return [
        Account(name, _role(entry), _created(entry), bool(entry.get("disabled")))
        for name, entry in sorted(users.items(), key=lambda item: item[0].casefold())
        if isinstance(entry, dict)
    ]


def list_api_keys(path: Path) -> list[ApiKeyInfo]:
    """Every API key, by name."""
    keys = read_users(path)["api_keys"]
    return [
        ApiKeyInfo(name, _role(entry), _created(entry))
        for name, entry in sorted(keys.items(), key=lambda item: item[0].casefold())
        if isinstance(entry, dict)
    ]


# ------------------------------------------------------------------------------- guard rails


def check_name(name: object) -> str:
    """The name, tidied (spaces around it dropped, accents composed), or an AccountError."""
    text = unicodedata.normalize("NFC", name.strip()) if isinstance(name, str) else ""
    if not text:
        raise AccountError(_("Enter a name."))
    if not NAME_RULE.fullmatch(text):
        raise AccountError(
            _("“{name}” is not a valid name: use 2 to 64 letters, digits, dots, hyphens or "
              "underscores, starting with a letter or a digit.").format(name=text[:70])
        )
    return text


def check_role(role: object) -> str:
    if role not in ROLES:
        raise AccountError(_("Choose a role: advisor, analyst or admin."))
    return str(role)


def _new_name(section: dict[str, Any], name: object, taken: str) -> str:
    text = check_name(name)
    same = next((n for n in section if n.casefold() == text.casefold()), None)
    if same is not None:
        raise AccountError(taken.format(name=same))
    return text


def _account(users: dict[str, Any], name: str) -> dict[str, Any]:
    entry = users.get(name)
    if not isinstance(entry, dict):
        raise AccountError(_("There is no account named {name}.").format(name=name))
    return entry


def _keep_an_admin(users: dict[str, Any], name: str, actor: str) -> None:
    """Refuse a change that takes admin rights away from ``name`` if it is the actor's own
    account or the last enabled admin."""
    if name == actor:
        raise AccountError(
            _("You cannot delete, disable or demote your own account: ask another admin.")
        )
    admins = {
        n for n, e in users.items()
        if isinstance(e, dict) and _role(e) == ADMIN and not e.get("disabled")
    }
    if admins == {name}:
        raise AccountError(
            _("{name} is the only admin left: make another account admin first.").format(name=name)
        )


# ---------------------------------------------------------------------------------- accounts


def add_user(
    path: Path, name: str, role: str = ADVISOR, *, actor: str = "command line",
    exists_ok: bool = True,
) -> str:
    """Add the account ``name`` with ``role``; returns its new random password (shown once).

    ``exists_ok`` (the command's "add or reset"): an existing account gets a new password and
    this role, keeps its creation date and is enabled again; the page passes False and is told
    that the name is taken.
    """
    role = check_role(role)
    password = secrets.token_urlsafe(PASSWORD_BYTES)
    password_hash = generate_password_hash(password)

    def change(data: dict[str, Any]) -> str:
        users = data["users"]
        old = users.get(name) if exists_ok else None
        if isinstance(old, dict):
            if _role(old) == ADMIN and role != ADMIN:
                _keep_an_admin(users, name, actor)
            created, what = old.get("created"), "reset the password of"
            key = name
        else:
            key = _new_name(users, name, _("An account named {name} already exists."))
            created, what = now_text(), "added"
        users[key] = {"password_hash": password_hash, "role": role, "created": created}
        return f"{what} account {key!r} (role {role})"

    log.info("accounts: %s %s", actor, update_users(path, change))
    return password


def set_role(path: Path, name: str, role: str, *, actor: str) -> bool:
    """Give ``name`` the role ``role``; False when it already had it (nothing written)."""
    role = check_role(role)

    def change(data: dict[str, Any]) -> str | None:
        entry = _account(data["users"], name)
        before = _role(entry)
        if before == role:
            return None
        if before == ADMIN:
            _keep_an_admin(data["users"], name, actor)
        entry["role"] = role
        return f"changed the role of account {name!r} from {before} to {role}"

    return _logged(actor, update_users(path, change))


def set_disabled(path: Path, name: str, disabled: bool, *, actor: str) -> bool:
    """Disable (no sign-in; open sessions end at their next request) or enable ``name``."""

    def change(data: dict[str, Any]) -> str | None:
        entry = _account(data["users"], name)
        if bool(entry.get("disabled")) == disabled:
            return None
        if disabled:
            _keep_an_admin(data["users"], name, actor)
            entry["disabled"] = True
        else:
            entry.pop("disabled", None)
        return f"{'disabled' if disabled else 'enabled'} account {name!r}"

    return _logged(actor, update_users(path, change))


def delete_user(path: Path, name: str, *, actor: str) -> None:
    """Delete the account ``name`` (its open sessions end at their next request)."""

    def change(data: dict[str, Any]) -> str:
        _account(data["users"], name)
        _keep_an_admin(data["users"], name, actor)
        del data["users"][name]
        return f"deleted account {name!r}"

    _logged(actor, update_users(path, change))


# ---------------------------------------------------------------------------------- API keys


def add_api_key(
    path: Path, name: str, role: str = ADVISOR, *, actor: str = "command line",
    exists_ok: bool = True,
) -> str:
    """Create the API key ``name`` with ``role``; returns the key (shown once, stored hashed).

    ``exists_ok`` (the command): an existing key of that name is replaced by the new one.
    """
    role = check_role(role)
    key = "cd_" + secrets.token_urlsafe(32)

    def change(data: dict[str, Any]) -> str:
        keys = data["api_keys"]
        replaced = exists_ok and isinstance(keys.get(name), dict)
        label = name if replaced else _new_name(
            keys, name, _("An API key named {name} already exists.")
        )
        keys[label] = {"sha256": _api_key_digest(key), "role": role, "created": now_text()}
        return f"{'replaced' if replaced else 'created'} API key {label!r} (role {role})"

    log.info("accounts: %s %s", actor, update_users(path, change))
    return key


def revoke_api_key(path: Path, name: str, *, actor: str) -> None:
    """Revoke the API key ``name``: the next call made with it gets 401."""

    def change(data: dict[str, Any]) -> str:
        if data["api_keys"].pop(name, None) is None:
            raise AccountError(_("There is no API key named {name}.").format(name=name))
        return f"revoked API key {name!r}"

    _logged(actor, update_users(path, change))


def remove(path: Path, name: str, *, actor: str = "command line") -> bool:
    """The command's ``remove``: the account and the API key called ``name``; False when there
    was neither. The guard rails hold for the account."""

    def change(data: dict[str, Any]) -> str | None:
        found = []
        if isinstance(data["users"].get(name), dict):
            _keep_an_admin(data["users"], name, actor)
            found.append(f"deleted account {name!r}")
        if data["api_keys"].pop(name, None) is not None:
            found.append(f"revoked API key {name!r}")
        data["users"].pop(name, None)
        return " and ".join(found) or None

    return _logged(actor, update_users(path, change))


def _logged(actor: str, what: str | None) -> bool:
    if what is not None:
        log.info("accounts: %s %s", actor, what)
    return what is not None
