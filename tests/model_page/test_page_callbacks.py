"""The model page behind the real logins: who sees what, the comparison callback, and the
activation callback (admins only, on the server: anyone else's forged call is refused 403 and
moves nothing)."""

from __future__ import annotations

import json
import logging

from security.conftest import dash_body

from credit_dashboard.model.versions import read_active
from credit_dashboard.web.pages.model.components import activation, versions


def _deps(client) -> list[dict]:
    return client.get("/_dash-dependencies").get_json()


def _page(client, deps) -> tuple[int, str]:
    body = dash_body("page-content.children", {"url.pathname": "/model"}, "url.pathname", deps)
    response = client.post("/_dash-update-component", json=body)
    return response.status_code, response.get_data(as_text=True)


def _activate_body(deps: list[dict], version: str) -> dict:
    return dash_body(f"{activation.MESSAGE}.children",
                     {f"{activation.CONFIRM}.submit_n_clicks": 1,
                      f"{activation.CHOICE}.value": version},
                     f"{activation.CONFIRM}.submit_n_clicks", deps)


def test_advisors_are_refused_analysts_read_admins_may_activate(clients) -> None:
    assert clients["advisor"].get("/model").status_code == 403
    deps = _deps(clients["admin"])
    assert _page(clients["advisor"], deps)[0] == 403
    status, analyst = _page(clients["analyst"], deps)
    assert status == 200
    assert versions.TABLE in analyst and versions.FIRST in analyst
    assert "Only admins can activate a version" in analyst
    assert activation.BUTTON not in analyst and activation.CONFIRM not in analyst
    status, admin = _page(clients["admin"], deps)
    assert status == 200 and activation.BUTTON in admin and activation.CONFIRM in admin
    for panel in ("Shipped model against the plain baseline", "Fairness by gender and age",
                  "Feature policy", "Model versions"):
        assert panel in admin and panel in analyst, panel


def test_the_comparison_callback_answers_analysts(clients, page_versions) -> None:
    v = page_versions
    deps = _deps(clients["analyst"])
    body = dash_body(f"{versions.RESULT}.children",
                     {f"{versions.FIRST}.value": v.trained,
                      f"{versions.SECOND}.value": v.older},
                     f"{versions.FIRST}.value", deps)
    response = clients["analyst"].post("/_dash-update-component", json=body)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    common = len(v.holdout(v.older))
    assert f"Compared on the {common:,} held-out clients" in text
    assert "model-versions-roc" in text
    body["inputs"][1]["value"] = v.trained
    same = clients["analyst"].post("/_dash-update-component", json=body)
    assert "Choose two different versions" in same.get_data(as_text=True)
    assert clients["advisor"].post("/_dash-update-component", json=body).status_code == 403


def test_a_forged_activation_is_refused_and_moves_nothing(clients, page_versions) -> None:
    v = page_versions
    deps = _deps(clients["admin"])
    before = (v.artifacts / "active.json").read_bytes()
    ask = dash_body(f"{activation.CONFIRM}.displayed",
                    {f"{activation.BUTTON}.n_clicks": 1,
                     f"{activation.CHOICE}.value": v.older},
                    f"{activation.BUTTON}.n_clicks", deps)
    for role in ("advisor", "analyst"):
        for body in (ask, _activate_body(deps, v.older)):
            response = clients[role].post("/_dash-update-component", json=body)
            assert response.status_code == 403, (role, body["output"])
            assert "error" in response.get_json()
    assert (v.artifacts / "active.json").read_bytes() == before
    asked = clients["admin"].post("/_dash-update-component", json=ask)
    assert asked.status_code == 200
    dialog = asked.get_json()["response"][activation.CONFIRM]
    assert dialog["displayed"] is True and v.older in dialog["message"]


def test_an_admin_activates_through_the_callback(clients, page_versions, caplog) -> None:
    v = page_versions
    caplog.set_level(logging.INFO, logger="credit_dashboard.services.activation")
    deps = _deps(clients["admin"])
    response = clients["admin"].post("/_dash-update-component",
                                     json=_activate_body(deps, v.older))
    assert response.status_code == 200
    assert "every worker switches within 5 s" in response.get_data(as_text=True)
    assert read_active(v.artifacts) == v.older
    pointer = json.loads((v.artifacts / "active.json").read_text())
    assert pointer["previous"] == v.trained
    logged = [r.getMessage() for r in caplog.records if "activated by admin" in r.getMessage()]
    assert len(logged) == 1
    # Rolling back is the same step.
    clients["admin"].post("/_dash-update-component", json=_activate_body(deps, v.trained))
    assert read_active(v.artifacts) == v.trained


def test_an_admin_cannot_activate_a_broken_or_made_up_version(clients, page_versions) -> None:
    v = page_versions
    deps = _deps(clients["admin"])
    before = (v.artifacts / "active.json").read_bytes()
    (v.artifacts / "versions" / v.older / "model.joblib").write_bytes(b"tampered")
    for version in (v.older, "../../etc/passwd"):
        response = clients["admin"].post("/_dash-update-component",
                                         json=_activate_body(deps, version))
        assert response.status_code == 200
        assert "was refused and the active version is unchanged" in response.get_data(
            as_text=True)
    assert (v.artifacts / "active.json").read_bytes() == before
