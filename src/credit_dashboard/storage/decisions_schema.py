"""The ``decisions`` table as SQLAlchemy Core sees it (queries are built on it).

The database's schema itself is made by the Alembic migrations in ``storage/migrations``; this
object must describe the schema they produce (a test compares the two).
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("client_id", sa.BigInteger, nullable=False),
    sa.Column("decision", sa.String(10), nullable=False),
    sa.Column("model_decision", sa.String(10), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("user", sa.String(200), nullable=False),
    sa.Column("model_version", sa.String(100), nullable=False),
    sa.Column("default_probability", sa.Float, nullable=False),
    sa.Column("decision_threshold", sa.Float, nullable=False),
    sa.Column("recorded_at", sa.String(40), nullable=False),
    sa.Index("decisions_by_client", "client_id", "id"),
    sqlite_autoincrement=True,
)
