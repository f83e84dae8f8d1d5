"""The decision form is bound to the client and score the advisor saw (issue 10, section 2), on
the real app behind its logins: the server re-scores and refuses a note for another client, a
changed score or a forged note; analysts read the history but cannot record."""

from __future__ import annotations

import json

import pytest

from credit_dashboard.web.auth import shown
from credit_dashboard.web.pages.advisor.common import CLIENT_STORE
from credit_dashboard.web.pages.advisor.components import decision as panel

from .conftest import callback_body


@pytest.fixture(scope="module")
def services(roles_app):
    return roles_app.server.config["CREDIT_SERVICES"]


@pytest.fixture(scope="module")
def two_clients(services) -> tuple[str, str]:
    first, second = services.scoring.search_ids("1", 2)
    return str(first), str(second)


def _callback(client, with_input: str) -> dict:
    deps = client.get("/_dash-dependencies").get_json()
    found = [d for d in deps if any(i["id"] == with_input for i in d["inputs"])
             and panel.MESSAGE in d["output"]]
    assert len(found) == 1, [d["output"] for d in found]
    return found[0]


def show(client, client_id: str) -> dict:
    """What the panel draws when ``client_id`` is selected (its response by component)."""
    store = f"{CLIENT_STORE}.data"
    body = callback_body(_callback(client, CLIENT_STORE), {store: client_id}, store)
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["response"]


def record(client, client_id: str, note: object, choice: str, reason: str):
    values = {f"{panel.SUBMIT}.n_clicks": 1, f"{CLIENT_STORE}.data": client_id,
              f"{panel.SHOWN}.data": note, f"{panel.CHOICE}.value": choice,
              f"{panel.REASON}.value": reason}
    body = callback_body(_callback(client, panel.SUBMIT), values, f"{panel.SUBMIT}.n_clicks")
    return client.post("/_dash-update-component", json=body)


def test_a_new_client_resets_the_form_and_gets_its_own_note(
    roles_app, role_clients, two_clients
) -> None:
    first, second = two_clients
    drawn = show(role_clients["advisor"], first)
    assert drawn[panel.CHOICE]["value"] is None and drawn[panel.REASON]["value"] == ""
    other = show(role_clients["advisor"], second)
    assert other[panel.CHOICE]["value"] is None and other[panel.REASON]["value"] == ""
    assert shown.read(drawn[panel.SHOWN]["data"]) is None  # signed with the server's key...
    with roles_app.server.app_context():  # ...which reads it back, one note per client
        assert shown.read(drawn[panel.SHOWN]["data"]).client_id == int(first)
        assert shown.read(other[panel.SHOWN]["data"]).client_id == int(second)


def test_a_note_for_another_client_records_nothing(
    roles_app, role_clients, services, two_clients
) -> None:
    first, second = two_clients
    note_first = show(role_clients["advisor"], first)[panel.SHOWN]["data"]
    before = len(services.decision_store.history(int(second)))
    answer = record(role_clients["advisor"], second, note_first, "refuse", "written for the first")
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert f"filled for client {first}" in text and f"client {second} is shown" in text
    assert len(services.decision_store.history(int(second))) == before
    assert not [d for d in services.decision_store.history(int(first))
                if d.reason == "written for the first"]


def test_a_changed_score_or_a_forged_note_records_nothing(
    roles_app, role_clients, services, two_clients
) -> None:
    _, second = two_clients
    result = services.scoring.score_client(second)
    with roles_app.server.app_context():
        stale = shown.sign(shown.Shown(int(second), result.model_version or "unknown",
                                       result.default_probability + 0.01))
    for note, words in ((stale, "has changed"), ("forged", "out of date"), (None, "out of date")):
        answer = record(role_clients["advisor"], second, note, result.decision, "")
        assert words in answer.get_data(as_text=True), note
    assert services.decision_store.history(int(second)) == []


def test_the_note_of_the_client_shown_records_for_that_client(role_clients, services, two_clients):
    _, second = two_clients
    note = show(role_clients["advisor"], second)[panel.SHOWN]["data"]
    recommended = services.scoring.score_client(second).decision
    answer = record(role_clients["advisor"], second, note, recommended, "documents checked")
    assert f"for client {second} by advisor" in answer.get_data(as_text=True)
    stored = services.decision_store.history(int(second))
    assert [(d.client_id, d.reason) for d in stored][-1] == (int(second), "documents checked")


def test_analysts_read_the_history_but_cannot_record(role_clients, two_clients) -> None:
    first, _ = two_clients
    drawn = show(role_clients["analyst"], first)  # the history and the model's advice: allowed
    assert "recommends" in json.dumps(drawn[panel.MESSAGE])
    refused = record(role_clients["analyst"], first, drawn[panel.SHOWN]["data"], "grant", "x")
    assert refused.status_code == 403


@pytest.mark.parametrize(("role", "read_only", "export"),
                         [("advisor", False, False), ("analyst", True, True),
                          ("admin", False, True)])
def test_the_panel_is_drawn_for_the_role(role_clients, role, read_only, export) -> None:
    deps = role_clients[role].get("/_dash-dependencies").get_json()
    router = next(d for d in deps if d["output"] == "page-content.children")
    body = callback_body(router, {"url.pathname": "/", "url.search": ""}, "url.pathname")
    answer = role_clients[role].post("/_dash-update-component", json=body)
    page = json.dumps(answer.get_json())  # Dash writes "/" as \u002f: decoded, then compared
    assert (panel.READ_ONLY in page) is read_only
    assert (panel.EXPORT_PATH in page) is export
