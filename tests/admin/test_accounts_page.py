"""The accounts page behind the real logins: admins only, on the server, for the page, the router
and every callback (a forged callback is refused before it runs); the navigation shows it only to
admins; an admin's change through the callback lands in the users file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from security.conftest import PASSWORD, dash_body, sign_in

from credit_dashboard.web.pages.admin.page import PATH

from .conftest import ACCOUNTS


@pytest.fixture()
def clients(admin_app):
    signed_in = {}
    for name in ACCOUNTS:
        client = admin_app.server.test_client()
        assert sign_in(client, name, PASSWORD).status_code == 302, name
        signed_in[name] = client
    return signed_in


def _deps(client) -> list[dict]:
    return client.get("/_dash-dependencies").get_json()


def _body(output: str, values: dict, changed: str, deps: list[dict]) -> dict:
    """A callback body as the browser sends it: no rows drawn for the pattern-matching ids."""
    body = dash_body(output, values, changed, deps)
    for group in ("inputs", "state"):
        body[group] = [[] if isinstance(item["id"], dict) else item for item in body[group]]
    return body


def _add_body(deps: list[dict], name: str, role: str = "analyst") -> dict:
    return _body("accounts-table.children", {
        "accounts-add.n_clicks": 1, "accounts-new-name.value": name,
        "accounts-new-role.value": role}, "accounts-add.n_clicks", deps)


def test_only_admins_open_the_page(clients) -> None:
    for name, client in clients.items():
        response = client.get(PATH)
        if name == "admin":
            assert response.status_code == 200
        else:
            assert response.status_code == 403, name
            assert "Not allowed" in response.get_data(as_text=True)


def test_the_router_will_not_draw_it_for_others(clients) -> None:
    body = dash_body("page-content.children", {"url.pathname": PATH}, "url.pathname",
                     _deps(clients["admin"]))
    assert clients["analyst"].post("/_dash-update-component", json=body).status_code == 403
    drawn = clients["admin"].post("/_dash-update-component", json=body)
    assert drawn.status_code == 200 and "accounts-table" in drawn.get_data(as_text=True)


def test_a_forged_callback_is_refused_and_changes_nothing(clients, users_file: Path) -> None:
    deps = _deps(clients["admin"])
    before = users_file.read_text()
    forged = [
        _add_body(deps, "intruder", "admin"),
        _body("apikeys-table.children", {
            "apikeys-create.n_clicks": 1, "apikeys-new-name.value": "intruder",
            "apikeys-new-role.value": "admin"}, "apikeys-create.n_clicks", deps),
    ]
    for body in forged:
        for name in ("advisor", "analyst"):
            response = clients[name].post("/_dash-update-component", json=body)
            assert response.status_code == 403, (name, body["output"])
            assert "error" in response.get_json()
    assert users_file.read_text() == before


def test_an_admin_adds_an_account_through_the_callback(admin_app, clients, users_file) -> None:
    deps = _deps(clients["admin"])
    response = clients["admin"].post("/_dash-update-component",
                                     json=_add_body(deps, "marie.dupont"))
    assert response.status_code == 200
    text = json.dumps(response.get_json())
    password = re.search(r'"id": "accounts-password", "value": "([^"]+)"', text)
    assert password, text[:500]
    assert json.loads(users_file.read_text())["users"]["marie.dupont"]["role"] == "analyst"
    newcomer = admin_app.server.test_client()
    assert sign_in(newcomer, "marie.dupont", password[1]).status_code == 302
    assert newcomer.get("/analyst").status_code == 200  # an analyst now
    # The same name again: refused with a message, and no password.
    again = clients["admin"].post("/_dash-update-component", json=_add_body(deps, "Marie.Dupont"))
    assert "already exists" in again.get_data(as_text=True)
    assert "accounts-password" not in again.get_data(as_text=True)


def test_an_admin_cannot_demote_themselves_through_the_page(clients, users_file) -> None:
    deps = _deps(clients["admin"])
    body = _body("accounts-table.children", {}, "x", deps)
    button = {"type": "accounts-set-role", "name": "admin"}
    body["inputs"][1] = [{"id": button, "property": "n_clicks", "value": 1}]
    body["state"][2] = [{"id": {"type": "accounts-role", "name": "admin"}, "property": "value",
                         "value": "advisor"}]
    body["changedPropIds"] = [json.dumps(button, separators=(",", ":"), sort_keys=True)
                              + ".n_clicks"]
    before = users_file.read_text()
    response = clients["admin"].post("/_dash-update-component", json=body)
    assert response.status_code == 200
    assert "your own account" in response.get_data(as_text=True)
    assert users_file.read_text() == before


def test_the_navigation_shows_accounts_only_to_admins(clients) -> None:
    for name, client in clients.items():
        layout = json.dumps(client.get("/_dash-layout").get_json())
        assert (f'"href": "{PATH}"' in layout) == (name == "admin"), name
