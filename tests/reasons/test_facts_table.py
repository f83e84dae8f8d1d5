"""The analysts' table of every fact is built when its fold is opened, for the client shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from credit_dashboard.config import Settings
from credit_dashboard.services.grouped import grouped
from credit_dashboard.web.pages.advisor.components import reasons

STORE = "advisor-client-id"


@pytest.fixture(scope="module")
def page_client(small_data_dir: Path, small_artifacts_dir: Path):
    from credit_dashboard.web.app import create_app

    app = create_app(Settings(data_dir=small_data_dir, artifacts_dir=small_artifacts_dir),
                     with_auth=False, with_api=False)
    return app.server.test_client()


def _facts(client, client_id: str, opened: int | None) -> dict:
    body = {
        "output": f"{reasons.REASONS_FACTS}.children",
        "outputs": {"id": reasons.REASONS_FACTS, "property": "children"},
        "inputs": [
            {"id": STORE, "property": "data", "value": client_id},
            {"id": reasons.REASONS_FACTS_TOGGLE, "property": "n_clicks", "value": opened},
        ],
        "changedPropIds": [f"{STORE}.data"],
        "state": [],
    }
    response = client.post("/_dash-update-component", json=body,
                           headers={"Accept-Language": "en"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"][reasons.REASONS_FACTS]["children"]


def _row_headers(table: dict) -> list[str]:
    body = table["props"]["children"][1]["props"]["children"]
    return [row["props"]["children"][0]["props"]["children"] for row in body
            if row["props"].get("className") == "table-light"]


def test_the_table_waits_for_the_fold_then_follows_the_client(page_client, scored_clients) -> None:
    first, second = scored_clients[0], scored_clients[1]
    assert _facts(page_client, str(first.client_id), None) is None
    table = _facts(page_client, str(first.client_id), 1)
    assert table["props"]["id"] == "reasons-facts-table"
    from credit_dashboard.i18n import use_language

    with use_language("en"):
        expected_first = [g.label for g in grouped(first).groups]
        expected_second = [g.label for g in grouped(second).groups]
    assert _row_headers(table) == expected_first
    # Opened once, it stays filled for the next client, with that client's facts.
    assert _row_headers(_facts(page_client, str(second.client_id), 1)) == expected_second
    assert _facts(page_client, "999999999", 1) is None  # unknown client: nothing, no error
