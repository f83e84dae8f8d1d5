"""Similar clients: the K past clients closest to a client, and how they actually did.

The space they are close in (a dozen standardised key facts) is :mod:`similarity_space`'s. The
index is a KD-tree built once per process on the past clients' points: a query visits a few leaves
(milliseconds) instead of scanning 300 k rows per click. It depends on the past clients only, not
on the model, so a model switch keeps it.

The probability shown beside each neighbour is the one the training run of the served model
version gave that client *out of fold* (:mod:`out_of_fold`), passed in at query time: never the
final model's in-sample score, which was learnt next to the outcome it is shown beside.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.neighbors import KDTree

from credit_dashboard.services.out_of_fold import OutOfFoldScores
from credit_dashboard.services.similarity_space import SimilaritySpace
from credit_dashboard.storage.schema import (
    DAYS_EMPLOYED_ANOMALY,
    ID_COLUMN,
    TARGET_COLUMN,
    days_to_years,
)

logger = logging.getLogger(__name__)

DEFAULT_K = 10

#: Facts shown for each neighbour (raw columns, plus age and years employed in years).
FACT_COLUMNS: tuple[str, ...] = (
    "AGE_YEARS",
    "YEARS_EMPLOYED",
    "AMT_INCOME_TOTAL",
    "AMT_CREDIT",
    "AMT_ANNUITY",
    "NAME_CONTRACT_TYPE",
    "NAME_FAMILY_STATUS",
    "NAME_EDUCATION_TYPE",
    "EXT_SOURCE_2",
    "EXT_SOURCE_3",
)

def years_employed(days_employed: pd.Series) -> pd.Series:
    """Years in the current job; missing for Kaggle's "not employed" placeholder (365243 days)."""
    days = pd.to_numeric(days_employed, errors="coerce").astype("float64")
    return days_to_years(days).where(days != DAYS_EMPLOYED_ANOMALY)


def age_years(days_birth: pd.Series) -> pd.Series:
    return days_to_years(pd.to_numeric(days_birth, errors="coerce").astype("float64"))


@dataclass(frozen=True)
class SimilarClients:
    """The answer to "how did clients like this one do?"."""

    #: One row per neighbour, nearest first: SK_ID_CURR, distance, TARGET, default_probability
    #: (out of fold; NaN without scores or for a client the run did not score), then FACT_COLUMNS.
    neighbours: pd.DataFrame
    default_rate: float
    population_default_rate: float
    #: The model version whose out-of-fold probabilities are shown; None when there are none.
    scores_version: str | None = None

    @property
    def k(self) -> int:
        return len(self.neighbours)

    @property
    def n_defaults(self) -> int:
        return int(self.neighbours[TARGET_COLUMN].sum())


class NeighbourIndex:
    """A KD-tree over the past clients in :class:`SimilaritySpace`; built once, queried often."""

    def __init__(self, history: pd.DataFrame, *, leaf_size: int = 40) -> None:
        for column in (ID_COLUMN, TARGET_COLUMN):
            if column not in history.columns:
                raise KeyError(f"similar clients: the history table has no {column} column")
        if history.empty:
            raise ValueError("similar clients: the history table is empty")
        self.history = history.reset_index(drop=True)
        self.space = SimilaritySpace.fit(self.history)
        self.points = self.space.transform(self.history)
        self.tree = KDTree(self.points, leaf_size=leaf_size)
        self.ids = self.history[ID_COLUMN].to_numpy()
        # The columns an answer shows, as arrays prepared once: building them from 10 rows of the
        # whole history (120-odd columns of mixed types) took ~10 ms a query, more than the
        # KD-tree search itself.
        self._shown: dict[str, np.ndarray] = {
            ID_COLUMN: self.ids,
            TARGET_COLUMN: self.history[TARGET_COLUMN].to_numpy().astype("int64"),
            "AGE_YEARS": age_years(self.history["DAYS_BIRTH"]).to_numpy(),
            "YEARS_EMPLOYED": years_employed(self.history["DAYS_EMPLOYED"]).to_numpy(),
        }
        for column in FACT_COLUMNS:
            if column not in self._shown:
                self._shown[column] = (self.history[column].to_numpy() if column in
                                       self.history.columns else np.full(len(self.history), np.nan))
        self.population_default_rate = float(self.history[TARGET_COLUMN].mean())
        logger.info(
            "similar-clients index: %d history clients, %d dimensions",
            len(self.history), self.points.shape[1],
        )

    def query(
        self,
        client: pd.DataFrame | pd.Series | Mapping[str, object],
        k: int = DEFAULT_K,
        exclude_id: int | None = None,
        scores: OutOfFoldScores | None = None,
    ) -> SimilarClients:
        """The ``k`` nearest history clients to one client (raw row), nearest first, with their
        out-of-fold probabilities from ``scores`` (the served version's; None shows none).

        The client itself is left out when it is a history client (same SK_ID_CURR), so a client
        is never "similar to itself"; ``exclude_id`` overrides which id is left out.
        """
        if k < 1:
            raise ValueError(f"similar clients: k must be at least 1, got {k}")
        row = _one_row(client)
        if exclude_id is None and ID_COLUMN in row.columns:
            exclude_id = _as_int(row[ID_COLUMN].iloc[0])
        k_eff = min(k, len(self.history) - (exclude_id is not None))
        if k_eff < 1:
            raise ValueError("similar clients: the history holds no other client")
        point = self.space.transform(row)
        # Ask for one more in case the client itself is among the nearest.
        n_ask = min(k_eff + 1, len(self.history))
        distances, positions = self.tree.query(point, k=n_ask)
        keep = [
            (d, p)
            for d, p in zip(distances[0], positions[0], strict=True)
            if exclude_id is None or self.ids[p] != exclude_id
        ][:k_eff]
        rows = np.array([p for _, p in keep], dtype=np.int64)
        return self._describe(rows, np.array([d for d, _ in keep]), scores)

    def _describe(
        self, rows: np.ndarray, distances: np.ndarray, scores: OutOfFoldScores | None
    ) -> SimilarClients:
        probabilities = (np.full(len(rows), np.nan) if scores is None
                         else scores.for_ids(self.ids[rows]))
        shown = self._shown
        data: dict[str, np.ndarray] = {
            ID_COLUMN: shown[ID_COLUMN][rows],
            "distance": distances.astype("float64"),
            TARGET_COLUMN: shown[TARGET_COLUMN][rows],
            "default_probability": np.asarray(probabilities, dtype="float64"),
        }
        data.update({column: shown[column][rows] for column in FACT_COLUMNS})
        neighbours = pd.DataFrame(data)
        return SimilarClients(
            neighbours=neighbours,
            default_rate=float(neighbours[TARGET_COLUMN].mean()),
            population_default_rate=self.population_default_rate,
            scores_version=None if scores is None else scores.version,
        )


def _one_row(client: pd.DataFrame | pd.Series | Mapping[str, object]) -> pd.DataFrame:
    if isinstance(client, pd.DataFrame):
        if len(client) != 1:
            raise ValueError(f"similar clients: expected one client row, got {len(client)}")
        return client
    if isinstance(client, pd.Series):
        return client.to_frame().T
    return pd.DataFrame([dict(client)])


def _as_int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
