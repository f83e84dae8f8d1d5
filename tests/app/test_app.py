"""The app factory: start-up checks, routes, pages, adding a panel, the advisor views."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import plotly.graph_objects as go
import pytest
from dash import html

from credit_dashboard.config import MODEL_CARD_FILE, MODEL_FILE, Settings
from credit_dashboard.figures.score import gauge
from credit_dashboard.model.artifact import active_directory
from credit_dashboard.services.comparison import CategorySummary, NumericSummary
from credit_dashboard.services.container import StartupError, load_services
from credit_dashboard.storage.schema import ID_COLUMN
from credit_dashboard.web.pages.advisor import page as advisor_page
from credit_dashboard.web.pages.advisor.components import compare, explanation, profile, score
from credit_dashboard.web.pages.advisor.components import search as advisor

ROOT = Path(__file__).resolve().parents[2]


def _find(component, wanted_id: str):
    """The component with ``id == wanted_id`` in a layout tree, or None."""
    if getattr(component, "id", None) == wanted_id:
        return component
    children = getattr(component, "children", None)
    if children is None:
        return None
    for child in children if isinstance(children, (list, tuple)) else [children]:
        found = _find(child, wanted_id)
        if found is not None:
            return found
    return None


def _all(component, kind: type) -> list:
    """Every component of type ``kind`` in a layout tree, in document order."""
    found = [component] if isinstance(component, kind) else []
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and not isinstance(child, (str, int, float)):
            found += _all(child, kind)
    return found


def _text(component) -> str:
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    children = getattr(component, "children", None)
    if isinstance(children, (list, tuple)):
        return " ".join(_text(c) for c in children)
    return _text(children)


def test_importing_the_app_module_needs_no_artifacts() -> None:
    import credit_dashboard.web.app as app_module

    assert app_module._server is None


def test_missing_artifacts_stop_with_the_file_and_command(tmp_path: Path, small_data_dir) -> None:
    with pytest.raises(StartupError) as caught:
        load_services(Settings(data_dir=small_data_dir, artifacts_dir=tmp_path))
    message = str(caught.value)
    assert str(tmp_path) in message and "train" in message


def test_missing_tables_stop_with_the_file_and_command(tmp_path: Path, small_artifacts_dir) -> None:
    with pytest.raises(StartupError) as caught:
        load_services(Settings(data_dir=tmp_path, artifacts_dir=small_artifacts_dir))
    message = str(caught.value)
    assert "application_test.parquet" in message and "make_data.py" in message


def test_a_history_file_that_is_not_parquet_stops_the_start(
    tmp_path: Path, small_data_dir, small_artifacts_dir
) -> None:
    from credit_dashboard.config import APPLICANTS_TABLE, TRAIN_TABLE

    shutil.copy(small_data_dir / APPLICANTS_TABLE, tmp_path / APPLICANTS_TABLE)
    (tmp_path / TRAIN_TABLE).write_text("SK_ID_CURR,TARGET\n1,0\n")
    with pytest.raises(StartupError, match="not a readable Parquet table"):
        load_services(Settings(data_dir=tmp_path, artifacts_dir=small_artifacts_dir))


def test_past_clients_load_in_the_background(app_settings, services) -> None:
    background = load_services(app_settings)  # returns before the history is read
    assert len(background.history) == len(services.history)
    assert background.comparison.features == services.comparison.features
    assert background.comparison_ready()
    assert background.comparison.typical == services.comparison.typical


def test_tampered_model_is_refused(tmp_path: Path, small_data_dir, small_artifacts_dir) -> None:
    for name in (MODEL_FILE, MODEL_CARD_FILE):
        shutil.copy(active_directory(small_artifacts_dir) / name, tmp_path / name)
    with (tmp_path / MODEL_FILE).open("ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(StartupError, match=MODEL_FILE):
        load_services(Settings(data_dir=small_data_dir, artifacts_dir=tmp_path))


def test_cli_exits_with_one_readable_line(tmp_path: Path) -> None:
    env = {**os.environ, "CREDIT_DATA_DIR": str(tmp_path), "CREDIT_ARTIFACTS_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "credit_dashboard"], env=env, capture_output=True, text=True,
        timeout=120, cwd=ROOT,
    )
    assert done.returncode == 2
    assert "cannot start the dashboard" in done.stderr
    assert "Traceback" not in done.stderr


def test_pages_are_served(dash_app) -> None:
    client = dash_app.server.test_client()
    index = client.get("/")
    assert index.status_code == 200
    page = index.get_data(as_text=True)
    assert "/assets/vendor/bootstrap.min.css" in page
    assert "cdn" not in page.lower() and "https://" not in page
    assert client.get("/assets/vendor/bootstrap.min.css").status_code == 200
    report = client.get("/reports/drift")
    assert report.status_code == 200 and report.mimetype == "text/html"


def test_router_renders_each_page(dash_app, services) -> None:
    from credit_dashboard.web.app import render_page

    advisor_page = render_page(services, "/", "?client=123")
    assert _find(advisor_page, "advisor-client-id").data == "123"
    frame = _find(render_page(services, "/analyst", None), "drift-report-frame")
    assert frame.src == "/reports/drift"
    model_page = render_page(services, "/model", None)
    assert _find(model_page, "cv-table") is not None
    assert "no page at /nowhere" in _text(render_page(services, "/nowhere", None))


def test_missing_drift_report_says_how_to_produce_it(tmp_path, small_data_dir, small_artifacts_dir):
    from credit_dashboard.web.pages.analyst.page import layout

    for name in (MODEL_FILE, MODEL_CARD_FILE):
        shutil.copy(active_directory(small_artifacts_dir) / name, tmp_path / name)
    services = load_services(Settings(data_dir=small_data_dir, artifacts_dir=tmp_path))
    text = _text(layout(services))
    assert "drift_report.html is missing" in text and "scripts/train.py" in text


def test_drift_summary_lists_the_most_drifted_columns(services) -> None:
    from credit_dashboard.web.pages.analyst.components.drift_summary import (
        drift_summary_block,
    )

    summary = json.loads(services.drift_summary_path.read_text())
    # The generator draws the applicants apart from the history (revolving loans almost absent,
    # for one): the training's drift report finds columns that drifted.
    assert summary["n_drifted"] > 0 and summary["drifted_columns"], summary
    block = drift_summary_block(summary)
    text = _text(block)
    assert f"({summary['n_drifted']} of {summary['n_columns']})" in text
    assert "No column drifted." not in text
    # The table names them, most drifted first, each by its Kaggle name.
    codes = [_text(code) for code in _all(block, html.Code)]
    assert codes[:3] == summary["drifted_columns"][:3]


def test_drift_summary_says_when_no_column_drifted() -> None:
    from credit_dashboard.web.pages.analyst.components.drift_summary import (
        drift_summary_block,
    )

    summary = {"share_drifted": 0.0, "n_drifted": 0, "n_columns": 121, "drifted_columns": [],
               "columns": {}, "rows_reference": 500, "rows_current": 500}
    block = drift_summary_block(summary)
    assert "No column drifted." in _text(block) and "(0 of 121)" in _text(block)
    assert _all(block, html.Code) == []


def test_create_app_registers_logins_api_and_pages_in_order(app_settings, dash_app) -> None:
    from credit_dashboard.web.app import create_app

    app = create_app(app_settings)
    parts = app.server.config["CREDIT_PARTS"]
    assert parts == ("auth", "api", "page /", "page /analyst", "page /model",
                     "page /admin/accounts")
    assert app.server.test_client().get("/api/health").status_code == 200
    # The tests' app: pages only, no login in front of them.
    assert dash_app.server.config["CREDIT_PARTS"] == (
        "page /", "page /analyst", "page /model", "page /admin/accounts")
    assert dash_app.server.test_client().get("/").status_code == 200


def test_a_panel_added_to_the_page_is_rendered_and_wired(app_settings, monkeypatch) -> None:
    """Adding a panel is one module and one line in CLIENT_PANELS."""
    from types import SimpleNamespace

    from credit_dashboard.web.app import create_app, render_page

    def register_callbacks(app, services) -> None:
        @app.server.route("/panel-ping")
        def ping():
            return "pong"

    panel = SimpleNamespace(
        layout=lambda services: html.Div("extra panel", id="extra-panel"),
        register_callbacks=register_callbacks,
    )
    monkeypatch.setattr(advisor_page, "CLIENT_PANELS", (*advisor_page.CLIENT_PANELS, panel))
    app = create_app(app_settings, with_auth=False, with_api=False)
    assert app.server.test_client().get("/panel-ping").get_data(as_text=True) == "pong"
    page = render_page(app.server.config["CREDIT_SERVICES"], "/", None)
    assert _find(page, "extra-panel") is not None


def test_client_query_parsing() -> None:
    assert advisor.client_from_query("?client=100001") == "100001"
    assert advisor.client_from_query("?client=%3Cscript%3E") == "<script>"
    assert advisor.client_from_query("") is None
    assert advisor.query_for(" <b> ") == "?client=%3Cb%3E"


def test_client_view_and_comparisons_for_a_real_client(services) -> None:
    client_id = int(services.applicants[ID_COLUMN].iloc[0])
    result = services.scoring.score_client(client_id)
    row = services.scoring.applicant_row(client_id).iloc[0]
    card = profile.profile_card(row)
    compare_feature, scatter_x, scatter_y = compare.default_features(services, result)
    assert advisor_page.header(result) == f"Client {client_id}"
    assert "Age" in _text(card) and "years" in _text(card)
    assert ("Refuse" if result.decision == "refuse" else "Grant") in _text(
        score.decision_block(result)
    )
    assert len(explanation.readings(services, result)) == explanation.READINGS_TOP
    assert compare_feature in services.comparison_features
    assert scatter_x != scatter_y
    go.Figure(explanation.client_waterfall(result))  # valid Plotly
    go.Figure(gauge(result.default_probability, result.decision_threshold))

    numeric = next(f for f, s in services.comparison.summaries.items()
                   if isinstance(s, NumericSummary))
    figure = go.Figure(compare.comparison_figure(services, result, numeric))
    assert [t.type for t in figure.data] == ["bar", "bar"]
    categorical = next((f for f, s in services.comparison.summaries.items()
                        if isinstance(s, CategorySummary)), None)
    if categorical is not None:
        figure = go.Figure(compare.comparison_figure(services, result, categorical))
        assert figure.data[0].type == "bar"
    x, y = services.scatter_features[:2]
    scatter = go.Figure(compare.bivariate_figure(services, result, x, y))
    assert scatter.data[0].name.startswith("Repaid")


def test_every_script_of_the_page_is_servable_before_the_first_request(app_settings) -> None:
    """A gunicorn worker's first requests arrive together (a browser fetching the page's scripts).
    Dash learns which scripts it may serve during its first-request set-up, which it marks done
    before doing: without the set-up in create_app, a script asked for meanwhile got a 500."""
    import re
    import threading

    from credit_dashboard.web.app import create_app

    app = create_app(app_settings, with_auth=False, with_api=False)
    known = {name: set(paths) for name, paths in app.registered_paths.items()}
    client = app.server.test_client()
    page = client.get("/").get_data(as_text=True)
    scripts = re.findall(r'src="(/_dash-component-suites/[^"]+)"', page)
    assert len(scripts) >= 8  # React, the renderer, dcc, html, bootstrap ...
    for url in scripts:
        package, fingerprinted = url.split("/")[2], url.split("/", 3)[3]
        path = re.sub(r"\.v[\w]+m\d+", "", fingerprinted)  # Dash's fingerprint in the name
        assert path in known.get(package, set()), url

    # And a fresh app answers a burst of first script requests, all at once, with no error.
    fresh = create_app(app_settings, with_auth=False, with_api=False)
    statuses: list[int] = []

    def fetch(url: str) -> None:
        statuses.append(fresh.server.test_client().get(url).status_code)

    threads = [threading.Thread(target=fetch, args=(url,)) for url in scripts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * len(scripts)
