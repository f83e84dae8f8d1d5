"""The users file: its format, private creation, the first-run account, hashing, API keys.

Users, hashed passwords and hashed API keys live in a JSON file outside the repository, written
0600 in a 0700 directory, all at once, so a reader never sees half a file and another account on
the machine never sees the hashes. ``UserStore`` re-reads it when it changes, so accounts are
managed (:mod:`accounts`: the page ``/admin/accounts`` and the command line) without restarting
the server; every change goes through :func:`update_users` (a lock, then one atomic rewrite).
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import hmac
import json
import logging
import os
import secrets
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from werkzeug.security import check_password_hash, generate_password_hash

from credit_dashboard.web.auth.roles import ADMIN, ADVISOR, ROLES
from credit_dashboard.web.auth.settings import AuthSettings

# The one logger name of all the logins, as before the split (why: see guard.py).
log = logging.getLogger("credit_dashboard.web.auth")
T = TypeVar("T")

#: The first-run account: whoever installs the app gets every right, and adds advisors and
#: analysts with ``python -m credit_dashboard.web.auth add-user NAME --role ROLE``.
DEFAULT_USER = "admin"
DEFAULT_USER_ROLE = ADMIN
#: Accounts and keys written before roles existed were all advisors.
LEGACY_ROLE = ADVISOR


@functools.cache
def _dummy_hash() -> str:
    """Checked for unknown user names too, so a wrong name costs as long as a wrong password."""
    return generate_password_hash(secrets.token_urlsafe(16))


# ------------------------------------------------------------------------------------ users file


def _write_private(path: Path, text: str, *, replace: bool) -> bool:
    """Write ``text`` to ``path`` with mode 0600, all at once.

    ``replace=False`` creates the file only if it does not exist yet (False when another process
    got there first): gunicorn workers start together and must not each mint a password.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mkstemp: mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(tmp, path)
            return True
        try:
            os.link(tmp, path)  # atomic create-if-absent, with the full content
        except FileExistsError:
            return False
        return True
    finally:
        Path(tmp).unlink(missing_ok=True)


