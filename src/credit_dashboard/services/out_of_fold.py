"""Out-of-fold probabilities of past clients, from the training run of one model version.

Why the similar-clients panel shows these and not the served model's scores: the final model was
fitted on every past client, so its score of a past client is an in-sample score, one it learnt
next to that client's real outcome; shown beside the outcome it looks better than any score an
applicant will get. In the training run's cross-validation each past client was scored by a model
fitted on the other folds: the version stores those probabilities as its ``oof_predictions`` table
(SK_ID_CURR, TARGET, default_probability), and they are what the panel shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from credit_dashboard.model.artifact import ArtifactError, LoadedModel
from credit_dashboard.storage.schema import ID_COLUMN

#: The table name the training run stores them under (``model.training``).
OOF_TABLE = "oof_predictions"
PROBABILITY_COLUMN = "default_probability"


@dataclass(frozen=True)
class OutOfFoldScores:
    """One version's out-of-fold default probability per past client id."""

    version: str
    by_id: pd.Series

    @classmethod
    def of_version(cls, loaded: LoadedModel) -> OutOfFoldScores | None:
        """The version's scores, or None when it stored none (trained before they were kept).

        Raises ArtifactError for a table that is there but cannot serve (columns, duplicate ids).
        """
        if not loaded.has_table(OOF_TABLE):
            return None
        table = loaded.table(OOF_TABLE)
        missing = [c for c in (ID_COLUMN, PROBABILITY_COLUMN) if c not in table.columns]
        if missing:
            raise ArtifactError(
                f"the {OOF_TABLE} table of model version {loaded.version} has no "
                f"{', '.join(missing)} column"
            )
        index = pd.Index(table[ID_COLUMN].to_numpy(dtype=np.int64), name=ID_COLUMN)
        if not index.is_unique:
            raise ArtifactError(
                f"the {OOF_TABLE} table of model version {loaded.version} repeats client ids"
            )
        by_id = pd.Series(table[PROBABILITY_COLUMN].to_numpy(dtype=np.float64), index=index)
        index.get_indexer(index[:1])  # builds the hash table now, not on the first click
        return cls(str(loaded.version), by_id)

    def for_ids(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Probabilities in the order of ``ids``; NaN for a client the run did not score (a
        past client added after that training)."""
        return self.by_id.reindex(np.asarray(ids, dtype=np.int64)).to_numpy(dtype=np.float64)
