"""The decision log's table and its per-client index.

A file made by the log before Alembic (stdlib sqlite3, ``PRAGMA user_version = 1``) already holds
this very table: it is adopted as it is, so no recorded decision is touched.

Revision ID: 0001_decisions
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_decisions"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("decisions"):
        return
    op.create_table(
        "decisions",
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
        sa.CheckConstraint("client_id > 0", name="decisions_client_id_positive"),
        sa.CheckConstraint("decision IN ('grant', 'refuse')", name="decisions_decision_known"),
        sa.CheckConstraint(
            "model_decision IN ('grant', 'refuse')", name="decisions_model_decision_known"
        ),
        sa.CheckConstraint('length("user") > 0', name="decisions_user_given"),
        sa.CheckConstraint("length(model_version) > 0", name="decisions_model_version_given"),
        sa.CheckConstraint(
            "default_probability BETWEEN 0 AND 1", name="decisions_probability_share"
        ),
        sa.CheckConstraint("decision_threshold BETWEEN 0 AND 1", name="decisions_threshold_share"),
        sqlite_autoincrement=True,
    )
    op.create_index("decisions_by_client", "decisions", ["client_id", "id"])


def downgrade() -> None:
    op.drop_index("decisions_by_client", table_name="decisions")
    op.drop_table("decisions")