def _read_users(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuntimeError(f"users file {path} cannot be read as JSON: {exc}") from exc
    if not isinstance(data, dict) or not all(
        isinstance(data.get(section, {}), dict) for section in ("users", "api_keys")
    ):
        raise RuntimeError(
            f"users file {path} must be an object with 'users' and 'api_keys' objects"
        )
    data.setdefault("users", {})
    data.setdefault("api_keys", {})
    return data


def ensure_users_file(path: Path) -> str | None:
    """Create the users file with the ``advisor`` account when missing.

    Returns the new random password (the caller shows it once), or None if the file existed.
    """
    if path.exists():
        return None
    password = secrets.token_urlsafe(12)
    account = {"password_hash": generate_password_hash(password), "role": DEFAULT_USER_ROLE,
               "created": now_text()}
    users = {"users": {DEFAULT_USER: account}, "api_keys": {}}
    created = _write_private(path, json.dumps(users, indent=2) + "\n", replace=False)
    return password if created else None


def now_text() -> str:
    """The moment of a change as stored in the users file: ISO 8601, UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def load_or_create_secret_key(settings: AuthSettings) -> str:
    """The session signing key: from the environment, or generated once beside the users file."""
    if settings.secret_key:
        return settings.secret_key
    key_path = settings.users_file.parent / "secret_key"
    _write_private(key_path, secrets.token_hex(32), replace=False)
    return key_path.read_text(encoding="utf-8").strip()


def _api_key_digest(key: str) -> str:
    # API keys are 256-bit random tokens, so a fast hash is enough (unlike passwords) and keeps
    # every API call cheap.
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _role_of(entry: dict[str, Any]) -> str | None:
    """The entry's role; None (no rights at all) for a role written by hand that does not exist."""
    role = entry.get("role", LEGACY_ROLE)
    if role not in ROLES:
        log.error("users file: unknown role %r: that account gets no access", role)
        return None
    return str(role)


@dataclass(frozen=True)
class User:
    name: str
    role: str | None
    #: Changes when the password hash changes, which signs out that user's open sessions.
    stamp: str


@dataclass(frozen=True)
class ApiKey:
    name: str
    role: str | None


class UserStore:
    """The users file, re-read when it changes so accounts are managed without a restart."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._signature: tuple[int, int, int] | None = None
        self._data: dict[str, Any] = {"users": {}, "api_keys": {}}
        self._refresh(strict=True)
        if path.stat().st_mode & 0o077:
            log.warning("users file %s is readable by other accounts: chmod 600 it", path)

    def _refresh(self, strict: bool = False) -> None:
        try:
            info = self.path.stat()
        except OSError as exc:
            if strict:
                raise RuntimeError(f"users file {self.path} is missing: {exc}") from exc
            self._data = {"users": {}, "api_keys": {}}  # fail closed: nobody gets in
            return
        # The inode changes on every atomic rewrite, even within the clock's resolution.
        signature = (info.st_mtime_ns, info.st_ino, info.st_size)
        if signature == self._signature:
            return
        with self._lock:
            try:
                self._data = _read_users(self.path)
            except RuntimeError:
                if strict:
                    raise
                log.exception("users file changed and is unreadable: refusing all logins")
                self._data = {"users": {}, "api_keys": {}}
            self._signature = signature

    def user(self, name: str) -> User | None:
        self._refresh()
        entry = self._data["users"].get(name)
        if not isinstance(entry, dict) or not isinstance(entry.get("password_hash"), str):
            return None
        if entry.get("disabled"):  # disabled by an admin: no sign-in, open sessions end
            return None
        stamp = hashlib.sha256(entry["password_hash"].encode("utf-8")).hexdigest()[:16]
        return User(name, _role_of(entry), stamp)

    def check_password(self, name: str, password: str) -> User | None:
        """The user when the password matches; the same work is done for unknown names."""
        self._refresh()
        entry = self._data["users"].get(name)
        stored = entry.get("password_hash") if isinstance(entry, dict) else None
        stored = stored if isinstance(stored, str) else None
        try:
            ok = check_password_hash(stored or _dummy_hash(), password)
        except ValueError:  # a hash written by hand in an unknown format
            log.error("users file %s: the password hash of one account is malformed", self.path)
            ok = False
        return self.user(name) if ok and stored else None

    def api_key(self, key: str) -> ApiKey | None:
        """The API key's name and role; every stored key is compared, in constant time."""
        self._refresh()
        digest = _api_key_digest(key)
        found = None
        for name, entry in self._data["api_keys"].items():
            stored = entry.get("sha256", "") if isinstance(entry, dict) else ""
            if hmac.compare_digest(digest, str(stored)):
                found = ApiKey(name, _role_of(entry))
        return found

    def user_for_api_key(self, key: str) -> str | None:
        """The name an API key belongs to."""
        found = self.api_key(key)
        return found.name if found else None


# --------------------------------------------------------------------- changing the users file


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold the users file's lock (``.users.json.lock`` beside it) for one read-change-write.

    Why: the file is rewritten whole, so two changes at once (two admins on two gunicorn workers,
    or the page and the command line) would otherwise each start from the same old file and the
    second write would silently drop the first change. ``flock`` is released by the kernel when a
    process dies, so a crash mid-change never leaves the file locked.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path.parent / f".{path.name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def update_users(path: Path, change: Callable[[dict[str, Any]], T]) -> T:
    """Apply ``change`` to the users file's data under its lock and write it back atomically.

    ``change`` edits the data in place and returns what the caller wants back; if it raises,
    nothing is written. Every worker's :class:`UserStore` sees the new file at its next request.
    """
    with _locked(path):
        data = _read_users(path) if path.exists() else {"users": {}, "api_keys": {}}
        result = change(data)
        _write_private(path, json.dumps(data, indent=2) + "\n", replace=True)
    return result


def read_users(path: Path) -> dict[str, Any]:
    """The users file's data as it is now (empty sections when there is no file yet)."""
    return _read_users(path) if path.exists() else {"users": {}, "api_keys": {}}
