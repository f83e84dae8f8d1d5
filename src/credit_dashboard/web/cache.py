"""flask-caching on the app's Flask server, configured from the settings.

Per-client results are cached by the scoring service under ``(model version, client id)``; this
module only builds the cache. SimpleCache (the default) is per process: with several gunicorn
workers each keeps its own, which is fine for results that take milliseconds to recompute.
FileSystemCache shares results between workers through ``settings.cache_dir``.
"""

from __future__ import annotations

from flask import Flask
from flask_caching import Cache

from credit_dashboard.config import Settings

#: Results kept in a SimpleCache before the oldest go (a few KB each).
SIMPLE_CACHE_THRESHOLD = 5000


def init_cache(server: Flask, settings: Settings) -> Cache:
    """A flask-caching ``Cache`` bound to ``server`` (usable outside a request too)."""
    config: dict[str, object] = {
        "CACHE_TYPE": settings.cache_type,
        "CACHE_DEFAULT_TIMEOUT": settings.cache_timeout_s,
        "CACHE_THRESHOLD": SIMPLE_CACHE_THRESHOLD,
    }
    if settings.cache_type.lower().endswith("filesystemcache"):
        settings.cache_dir.mkdir(parents=True, exist_ok=True)
        config["CACHE_DIR"] = str(settings.cache_dir)
    return Cache(server, config=config)
