"""Settings from the environment, in one place, with defaults that run the embedded data set.

Every path is resolved relative to the working directory (the repository root when started by the
README command or gunicorn via the ``Procfile``), so one code path serves checkout and deployment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

TRAIN_TABLE = "application_train.parquet"
APPLICANTS_TABLE = "application_test.parquet"
TRUE_PD_TABLE = "true_default_probability.parquet"
MODEL_FILE = "model.joblib"
MODEL_CARD_FILE = "model_card.json"
DRIFT_REPORT_FILE = "drift_report.html"
DRIFT_SUMMARY_FILE = "drift_summary.json"


def _env_path(name: str, default: str) -> Path:
    return Path(os.environ.get(name, default)).expanduser()


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_number(name: str, default: float, kind: type, what: str):
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return kind(raw)
    except ValueError as exc:
        raise ValueError(f"environment variable {name}={raw!r} is not {what}") from exc


def _env_int(name: str, default: int) -> int:
    return _env_number(name, default, int, "an integer")


def _env_float(name: str, default: float) -> float:
    return _env_number(name, default, float, "a number")


@dataclass(frozen=True)
class Settings:
    """What the app and the scripts need to know about their surroundings."""

    data_dir: Path = field(default_factory=lambda: _env_path("CREDIT_DATA_DIR", "data"))
    artifacts_dir: Path = field(
        default_factory=lambda: _env_path("CREDIT_ARTIFACTS_DIR", "artifacts")
    )
    host: str = field(default_factory=lambda: os.environ.get("CREDIT_HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: _env_int("PORT", 8050))
    #: flask-caching backend: "SimpleCache" (per process, default) or e.g. "FileSystemCache".
    cache_type: str = field(
        default_factory=lambda: os.environ.get("CREDIT_CACHE_TYPE", "SimpleCache")
    )
    cache_dir: Path = field(default_factory=lambda: _env_path("CREDIT_CACHE_DIR", ".cache"))
    cache_timeout_s: int = field(default_factory=lambda: _env_int("CREDIT_CACHE_TIMEOUT", 3600))
    debug: bool = field(default_factory=lambda: _env_bool("CREDIT_DEBUG", False))
    #: The lender's name on documents for applicants (the printed refusal notice).
    lender_name: str = field(
        default_factory=lambda: os.environ.get("CREDIT_LENDER_NAME", "").strip()
        or "Prêt à dépenser"
    )
    #: Shared state of several instances. ``CREDIT_DATABASE_URL`` (SQLAlchemy URL, e.g.
    #: ``postgresql+psycopg://user:pass@db/credit``): the decision log and batch metadata; unset,
    #: each keeps its SQLite file in the data dir.
    database_url: str | None = field(
        default_factory=lambda: os.environ.get("CREDIT_DATABASE_URL", "").strip() or None
    )
    #: ``CREDIT_REDIS_URL`` (``redis://host:6379/0``): per-client results cache and rate-limit
    #: counters shared by every instance; unset, the cache is per process (``CREDIT_CACHE_TYPE``).
    redis_url: str | None = field(
        default_factory=lambda: os.environ.get("CREDIT_REDIS_URL", "").strip() or None
    )
    #: Seconds between two looks at ``active.json`` by each worker (``services.model_watch``): a
    #: newly activated model version is served within about this long plus its load. 0: no watch.
    model_poll_s: float = field(
        default_factory=lambda: _env_float("CREDIT_MODEL_POLL_SECONDS", 1.0)
    )
    #: ``CREDIT_BATCH_DRIFT_COLUMNS``: at most this many raw columns in each batch's Evidently
    #: report (``services.monitoring.drift_columns``); 0 or unset: every column. Evidently costs
    #: about 60 ms a column whatever the rows: a lender with a much wider table may cap it.
    batch_drift_columns: int = field(
        default_factory=lambda: _env_int("CREDIT_BATCH_DRIFT_COLUMNS", 0)
    )
    #: ``CREDIT_MALLOC_ARENAS``: glibc malloc arenas of a web process (``allocator``); 0
    #: leaves glibc's default of eight per core. Each request thread otherwise keeps freed
    #: memory in an arena of its own: 170 MB more per worker after 300 clients, measured.
    malloc_arenas: int = field(default_factory=lambda: _env_int("CREDIT_MALLOC_ARENAS", 2))
    #: Prefix of every key the app writes to Redis, so several apps can share one server.
    cache_key_prefix: str = field(
        default_factory=lambda: os.environ.get("CREDIT_CACHE_KEY_PREFIX", "credit-dashboard/")
    )

    @property
    def train_path(self) -> Path:
        return self.data_dir / TRAIN_TABLE

    @property
    def applicants_path(self) -> Path:
        return self.data_dir / APPLICANTS_TABLE

    @property
    def model_path(self) -> Path:
        return self.artifacts_dir / MODEL_FILE

    @property
    def model_card_path(self) -> Path:
        return self.artifacts_dir / MODEL_CARD_FILE

    @property
    def drift_report_path(self) -> Path:
        return self.artifacts_dir / DRIFT_REPORT_FILE

    @property
    def drift_summary_path(self) -> Path:
        return self.artifacts_dir / DRIFT_SUMMARY_FILE


def get_settings() -> Settings:
    """Read the environment now (tests change it between app instances)."""
    return Settings()
