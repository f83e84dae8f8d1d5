"""Drawing one client table: the steps in order, then Kaggle's columns and dtypes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from credit_dashboard.storage import schema
from home_credit_synth.draft import Draft
from home_credit_synth.drift import Drift
from home_credit_synth.housing import draw_housing
from home_credit_synth.latent import draw_traits
from home_credit_synth.loan import draw_loan
from home_credit_synth.person import draw_person
from home_credit_synth.records import draw_records


def draw_table(rng: np.random.Generator, n: int, split: str, drift: Drift | None = None) -> Draft:
    """Latent traits, then the person, the loan, the lender's records and the building."""
    traits = draw_traits(rng, n)
    drift = drift or Drift()
    for name in list(traits):
        shift = drift.trait_shift(name)
        if shift:
            traits[name] = traits[name] + shift
    draft = Draft(rng=rng, split=split, traits=traits, drift=drift)
    draw_person(draft)
    draw_loan(draft)
    draw_records(draft)
    draw_housing(draft)
    return draft


def to_frame(
    draft: Draft, ids: np.ndarray, columns: tuple[str, ...], target: np.ndarray | None
) -> pd.DataFrame:
    """The draft's columns in Kaggle's order and dtypes, with the ids (and TARGET if given)."""
    data = dict(draft.columns)
    data[schema.ID_COLUMN] = ids
    if target is not None:
        data[schema.TARGET_COLUMN] = target
    missing = [c for c in columns if c not in data]
    if missing:  # a programming error in a step, not bad input
        raise RuntimeError(f"generator did not produce columns {missing}")
    frame = pd.DataFrame({c: data[c] for c in columns})
    return frame.astype({c: schema.pandas_dtype(c) for c in columns})
