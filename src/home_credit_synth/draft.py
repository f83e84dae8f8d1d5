"""The object the generator's steps fill in, one client table at a time."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from home_credit_synth.drift import Drift


@dataclass
class Draft:
    """A client table being generated.

    ``columns`` holds finished Kaggle columns; ``facts`` holds what later steps need to know
    about each client but Kaggle does not show as such (age in years, not-employed flag, the latent
    score behind a column, ...). The risk model reads both.
    """

    rng: np.random.Generator
    split: str
    traits: dict[str, np.ndarray]
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    facts: dict[str, np.ndarray] = field(default_factory=dict)
    #: A production batch's drift away from the applicant table (none for history/applicants).
    drift: Drift = field(default_factory=Drift)

    @property
    def n(self) -> int:
        return len(next(iter(self.traits.values())))
