"""Managing accounts (web/auth/accounts.py on the users file of web/auth/users.py): the changes,
the guard rails, the log, the lock, and the command line calling the same functions."""

from __future__ import annotations

import json
import logging
import multiprocessing
from pathlib import Path

import pytest
from security.conftest import PASSWORD, write_users

from credit_dashboard.web.auth import accounts
from credit_dashboard.web.auth.cli import _main
from credit_dashboard.web.auth.users import UserStore, update_users

ADMIN = "boss"


@pytest.fixture()
def users(tmp_path: Path) -> Path:
    """One admin (``boss``), one advisor, one analyst."""
    path = tmp_path / "config" / "users.json"
    write_users(path, {ADMIN: PASSWORD, "advisor": PASSWORD, "analyst": PASSWORD},
                roles={ADMIN: "admin"})
    return path


def _data(path: Path) -> dict:
    return json.loads(path.read_text())


def test_an_added_account_signs_in_with_its_password_shown_once(users: Path) -> None:
    password = accounts.add_user(users, "marie.dupont", "analyst", actor=ADMIN, exists_ok=False)
    assert password not in users.read_text()  # stored hashed only
    store = UserStore(users)
    signed_in = store.check_password("marie.dupont", password)
    assert signed_in is not None and signed_in.role == "analyst"
    listed = {a.name: a for a in accounts.list_accounts(users)}
    assert listed["marie.dupont"].role == "analyst" and listed["marie.dupont"].created is not None
    assert listed["advisor"].created is None  # written before creation dates: shown as such
    assert users.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("name", ["", "   ", "x", "a b", "key:robot", "-lead", "é" * 65, None])
def test_nonsense_names_are_refused_with_one_clear_message(users: Path, name) -> None:
    before = users.read_text()
    with pytest.raises(accounts.AccountError, match="name"):
        accounts.add_user(users, name, "advisor", actor=ADMIN, exists_ok=False)
    assert users.read_text() == before


def test_names_are_tidied_and_accents_allowed(users: Path) -> None:
    accounts.add_user(users, "  élodie.martin ", "advisor", actor=ADMIN, exists_ok=False)
    assert "élodie.martin" in _data(users)["users"]


def test_a_taken_name_is_refused_even_in_other_capitals(users: Path) -> None:
    for name in ("advisor", "Advisor"):
        with pytest.raises(accounts.AccountError, match="already exists"):
            accounts.add_user(users, name, "analyst", actor=ADMIN, exists_ok=False)
    assert _data(users)["users"]["advisor"]["role"] == "advisor"
    accounts.add_api_key(users, "robot", "analyst", actor=ADMIN, exists_ok=False)
    with pytest.raises(accounts.AccountError, match="API key named robot already exists"):
        accounts.add_api_key(users, "ROBOT", "analyst", actor=ADMIN, exists_ok=False)


def test_an_unknown_role_is_refused(users: Path) -> None:
    with pytest.raises(accounts.AccountError, match="role"):
        accounts.add_user(users, "newcomer", "superuser", actor=ADMIN)
    with pytest.raises(accounts.AccountError, match="role"):
        accounts.set_role(users, "advisor", "root", actor=ADMIN)


def test_role_changes_disabling_and_deleting(users: Path) -> None:
    store = UserStore(users)
    assert accounts.set_role(users, "advisor", "analyst", actor=ADMIN) is True
    assert accounts.set_role(users, "advisor", "analyst", actor=ADMIN) is False  # already
    assert store.user("advisor").role == "analyst"
    accounts.set_disabled(users, "advisor", True, actor=ADMIN)
    # A disabled account cannot sign in and its open sessions end (no user behind them).
    assert store.user("advisor") is None and store.check_password("advisor", PASSWORD) is None
    assert [a.disabled for a in accounts.list_accounts(users) if a.name == "advisor"] == [True]
    accounts.set_disabled(users, "advisor", False, actor=ADMIN)
    assert store.check_password("advisor", PASSWORD) is not None
    accounts.delete_user(users, "advisor", actor=ADMIN)
    assert store.user("advisor") is None and "advisor" not in _data(users)["users"]
    with pytest.raises(accounts.AccountError, match="no account named advisor"):
        accounts.delete_user(users, "advisor", actor=ADMIN)


@pytest.mark.parametrize("change", ["demote", "disable", "delete"])
def test_an_admin_cannot_demote_disable_or_delete_themselves(users: Path, change) -> None:
    accounts.add_user(users, "second", "admin", actor=ADMIN, exists_ok=False)  # not the last
    before = users.read_text()
    with pytest.raises(accounts.AccountError, match="your own account"):
        {"demote": lambda: accounts.set_role(users, ADMIN, "advisor", actor=ADMIN),
         "disable": lambda: accounts.set_disabled(users, ADMIN, True, actor=ADMIN),
         "delete": lambda: accounts.delete_user(users, ADMIN, actor=ADMIN)}[change]()
    assert users.read_text() == before
    # Another admin may.
    accounts.set_role(users, ADMIN, "advisor", actor="second")
    assert _data(users)["users"][ADMIN]["role"] == "advisor"


