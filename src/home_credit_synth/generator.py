"""The embedded default data set: synthetic clients with Kaggle's Home Credit schema.

``generate`` draws a labelled history (``application_train``: 122 columns) and new applicants
(``application_test``: 121 columns) whose columns, missing values, joint structure and default risk
follow the real data's statistics (see :mod:`parameters`), plus the true default probability of
every client, so the best achievable AUC (the Bayes AUC) is known. It is deterministic for a seed
and vectorised (no per-row Python), so the full default size takes seconds.

How a table is drawn: correlated latent traits per client (:mod:`latent`), then the person
(:mod:`person`), the loan (:mod:`loan`), the lender's records (:mod:`records`) and the building
(:mod:`housing`), each step reading earlier ones; then the true risk (:mod:`risk`). The applicants
are drawn by the same steps with the real applicants' shares, medians and missing fractions, so they
drift from the history as Kaggle's test set does.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from credit_dashboard.config import APPLICANTS_TABLE, TRAIN_TABLE, TRUE_PD_TABLE
from credit_dashboard.storage import schema
from credit_dashboard.storage.atomic import write_tables_atomic
from credit_dashboard.storage.credit_records.schema import RECORDS_DIR
from home_credit_synth.batches import (
    BATCH_TRUE_PD_FILE,
    BATCHES_DIR,
    MANIFEST_FILE,
    Batch,
    batch_true_pd,
    draw_batches,
    manifest,
)
from home_credit_synth.credit_records import RECORD_TRAITS, Counters, draw_records
from home_credit_synth.credit_records.writer import (
    RECORDS_STREAM,
    remove_records,
    remove_stale_batch_records,
    stage_records,
)
from home_credit_synth.marginals import TEST, TRAIN
from home_credit_synth.risk import default_probability, risk_log_odds, solve_intercept
from home_credit_synth.tables import draw_table, to_frame

logger = logging.getLogger(__name__)

#: Kaggle's SK_ID_CURR values run from 100002 to 456255.
FIRST_ID = 100_002
LAST_ID = 456_255

TRUE_PD_COLUMN = "TRUE_DEFAULT_PROBABILITY"
SPLIT_COLUMN = "SPLIT"


@dataclass(frozen=True)
class GeneratedData:
    """A generated history, its new applicants, every client's true default probability, and the
    monthly production batches that follow (none unless asked for)."""

    train: pd.DataFrame
    test: pd.DataFrame
    true_pd: pd.DataFrame
    batches: list[Batch] = field(default_factory=list)
    #: Latent traits the credit records read, per client of ``train`` then ``test`` (row order).
    traits: dict[str, np.ndarray] | None = None


def generate(
    n_train: int = 307_511,
    n_test: int = 48_744,
    seed: int = 42,
    n_batches: int = 0,
    batch_rows: int = 4_062,
    outcome_batches: int | None = None,
) -> GeneratedData:
    """Draw the history, the applicants and ``n_batches`` monthly batches (outcomes for the
    ``outcome_batches`` oldest, default half); same arguments, same frames (bit for bit)."""
    if n_train < 1 or n_test < 1:
        raise ValueError(f"n_train and n_test must be positive, got {n_train} and {n_test}")
    # Independent streams: the applicants do not change when only the history's size does, and
    # the history and applicants do not change with the batches (the fifth stream).
    id_seq, train_seq, test_seq, target_seq, batch_seq = np.random.SeedSequence(seed).spawn(5)
    train_ids, test_ids = _client_ids(np.random.default_rng(id_seq), n_train, n_test)

    train_draft = draw_table(np.random.default_rng(train_seq), n_train, TRAIN)
    test_draft = draw_table(np.random.default_rng(test_seq), n_test, TEST)
    train_log_odds = risk_log_odds(train_draft)
    intercept = solve_intercept(train_log_odds)
    train_pd = default_probability(train_log_odds, intercept)
    test_pd = default_probability(risk_log_odds(test_draft), intercept)
    target = (np.random.default_rng(target_seq).random(n_train) < train_pd).astype(np.int64)

    train = to_frame(train_draft, train_ids, schema.TRAIN_COLUMNS, target)
    test = to_frame(test_draft, test_ids, schema.TEST_COLUMNS, None)
    true_pd = pd.DataFrame(
        {
            schema.ID_COLUMN: np.concatenate([train_ids, test_ids]),
            TRUE_PD_COLUMN: np.concatenate([train_pd, test_pd]),
            SPLIT_COLUMN: np.array(["train"] * n_train + ["test"] * n_test, dtype=object),
        }
    )
    logger.info(
        "generated %d history rows (default rate %.4f) and %d applicants, seed %d",
        n_train, target.mean(), n_test, seed,
    )  # fmt: skip
    # Batch ids start above every id of the history and the applicants.
    first_batch_id = _last_id(n_train, n_test) + 1
    batches = draw_batches(
        batch_seq, n_batches, batch_rows, first_batch_id, intercept, outcome_batches
    )
    if batches:
        logger.info("generated %d monthly batches of %d applicants (%s to %s)",
                    len(batches), batch_rows, batches[0].month, batches[-1].month)  # fmt: skip
    traits = {
        name: np.concatenate([train_draft.traits[name], test_draft.traits[name]])
        for name in RECORD_TRAITS
    }
    return GeneratedData(train=train, test=test, true_pd=true_pd, batches=batches, traits=traits)


def record_clients(data: GeneratedData) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Ids and record traits of the history and the applicants together (their records share
    one set of files)."""
    if data.traits is None:
        raise ValueError("these generated data carry no latent traits")
    ids = np.concatenate([data.train[schema.ID_COLUMN].to_numpy(),
                          data.test[schema.ID_COLUMN].to_numpy()])
    return ids, data.traits


