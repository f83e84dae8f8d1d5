"""Recording realised outcomes of earlier batches' clients, and back-testing those batches.

A file of ``SK_ID_CURR, TARGET[, OUTCOME_DATE]`` is validated as a whole (readable, the columns
there, whole ids, TARGET 0 or 1, dates YYYY-MM-DD, no id twice, every id a client of a stored
batch, none with an outcome already) before anything is written. The outcomes and the re-computed
back-tests of the batches they touch are then committed in one index transaction, so a refused or
killed ingest leaves the index exactly as it was.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.backtesting import backtest
from credit_dashboard.services.ingest import IngestError
from credit_dashboard.services.portfolio import segment_defaults
from credit_dashboard.storage.batches import BatchStore
from credit_dashboard.storage.loading import DataValidationError
from credit_dashboard.storage.loading import _read_raw as read_raw_table
from credit_dashboard.storage.schema import ID_COLUMN, TARGET_COLUMN

logger = logging.getLogger(__name__)

OUTCOME_DATE = "OUTCOME_DATE"


@dataclass(frozen=True)
class OutcomesResult:
    recorded: int
    #: Batch id -> clients of that batch with an outcome now.
    batches: dict[str, int]


def _where(position: int, is_csv: bool) -> str:
    return f"row {position + 1} (line {position + 2})" if is_csv else f"row {position + 1}"


def read_outcomes(path: Path) -> pd.DataFrame:
    """The validated outcomes (id int64, TARGET int, OUTCOME_DATE text or None)."""
    try:
        raw, is_csv = read_raw_table(path)
    except DataValidationError as exc:
        raise IngestError(str(exc)) from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in (ID_COLUMN, TARGET_COLUMN) if c not in raw.columns]
    if missing:
        raise IngestError(_("{path}: missing column(s) {columns}: an outcome file has {need}")
                          .format(path=path.name, columns=", ".join(missing),
                                  need=f"{ID_COLUMN}, {TARGET_COLUMN}[, {OUTCOME_DATE}]"))
    out = pd.DataFrame(index=raw.index)
    for column in (ID_COLUMN, TARGET_COLUMN):
        numbers = pd.to_numeric(raw[column], errors="coerce")
        bad = numbers.isna() | (numbers != np.round(numbers))
        if bad.any():
            position = int(np.flatnonzero(bad.to_numpy())[0])
            raise IngestError(_("{path}: {column} must be a whole number, found {value!r} at "
                                "{where}").format(path=path.name, column=column,
                                                  value=raw[column].iloc[position],
                                                  where=_where(position, is_csv)))
        out[column] = numbers.astype(np.int64)
    bad = ~out[TARGET_COLUMN].isin([0, 1])
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise IngestError(_("{path}: {column} must be 0 or 1, found {value} at {where}").format(
            path=path.name, column=TARGET_COLUMN, value=int(out[TARGET_COLUMN].iloc[position]),
            where=_where(position, is_csv)))
    duplicated = out[ID_COLUMN].duplicated(keep=False)
    if duplicated.any():
        first = int(out[ID_COLUMN][duplicated].iloc[0])
        raise IngestError(_("{path}: {column} {first} appears more than once ({n} duplicated "
                            "id(s)): one outcome per client").format(
            path=path.name, column=ID_COLUMN, first=first,
            n=int(out[ID_COLUMN].duplicated().sum())))
    has_dates = OUTCOME_DATE in raw.columns
    out[OUTCOME_DATE] = _dates(raw[OUTCOME_DATE], path, is_csv) if has_dates else None
    return out.reset_index(drop=True)


def _dates(values: pd.Series, path: Path, is_csv: bool) -> list[str | None]:
    out: list[str | None] = []
    for position, value in enumerate(values.tolist()):
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
            out.append(None)
            continue
        text = value.date().isoformat() if hasattr(value, "date") else str(value).strip()[:10]
        try:
            out.append(date.fromisoformat(text).isoformat())
        except ValueError:
            raise IngestError(_("{path}: {column} must be a date YYYY-MM-DD, found {value!r} at "
                                "{where}").format(path=path.name, column=OUTCOME_DATE,
                                                  value=value, where=_where(position, is_csv))
                              ) from None
    return out


def ingest_outcomes(path: str | Path, store: BatchStore) -> OutcomesResult:
    """Validate ``path`` and record its outcomes with the back-tests they change, or raise."""
    path = Path(path)
    outcomes = read_outcomes(path)
    with store.lock():
        owner = store.all_client_ids()
        batch_of = outcomes[ID_COLUMN].map(owner)
        unknown = batch_of.isna()
        if unknown.any():
            raise IngestError(_("{path}: {n} id(s) are not clients of any stored batch, e.g. "
                                "{column} {first}").format(
                path=path.name, n=int(unknown.sum()), column=ID_COLUMN,
                first=int(outcomes[ID_COLUMN][unknown].iloc[0])))
        already = outcomes[ID_COLUMN].isin(list(store.index.outcome_ids()))
        if already.any():
            raise IngestError(_("{path}: {n} client(s) already have an outcome recorded, e.g. "
                                "{column} {first}").format(
                path=path.name, n=int(already.sum()), column=ID_COLUMN,
                first=int(outcomes[ID_COLUMN][already].iloc[0])))
        outcomes["batch_id"] = batch_of.astype(str)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        backtests = {}
        for batch_id, new in outcomes.groupby("batch_id"):
            backtests[batch_id] = _batch_backtest(store, str(batch_id), new)
        rows = [
            {"client_id": int(r[ID_COLUMN]), "batch_id": r["batch_id"],
             "target": int(r[TARGET_COLUMN]), "outcome_date": r[OUTCOME_DATE], "ingested_at": now}
            for r in outcomes.to_dict("records")
        ]
        store.index.add_outcomes(rows, backtests, now)
    counts = {b: n for b, (n, _f) in backtests.items()}
    logger.info("recorded %d outcomes for batches %s", len(rows), counts)
    return OutcomesResult(len(rows), counts)


def _batch_backtest(store: BatchStore, batch_id: str, new: pd.DataFrame) -> tuple[int, dict]:
    """Back-test figures of a batch over its earlier outcomes plus ``new``."""
    earlier = pd.DataFrame(store.index.outcomes_of(batch_id),
                           columns=[ID_COLUMN, TARGET_COLUMN, OUTCOME_DATE])
    known = pd.concat([earlier, new[[ID_COLUMN, TARGET_COLUMN, OUTCOME_DATE]]],
                      ignore_index=True)
    scores = store.read_scores(batch_id).set_index(ID_COLUMN)
    applicants = store.read_applicants(batch_id).set_index(ID_COLUMN)
    ids = known[ID_COLUMN].to_numpy()
    record = store.index.get(batch_id)
    assert record is not None  # the ids were matched to this batch under the lock
    figures = backtest(known[TARGET_COLUMN].to_numpy(),
                       scores.loc[ids, "default_probability"].to_numpy(),
                       record.decision_threshold)
    figures["segments"] = segment_defaults(applicants.loc[ids].reset_index(),
                                           known[TARGET_COLUMN].to_numpy())
    dates = known[OUTCOME_DATE].dropna()
    figures["last_outcome_date"] = None if dates.empty else str(dates.max())
    return len(known), figures