def test_the_last_admin_stays_whoever_asks(users: Path) -> None:
    for change in (lambda: accounts.set_role(users, ADMIN, "analyst", actor="command line"),
                   lambda: accounts.set_disabled(users, ADMIN, True, actor="command line"),
                   lambda: accounts.delete_user(users, ADMIN, actor="command line"),
                   lambda: accounts.remove(users, ADMIN, actor="command line"),
                   lambda: accounts.add_user(users, ADMIN, "advisor", actor="command line")):
        with pytest.raises(accounts.AccountError, match="only admin left"):
            change()
    assert _data(users)["users"][ADMIN]["role"] == "admin"
    # A disabled admin does not count: the one enabled admin is still the last one.
    accounts.add_user(users, "second", "admin", actor=ADMIN, exists_ok=False)
    accounts.set_disabled(users, "second", True, actor=ADMIN)
    with pytest.raises(accounts.AccountError, match="only admin left"):
        accounts.set_role(users, ADMIN, "advisor", actor="second")


def test_api_keys_are_created_listed_without_secret_and_revoked(users: Path) -> None:
    key = accounts.add_api_key(users, "robot", "analyst", actor=ADMIN, exists_ok=False)
    store = UserStore(users)
    assert store.api_key(key).role == "analyst" and key not in users.read_text()
    [info] = accounts.list_api_keys(users)
    assert (info.name, info.role) == ("robot", "analyst") and info.created is not None
    assert not hasattr(info, "sha256")
    accounts.revoke_api_key(users, "robot", actor=ADMIN)
    assert store.api_key(key) is None and accounts.list_api_keys(users) == []
    with pytest.raises(accounts.AccountError, match="no API key named robot"):
        accounts.revoke_api_key(users, "robot", actor=ADMIN)


def test_every_change_is_logged_with_who_and_never_a_secret(users: Path, caplog) -> None:
    caplog.set_level(logging.INFO, logger="credit_dashboard.web.auth")
    password = accounts.add_user(users, "marie", "analyst", actor=ADMIN, exists_ok=False)
    accounts.set_role(users, "marie", "advisor", actor=ADMIN)
    key = accounts.add_api_key(users, "robot", actor=ADMIN)
    accounts.revoke_api_key(users, "robot", actor=ADMIN)
    accounts.delete_user(users, "marie", actor=ADMIN)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("accounts:")]
    assert lines == [
        "accounts: boss added account 'marie' (role analyst)",
        "accounts: boss changed the role of account 'marie' from analyst to advisor",
        "accounts: boss created API key 'robot' (role advisor)",
        "accounts: boss revoked API key 'robot'",
        "accounts: boss deleted account 'marie'",
    ]
    assert not any(password in line or key in line for line in caplog.messages)


def test_two_workers_see_each_change_at_their_next_request(users: Path) -> None:
    worker_a, worker_b = UserStore(users), UserStore(users)
    assert worker_b.user("marie") is None
    password = accounts.add_user(users, "marie", "analyst", actor=ADMIN, exists_ok=False)
    assert worker_a.check_password("marie", password) is not None
    accounts.set_role(users, "marie", "admin", actor=ADMIN)
    assert worker_b.user("marie").role == "admin" and worker_a.user("marie").role == "admin"


WRITES = 40


def _add_many(path: str, prefix: str, go) -> None:  # type: ignore[no-untyped-def]
    go.wait(120)
    for i in range(WRITES):
        # Straight to the users file (no password hashing), so the two writers overlap often.
        update_users(Path(path), lambda data, i=i: data["users"].__setitem__(
            f"{prefix}{i:02d}", {"password_hash": "x", "role": "advisor"}))


def test_changes_at_the_same_time_from_two_processes_all_land(users: Path) -> None:
    """The lock: without it, two processes rewriting the whole file lose each other's changes
    (checked: with the lock taken out, this test loses accounts)."""
    context = multiprocessing.get_context("spawn")
    go = context.Event()
    writers = [context.Process(target=_add_many, args=(str(users), p, go)) for p in ("a", "b")]
    for writer in writers:
        writer.start()
    go.set()
    for writer in writers:
        writer.join(timeout=300)
    assert [w.exitcode for w in writers] == [0, 0]
    names = set(_data(users)["users"])
    assert len(names) == 3 + 2 * WRITES, sorted(names)


def test_the_command_line_uses_the_same_rules(users: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CREDIT_USERS_FILE", str(users))
    monkeypatch.delenv("CREDIT_LANGUAGE", raising=False)
    assert _main(["add-user", "marie", "--role", "analyst"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("password for marie (analyst): ")
    assert _main(["set-role", "marie", "--role", "advisor"]) == 0
    assert _data(users)["users"]["marie"]["role"] == "advisor"
    assert _main(["disable", "marie"]) == 0 and _data(users)["users"]["marie"]["disabled"]
    assert _main(["enable", "marie"]) == 0 and "disabled" not in _data(users)["users"]["marie"]
    assert _main(["add-user", "not valid!"]) == 2
    assert "not a valid name" in capsys.readouterr().err
    assert _main(["set-role", ADMIN, "--role", "advisor"]) == 2  # the last admin
    assert "only admin left" in capsys.readouterr().err
    assert _main(["add-api-key", "robot", "--role", "analyst"]) == 0
    assert _main(["list"]) == 0
    listing = capsys.readouterr().out
    assert "user    marie\tadvisor" in listing and "API key robot\tanalyst" in listing
    assert "pbkdf2" not in listing and "scrypt" not in listing and "sha256" not in listing
    # add-user on an existing name still resets its password (documented, used by scripts).
    reset = accounts.add_user(users, "marie", "advisor")
    assert UserStore(users).check_password("marie", reset) is not None
    assert _main(["remove", "marie"]) == 0 and _main(["remove", "marie"]) == 1
