"""Ingesting a new applicant batch: validate everything, then store it all-or-nothing.

The order is what makes it safe. Everything that can refuse the file (unreadable, wrong schema,
malformed rows, an empty table, a file already ingested, client ids already known in the history,
the applicant table or another batch, a model that does not fit) is checked before anything is
written; the batch is then scored, monitored and staged in a private folder, and committed by one
rename plus one index transaction (:class:`credit_dashboard.storage.batches.BatchStore`). Ingests
are serialised by a file lock, so two at once cannot both claim the same ids, and the app keeps
serving throughout: it only reads committed batches.

A batch may come with its clients' credit records (a folder of Kaggle's record files,
:mod:`credit_dashboard.storage.credit_records.validation`): they are validated with the batch
(clients of this batch only, bureau months of this batch's bureau credits, no loan of a stored
client), joined as ``CR_*`` features before scoring when the model uses them, and stored as the
batch's part of the credit-record store in the same sequence as the batch: the part is written
just before the batch's commit and removed if that commit fails, and a part without a committed
batch (a killed ingest) is removed by the next ingest's sweep. So a failure leaves neither.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from credit_dashboard.config import Settings
from credit_dashboard.i18n import gettext as _
from credit_dashboard.model.record_features import (
    SIGNATURE,
    aggregate_frames,
    attach,
    is_record_feature,
)
from credit_dashboard.services import monitoring
from credit_dashboard.services.batch_scores import score_batch
from credit_dashboard.services.portfolio import portfolio_summary
from credit_dashboard.storage import batches as files
from credit_dashboard.storage.batches import BatchStore, write_json
from credit_dashboard.storage.batches_index import BatchRecord
from credit_dashboard.storage.credit_records.schema import RECORDS_DIR
from credit_dashboard.storage.credit_records.store import CreditRecordStore
from credit_dashboard.storage.credit_records.validation import read_records_dir
from credit_dashboard.storage.loading import APPLICANTS, DataValidationError, read_table
from credit_dashboard.storage.schema import ID_COLUMN

logger = logging.getLogger(__name__)


class IngestError(ValueError):
    """The file cannot become a batch; the one-line message says why (safe to show)."""


@dataclass
class IngestResult:
    record: BatchRecord
    #: Seconds per step (read, checks, scoring, monitoring, write), for the log and the benchmark.
    timings: dict[str, float] = field(default_factory=dict)


def file_fingerprint(path: Path) -> str:
    """sha256 of the file's bytes: the same file ingested twice is recognised whatever its name."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_as_of(text: str | date | None) -> str:
    """YYYY-MM-DD (today in UTC when not given)."""
    if text is None or text == "":
        return datetime.now(UTC).date().isoformat()
    if isinstance(text, date):
        return text.isoformat()
    try:
        return date.fromisoformat(str(text).strip()).isoformat()
    except ValueError:
        raise IngestError(
            _("the as-of date must be a date written YYYY-MM-DD, got {text!r}").format(text=text)
        ) from None


def _table_ids(path: Path) -> np.ndarray:
    if not path.is_file():
        return np.array([], dtype=np.int64)
    return pq.read_table(path, columns=[ID_COLUMN]).column(0).to_numpy()


def check_new_ids(ids: np.ndarray, settings: Settings, store: BatchStore, path: Path) -> None:
    """Refuse ids already known in the history, the applicant table or a stored batch."""
    places = [
        (_("the history"), _table_ids(settings.train_path)),
        (_("the applicant table"), _table_ids(settings.applicants_path)),
    ]
    in_batches = store.all_client_ids()
    if in_batches:
        places.append((_("earlier batches"), np.fromiter(in_batches, dtype=np.int64)))
    for where, known in places:
        shared = np.intersect1d(ids, known)
        if len(shared):
            first = int(shared[0])
            detail = f" ({in_batches[first]})" if first in in_batches else ""
            raise IngestError(
                _("{path}: {n} client id(s) are already known in {where}, e.g. {column} "
                  "{first}{detail}: a batch holds new applicants only").format(
                    path=path.name, n=len(shared), where=where, column=ID_COLUMN, first=first,
                    detail=detail)
            )


