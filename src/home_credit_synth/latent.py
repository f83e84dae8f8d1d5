"""Correlated latent traits of each generated client.

Real columns are not independent: older clients have higher external scores and longer
employment, richer clients borrow more, big-city clients live in larger buildings. Each client gets
a vector of standard-normal traits with the correlations below; columns are then read off these
traits (see :mod:`marginals`), and so is the true default risk (see :mod:`risk`), which is what
makes a column predictive. ``hidden`` is a trait no column shows: the part of risk a lender
cannot observe.
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
# Also derived per client: "standing", the external scores' common direction (higher = safer).

#: Pairwise correlations (the rest are 0), read off the real data's rank correlations.
CORRELATIONS: dict[tuple[str, str], float] = {
    ("age", "ext1"): 0.45,
    ("age", "ext3"): 0.15,
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


#: How much of each trait is the client's general standing (what the external scores measure):
#: in real data the weaker signals (dates on record, region, car) are largely redundant with the
#: external scores, so they add little once those are known. Sign: + means "goes with standing".
STANDING_SHARE: dict[str, float] = {
    "tenure": 0.30,
    "registration": 0.20,
    "id_publish": 0.20,
    "phone": 0.22,
    "car": -0.22,
    "region": 0.25,
    "building": 0.22,
    "credit": 0.15,
    "income": 0.08,
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
    traits = {name: z[:, i] for i, name in enumerate(TRAITS)}
    standing = traits["ext1"] + traits["ext2"] + traits["ext3"]
    traits["standing"] = standing / standing.std() if n > 1 else standing
    for name, share in STANDING_SHARE.items():
        traits[name] = np.sqrt(1 - share**2) * traits[name] + share * traits["standing"]
    return traits
