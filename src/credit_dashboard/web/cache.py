"""flask-caching on the app's Flask server, configured from the settings.

Per-client results are cached by the scoring service under ``(model version, client id)``; this
module only builds the cache. Backends:

- ``CREDIT_REDIS_URL`` set: flask-caching's Redis backend, one cache shared by every worker and
  every instance. Keys carry ``CREDIT_CACHE_KEY_PREFIX`` (several apps may share a server) and the
  model version (an instance on a new model never reads the old model's results). Values are
  pickled, so the Redis server must be reachable only by the app (as for any Redis).
- else ``CREDIT_CACHE_TYPE``: SimpleCache (default, per process: fine for results that take
  milliseconds to recompute) or FileSystemCache (shared by the workers of one host through
  ``settings.cache_dir``).

A cache is an optimisation: when Redis is down the page still answers (the result is recomputed)
and the failure is logged, at most once a minute, instead of turning every page into an error.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask_caching import Cache

from credit_dashboard.config import Settings

logger = logging.getLogger(__name__)

#: Results kept in a SimpleCache before the oldest go (a few KB each).
SIMPLE_CACHE_THRESHOLD = 5000
#: Seconds between two warnings about an unreachable cache.
WARN_EVERY_S = 60.0


class ResultsCache:
    """``get``/``set`` of a flask-caching ``Cache``; a failing backend reads as a miss."""

    def __init__(self, cache: Cache, description: str) -> None:
        self.cache = cache
        self.description = description
        self._last_warning = float("-inf")
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        try:
            return self.cache.get(key)
        except Exception as exc:  # any backend failure is a miss, not an error page
            self._warn("read", exc)
            return None

    def set(self, key: str, value: Any, timeout: int | None = None) -> bool:
        try:
            return bool(self.cache.set(key, value, timeout=timeout))
        except Exception as exc:
            self._warn("write", exc)
            return False

    def _warn(self, action: str, exc: Exception) -> None:
        with self._lock:
            now = time.monotonic()
            if now - self._last_warning < WARN_EVERY_S:
                return
            self._last_warning = now
        logger.warning(
            "results cache %s: could not %s (%s); results are recomputed meanwhile",
            self.description, action, exc,
        )


def describe_redis(url: str) -> str:
    """A Redis URL for logs: without its password."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return f"{parts.scheme}://{netloc}{parts.path}"


def cache_config(settings: Settings) -> dict[str, object]:
    """The flask-caching configuration the settings ask for."""
    config: dict[str, object] = {
        "CACHE_DEFAULT_TIMEOUT": settings.cache_timeout_s,
        "CACHE_KEY_PREFIX": settings.cache_key_prefix,
    }
    if settings.redis_url:
        config.update(
            CACHE_TYPE="RedisCache",
            CACHE_REDIS_URL=settings.redis_url,
            # A dead server must cost a page a fraction of a second, not the client's patience.
            CACHE_OPTIONS={"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        )
        return config
    config.update(CACHE_TYPE=settings.cache_type, CACHE_THRESHOLD=SIMPLE_CACHE_THRESHOLD)
    if settings.cache_type.lower().endswith("filesystemcache"):
        settings.cache_dir.mkdir(parents=True, exist_ok=True)
        config["CACHE_DIR"] = str(settings.cache_dir)
    return config


def init_cache(server: Flask, settings: Settings) -> ResultsCache:
    """The results cache bound to ``server`` (usable outside a request too)."""
    config = cache_config(settings)
    cache = Cache(server, config=config)
    where = describe_redis(settings.redis_url) if settings.redis_url else str(config["CACHE_TYPE"])
    logger.info("results cache: %s", where)
    return ResultsCache(cache, where)