def _load_model(settings: Settings, columns: list[str], path: Path):
    from credit_dashboard.model.artifact import ArtifactError, check_input_schema, load_model

    try:
        loaded = load_model(settings.artifacts_dir)
        # The CR_* columns come from the credit records (joined before scoring), not the file.
        required = loaded.card.get("input_schema", {}).get("columns", [])
        check_input_schema(loaded.card, columns + [c for c in required if is_record_feature(c)],
                           path)
    except ArtifactError as exc:
        raise IngestError(str(exc).splitlines()[0]) from exc
    except FileNotFoundError as exc:
        raise IngestError(
            _("{file} is missing: train the model first (python scripts/train.py)").format(
                file=exc.filename or settings.model_path)
        ) from exc
    return loaded


def uses_records(model: object) -> bool:
    """Whether the model was trained with credit-record features (``CR_*`` inputs)."""
    return any(is_record_feature(c) for c in getattr(model, "input_columns", []))


def record_aggregates(records: dict[str, pd.DataFrame] | None,
                      applicants: pd.DataFrame) -> pd.DataFrame | None:
    """The ``CR_*`` features of the applicants from their records (``None``: no records)."""
    if not records:
        return None
    return aggregate_frames(records, applicants[ID_COLUMN].to_numpy())


def scoring_frame(model: object, applicants: pd.DataFrame,
                  aggregates: pd.DataFrame | None) -> pd.DataFrame:
    """What the model scores: the applicants, with their record features beside them when the
    model uses them (clients without records get the no-records values: counts 0, rest missing).
    A model trained without them scores the applicants as they are."""
    return attach(applicants, aggregates) if uses_records(model) else applicants


def read_batch_records(directory: str | Path, applicants: pd.DataFrame,
                       records: CreditRecordStore) -> dict[str, pd.DataFrame]:
    """The batch's credit records, validated: clients of this batch only, bureau months of this
    batch's bureau credits, and no loan already stored under another client."""
    try:
        # The store looks up only the loans the batch's files hold (the whole list of stored
        # loans took 5.4 s per batch at full size).
        return read_records_dir(directory, applicants[ID_COLUMN].to_numpy(),
                                existing_loans=records.loan_owners if records.available else None)
    except DataValidationError as exc:
        raise IngestError(str(exc)) from exc


def sweep_record_parts(store: BatchStore, records: CreditRecordStore) -> list[str]:
    """Remove credit-record parts whose batch was never committed (an ingest killed between
    the part's write and the batch's commit). Call while holding the batch store's lock."""
    known = {b.batch_id for b in store.index.batches()}
    removed = [part for part in records.parts() if part not in known]
    for part in removed:
        records.remove_part(part)
    if removed:
        logger.warning("removed the credit records of %d uncommitted batch(es): %s",
                       len(removed), removed)
    return removed


def _timed(function: Callable[..., object], *args: object) -> tuple[object, float]:
    started = time.perf_counter()
    return function(*args), time.perf_counter() - started


def _write_record_part(record_store: CreditRecordStore, batch_id: str,
                       records: dict[str, pd.DataFrame], aggregates: pd.DataFrame) -> None:
    """The batch's records as its part of the store, with the per-client features the scoring
    used in the same folder, so readers never aggregate them per request."""
    record_store.write_part(batch_id, records, aggregates=(aggregates, SIGNATURE))


