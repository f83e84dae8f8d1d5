"""The batch index: which applicant batches exist, their headline figures, outcomes, back-tests.

SQLAlchemy Core tables, so the same code runs on SQLite (the default,
``<data dir>/batches.sqlite3``) and on PostgreSQL (``CREDIT_DATABASE_URL``, shared by every host).
The index is the source of truth:
a batch exists once its row is committed; its files (``storage.batches``) are renamed into place
just before, so a reader that sees the row always finds complete files.

Every change bumps ``index_state.version`` in the same transaction: each worker polls that one
integer (:mod:`credit_dashboard.services.batch_clients`) to notice a new batch within seconds.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from credit_dashboard.storage.database import (
    database_url_from_env,
    ensure_wal,
    get_engine,
    sqlite_url,
)

logger = logging.getLogger(__name__)

INDEX_FILE = "batches.sqlite3"

metadata = sa.MetaData()

batches_table = sa.Table(
    "batches",
    metadata,
    sa.Column("batch_id", sa.String(64), primary_key=True),
    sa.Column("as_of", sa.String(10), nullable=False),
    sa.Column("ingested_at", sa.String(32), nullable=False),
    sa.Column("source_name", sa.String(255), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("model_version", sa.String(64), nullable=False),
    sa.Column("decision_threshold", sa.Float, nullable=False),
    sa.Column("mean_probability", sa.Float, nullable=False),
    sa.Column("refused_share", sa.Float, nullable=False),
    sa.Column("score_psi", sa.Float, nullable=False),
    sa.Column("max_feature_psi", sa.Float, nullable=False),
    sa.Column("n_drifted_columns", sa.Integer, nullable=False),
    sa.Column("n_columns", sa.Integer, nullable=False),
    sa.Column("min_client_id", sa.BigInteger, nullable=False),
    sa.Column("max_client_id", sa.BigInteger, nullable=False),
)

outcomes_table = sa.Table(
    "batch_outcomes",
    metadata,
    sa.Column("client_id", sa.BigInteger, primary_key=True),
    sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), nullable=False,
              index=True),
    sa.Column("target", sa.SmallInteger, nullable=False),
    sa.Column("outcome_date", sa.String(10), nullable=True),
    sa.Column("ingested_at", sa.String(32), nullable=False),
)

backtests_table = sa.Table(
    "batch_backtests",
    metadata,
    sa.Column("batch_id", sa.String(64), sa.ForeignKey("batches.batch_id"), primary_key=True),
    sa.Column("n_outcomes", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.String(32), nullable=False),
    #: The figures (AUC, Brier, calibration by decile, cost, segments) as JSON text.
    sa.Column("figures", sa.Text, nullable=False),
)

state_table = sa.Table(
    "batch_index_state",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)


@dataclass(frozen=True)
class BatchRecord:
    """One stored batch as the index knows it (what ``GET /api/batches`` lists)."""

    batch_id: str
    as_of: str
    ingested_at: str
    source_name: str
    fingerprint: str
    rows: int
    model_version: str
    decision_threshold: float
    mean_probability: float
    refused_share: float
    score_psi: float
    max_feature_psi: float
    n_drifted_columns: int
    n_columns: int
    min_client_id: int
    max_client_id: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_database_url(data_dir: Path) -> str:
    """``CREDIT_DATABASE_URL`` when set, else SQLite beside the tables."""
    return database_url_from_env() or sqlite_url(Path(data_dir).resolve() / INDEX_FILE)


def make_engine(url: str) -> Engine:
    """This process's engine for ``url`` (``storage.database``: one per process, re-created after
    a fork; SQLite in WAL mode with a busy timeout, so readers never block on an ingest)."""
    engine = get_engine(url)
    ensure_wal(engine, timeout_s=10.0)
    return engine


class BatchIndex:
    """Reads and writes the index tables; every write is one transaction."""

    def __init__(self, engine: Engine) -> None:
        self.url = engine.url.render_as_string(hide_password=False)
        metadata.create_all(engine)
        with engine.begin() as conn:
            if conn.execute(sa.select(state_table.c.version)).first() is None:
                conn.execute(state_table.insert().values(id=1, version=0))

    def _conn_engine(self) -> Engine:
        # Looked up per call: a forked worker gets its own engine, never the parent's connections.
        return get_engine(self.url)

    # -- reading ----------------------------------------------------------------------------
    def version(self) -> int:
        """The change counter: bumped by every committed batch or outcome file."""
        with self._conn_engine().connect() as conn:
            return int(conn.execute(sa.select(state_table.c.version)).scalar_one())

    def batches(self) -> list[BatchRecord]:
        """Every batch, newest first (as-of date, then ingestion time)."""
        query = sa.select(batches_table).order_by(
            batches_table.c.as_of.desc(), batches_table.c.ingested_at.desc()
        )
        with self._conn_engine().connect() as conn:
            return [BatchRecord(**row._mapping) for row in conn.execute(query)]

    def get(self, batch_id: str) -> BatchRecord | None:
        query = sa.select(batches_table).where(batches_table.c.batch_id == batch_id)
        with self._conn_engine().connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else BatchRecord(**row._mapping)

    def batch_with_fingerprint(self, fingerprint: str) -> str | None:
        query = sa.select(batches_table.c.batch_id).where(
            batches_table.c.fingerprint == fingerprint
        )
        with self._conn_engine().connect() as conn:
            return conn.execute(query).scalar_one_or_none()

    def outcome_ids(self) -> set[int]:
        with self._conn_engine().connect() as conn:
            return {int(v) for v in conn.execute(sa.select(outcomes_table.c.client_id)).scalars()}

    def outcomes_of(self, batch_id: str) -> list[tuple[int, int, str | None]]:
        """(client id, TARGET, outcome date) of the batch's clients with a known outcome."""
        query = sa.select(
            outcomes_table.c.client_id, outcomes_table.c.target, outcomes_table.c.outcome_date
        ).where(outcomes_table.c.batch_id == batch_id)
        with self._conn_engine().connect() as conn:
            return [(int(a), int(b), c) for a, b, c in conn.execute(query)]

    def backtests(self) -> dict[str, dict[str, Any]]:
        """Back-test figures per batch id (only batches with outcomes)."""
        with self._conn_engine().connect() as conn:
            rows = conn.execute(sa.select(backtests_table)).all()
        return {r.batch_id: {"n_outcomes": r.n_outcomes, **json.loads(r.figures)} for r in rows}

    # -- writing ----------------------------------------------------------------------------
    def add_batch(self, record: BatchRecord) -> None:
        """Commit a batch whose files are already in place (one transaction)."""
        with self._conn_engine().begin() as conn:
            conn.execute(batches_table.insert().values(**record.to_dict()))
            _bump(conn)
        logger.info("batch %s committed to the index", record.batch_id)

    def add_outcomes(
        self,
        rows: Iterable[Mapping[str, Any]],
        backtests: Mapping[str, tuple[int, dict[str, Any]]],
        updated_at: str,
    ) -> None:
        """Record outcomes and replace the affected batches' back-tests, all in one transaction."""
        rows = list(rows)
        with self._conn_engine().begin() as conn:
            if rows:
                conn.execute(outcomes_table.insert(), rows)
            for batch_id, (n_outcomes, figures) in backtests.items():
                conn.execute(backtests_table.delete().where(
                    backtests_table.c.batch_id == batch_id))
                conn.execute(backtests_table.insert().values(
                    batch_id=batch_id, n_outcomes=n_outcomes, updated_at=updated_at,
                    figures=json.dumps(figures, allow_nan=False),
                ))
            _bump(conn)


def _bump(conn: sa.Connection) -> None:
    conn.execute(state_table.update().values(version=state_table.c.version + 1))
