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

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from credit_dashboard.config import APPLICANTS_TABLE, TRAIN_TABLE, TRUE_PD_TABLE
from credit_dashboard.storage import schema
from credit_dashboard.storage.atomic import write_parquet_atomic
from home_credit_synth.draft import Draft
from home_credit_synth.housing import draw_housing
from home_credit_synth.latent import draw_traits
from home_credit_synth.loan import draw_loan
from home_credit_synth.marginals import TEST, TRAIN
from home_credit_synth.person import draw_person
from home_credit_synth.records import draw_records
from home_credit_synth.risk import default_probability, risk_log_odds, solve_intercept

logger = logging.getLogger(__name__)

#: Kaggle's SK_ID_CURR values run from 100002 to 456255.
FIRST_ID = 100_002
LAST_ID = 456_255

TRUE_PD_COLUMN = "TRUE_DEFAULT_PROBABILITY"
SPLIT_COLUMN = "SPLIT"


@dataclass(frozen=True)
class GeneratedData:
    """A generated history, its new applicants and every client's true default probability."""

    train: pd.DataFrame
    test: pd.DataFrame
    true_pd: pd.DataFrame


def generate(n_train: int = 307_511, n_test: int = 48_744, seed: int = 42) -> GeneratedData:
    """Draw the history and the applicants; same arguments, same frames (bit for bit)."""
    if n_train < 1 or n_test < 1:
        raise ValueError(f"n_train and n_test must be positive, got {n_train} and {n_test}")
    # Independent streams: the applicants do not change when only the history's size does.
    id_seq, train_seq, test_seq, target_seq = np.random.SeedSequence(seed).spawn(4)
    train_ids, test_ids = _client_ids(np.random.default_rng(id_seq), n_train, n_test)

    train_draft = _draw_table(np.random.default_rng(train_seq), n_train, TRAIN)
    test_draft = _draw_table(np.random.default_rng(test_seq), n_test, TEST)
    train_log_odds = risk_log_odds(train_draft)
    intercept = solve_intercept(train_log_odds)
    train_pd = default_probability(train_log_odds, intercept)
    test_pd = default_probability(risk_log_odds(test_draft), intercept)
    target = (np.random.default_rng(target_seq).random(n_train) < train_pd).astype(np.int64)

    train = _frame(train_draft, train_ids, schema.TRAIN_COLUMNS, target)
    test = _frame(test_draft, test_ids, schema.TEST_COLUMNS, None)
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
    return GeneratedData(train=train, test=test, true_pd=true_pd)


def write_dataset(
    out_dir: str | Path, n_train: int = 307_511, n_test: int = 48_744, seed: int = 42
) -> dict[str, Path]:
    """Generate and write the three Parquet tables atomically; returns their paths by role."""
    data = generate(n_train=n_train, n_test=n_test, seed=seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "train": out / TRAIN_TABLE,
        "applicants": out / APPLICANTS_TABLE,
        "true_pd": out / TRUE_PD_TABLE,
    }
    write_parquet_atomic(data.train, paths["train"])
    write_parquet_atomic(data.test, paths["applicants"])
    write_parquet_atomic(data.true_pd, paths["true_pd"])
    return paths


def _client_ids(
    rng: np.random.Generator, n_train: int, n_test: int
) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint ids drawn from Kaggle's range (extended upwards if more rows are asked for)."""
    total = n_train + n_test
    last = max(LAST_ID, FIRST_ID + total - 1)
    pool = rng.choice(np.arange(FIRST_ID, last + 1, dtype=np.int64), size=total, replace=False)
    return np.sort(pool[:n_train]), np.sort(pool[n_train:])


def _draw_table(rng: np.random.Generator, n: int, split: str) -> Draft:
    draft = Draft(rng=rng, split=split, traits=draw_traits(rng, n))
    draw_person(draft)
    draw_loan(draft)
    draw_records(draft)
    draw_housing(draft)
    return draft


def _frame(
    draft: Draft, ids: np.ndarray, columns: tuple[str, ...], target: np.ndarray | None
) -> pd.DataFrame:
    data = dict(draft.columns)
    data[schema.ID_COLUMN] = ids
    if target is not None:
        data[schema.TARGET_COLUMN] = target
    missing = [c for c in columns if c not in data]
    if missing:  # a programming error in a step, not bad input
        raise RuntimeError(f"generator did not produce columns {missing}")
    frame = pd.DataFrame({c: data[c] for c in columns})
    return frame.astype({c: schema.pandas_dtype(c) for c in columns})
