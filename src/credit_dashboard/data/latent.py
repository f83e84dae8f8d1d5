"""Correlated latent traits of each generated client.

Real columns are not independent: older clients have higher external scores and longer
employment, richer clients borrow more, big-city clients live in larger buildings. Each client gets a
vector of standard-normal traits with the correlations below; columns are then read off these traits
(see :mod:`marginals`), and so is the true default risk (see :mod:`risk`), which is what makes a column
predictive. ``hidden`` is a trait no column shows: the part of risk a lender cannot observe.
"""

from __future__ import annotations

import numpy as np

TRAITS: tuple[str, ...] = (
    "age",  # older
    "ext1",  # external score 1
    "ext2",
    "ext3",
    "income",
    "credit",  # size of the purchase / loan
    "tenure",  # years in the current job (among the employed)
    "registration",  # registration changed long ago
    "id_publish",  # identity document issued long ago
    "phone",  # phone changed long ago
    "region",  # more populated region
    "building",  # larger, taller building
    "car",  # older car
    "hidden",  # unobserved risk
)

#: Pairwise correlations (the rest are 0), read off the real data's rank correlations.
CORRELATIONS: dict[tuple[str, str], float] = {
    ("age", "ext1"): 0.58,
    ("age", "ext3"): 0.20,
    ("age", "ext2"): 0.10,
    ("ext1", "ext2"): 0.16,
    ("ext1", "ext3"): 0.10,
    ("ext2", "ext3"): 0.07,
    ("age", "tenure"): 0.35,
    ("age", "registration"): 0.35,
    ("age", "id_publish"): 0.30,
    ("age", "phone"): 0.08,
    ("ext2", "phone"): 0.12,
    ("ext1", "tenure"): 0.15,
    ("income", "credit"): 0.40,
    ("income", "region"): 0.22,
    ("ext2", "region"): 0.25,
    ("ext2", "income"): 0.12,
    ("building", "region"): 0.25,
    ("income", "car"): -0.10,
    ("age", "car"): 0.10,
}


def correlation_matrix() -> np.ndarray:
    """The traits' correlation matrix (checked positive definite)."""
    index = {name: i for i, name in enumerate(TRAITS)}
    matrix = np.eye(len(TRAITS))
    for (a, b), rho in CORRELATIONS.items():
        matrix[index[a], index[b]] = matrix[index[b], index[a]] = rho
    return matrix


def draw_traits(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """One standard-normal vector per client with :data:`CORRELATIONS` between traits."""
    chol = np.linalg.cholesky(correlation_matrix())
    z = rng.standard_normal((n, len(TRAITS))) @ chol.T
    return {name: z[:, i] for i, name in enumerate(TRAITS)}
