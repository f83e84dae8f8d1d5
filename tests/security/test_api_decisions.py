"""The decisions API (issue 19, section 6) on the real app behind its logins: every route x every
role, bad bodies answered in JSON naming the field, and each POST's id shown by the GET.

One account and one API key per role (``roles_app``); the decision log is the module's own.
"""

from __future__ import annotations

import pytest

from credit_dashboard.i18n import use_language
from credit_dashboard.services.reasons import refusal_reasons

from .conftest import ROLE_KEYS, ROLES

ANONYMOUS = "anonymous"


@pytest.fixture(scope="module")
def scoring(roles_app):
    return roles_app.server.config["CREDIT_SERVICES"].scoring


@pytest.fixture(scope="module")
def store(roles_app):
    return roles_app.server.config["CREDIT_SERVICES"].decision_store


@pytest.fixture(scope="module")
def refused_ids(scoring) -> list[int]:
    found = [int(i) for i in scoring.search_ids("1", 400)
             if scoring.score_client(i).decision == "refuse"]
    assert len(found) >= 12, "the small data set must have refused clients"
    return found


def _keyed(roles_app, role: str):
    """A caller with the role's API key (no session), or nobody at all."""
    client = roles_app.server.test_client()
    headers = {} if role == ANONYMOUS else {"X-API-Key": ROLE_KEYS[role]}
    return client, headers


def _as(roles_app, role_clients, role: str, how: str):
    """(client, headers) for ``role`` signed in (``session``) or with its key (``key``)."""
    if how == "session" and role != ANONYMOUS:
        return role_clients[role], {}
    return _keyed(roles_app, role)


def _body(scoring, client_id: int, /, **changes) -> dict:
    served = scoring.score_client(client_id)
    body = {"client_id": client_id, "decision": served.decision, "reason": "",
            "model_version": served.model_version,
            "default_probability": served.default_probability}
    body.update(changes)
    return body


def _post_decision(roles_app, scoring, client_id: int, role: str = "advisor", /, **changes):
    client, headers = _keyed(roles_app, role)
    return client.post("/api/decisions", json=_body(scoring, client_id, **changes),
                       headers=headers)


def _post_review(roles_app, decision_id: int, role: str = "advisor",
                 statement: str = "My income was wrongly entered: it is higher."):
    client, headers = _keyed(roles_app, role)
    return client.post(f"/api/decisions/{decision_id}/review", json={"statement": statement},
                       headers=headers)


def _post_outcome(roles_app, review_id: int, role: str = "analyst", **body):
    client, headers = _keyed(roles_app, role)
    payload = {"outcome": "upheld", "reason": "Checked the file again: the data are right."}
    payload.update(body)
    return client.post(f"/api/reviews/{review_id}/outcome", json=payload, headers=headers)


# ------------------------------------------------------------------------ routes x roles


@pytest.mark.parametrize("how", ["session", "key"])
@pytest.mark.parametrize("role", [*ROLES, ANONYMOUS])
def test_every_route_for_every_role(roles_app, role_clients, scoring, refused_ids, role,
                                    how) -> None:
    position = {"advisor": 0, "analyst": 1, "admin": 2, ANONYMOUS: 3}[role]
    client_id = refused_ids[position + (4 if how == "key" else 0)]
    client, headers = _as(roles_app, role_clients, role, how)
    deciders, reviewers = {"advisor", "admin"}, {"analyst", "admin"}

    answer = client.post("/api/decisions", json=_body(scoring, client_id), headers=headers)
    expected = 401 if role == ANONYMOUS else 201 if role in deciders else 403
    assert answer.status_code == expected, answer.get_json()
    # A decision by someone else, with a review asked by an advisor, for the other routes.
    decision = _post_decision(roles_app, scoring, client_id, "advisor").get_json()
    assert decision["record"]["user"] == "key:advisor"

    listed = client.get(f"/api/decisions?client={client_id}", headers=headers)
    assert listed.status_code == (401 if role == ANONYMOUS else 200)

    other = _post_decision(roles_app, scoring, client_id, "admin").get_json()
    asked = client.post(f"/api/decisions/{other['id']}/review",
                        json={"statement": "I dispute the amount of my income."},
                        headers=headers)
    expected = 401 if role == ANONYMOUS else 201 if role in deciders else 403
    assert asked.status_code == expected, asked.get_json()

    review = _post_review(roles_app, decision["id"]).get_json()
    closed = client.post(f"/api/reviews/{review['id']}/outcome",
                         json={"outcome": "upheld", "reason": "The data were checked again."},
                         headers=headers)
    expected = 401 if role == ANONYMOUS else 201 if role in reviewers else 403
    assert closed.status_code == expected, closed.get_json()
    for response in (answer, listed, asked, closed):
        assert response.mimetype == "application/json"
        if response.status_code >= 400:
            assert "error" in response.get_json()


