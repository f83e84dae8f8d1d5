"""The real app (logins, API and every page) against hostile and honest callers.

Built once per module from the session's small data and model, exactly as gunicorn builds it, with
a private users file, an API key and a decisions log in a temporary directory.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pytest

from credit_dashboard.config import APPLICANTS_TABLE, Settings
from credit_dashboard.model.artifact import active_directory
from credit_dashboard.web.pages.advisor import page as ids
from credit_dashboard.web.pages.advisor.components import score, search

from .conftest import PASSWORD, dash_body, logins_on, sign_in, write_users

API_KEY = "cd_security-suite-key-000000000000000000000000000"
KEY = {"X-API-Key": API_KEY}


@pytest.fixture(scope="module")
def app_env(small_data_dir: Path, small_artifacts_dir: Path, tmp_path_factory):
    """The production app on the small data set, with logins on."""
    from credit_dashboard.web.app import create_app

    config = tmp_path_factory.mktemp("config")
    write_users(config / "users.json", {"advisor": PASSWORD, "analyst": PASSWORD},
                {"batch": API_KEY})
    with logins_on(config):
        app = create_app(Settings(data_dir=small_data_dir, artifacts_dir=small_artifacts_dir))
        assert app.server.config["CREDIT_PARTS"][0] == "auth", "logins must guard later parts"
        yield app
    # The env is restored, but the app keeps what it read at start-up (as a server does).


@pytest.fixture(scope="module")
def server(app_env):
    return app_env.server


@pytest.fixture(scope="module")
def scoring(server):
    return server.config["CREDIT_SERVICES"].scoring


@pytest.fixture(scope="module")
def applicants(small_data_dir: Path) -> pd.DataFrame:
    return pd.read_parquet(small_data_dir / APPLICANTS_TABLE)


@pytest.fixture(scope="module")
def known_id(applicants: pd.DataFrame) -> int:
    return int(applicants["SK_ID_CURR"].iloc[17])


@pytest.fixture()
def advisor(server):
    client = server.test_client()
    assert sign_in(client, "advisor", PASSWORD).status_code == 302
    return client


def record_of(applicants: pd.DataFrame, client_id: int) -> dict:
    """The applicant's row as an API caller would send it (JSON, nulls for missing values)."""
    row = applicants[applicants["SK_ID_CURR"] == client_id].iloc[0]
    # Through json.dumps (exact floats), as a Python caller would send it.
    plain = {k: None if pd.isna(v) else v for k, v in row.items()}
    plain = {k: v.item() if hasattr(v, "item") else v for k, v in plain.items()}
    return json.loads(json.dumps(plain))


# -------------------------------------------------------------------------------- without login


def test_health_is_public_and_names_only_the_model(server, scoring) -> None:
    response = server.test_client().get("/api/health")
    assert response.status_code == 200
    answer = response.get_json()
    assert set(answer) == {"status", "ready", "model_version"}
    assert answer["status"] == "ok" and answer["model_version"] == scoring.model_version
    assert server.config["CREDIT_SERVICES"].comparison is not None  # waits for the loader
    assert server.test_client().get("/api/health").get_json()["ready"] is True


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/?client=100002"),
        ("GET", "/analyst"),
        ("GET", "/reports/drift"),
        ("GET", "/advisor-tools/decisions.csv"),
        ("GET", "/assets/app.css"),
        ("GET", "/_dash-layout"),
        ("GET", "/_dash-dependencies"),
        ("POST", "/_dash-update-component"),
        ("GET", "/api/clients/{id}"),
        ("POST", "/api/score"),
        ("GET", "/api/does-not-exist"),
    ],
)
def test_nothing_without_login(server, applicants, known_id, method, path) -> None:
    client = server.test_client()
    response = client.open(path.format(id=known_id), method=method, json={"x": 1})
    assert response.status_code in (302, 401)
    body = response.get_data(as_text=True)
    assert str(known_id) not in body and "default_probability" not in body
    # Nor with a wrong key.
    response = client.open(
        path.format(id=known_id), method=method, json={"x": 1}, headers={"X-API-Key": "nope"}
    )
    assert response.status_code in (302, 401)
    assert str(known_id) not in response.get_data(as_text=True)


