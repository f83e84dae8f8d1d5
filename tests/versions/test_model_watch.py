"""The model watcher in one process: a switch is complete (scores, cache, decisions, API, similar
clients, drift summary), a broken version is refused with the previous one kept, rollback works."""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd
import pytest

from credit_dashboard.model.artifact import load_version
from credit_dashboard.model.versions import version_dir, write_active
from credit_dashboard.services.container import load_services

from .conftest import TwoVersions, derived_version


class DictCache:
    """A results cache that remembers every key it was given."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    def get(self, key: str):
        return self.values.get(key)

    def set(self, key: str, value, timeout=None) -> bool:
        self.values[key] = value
        return True


@pytest.fixture()
def services(two_versions: TwoVersions, monkeypatch):
    monkeypatch.setenv("CREDIT_DECISIONS_DB", str(two_versions.artifacts.parent / "d.sqlite3"))
    return load_services(two_versions.settings, cache=DictCache(), background=False)


def _client(services) -> int:
    return int(services.applicants["SK_ID_CURR"].iloc[5])


def _probability(two_versions: TwoVersions, version: str, row: pd.DataFrame) -> float:
    model = load_version(version_dir(two_versions.artifacts, version)).model
    return float(model.default_probability(row)[0])


def test_a_switch_serves_the_new_version_and_the_cache_keeps_no_stale_result(
    two_versions: TwoVersions, services
) -> None:
    client = _client(services)
    row = services.scoring.applicant_row(client)
    before = services.scoring.score_client(client)
    assert before.model_version == two_versions.first
    assert services.scoring.score_client(client) is before  # served from the cache
    write_active(two_versions.artifacts, two_versions.second)
    assert services.model_watcher.check()
    after = services.scoring.score_client(client)
    assert after.model_version == two_versions.second == services.scoring.model_version
    assert after.default_probability == pytest.approx(
        _probability(two_versions, two_versions.second, row), abs=1e-9)
    assert after.default_probability != pytest.approx(before.default_probability, abs=1e-6)
    assert after.decision_threshold == pytest.approx(0.2)
    keys = list(services.cache.values)
    assert len(keys) == 2 and two_versions.first in keys[0] and two_versions.second in keys[1]
    assert not services.model_watcher.check()  # nothing new: no second switch


def test_the_decision_log_and_the_api_record_the_switched_version(
    two_versions: TwoVersions, services
) -> None:
    from flask import Flask

    from credit_dashboard.web import api
    from credit_dashboard.web.pages.advisor.components.decision import record

    client = _client(services)
    services.scoring.score_client(client)  # the first version's answer is cached
    write_active(two_versions.artifacts, two_versions.second)
    assert services.model_watcher.check()
    server = Flask(__name__)
    api.register(server, services)
    answer = server.test_client().get(f"/api/clients/{client}").get_json()
    assert answer["model_version"] == two_versions.second
    assert server.test_client().get("/api/health").get_json()["model_version"] == \
        two_versions.second
    with server.test_request_context():
        record(services.decision_store, services.scoring.score_client(client), "grant", "")
    logged = services.decision_store.history(client)
    assert [d.model_version for d in logged] == [two_versions.second]


@pytest.mark.parametrize("kind", ["tampered", "no_card", "unloadable", "schema"])
def test_a_broken_version_is_refused_in_one_line_and_the_previous_keeps_serving(
    two_versions: TwoVersions, services, kind: str, caplog
) -> None:
    client = _client(services)
    before = services.scoring.score_client(client)
    broken = two_versions.broken(kind)
    write_active(two_versions.artifacts, broken)
    with caplog.at_level(logging.ERROR, logger="credit_dashboard.services.model_watch"):
        assert not services.model_watcher.check()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "refused" in errors[0].getMessage()
    assert broken in errors[0].getMessage() and "\n" not in errors[0].getMessage()
    assert services.scoring.model_version == two_versions.first
    assert services.scoring.score_client(client).default_probability == before.default_probability
    # The watch goes on: a good activation still switches, and rolling back is the same step.
    write_active(two_versions.artifacts, two_versions.second)
    assert services.model_watcher.check()
    assert services.scoring.score_client(client).model_version == two_versions.second
    write_active(two_versions.artifacts, two_versions.first)
    assert services.model_watcher.check()
    assert services.scoring.score_client(client).model_version == two_versions.first


def test_similar_clients_show_the_served_versions_out_of_fold_probabilities(
    two_versions: TwoVersions, services
) -> None:
    from credit_dashboard.web.pages.advisor.components.similar import neighbours_view

    index = services.neighbour_index.get(timeout=120)
    row = services.scoring.applicant_row(_client(services))

    def shown() -> tuple[pd.DataFrame, str]:
        served = services.scoring.served
        answer = index.query(row, k=10, scores=served.out_of_fold)
        oof = served.loaded.table("oof_predictions").set_index("SK_ID_CURR")
        expected = oof.loc[answer.neighbours["SK_ID_CURR"], "default_probability"].to_numpy()
        np.testing.assert_allclose(answer.neighbours["default_probability"], expected)
        assert answer.scores_version == served.version
        return answer.neighbours, str(neighbours_view(answer, served.version))

    first, text = shown()
    assert "out-of-fold scores" in text and two_versions.first in text
    write_active(two_versions.artifacts, two_versions.second)
    assert services.model_watcher.check()
    second, text = shown()
    assert two_versions.second in text
    np.testing.assert_allclose(second["default_probability"], first["default_probability"] / 2)

    # A version that kept no out-of-fold table: no probability, and the panel says why.
    bare = derived_version(two_versions.artifacts, with_oof=False, threshold=0.3)
    write_active(two_versions.artifacts, bare)
    assert services.model_watcher.check()
    answer = index.query(row, k=10, scores=services.scoring.served.out_of_fold)
    assert answer.scores_version is None
    assert answer.neighbours["default_probability"].isna().all()
    text = str(neighbours_view(answer, bare))
    assert f"Model version {bare} kept no out-of-fold probabilities" in text


def test_the_drift_summary_follows_the_served_version(two_versions: TwoVersions, services):
    assert services.drift_summary is not None  # the training run wrote one
    bare = derived_version(two_versions.artifacts)  # written without drift files
    write_active(two_versions.artifacts, bare)
    assert services.model_watcher.check()
    assert services.drift_summary is None
    assert services.drift_summary_path.parent.name == bare


def test_a_worker_started_with_polling_switches_by_itself(two_versions: TwoVersions,
                                                          monkeypatch) -> None:
    monkeypatch.setenv("CREDIT_DECISIONS_DB", str(two_versions.artifacts.parent / "d.sqlite3"))
    services = load_services(two_versions.settings)  # polls every 0.2 s
    try:
        write_active(two_versions.artifacts, two_versions.second)
        deadline = time.monotonic() + 60
        while services.scoring.model_version != two_versions.second:
            assert time.monotonic() < deadline, "the poller never switched"
            time.sleep(0.05)
        assert services.model_watcher.switches == [two_versions.second]
    finally:
        services.model_watcher.stop()
