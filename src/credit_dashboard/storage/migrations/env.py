"""Alembic environment: always run on the connection ``upgrade_to_head`` passes in."""

from __future__ import annotations

from alembic import context

from credit_dashboard.storage.decisions_schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run the migrations through credit_dashboard.storage.migrations.upgrade_to_head(engine)"
    )
context.configure(connection=connection, target_metadata=metadata)
# Inside the caller's transaction (which holds the upgrade lock): Alembic adds none of its own.
with context.begin_transaction():
    context.run_migrations()
