"""Per-client results in a real Redis (marker ``redis``): shared by instances, keyed by model
version, and a dead server costs a recomputation, not an error."""

from __future__ import annotations

import json
import uuid

import pytest
import redis
from flask import Flask

from credit_dashboard.config import Settings
from credit_dashboard.i18n import use_language
from credit_dashboard.services.scoring import ScoringService
from credit_dashboard.web.cache import describe_redis, init_cache

pytestmark = pytest.mark.redis


@pytest.fixture
def settings(redis_server_url: str) -> Settings:
    # A prefix of its own: tests (and runs) sharing the server never see each other's keys.
    return Settings(redis_url=redis_server_url, cache_key_prefix=f"test-{uuid.uuid4().hex}/")


def _instance(settings: Settings):
    """One app instance's cache (a separate Flask server, as on another host)."""
    return init_cache(Flask(f"instance-{uuid.uuid4().hex}"), settings)


def test_a_result_cached_by_one_instance_is_read_by_another(settings, scoring_model) -> None:
    loaded, applicants = scoring_model
    first = ScoringService(loaded, applicants, cache=_instance(settings))
    second_cache = _instance(settings)
    second = ScoringService(loaded, applicants, cache=second_cache)
    client = int(applicants["SK_ID_CURR"].iloc[3])

    scored = first.score_client(client)
    key = f"client-result/{first.model_version}/en/{client}"
    assert _same(second_cache.get(key), scored)  # the very result, through Redis
    assert _same(second.score_client(client), scored)

    # The key sits under the app's prefix and the model version, so nothing else collides.
    server = redis.Redis.from_url(settings.redis_url)
    stored = [k.decode() for k in server.scan_iter(f"{settings.cache_key_prefix}*")]
    assert stored == [f"{settings.cache_key_prefix}{key}"]
    assert first.model_version in stored[0]


def _same(a, b) -> bool:
    # JSON: missing feature values are NaN, which never equals itself in a dataclass comparison.
    return a is not None and json.dumps(a.to_dict()) == json.dumps(b.to_dict())


def test_each_language_has_its_own_results(settings, scoring_model) -> None:
    loaded, applicants = scoring_model
    cache = _instance(settings)
    service = ScoringService(loaded, applicants, cache=cache)
    client = int(applicants["SK_ID_CURR"].iloc[2])
    with use_language("en"):
        english = service.score_client(client)
    with use_language("fr"):
        french = service.score_client(client)
    assert english.default_probability == french.default_probability
    # Labels are in the words of the advisor who asked: one entry per language, never the first
    # asker's words for everyone.
    version = service.model_version
    assert _same(cache.get(f"client-result/{version}/en/{client}"), english)
    assert _same(cache.get(f"client-result/{version}/fr/{client}"), french)


def test_another_model_version_never_reads_the_old_results(settings, scoring_model) -> None:
    loaded, applicants = scoring_model
    cache = _instance(settings)
    service = ScoringService(loaded, applicants, cache=cache)
    client = int(applicants["SK_ID_CURR"].iloc[0])
    service.score_client(client)
    assert cache.get(f"client-result/{service.model_version}/en/{client}") is not None
    assert cache.get(f"client-result/another-version/en/{client}") is None


def test_redis_down_means_recomputed_results_and_one_warning(scoring_model, caplog) -> None:
    loaded, applicants = scoring_model
    dead = Settings(redis_url="redis://:pw-not-logged@127.0.0.1:1/0")
    cache = _instance(dead)
    service = ScoringService(loaded, applicants, cache=cache)
    client = int(applicants["SK_ID_CURR"].iloc[1])
    results = [service.score_client(client) for _ in range(3)]
    assert _same(results[0], results[1]) and _same(results[1], results[2])
    assert results[0].client_id == client
    warnings = [r for r in caplog.records if "results cache" in r.getMessage()]
    assert len(warnings) == 1 and "pw-not-logged" not in warnings[0].getMessage()
    assert describe_redis(dead.redis_url) == "redis://127.0.0.1:1/0"
