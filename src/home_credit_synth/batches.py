"""Monthly production batches: new applicants after the history, drifting month by month.

A lender's model meets a new population every month. Each batch is drawn like the applicant
table, with the drift of its month (:mod:`drift`: small in the first month, clearly visible in the
last), ids above every id of the history and of the applicant table (new applications get new
numbers), and the true default probability of every client, computed with the history's intercept
so that it is on the same scale. The oldest batches also get their repayment outcomes, drawn from
those probabilities (``TARGET ~ Bernoulli(true probability)``), dated about a year after the batch.

Files, in ``<data>/batches/``:

- ``batch_YYYY-MM.parquet``: the 121 applicant columns of ``application_test``;
- ``outcomes_YYYY-MM.parquet``: ``SK_ID_CURR``, ``TARGET`` (0/1), ``OUTCOME_DATE`` (YYYY-MM-DD);
- ``true_default_probability_batches.parquet``: ``SK_ID_CURR``, ``TRUE_PD`` of every batch client;
- ``credit_records/YYYY-MM/<table>.parquet``: the six credit-record tables of the batch's clients;
- ``manifest.json``: ``{"batches": [{"file", "as_of", "rows", "outcomes", "credit_records"},
  ...]}``, oldest first (``credit_records`` only when the records were written).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from credit_dashboard.storage import schema
from credit_dashboard.storage.credit_records.schema import RECORDS_DIR
from home_credit_synth.credit_records.generate import select_traits
from home_credit_synth.drift import Drift, schedule
from home_credit_synth.marginals import TEST
from home_credit_synth.risk import default_probability, risk_log_odds
from home_credit_synth.tables import draw_table, to_frame

BATCHES_DIR = "batches"
MANIFEST_FILE = "manifest.json"
BATCH_TRUE_PD_FILE = "true_default_probability_batches.parquet"
TRUE_PD_COLUMN = "TRUE_PD"
OUTCOME_DATE_COLUMN = "OUTCOME_DATE"
#: The batches are the months before this date (fixed, so a seed gives the same files any day).
REFERENCE_DATE = date(2027, 1, 1)
#: Repayment outcomes are known this many months after the batch.
OUTCOME_MONTHS = 12
#: Ids of a batch are drawn from a block this much larger than the batch (gaps, as in real ids).
_ID_BLOCK_SLACK = 1.25


@dataclass(frozen=True)
class Batch:
    """One month of applicants, their true default probabilities and, if known, outcomes."""

    as_of: date
    drift: float
    applicants: pd.DataFrame
    true_pd: np.ndarray
    outcomes: pd.DataFrame | None
    #: The clients' latent traits the credit records read (row order of ``applicants``).
    traits: dict[str, np.ndarray] | None = None

    @property
    def month(self) -> str:
        return f"{self.as_of:%Y-%m}"

    @property
    def file(self) -> str:
        return f"batch_{self.month}.parquet"

    @property
    def outcomes_file(self) -> str | None:
        return None if self.outcomes is None else f"outcomes_{self.month}.parquet"


def month_ends(n_batches: int, reference: date = REFERENCE_DATE) -> list[date]:
    """Last day of each of the ``n_batches`` months before ``reference``'s month, oldest first."""
    last = pd.Timestamp(reference).to_period("M") - 1
    periods = [last - (n_batches - 1 - i) for i in range(n_batches)]
    return [p.to_timestamp(how="end").date() for p in periods]


def draw_batches(
    seed_seq: np.random.SeedSequence,
    n_batches: int,
    batch_rows: int,
    first_id: int,
    intercept: float,
    outcome_batches: int | None = None,
    reference: date = REFERENCE_DATE,
) -> list[Batch]:
    """The monthly batches, oldest first; outcomes for the ``outcome_batches`` oldest ones
    (default: half of them)."""
    if n_batches < 0 or (n_batches and batch_rows < 1):
        raise ValueError(f"need n_batches >= 0 and batch_rows >= 1, got {n_batches}, {batch_rows}")
    outcome_batches = n_batches // 2 if outcome_batches is None else outcome_batches
    if not 0 <= outcome_batches <= n_batches:
        raise ValueError(f"outcome_batches must be within [0, {n_batches}], got {outcome_batches}")
    block = math.ceil(batch_rows * _ID_BLOCK_SLACK)
    batches = []
    for month, (as_of, intensity, seq) in enumerate(
        zip(month_ends(n_batches, reference), schedule(n_batches), seed_seq.spawn(n_batches),
            strict=True)
    ):  # fmt: skip
        id_seq, draw_seq, outcome_seq = seq.spawn(3)
        start = first_id + month * block
        ids = np.sort(
            np.random.default_rng(id_seq).choice(
                np.arange(start, start + block, dtype=np.int64), size=batch_rows, replace=False
            )
        )
        draft = draw_table(np.random.default_rng(draw_seq), batch_rows, TEST, Drift(intensity))
        true_pd = default_probability(risk_log_odds(draft), intercept)
        outcomes = None
        if month < outcome_batches:
            target = np.random.default_rng(outcome_seq).random(batch_rows) < true_pd
            outcome_date = (pd.Timestamp(as_of) + pd.offsets.MonthEnd(OUTCOME_MONTHS)).date()
            outcomes = pd.DataFrame(
                {
                    schema.ID_COLUMN: ids,
                    schema.TARGET_COLUMN: target.astype(np.int64),
                    OUTCOME_DATE_COLUMN: np.full(batch_rows, outcome_date.isoformat(), object),
                }
            )
        applicants = to_frame(draft, ids, schema.TEST_COLUMNS, None)
        batches.append(
            Batch(as_of, intensity, applicants, true_pd, outcomes, select_traits(draft.traits))
        )
    return batches


def manifest(batches: list[Batch], credit_records: bool = False) -> dict:
    """The manifest's content: one entry per batch, oldest first; with ``credit_records`` each
    entry names the folder of its clients' records (relative to the batches folder)."""
    entries = []
    for b in batches:
        entry = {
            "file": b.file,
            "as_of": b.as_of.isoformat(),
            "rows": len(b.applicants),
            "outcomes": b.outcomes_file,
        }
        if credit_records:
            entry["credit_records"] = batch_records_dir(b)
        entries.append(entry)
    return {"batches": entries}


def batch_records_dir(batch: Batch) -> str:
    """A batch's records folder, relative to the batches folder: ``credit_records/YYYY-MM``."""
    return f"{RECORDS_DIR}/{batch.month}"


def batch_true_pd(batches: list[Batch]) -> pd.DataFrame:
    """Every batch client's true default probability (for checking back-tests)."""
    ids = [b.applicants[schema.ID_COLUMN].to_numpy() for b in batches]
    pds = [b.true_pd for b in batches]
    return pd.DataFrame(
        {
            schema.ID_COLUMN: np.concatenate(ids) if ids else np.array([], dtype=np.int64),
            TRUE_PD_COLUMN: np.concatenate(pds) if pds else np.array([], dtype=float),
        }
    )