# ------------------------------------------------------------------------ what a POST keeps


def test_each_post_returns_an_id_that_the_get_shows(roles_app, scoring, refused_ids) -> None:
    client_id = refused_ids[8]
    recorded = _post_decision(roles_app, scoring, client_id)
    assert recorded.status_code == 201
    decision = recorded.get_json()
    asked = _post_review(roles_app, decision["id"]).get_json()
    closed = _post_outcome(roles_app, asked["id"], outcome="reversed").get_json()
    assert closed["id"] == asked["id"] and closed["record"]["outcome"] == "reversed"

    client, headers = _keyed(roles_app, "analyst")
    listed = client.get(f"/api/decisions?client={client_id}", headers=headers).get_json()
    assert listed["client_id"] == client_id
    [shown] = [d for d in listed["decisions"] if d["id"] == decision["id"]]
    [review] = shown["reviews"]
    assert review["id"] == asked["id"] and review["outcome"] == "reversed"
    assert review["reviewed_by"] == "key:analyst" and review["requested_by"] == "key:advisor"
    assert review["statement"] == "My income was wrongly entered: it is higher."
    ids = [d["id"] for d in listed["decisions"]]
    assert ids == sorted(ids, reverse=True)  # newest first


def test_a_recorded_decision_keeps_the_input_row_and_the_reasons_served(
    roles_app, scoring, refused_ids
) -> None:
    client_id = refused_ids[9]
    record = _post_decision(roles_app, scoring, client_id).get_json()["record"]
    assert record["inputs"] == scoring.model_input(client_id)
    replayed = scoring.score_record(record["inputs"])
    assert replayed.default_probability == pytest.approx(record["default_probability"], abs=1e-9)
    with use_language("en"):  # the log keeps the English texts (web/decisions_shown.py)
        english = [r.text for r in refusal_reasons(scoring.score_client(client_id)).reasons]
    assert record["reasons"] == english and english


# ------------------------------------------------------------------------ bad requests


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"client_id": None}, 422, "client_id"),
        ({"decision": None}, 422, "decision"),
        ({"model_version": None}, 422, "model_version"),
        ({"default_probability": None}, 422, "default_probability"),
        ({"client_id": "abc"}, 422, "client_id"),
        ({"client_id": True}, 422, "client_id"),
        ({"client_id": 999999999}, 404, "client_id"),
        ({"decision": "maybe"}, 422, "decision"),
        ({"model_version": 3}, 422, "model_version"),
        ({"default_probability": "0.5"}, 422, "default_probability"),
        ({"model_version": "19990101T000000Z-old"}, 409, "model_version"),
        ({"default_probability": 0.0001}, 409, "default_probability"),
        ({"reason": 12}, 422, "reason"),
    ],
)
def test_bad_decision_bodies_name_the_field(roles_app, scoring, refused_ids, change, status,
                                            field) -> None:
    client_id = refused_ids[10]
    before = len(roles_app.server.config["CREDIT_SERVICES"].decision_store.history(client_id))
    answer = _post_decision(roles_app, scoring, client_id, **change)
    assert answer.status_code == status, answer.get_json()
    body = answer.get_json()
    assert body["field"] == field and body["error"] and "request_id" in body
    if status == 409:  # the caller is told what is served now
        assert body["served"]["model_version"] == scoring.model_version
    after = len(roles_app.server.config["CREDIT_SERVICES"].decision_store.history(client_id))
    assert after == before  # nothing recorded


def test_a_decision_against_the_model_needs_a_reason(roles_app, scoring, refused_ids) -> None:
    answer = _post_decision(roles_app, scoring, refused_ids[10], decision="grant")
    assert answer.status_code == 422 and answer.get_json()["field"] == "reason"


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        ("[1, 2]", "application/json", 422),
        ("{not json", "application/json", 400),
        ('{"client_id": 1}', "text/plain", 415),
    ],
)
def test_bodies_that_are_not_json_objects(roles_app, data, content_type, status) -> None:
    client, headers = _keyed(roles_app, "advisor")
    answer = client.post("/api/decisions", data=data, content_type=content_type,
                         headers=headers)
    assert answer.status_code == status and answer.mimetype == "application/json"
    assert answer.get_json()["error"]