def ingest_batch(
    path: str | Path,
    settings: Settings,
    as_of: str | date | None = None,
    store: BatchStore | None = None,
    source_name: str | None = None,
    credit_records: str | Path | None = None,
) -> IngestResult:
    """Validate, score, monitor and store ``path`` as a new batch; raise :class:`IngestError`.

    ``credit_records``: a folder of the batch's credit-record files (any subset of Kaggle's
    six), stored with the batch and used for its scores.
    """
    path = Path(path)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    as_of_text = parse_as_of(as_of)
    try:
        applicants = read_table(path, APPLICANTS)
    except DataValidationError as exc:
        raise IngestError(str(exc)) from exc
    fingerprint = file_fingerprint(path)
    timings["read"] = time.perf_counter() - started
    loaded = _load_model(settings, list(applicants.columns), path)
    store = store or BatchStore(settings.data_dir)
    record_store = CreditRecordStore(settings.data_dir / RECORDS_DIR)
    with store.lock():
        step = time.perf_counter()
        store.sweep()
        sweep_record_parts(store, record_store)
        earlier = store.index.batch_with_fingerprint(fingerprint)
        if earlier is not None:
            raise IngestError(
                _("{path}: this file was already ingested as batch {batch}").format(
                    path=path.name, batch=earlier)
            )
        check_new_ids(applicants[ID_COLUMN].to_numpy(), settings, store, path)
        records = (None if credit_records is None
                   else read_batch_records(credit_records, applicants, record_store))
        timings["checks"] = time.perf_counter() - step

        step = time.perf_counter()
        aggregates = record_aggregates(records, applicants)
        timings["record_features"] = time.perf_counter() - step
        step = time.perf_counter()
        part_written = False
        staging = store.new_staging()
        drift_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch-drift")
        try:
            reference = monitoring.load_or_build_reference(
                store.reference_dir(str(loaded.version)), loaded.model, loaded.card,
                settings.train_path,
            )
            timings["reference"] = time.perf_counter() - step
            # Evidently needs only the raw columns: it runs beside the scoring (Python in its
            # thread while the booster computes in C without the GIL).
            drift_started = time.perf_counter()
            drift = drift_pool.submit(
                _timed,
                partial(monitoring.batch_drift, max_columns=settings.batch_drift_columns),
                reference, applicants, staging / files.REPORT_FILE,
            )
            step = time.perf_counter()
            scored = scoring_frame(loaded.model, applicants, aggregates)
            scores = score_batch(loaded.model, scored, str(loaded.version))
            timings["scoring"] = time.perf_counter() - step

            step = time.perf_counter()
            probability = scores.table["default_probability"].to_numpy()
            figures = monitoring.score_and_feature_psi(reference, probability,
                                                       scores.feature_values)
            refused = scores.table["decision"].eq("refuse").to_numpy()
            portfolio = portfolio_summary(applicants, probability, refused)
            timings["psi_portfolio"] = time.perf_counter() - step
            step = time.perf_counter()
            figures["evidently"], timings["drift"] = drift.result()
            timings["drift_wait"] = time.perf_counter() - step
            timings["drift_and_scoring"] = time.perf_counter() - drift_started

            step = time.perf_counter()
            applicants.to_parquet(staging / files.APPLICANTS_FILE, index=False)
            scores.table.to_parquet(staging / files.SCORES_FILE, index=False)
            write_json(staging / files.MONITORING_FILE, figures)
            write_json(staging / files.PORTFOLIO_FILE, portfolio)
            ids = applicants[ID_COLUMN]
            record = BatchRecord(
                batch_id=f"{as_of_text}-{fingerprint[:8]}",
                as_of=as_of_text,
                ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
                source_name=(source_name or path.name)[:255],
                fingerprint=fingerprint,
                rows=int(len(applicants)),
                model_version=str(loaded.version),
                decision_threshold=float(loaded.model.decision_threshold),
                mean_probability=float(np.mean(probability)),
                refused_share=float(np.mean(refused)),
                score_psi=float(figures["score_psi"]),
                max_feature_psi=max((f["psi"] for f in figures["features"]), default=0.0),
                n_drifted_columns=int(figures["evidently"]["n_drifted"]),
                n_columns=int(figures["evidently"]["n_columns"]),
                min_client_id=int(ids.min()),
                max_client_id=int(ids.max()),
            )
            if records and aggregates is not None:
                _write_record_part(record_store, record.batch_id, records, aggregates)
                part_written = True
            store.commit(staging, record)
        except BaseException:
            drift_pool.shutdown(wait=False, cancel_futures=True)
            shutil.rmtree(staging, ignore_errors=True)
            if part_written:
                record_store.remove_part(record.batch_id)
            raise
        drift_pool.shutdown()
        timings["write"] = time.perf_counter() - step
    timings["total"] = time.perf_counter() - started
    logger.info("batch %s: %d clients ingested in %.1fs (%s)", record.batch_id, record.rows,
                timings["total"], ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))
    return IngestResult(record, timings)
