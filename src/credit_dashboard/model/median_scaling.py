"""Median filling + standardising, learnt on one table and applied to others.

Two places need it: SMOTENC's input (``model.resampling.SmoteInput``: Euclidean neighbours need
numbers without gaps and on one scale) and the similar-clients space
(``services.similarity_space``: the same reason). One implementation, so the two cannot drift apart.

It computes exactly what scikit-learn's ``SimpleImputer(strategy="median",
keep_empty_features=True)`` followed by ``StandardScaler()`` computes (a test holds the two
together), without going through them: on 100 k rows x 150 features the imputer's median takes
about 10 s where NumPy's takes 2 (it runs in every training fold), and a one-row transform through
the two estimators costs about 1.5 ms, more than the similar-clients tree search it precedes.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MedianScaling:
    """Per-column median (for the gaps), mean and standard deviation (after filling)."""

    medians: np.ndarray
    means: np.ndarray
    #: 1 where a column is constant (or empty): it cannot divide by zero.
    scales: np.ndarray

    @classmethod
    def fit(cls, values: object) -> MedianScaling:
        """Learn from a 2-D table of numbers, NaN meaning missing.

        A column with no value at all gets the median 0 (as ``keep_empty_features=True``): it is
        constant after filling and changes no distance.
        """
        matrix = _as_matrix(values)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # "All-NaN slice": handled below
            medians = np.nanmedian(matrix, axis=0)
        medians = np.where(np.isfinite(medians), medians, 0.0)
        filled = np.where(np.isnan(matrix), medians, matrix)
        # Population standard deviation (ddof=0), as StandardScaler.
        scales = filled.std(axis=0)
        scales = np.where(np.isfinite(scales) & (scales > 0), scales, 1.0)
        return cls(medians, filled.mean(axis=0), scales)

    def fill(self, values: object) -> np.ndarray:
        """Gaps replaced by the learnt medians."""
        matrix = _as_matrix(values)
        return np.where(np.isnan(matrix), self.medians, matrix)

    def transform(self, values: object) -> np.ndarray:
        """Filled, centred on the learnt means and divided by the learnt spreads."""
        return (self.fill(values) - self.means) / self.scales


def _as_matrix(values: object) -> np.ndarray:
    matrix = np.asarray(values, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError(f"median scaling takes a 2-D table, got {matrix.ndim} dimension(s)")
    return matrix
