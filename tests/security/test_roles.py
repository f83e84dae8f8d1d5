"""Roles on the real app: every route, page and callback x every role, enforced on the server.

The walk takes the routes from ``server.url_map``, the pages from ``app.PAGES`` and the callbacks
from ``/_dash-dependencies``, so routes other engineers add later are walked too, and the first
test fails when one of them has no line in ``web/auth/roles.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask

from credit_dashboard.web.auth import roles
from credit_dashboard.web.auth.guard import PUBLIC_PATHS, PUBLIC_PREFIXES

from .conftest import PASSWORD, ROLE_KEYS, ROLES, dash_body, sign_in, write_users

#: Values for the variable parts of URL rules (anything else gets "x").
SAMPLES = {"client_text": "{id}", "filename": "app.css", "code": "en", "package_name": "dash",
           "fingerprinted_path": "dash.v4.js", "batch_id": "x", "_rest": "nothing-here"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture(scope="module")
def known_id(roles_app) -> str:
    return roles_app.server.config["CREDIT_SERVICES"].scoring.search_ids("1", 1)[0]


def concrete(rule: str, known_id: str) -> str:
    path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: SAMPLES.get(m[1], "x"), rule)
    return path.replace("{id}", known_id)


def expect_allowed(access, role: str) -> bool:
    return access == roles.PUBLIC or role in access


# ------------------------------------------------------------------------- the table is complete


def test_every_route_page_and_callback_is_in_the_roles_table(roles_app) -> None:
    from credit_dashboard.web.app import PAGES

    missing = [
        f"{method} {rule.rule}"
        for rule in roles_app.server.url_map.iter_rules()
        for method in sorted(rule.methods - IGNORED_METHODS)
        if roles.route_access(rule.rule, method) is None
    ]
    assert not missing, f"add these routes to ROUTES in web/auth/roles.py: {missing}"
    pages = [path for path, _ in PAGES if path not in roles.PAGES]
    assert not pages, f"add these pages to PAGES in web/auth/roles.py: {pages}"
    ids = roles.unknown_callback_ids(roles_app.callback_map)
    assert not ids, f"add these callback ids to CALLBACKS in web/auth/roles.py: {ids}"
    public = {rule for rule, access in roles.ROUTES.items() if access == roles.PUBLIC}
    # What the guard lets through unsigned is what is public (the language switch by its prefix).
    assert public == set(PUBLIC_PATHS) | {"/language/<code>"}
    assert all(rule.startswith(PUBLIC_PREFIXES) for rule in public - set(PUBLIC_PATHS))


def test_a_route_missing_from_the_table_is_for_admins_only(auth_env: Path) -> None:
    """Fail closed: a route someone forgot to declare is refused to advisors and analysts."""
    from credit_dashboard.web import auth

    write_users(auth_env, {role: PASSWORD for role in ROLES})
    stand_in = Flask("stand-in")
    stand_in.add_url_rule("/new-report", "new_report", lambda: "client data")
    auth.register(stand_in)
    for role in ROLES:
        client = stand_in.test_client()
        sign_in(client, role, PASSWORD)
        assert client.get("/new-report").status_code == (200 if role == "admin" else 403), role


# ------------------------------------------------------------------ every route x every role


def test_every_route_for_every_role(roles_app, role_clients, known_id) -> None:
    from credit_dashboard.web.app import PAGES

    checked = set()
    for rule in roles_app.server.url_map.iter_rules():
        for method in sorted(rule.methods - IGNORED_METHODS):
            access = roles.route_access(rule.rule, method)
            if access == roles.BY_CALLBACK:
                continue  # walked callback by callback below
            targets = (
                [(path, roles.page_access(path)) for path, _ in PAGES]
                if access == roles.BY_PAGE
                else [(concrete(rule.rule, known_id), access)]
            )
            for path, wanted in targets:
                for role, client in role_clients.items():
                    response = client.open(path, method=method)
                    refused = response.status_code == 403
                    assert refused != expect_allowed(wanted, role), (role, method, path)
                    assert response.status_code != 401, (role, method, path)
                    if path.startswith("/api/") and path != "/api/health":
                        keyed = roles_app.server.test_client().open(
                            path, method=method, headers={"X-API-Key": ROLE_KEYS[role]}
                        )
                        assert (keyed.status_code == 403) != expect_allowed(wanted, role)
                    checked.add(rule.rule)
    every = {r.rule for r in roles_app.server.url_map.iter_rules()} - {"/_dash-update-component"}
    assert checked == every  # the walk covered every registered route


def test_every_callback_for_every_role(roles_app, role_clients) -> None:
    deps = role_clients["admin"].get("/_dash-dependencies").get_json()
    assert len(deps) == len(roles_app.callback_map) >= 10
    walked = 0
    for dep in deps:
        names = roles.callback_ids(dep["output"], roles_app.callback_map[dep["output"]])
        changed = f"{dep['inputs'][0]['id']}.{dep['inputs'][0]['property']}"
        body = dash_body(dep["output"].strip("."), {}, changed, deps)
        pages = list(roles.PAGES) if "page-content" in names else [None]
        for page in pages:
            if page is not None:
                body["inputs"] = [{"id": "url", "property": "pathname", "value": page}]
            for role, client in role_clients.items():
                allowed = all(
                    expect_allowed(
                        roles.page_access(page) if roles.id_access(n) == roles.BY_PAGE
                        else roles.id_access(n), role,
                    )
                    for n in names
                )
                response = client.post("/_dash-update-component", json=body)
                assert (response.status_code == 403) != allowed, (role, dep["output"], page)
                walked += 1
    assert walked >= 3 * len(deps)


# ------------------------------------------------------------- what the issue asks, spelled out


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/", {"advisor", "analyst", "admin"}),
        ("/analyst", {"analyst", "admin"}),
        ("/model", {"analyst", "admin"}),
        ("/reports/drift", {"analyst", "admin"}),
        ("/advisor-tools/decisions.csv", {"analyst", "admin"}),
    ],
)
def test_pages_reports_and_the_decision_export_by_role(role_clients, path, allowed) -> None:
    for role, client in role_clients.items():
        response = client.get(path)
        if role in allowed:
            assert response.status_code in (200, 404), (role, path)  # 404: no drift report
        else:
            assert response.status_code == 403, (role, path)
            assert response.mimetype == "text/html"  # a plain page for a browser
            assert "Not allowed" in response.get_data(as_text=True)


def test_the_refusal_notice_is_for_advisors_and_admins(roles_app, role_clients) -> None:
    scoring = roles_app.server.config["CREDIT_SERVICES"].scoring
    refused = next(str(i) for i in scoring.search_ids("1", 300)
                   if scoring.score_client(i).decision == "refuse")
    deps = role_clients["admin"].get("/_dash-dependencies").get_json()
    store = "advisor-client-id.data"
    body = dash_body("reasons-body.children", {store: refused}, store, deps)
    for role, client in role_clients.items():
        response = client.get(f"/notice/{refused}")
        assert response.status_code == (403 if role == "analyst" else 200), role
        # The advisor page's reasons panel links to it only for those who may open it.
        panel = client.post("/_dash-update-component", json=body)
        assert panel.status_code == 200, role
        assert ("reasons-notice-link" in panel.get_data(as_text=True)) == (role != "analyst")


def test_the_navigation_shows_only_what_the_role_may_open(role_clients) -> None:
    for role, client in role_clients.items():
        layout = json.dumps(client.get("/_dash-layout").get_json())
        links = set(re.findall(r'"href": "(/[a-z]*)"', layout))
        expected = {"/"} if role == "advisor" else {"/", "/analyst", "/model"}
        assert links == expected, role


def test_the_router_will_not_draw_a_forbidden_page(role_clients) -> None:
    deps = role_clients["advisor"].get("/_dash-dependencies").get_json()
    body = dash_body("page-content.children", {"url.pathname": "/model"}, "url.pathname", deps)
    refused = role_clients["advisor"].post("/_dash-update-component", json=body)
    assert refused.status_code == 403 and "error" in refused.get_json()  # JSON for Dash
    drawn = role_clients["analyst"].post("/_dash-update-component", json=body)
    assert drawn.status_code == 200


def test_recording_a_decision_is_for_advisors_and_admins(role_clients, known_id) -> None:
    deps = role_clients["advisor"].get("/_dash-dependencies").get_json()
    show = next(d for d in deps if "decision-shown" in d["output"])
    drawn = role_clients["advisor"].post("/_dash-update-component", json=dash_body(
        show["output"].strip("."), {"advisor-client-id.data": known_id},
        "advisor-client-id.data", deps))
    note = drawn.get_json()["response"]["decision-shown"]["data"]
    output = next(d["output"] for d in deps
                  if any(i["id"] == "decision-submit" for i in d["inputs"]))
    values = {"advisor-client-id.data": known_id, "decision-submit.n_clicks": 1,
              "decision-choice.value": "grant", "decision-reason.value": "checked payslips",
              "decision-shown.data": note}
    body = dash_body(output.strip("."), values, "decision-submit.n_clicks", deps)
    refused = role_clients["analyst"].post("/_dash-update-component", json=body)
    assert refused.status_code == 403
    # Lying about which input changed does not help: the ids checked are the registered ones.
    body["changedPropIds"] = ["advisor-client-id.data"]
    assert role_clients["analyst"].post("/_dash-update-component", json=body).status_code == 403
    body["changedPropIds"] = ["decision-submit.n_clicks"]
    recorded = role_clients["advisor"].post("/_dash-update-component", json=body)
    assert recorded.status_code == 200 and "Recorded" in recorded.get_data(as_text=True)
    export = role_clients["analyst"].get("/advisor-tools/decisions.csv").get_data(as_text=True)
    assert known_id in export and "checked payslips" in export


def test_api_keys_carry_their_role(roles_app, known_id) -> None:
    client = roles_app.server.test_client()
    for role in ROLES:
        answer = client.get(f"/api/clients/{known_id}", headers={"X-API-Key": ROLE_KEYS[role]})
        assert answer.status_code == 200, role
        # A key opens the API only, whatever its role.
        page = client.get("/analyst", headers={"X-API-Key": ROLE_KEYS[role]})
        assert page.status_code == 302


def test_callback_ids_read_every_output_of_a_duplicate_allowed_callback() -> None:
    key = '..decision-message.children@1f2e...{"column":["ALL"],"type":"whatif-input"}.value@1f2e..'
    names = roles.callback_ids(key, {"inputs": [{"id": "decision-submit", "property": "n_clicks"}]})
    assert names == ["decision-message", "whatif-input", "decision-submit"]
    assert roles.id_access("decision-submit") == roles.DECIDERS  # the longest prefix decides
    assert roles.id_access("decision-history") == roles.ANY_ROLE
    assert roles.id_access("nobody-declared-me") is None


def test_activating_a_model_version_is_for_admins_only(role_clients, small_artifacts_dir) -> None:
    """The model page's activation callbacks (``model-activate-``) are ADMINS although the rest
    of the page (``model-``) is for analysts; forged by anyone else they get 403. The admin's
    call here names no version, so the session's shared artifacts are never touched
    (tests/model_page activates on a private copy)."""
    assert roles.id_access("model-activate-confirm") == roles.ADMINS
    assert roles.id_access("model-versions-first") == roles.ANALYSTS
    deps = role_clients["admin"].get("/_dash-dependencies").get_json()
    outputs = [d["output"] for d in deps if "model-activate-" in d["output"]]
    assert len(outputs) == 2  # asking for confirmation, then activating
    before = (small_artifacts_dir / "active.json").read_bytes()
    for output in outputs:
        dep = next(d for d in deps if d["output"] == output)
        changed = f"{dep['inputs'][0]['id']}.{dep['inputs'][0]['property']}"
        body = dash_body(output.strip("."), {changed: 1}, changed, deps)
        for role, client in role_clients.items():
            status = client.post("/_dash-update-component", json=body).status_code
            assert (status == 403) == (role != "admin"), (role, output, status)
    assert (small_artifacts_dir / "active.json").read_bytes() == before