def test_the_listed_data_routes_are_the_apps(server) -> None:
    """Keeps the list above honest: the routes that carry data still exist under those paths."""
    from credit_dashboard.web.pages.advisor.components.decision import EXPORT_PATH
    from credit_dashboard.web.pages.analyst.components.drift_report import DRIFT_REPORT_URL

    rules = {rule.rule for rule in server.url_map.iter_rules()}
    assert {EXPORT_PATH, DRIFT_REPORT_URL} <= rules
    assert EXPORT_PATH == "/advisor-tools/decisions.csv" and DRIFT_REPORT_URL == "/reports/drift"


def test_the_drift_report_is_served_signed_in_and_framable_same_origin_only(server) -> None:
    analyst = server.test_client()
    assert sign_in(analyst, "analyst", PASSWORD).status_code == 302  # reports are for analysts
    response = analyst.get("/reports/drift")
    # The session's training always writes the report: it is served, whole, to an analyst.
    assert response.status_code == 200
    assert response.mimetype == "text/html" and b"<html" in response.get_data()[:2000].lower()
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]


# --------------------------------------------------------------------------------- GET a client


def test_client_answer_is_the_pages_result(server, scoring, known_id) -> None:
    response = server.test_client().get(f"/api/clients/{known_id}", headers=KEY)
    assert response.status_code == 200
    answer = response.get_json()
    expected = scoring.score_client(known_id)
    assert answer["client_id"] == known_id
    assert answer["decision"] in ("grant", "refuse") and answer["decision"] == expected.decision
    assert answer["default_probability"] == pytest.approx(expected.default_probability, abs=1e-12)
    assert answer["decision_threshold"] == expected.decision_threshold
    assert answer["model_version"] == scoring.model_version
    top = answer["contributions"]
    assert len(top) == 10
    assert [c["feature"] for c in top] == [c.feature for c in expected.contributions[:10]]
    assert all(c["label"] and c["label"] != c["feature"] for c in top[:3])  # readable labels
    # The listed contributions plus the rest add up to the probability, as on the waterfall.
    log_odds = answer["base_value"] + sum(c["contribution"] for c in top)
    log_odds += answer["other_contributions"]["sum"]
    assert 1 / (1 + math.exp(-log_odds)) == pytest.approx(answer["default_probability"], abs=1e-6)


def test_client_answer_matches_the_advisor_page(advisor, known_id) -> None:
    """The gauge the advisor sees shows the probability and threshold the API returns."""
    api = advisor.get(f"/api/clients/{known_id}").get_json()  # a signed-in session works too
    deps = advisor.get("/_dash-dependencies").get_json()
    store = f"{ids.CLIENT_STORE}.data"
    body = dash_body(f"{score.GAUGE}.figure", {store: str(known_id)}, store, deps)
    page = advisor.post("/_dash-update-component", json=body)
    assert page.status_code == 200
    gauge = page.get_json()["response"][score.GAUGE]["figure"]["data"][0]
    assert gauge["value"] == pytest.approx(api["default_probability"] * 100, abs=1e-9)
    assert gauge["gauge"]["threshold"]["value"] == pytest.approx(api["decision_threshold"] * 100)


def test_top_parameter(server, scoring, known_id) -> None:
    client = server.test_client()
    every = client.get(f"/api/clients/{known_id}?top=all", headers=KEY).get_json()
    assert len(every["contributions"]) == len(scoring.score_client(known_id).contributions)
    three = client.get(f"/api/clients/{known_id}?top=3", headers=KEY).get_json()
    assert len(three["contributions"]) == 3
    for bad in ("0", "-1", "abc", "9999", "1e3", "%3Cscript%3E"):
        response = client.get(f"/api/clients/{known_id}?top={bad}", headers=KEY)
        assert response.status_code == 400 and "top" in response.get_json()["error"]


