"""The decision log's tables as SQLAlchemy Core sees them (queries are built on them).

The database's schema itself is made by the Alembic migrations in ``storage/migrations``; these
objects must describe the schema they produce (a test compares the two).

Three insert-only tables share one hash chain (:mod:`credit_dashboard.storage.decisions_chain`):
``decisions``, ``review_requests`` (an applicant asks for a human review of a decision) and
``review_outcomes`` (the reviewer's answer). A review's state is the join of the two: nothing is
ever updated, so the chain can vouch for every row.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()


def _chain_columns(nullable: bool) -> list[sa.Column]:
    # Nullable on ``decisions`` only: the columns were added to a table that may hold rows, which
    # the upgrade then chains; every record written since has them.
    return [
        sa.Column("chain_seq", sa.Integer, nullable=nullable),
        sa.Column("previous_hash", sa.String(64), nullable=nullable),
        sa.Column("record_hash", sa.String(64), nullable=nullable),
    ]


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
    # What is needed to replay the decision (revision 0002): canonical JSON texts.
    sa.Column("inputs", sa.Text, nullable=True),
    sa.Column("input_hash", sa.String(64), nullable=True),
    sa.Column("reasons", sa.Text, nullable=True),
    sa.Column("counterfactual", sa.Text, nullable=True),
    sa.Column("recorded_before_chain", sa.Boolean, nullable=False, server_default=sa.false()),
    *_chain_columns(nullable=True),
    sa.Index("decisions_by_client", "client_id", "id"),
    sa.Index("decisions_by_chain_seq", "chain_seq", unique=True),
    sqlite_autoincrement=True,
)

review_requests = sa.Table(
    "review_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("decision_id", sa.Integer, sa.ForeignKey("decisions.id"), nullable=False),
    sa.Column("client_id", sa.BigInteger, nullable=False),
    sa.Column("statement", sa.Text, nullable=False),
    sa.Column("requested_by", sa.String(200), nullable=False),
    sa.Column("requested_at", sa.String(40), nullable=False),
    *_chain_columns(nullable=False),
    sa.Index("review_requests_by_decision", "decision_id", "id"),
    sa.Index("review_requests_by_client", "client_id", "id"),
    sa.Index("review_requests_by_chain_seq", "chain_seq", unique=True),
    sqlite_autoincrement=True,
)

review_outcomes = sa.Table(
    "review_outcomes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("review_id", sa.Integer, sa.ForeignKey("review_requests.id"), nullable=False),
    sa.Column("outcome", sa.String(10), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("reviewed_by", sa.String(200), nullable=False),
    sa.Column("reviewed_at", sa.String(40), nullable=False),
    sa.Column("corrected_inputs", sa.Text, nullable=True),
    sa.Column("rescored_probability", sa.Float, nullable=True),
    sa.Column("rescored_model_version", sa.String(100), nullable=True),
    *_chain_columns(nullable=False),
    # One outcome per review: a second answer would be a second truth.
    sa.Index("review_outcomes_by_review", "review_id", unique=True),
    sa.Index("review_outcomes_by_chain_seq", "chain_seq", unique=True),
    sqlite_autoincrement=True,
)

#: The chained tables and the kind of record each holds (the walk reads them all).
CHAINED_TABLES: dict[str, sa.Table] = {
    "decision": decisions,
    "review_request": review_requests,
    "review_outcome": review_outcomes,
}