def generate_records(data: GeneratedData, seed: int = 42) -> dict[str, dict[str, pd.DataFrame]]:
    """The credit records as pandas frames, in memory (small data: tests, notebooks): key
    ``"records"`` for the history and applicants, ``"YYYY-MM"`` for each batch. Same rows as
    :func:`write_dataset` writes for the same seed."""
    main_seq, batch_seq = np.random.SeedSequence([seed, RECORDS_STREAM]).spawn(2)
    counters = Counters()
    ids, traits = record_clients(data)
    out = {"records": _frames(draw_records(main_seq, ids, traits, counters))}
    for batch, seq in zip(data.batches, batch_seq.spawn(len(data.batches)), strict=True):
        b_ids = batch.applicants[schema.ID_COLUMN].to_numpy()
        out[batch.month] = _frames(draw_records(seq, b_ids, batch.traits or {}, counters))
    return out


def _frames(tables: dict) -> dict[str, pd.DataFrame]:
    return {name: table.to_pandas() for name, table in tables.items()}


def write_dataset(
    out_dir: str | Path,
    n_train: int = 307_511,
    n_test: int = 48_744,
    seed: int = 42,
    n_batches: int = 0,
    batch_rows: int = 4_062,
    outcome_batches: int | None = None,
    credit_records: bool = True,
) -> dict[str, Path]:
    """Generate and write every table; returns their paths by role.

    With ``credit_records`` (default) Kaggle's six credit-record tables are written too:
    ``credit_records/<table>.parquet`` for the history and the applicants, and
    ``batches/credit_records/YYYY-MM/<table>.parquet`` for each batch's clients.
    All the Parquet files are renamed into place together once all are written
    (:func:`write_tables_atomic`, the records staged the same way), then
    ``batches/manifest.json``, which says which batch files belong to this data set: a failure
    leaves the previous files. Files of an earlier generation that the new data set does not
    include are removed (they belong to another history).
    """
    data = generate(n_train, n_test, seed, n_batches, batch_rows, outcome_batches)
    out = Path(out_dir)
    batches_dir = out / BATCHES_DIR
    paths = {
        "train": out / TRAIN_TABLE,
        "applicants": out / APPLICANTS_TABLE,
        "true_pd": out / TRUE_PD_TABLE,
    }
    tables = {paths["train"]: data.train, paths["applicants"]: data.test,
              paths["true_pd"]: data.true_pd}  # fmt: skip
    for batch in data.batches:
        paths[f"batch {batch.month}"] = batches_dir / batch.file
        tables[batches_dir / batch.file] = batch.applicants
        if batch.outcomes is not None:
            paths[f"outcomes {batch.month}"] = batches_dir / batch.outcomes_file
            tables[batches_dir / batch.outcomes_file] = batch.outcomes
    if data.batches:
        paths["batch_true_pd"] = batches_dir / BATCH_TRUE_PD_FILE
        tables[paths["batch_true_pd"]] = batch_true_pd(data.batches)
    staged = None
    if credit_records:
        staged = stage_records(
            out, seed, record_clients(data),
            [(b.month, b.applicants[schema.ID_COLUMN].to_numpy(), b.traits or {})
             for b in data.batches],
            batches_dir,
        )  # fmt: skip
    try:
        write_tables_atomic(tables)
    except BaseException:
        if staged is not None:
            staged.discard()
        raise
    if staged is not None:
        for path in staged.commit():
            label = "records" if path.parent == out / RECORDS_DIR else f"records {path.parent.name}"
            paths[f"{label} {path.stem}"] = path
        for role, rows in staged.rows.items():
            logger.info("wrote %s: %d rows", role, rows)
    else:
        remove_records(out)
    if data.batches or (batches_dir / MANIFEST_FILE).exists():
        paths["manifest"] = _write_manifest(
            batches_dir, manifest(data.batches, credit_records=credit_records)
        )
        _remove_stale(batches_dir, keep={p.name for p in tables})
        remove_stale_batch_records(
            batches_dir, keep={b.month for b in data.batches} if credit_records else set()
        )
    return paths


def _write_manifest(batches_dir: Path, content: dict) -> Path:
    path = batches_dir / MANIFEST_FILE
    batches_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{MANIFEST_FILE}.", suffix=".tmp", dir=batches_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(content, handle, indent=2)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _remove_stale(batches_dir: Path, keep: set[str]) -> None:
    patterns = ("batch_*.parquet", "outcomes_*.parquet", BATCH_TRUE_PD_FILE)
    for pattern in patterns:
        for path in batches_dir.glob(pattern):
            if path.name not in keep:
                path.unlink()
                logger.info("removed %s (not part of the new data set)", path)


def _client_ids(
    rng: np.random.Generator, n_train: int, n_test: int
) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint ids drawn from Kaggle's range (extended upwards if more rows are asked for)."""
    total = n_train + n_test
    last = _last_id(n_train, n_test)
    pool = rng.choice(np.arange(FIRST_ID, last + 1, dtype=np.int64), size=total, replace=False)
    return np.sort(pool[:n_train]), np.sort(pool[n_train:])


def _last_id(n_train: int, n_test: int) -> int:
    return max(LAST_ID, FIRST_ID + n_train + n_test - 1)
