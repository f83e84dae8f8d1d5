"""Alembic migrations of the product's database, applied on first use by every process.

``upgrade_to_head(engine)`` is safe when several gunicorn workers (or instances on several hosts)
start at once: the upgrade runs inside one transaction that first takes a lock every other
upgrader waits on (``pg_advisory_xact_lock`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), and
Alembic, seeing that transaction, adds none of its own. The second process then finds the schema
at head and does nothing.

A new revision goes in ``versions/`` (``alembic revision`` with ``script_location`` pointing here,
or by hand after the existing one).
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from credit_dashboard.storage.database import SQLITE_IMMEDIATE

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent
#: Any fixed 64-bit number: the advisory lock every upgrader of this product's database takes.
_ADVISORY_LOCK_KEY = 0x43524544_4C4F47  # "CREDLOG"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_to_head(engine: Engine) -> None:
    """Bring the database's schema to the newest revision (idempotent, concurrency-safe)."""
    config = alembic_config()
    with engine.connect().execution_options(**{SQLITE_IMMEDIATE: True}) as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK_KEY})")
        before = MigrationContext.configure(conn).get_current_revision()
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        after = MigrationContext.configure(conn).get_current_revision()
    if before != after:
        logger.info("database schema upgraded from %s to %s", before or "nothing", after)
