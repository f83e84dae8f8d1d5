"""Decisions that can be replayed and cannot be altered unseen; review requests and outcomes.

Adds to ``decisions`` what a replay needs (the input row as scored, its hash, the reasons and the
counterfactual shown) and the chain columns, and creates the two insert-only review tables.

The rows already in the log are kept as they are and chained here, in id order, marked
``recorded_before_chain``: from now on altering or deleting one of them is detected like any
other record, and the verification reports them as predating the chain (they carry no inputs, so
they cannot be replayed).

Revision ID: 0002_decision_chain
Revises: 0001_decisions
Create Date: 2026-12-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from credit_dashboard.storage.decisions_chain import (
    GENESIS_HASH,
    HASHED_COLUMNS,
    KIND_DECISION,
    content_hash,
)

revision = "0002_decision_chain"
down_revision = "0001_decisions"
branch_labels = None
depends_on = None


def _chain_columns() -> list[sa.Column]:
    return [
        sa.Column("chain_seq", sa.Integer, nullable=False),
        sa.Column("previous_hash", sa.String(64), nullable=False),
        sa.Column("record_hash", sa.String(64), nullable=False),
    ]


def upgrade() -> None:
    for column in (
        sa.Column("inputs", sa.Text, nullable=True),
        sa.Column("input_hash", sa.String(64), nullable=True),
        sa.Column("reasons", sa.Text, nullable=True),
        sa.Column("counterfactual", sa.Text, nullable=True),
        sa.Column("recorded_before_chain", sa.Boolean, nullable=False,
                  server_default=sa.false()),
        sa.Column("chain_seq", sa.Integer, nullable=True),
        sa.Column("previous_hash", sa.String(64), nullable=True),
        sa.Column("record_hash", sa.String(64), nullable=True),
    ):
        op.add_column("decisions", column)
    op.create_index("decisions_by_chain_seq", "decisions", ["chain_seq"], unique=True)

    op.create_table(
        "review_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("decision_id", sa.Integer, sa.ForeignKey("decisions.id"), nullable=False),
        sa.Column("client_id", sa.BigInteger, nullable=False),
        sa.Column("statement", sa.Text, nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("requested_at", sa.String(40), nullable=False),
        *_chain_columns(),
        sa.CheckConstraint("length(statement) >= 5", name="review_requests_statement_given"),
        sa.CheckConstraint("length(requested_by) > 0", name="review_requests_user_given"),
        sqlite_autoincrement=True,
    )
    op.create_index("review_requests_by_decision", "review_requests", ["decision_id", "id"])
    op.create_index("review_requests_by_client", "review_requests", ["client_id", "id"])
    op.create_index("review_requests_by_chain_seq", "review_requests", ["chain_seq"], unique=True)

    op.create_table(
        "review_outcomes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("review_id", sa.Integer, sa.ForeignKey("review_requests.id"), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("reviewed_by", sa.String(200), nullable=False),
        sa.Column("reviewed_at", sa.String(40), nullable=False),
        sa.Column("corrected_inputs", sa.Text, nullable=True),
        sa.Column("rescored_probability", sa.Float, nullable=True),
        sa.Column("rescored_model_version", sa.String(100), nullable=True),
        *_chain_columns(),
        sa.CheckConstraint("outcome IN ('upheld', 'reversed')", name="review_outcomes_known"),
        sa.CheckConstraint("length(reason) >= 5", name="review_outcomes_reason_given"),
        sa.CheckConstraint("length(reviewed_by) > 0", name="review_outcomes_user_given"),
        sa.CheckConstraint(
            "rescored_probability IS NULL OR rescored_probability BETWEEN 0 AND 1",
            name="review_outcomes_probability_share",
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("review_outcomes_by_review", "review_outcomes", ["review_id"], unique=True)
    op.create_index("review_outcomes_by_chain_seq", "review_outcomes", ["chain_seq"], unique=True)

    _chain_existing_decisions()


def _chain_existing_decisions() -> None:
    """Chain the rows recorded before this revision, in id order (their content untouched)."""
    # The table as this revision knows it (not the current schema module, which may grow).
    table = sa.Table(
        "decisions", sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client_id", sa.BigInteger), sa.Column("decision", sa.String),
        sa.Column("model_decision", sa.String), sa.Column("reason", sa.Text),
        sa.Column("user", sa.String), sa.Column("model_version", sa.String),
        sa.Column("default_probability", sa.Float), sa.Column("decision_threshold", sa.Float),
        sa.Column("recorded_at", sa.String), sa.Column("inputs", sa.Text),
        sa.Column("input_hash", sa.String), sa.Column("reasons", sa.Text),
        sa.Column("counterfactual", sa.Text), sa.Column("recorded_before_chain", sa.Boolean),
        sa.Column("chain_seq", sa.Integer), sa.Column("previous_hash", sa.String),
        sa.Column("record_hash", sa.String),
    )
    bind = op.get_bind()
    previous = GENESIS_HASH
    rows = bind.execute(sa.select(table).order_by(table.c.id)).mappings().all()
    for seq, row in enumerate(rows, start=1):
        content = {name: row[name] for name in HASHED_COLUMNS[KIND_DECISION]}
        content.update(recorded_before_chain=True, chain_seq=seq, previous_hash=previous)
        record_hash = content_hash(KIND_DECISION, content)
        bind.execute(
            table.update().where(table.c.id == row["id"]).values(
                recorded_before_chain=True, chain_seq=seq, previous_hash=previous,
                record_hash=record_hash,
            )
        )
        previous = record_hash


def downgrade() -> None:
    op.drop_index("review_outcomes_by_chain_seq", table_name="review_outcomes")
    op.drop_index("review_outcomes_by_review", table_name="review_outcomes")
    op.drop_table("review_outcomes")
    op.drop_index("review_requests_by_chain_seq", table_name="review_requests")
    op.drop_index("review_requests_by_client", table_name="review_requests")
    op.drop_index("review_requests_by_decision", table_name="review_requests")
    op.drop_table("review_requests")
    op.drop_index("decisions_by_chain_seq", table_name="decisions")
    for name in ("record_hash", "previous_hash", "chain_seq", "recorded_before_chain",
                 "counterfactual", "reasons", "input_hash", "inputs"):
        op.drop_column("decisions", name)