def test_bad_review_requests(roles_app, scoring, refused_ids) -> None:
    decision = _post_decision(roles_app, scoring, refused_ids[11]).get_json()
    for statement, field in (("", "statement"), (None, "statement"), ("no", "statement")):
        client, headers = _keyed(roles_app, "advisor")
        answer = client.post(f"/api/decisions/{decision['id']}/review",
                             json={"statement": statement}, headers=headers)
        assert answer.status_code == 422 and answer.get_json()["field"] == field
    for missing in ("999999", "abc"):
        answer = _post_review(roles_app, missing)
        assert answer.status_code == 404, answer.get_json()
        assert missing in answer.get_json()["error"]
    assert _post_review(roles_app, decision["id"]).status_code == 201
    again = _post_review(roles_app, decision["id"])
    assert again.status_code == 409 and again.get_json()["field"] == "decision_id"


def test_bad_outcomes(roles_app, scoring, refused_ids) -> None:
    decision = _post_decision(roles_app, scoring, refused_ids[11]).get_json()
    review = _post_review(roles_app, decision["id"]).get_json()
    cases = [
        ({"outcome": "maybe"}, 422, "outcome"),
        ({"outcome": None}, 422, "outcome"),
        ({"reason": ""}, 422, "reason"),
        ({"reason": "ok"}, 422, "reason"),
        ({"corrected": {"AMT_INCOME_TOTAL": "a lot"}}, 422, "corrected"),
        ({"corrected": {"CR_BUREAU_COUNT": 3}}, 422, "corrected"),
        ({"corrected": {"NOT_A_COLUMN": 3}}, 422, "corrected"),
        ({"corrected": [1, 2]}, 422, "corrected"),
    ]
    for change, status, field in cases:
        answer = _post_outcome(roles_app, review["id"], **change)
        assert answer.status_code == status, (change, answer.get_json())
        assert answer.get_json()["field"] == field, change
    bad = _post_outcome(roles_app, review["id"], corrected={"AMT_INCOME_TOTAL": "a lot"})
    assert bad.get_json()["fields"][0]["field"] == "AMT_INCOME_TOTAL"
    assert _post_outcome(roles_app, "424242").status_code == 404
    assert _post_outcome(roles_app, review["id"]).status_code == 201
    closed = _post_outcome(roles_app, review["id"])
    assert closed.status_code == 409 and closed.get_json()["field"] == "review_id"


def test_nobody_reviews_their_own_decision(roles_app, scoring, refused_ids) -> None:
    """The admin decided: the admin is refused with a clear message, the analyst may."""
    decision = _post_decision(roles_app, scoring, refused_ids[12], "admin").get_json()
    review = _post_review(roles_app, decision["id"]).get_json()
    refused = _post_outcome(roles_app, review["id"], "admin")
    assert refused.status_code == 403
    assert refused.get_json()["field"] == "user"
    assert "key:admin took this decision and cannot review it" in refused.get_json()["error"]
    store = roles_app.server.config["CREDIT_SERVICES"].decision_store
    assert store.get_review(review["id"]).is_open  # nothing recorded
    assert _post_outcome(roles_app, review["id"], "analyst").status_code == 201


def test_a_correction_is_rescored_with_the_served_model(roles_app, scoring, refused_ids) -> None:
    client_id = refused_ids[13]
    decision = _post_decision(roles_app, scoring, client_id).get_json()
    review = _post_review(roles_app, decision["id"]).get_json()
    income = decision["record"]["inputs"]["AMT_INCOME_TOTAL"] * 4
    answer = _post_outcome(roles_app, review["id"], outcome="reversed",
                           corrected={"AMT_INCOME_TOTAL": income})
    assert answer.status_code == 201, answer.get_json()
    record = answer.get_json()["record"]
    assert record["corrected_inputs"] == {"AMT_INCOME_TOTAL": income}
    expected = scoring.score_record({**decision["record"]["inputs"], "AMT_INCOME_TOTAL": income})
    assert record["rescored_probability"] == pytest.approx(expected.default_probability, abs=1e-12)
    assert record["rescored_probability"] != pytest.approx(
        decision["record"]["default_probability"], abs=1e-9)
    assert record["rescored_model_version"] == scoring.model_version


@pytest.mark.parametrize(
    ("method", "path", "status", "allow"),
    [
        ("GET", "/api/decisions/1/review", 405, "POST"),
        ("DELETE", "/api/reviews/1/outcome", 405, "POST"),
        ("PUT", "/api/decisions", 405, "GET, POST"),
        ("GET", "/api/decisions/1", 404, None),
        ("GET", "/api/decisions", 400, None),
        ("GET", "/api/decisions?client=abc", 400, None),
        ("GET", "/api/decisions?client=999999999", 404, None),
    ],
)
def test_wrong_paths_and_methods_answer_in_json(roles_app, method, path, status, allow) -> None:
    client, headers = _keyed(roles_app, "admin")
    answer = client.open(path, method=method, headers=headers)
    assert answer.status_code == status and answer.mimetype == "application/json"
    assert answer.get_json()["error"]
    assert answer.headers.get("Allow") == allow
