"""``reasons`` in the JSON API for an id and for a raw record; an empty list when granted."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from credit_dashboard.config import APPLICANTS_TABLE, Settings
from credit_dashboard.i18n import use_language
from credit_dashboard.services.reasons import refusal_reasons


@pytest.fixture(scope="module")
def api_client(small_data_dir: Path, small_artifacts_dir: Path):
    """The app with only the API extension (logins are the security suite's subject)."""
    from credit_dashboard.web.app import create_app

    app = create_app(Settings(data_dir=small_data_dir, artifacts_dir=small_artifacts_dir),
                     with_auth=False)
    return app.server.test_client()


def _record(small_data_dir: Path, client_id: int) -> dict:
    table = pd.read_parquet(small_data_dir / APPLICANTS_TABLE)
    row = table[table["SK_ID_CURR"] == client_id].iloc[0]
    plain = {k: None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)
             for k, v in row.items()}
    return json.loads(json.dumps(plain))


def test_api_returns_the_reasons_of_a_refusal(api_client, scored_clients, small_data_dir) -> None:
    refused = next(r for r in scored_clients if r.decision == "refuse")
    with use_language("en"):
        expected = [r.to_dict() for r in refusal_reasons(refused).reasons]
    assert expected
    answer = api_client.get(f"/api/clients/{refused.client_id}",
                            headers={"Accept-Language": "en"}).get_json()
    assert answer["decision"] == "refuse"
    assert [r["group"] for r in answer["reasons"]] == [r["group"] for r in expected]
    for got, want in zip(answer["reasons"], expected, strict=True):
        assert got["probability_change"] == pytest.approx(want["probability_change"], abs=1e-12)
        assert got["features"] == want["features"] and got["text"]
    # The other fields are still there, unchanged in shape.
    assert {"client_id", "default_probability", "contributions", "other_contributions"} <= set(
        answer
    )
    posted = api_client.post("/api/score", json=_record(small_data_dir, refused.client_id))
    assert posted.status_code == 200
    assert [r["group"] for r in posted.get_json()["reasons"]] == [r["group"] for r in expected]


def test_api_gives_an_empty_list_when_granted(api_client, scored_clients, small_data_dir) -> None:
    granted = next(r for r in scored_clients if r.decision == "grant")
    answer = api_client.get(f"/api/clients/{granted.client_id}?top=3").get_json()
    assert answer["decision"] == "grant" and answer["reasons"] == []
    posted = api_client.post("/api/score", json=_record(small_data_dir, granted.client_id))
    assert posted.get_json()["reasons"] == []