def test_unknown_client_is_a_404(server, scoring) -> None:
    unknown = 9_999_999_999
    assert not scoring.has_client(unknown)
    response = server.test_client().get(f"/api/clients/{unknown}", headers=KEY)
    assert response.status_code == 404
    assert response.get_json()["field"] == "client_id"
    assert response.get_json()["request_id"] == response.headers["X-Request-ID"]


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("-5", "negative"),
        ("0", "starts at 1"),
        ("123456789012345", "at most 10 digits"),
        ("9" * 5000, "at most 10 digits"),
        ("abc", "digits only"),
        ("12.5", "digits only"),
        (quote("1 OR 1=1"), "database query"),
        (quote("100002; DROP TABLE clients--"), "database query"),
        (quote("<script>alert(1)</script>"), "markup"),
        ("..%2F..%2Fetc%2Fpasswd", "path"),
        ("100002/../../etc/passwd", "path"),
        ("%00", "digits only"),
    ],
)
def test_hostile_ids_in_the_url_get_a_clear_400(server, raw: str, fragment: str) -> None:
    response = server.test_client().get(f"/api/clients/{raw}", headers=KEY)
    assert response.status_code == 400, response.get_data(as_text=True)
    answer = response.get_json()
    assert fragment in answer["error"] and answer["field"] == "client_id"
    assert "alert" not in response.get_data(as_text=True)  # the input is never echoed


@pytest.mark.parametrize(
    "text", ["-5", "abc", "99999999999999", "1 OR 1=1", "<script>alert(1)</script>", "../../etc"]
)
def test_hostile_ids_on_the_page_get_a_message(advisor, text: str) -> None:
    """The same ids typed in the search box or put in the page address (?client=...)."""
    deps = advisor.get("/_dash-dependencies").get_json()
    store = f"{ids.CLIENT_STORE}.data"
    address = f"{search.ADDRESS}.search"
    from_address = dash_body(address, {address: f"?client={quote(text)}"}, address, deps)
    response = advisor.post("/_dash-update-component", json=from_address)
    assert response.status_code in (200, 204)
    body = dash_body(f"{ids.MESSAGE}.children", {store: text}, store, deps)
    response = advisor.post("/_dash-update-component", json=body)
    assert response.status_code == 200
    shown = json.dumps(response.get_json()["response"][ids.MESSAGE])
    assert "No client to show" in shown
    typed = dash_body(f"{search.SUGGESTIONS}.children", {f"{search.INPUT}.value": text},
                      f"{search.INPUT}.value", deps)
    response = advisor.post("/_dash-update-component", json=typed)
    assert response.status_code in (200, 204)


# ------------------------------------------------------------------------------ POST a record


def test_a_record_scores_like_the_client_it_describes(server, scoring, applicants, known_id):
    record = record_of(applicants, known_id)
    response = server.test_client().post("/api/score", json=record, headers=KEY)
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    by_id = scoring.score_client(known_id)
    assert answer["client_id"] == known_id
    assert answer["default_probability"] == pytest.approx(by_id.default_probability, abs=1e-9)
    assert answer["decision"] == by_id.decision


def test_a_record_without_optional_fields_is_scored(server, applicants, known_id) -> None:
    from credit_dashboard.services.validation import REQUIRED_FIELDS

    full = record_of(applicants, known_id)
    minimal = {k: v for k, v in full.items() if k in REQUIRED_FIELDS}
    response = server.test_client().post("/api/score", json=minimal, headers=KEY)
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["client_id"] is None and 0 < answer["default_probability"] < 1


def test_invalid_fields_are_listed(server, applicants, known_id) -> None:
    record = record_of(applicants, known_id) | {
        "AMT_CREDIT": "lots",
        "AMT_ANNUITY": -1,
        "CODE_GENDER": "Robot",
        "DAYS_BIRTH": -100,
        "FAVOURITE_COLOUR": "blue",
    }
    response = server.test_client().post("/api/score", json=record, headers=KEY)
    assert response.status_code == 422
    fields = {f["field"]: f["problem"] for f in response.get_json()["fields"]}
    assert set(fields) == {"AMT_CREDIT", "AMT_ANNUITY", "CODE_GENDER", "DAYS_BIRTH",
                           "FAVOURITE_COLOUR"}


def test_nan_and_infinity_literals_are_refused_by_field(server, applicants, known_id) -> None:
    body = json.dumps(record_of(applicants, known_id))[:-1]
    body += ', "EXT_SOURCE_1": NaN, "EXT_SOURCE_2": Infinity, "AMT_GOODS_PRICE": -Infinity}'
    response = server.test_client().post(
        "/api/score", data=body, content_type="application/json", headers=KEY
    )
    assert response.status_code == 422
    fields = {f["field"] for f in response.get_json()["fields"]}
    assert fields == {"EXT_SOURCE_1", "EXT_SOURCE_2", "AMT_GOODS_PRICE"}


@pytest.mark.parametrize(
    ("body", "content_type", "status", "fragment"),
    [
        ('{"AMT_CREDIT": 1', "application/json", 400, "malformed JSON"),
        ("", "application/json", 400, "malformed JSON"),
        ("\xff\xfe", "application/json", 400, "malformed JSON"),
        (b"\xff\xfe{}", "application/json", 400, "UTF-8"),
        ("[" * 20000 + "]" * 20000, "application/json", 400, "malformed JSON"),
        ('{"AMT_CREDIT": 1' + "0" * 6000 + "}", "application/json", 400, "malformed JSON"),
        ("[1, 2]", "application/json", 422, "cannot be scored"),
        ('"text"', "application/json", 422, "cannot be scored"),
        ("AMT_CREDIT=1", "application/x-www-form-urlencoded", 415, "application/json"),
        ('{"AMT_CREDIT": 1}', "text/plain", 415, "application/json"),
        ('{"a": "' + "x" * 70 * 1024 + '"}', "application/json", 413, "larger than 64 KiB"),
    ],
)
def test_malformed_and_oversized_bodies(server, body, content_type, status, fragment) -> None:
    response = server.test_client().post(
        "/api/score", data=body, content_type=content_type, headers=KEY
    )
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert fragment in response.get_json()["error"]
    assert response.headers["Content-Type"] == "application/json"


def test_oversized_body_without_a_length_is_cut_off(server) -> None:
    """A chunked upload declares no length: the limit still applies while reading."""
    import io

    stream = io.BytesIO(b'{"a": "' + b"x" * (200 * 1024) + b'"}')
    response = server.test_client().post(
        "/api/score", input_stream=stream, content_type="application/json",
        headers={**KEY, "Transfer-Encoding": "chunked"},
    )
    assert response.status_code in (400, 413)


def test_wrong_method_and_path_answer_in_json(server) -> None:
    client = server.test_client()
    response = client.get("/api/score", headers=KEY)
    assert response.status_code == 405 and "error" in response.get_json()
    response = client.get("/api/nothing-here", headers=KEY)
    assert response.status_code == 404 and "error" in response.get_json()


def test_logs_carry_ids_and_timings_but_no_client_data(server, applicants, known_id, caplog):
    caplog.set_level(logging.DEBUG)
    record = record_of(applicants, known_id) | {"AMT_INCOME_TOTAL": 123456.789}
    client = server.test_client()
    client.post("/api/score", json=record, headers={**KEY, "X-Request-ID": "audit-7"})
    client.post("/api/score", json=record | {"EXT_SOURCE_3": "secret-value-text"}, headers=KEY)
    assert "rid=audit-7 POST /api/score 200" in caplog.text
    assert "123456" not in caplog.text and "secret-value-text" not in caplog.text
    assert API_KEY not in caplog.text and PASSWORD not in caplog.text


# --------------------------------------------------------------------------------- integrity


def test_a_tampered_model_stops_the_app_naming_the_file(
    small_data_dir: Path, small_artifacts_dir: Path, tmp_path: Path
) -> None:
    from credit_dashboard.services.container import StartupError
    from credit_dashboard.web.app import create_app

    artifacts = tmp_path / "artifacts"
    shutil.copytree(small_artifacts_dir, artifacts)
    model = active_directory(artifacts) / "model.joblib"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0x01  # one byte changed
    model.write_bytes(bytes(data))
    with pytest.raises(StartupError, match="model.joblib"):
        create_app(Settings(data_dir=small_data_dir, artifacts_dir=artifacts),
                   with_auth=False, with_api=False)
