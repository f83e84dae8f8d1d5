"""Similar clients: the K history clients closest to a client, and how they actually did.

The space: a dozen standardised *key facts* of the application, not SHAP values. Why:

- an advisor reads "clients like this one" as clients with similar external scores, age, income,
  credit, annuity and employment — facts shown beside each neighbour, so the similarity can be
  checked by eye; SHAP space would group clients by *why the model scored them*, which is harder to
  explain and changes every time the model is retrained;
- SHAP values for the 300 k history rows would take minutes at start-up (or a large artifact), while
  these features are computed from the raw table in about a second.

The facts: the three external scores (the strongest predictors of default in Home Credit data), age,
years employed, log income, log credit, log annuity, log goods price (money is compared in ratios,
not in absolute differences: 10 k vs 20 k is as different as 100 k vs 200 k), payment rate
(annuity / credit) and debt burden (annuity / income). A missing value is replaced by the history
median *and* flagged by a missing-indicator column, so "no external score 1" is itself a similarity
(half the clients lack it) instead of pretending to be the median. Every column is standardised on
the history, so each counts about equally in the Euclidean distance.

The index is a KD-tree built once at start-up on the history matrix: a query visits a few leaves
(milliseconds) instead of scanning 300 k rows per click.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.neighbors import KDTree

from credit_dashboard.storage.schema import (
    DAYS_EMPLOYED_ANOMALY,
    DAYS_PER_YEAR,
    ID_COLUMN,
    TARGET_COLUMN,
)

logger = logging.getLogger(__name__)

DEFAULT_K = 10

#: Raw columns the space is computed from (a client row needs only these).
SPACE_INPUT_COLUMNS: tuple[str, ...] = (
    "EXT_SOURCE_1",
    "EXT_SOURCE_2",
    "EXT_SOURCE_3",
    "DAYS_BIRTH",
    "DAYS_EMPLOYED",
    "AMT_INCOME_TOTAL",
    "AMT_CREDIT",
    "AMT_ANNUITY",
    "AMT_GOODS_PRICE",
)

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

ProbabilityScorer = Callable[[pd.DataFrame], np.ndarray]


def years_employed(days_employed: pd.Series) -> pd.Series:
    """Years in the current job; missing for Kaggle's "not employed" placeholder (365243 days)."""
    days = pd.to_numeric(days_employed, errors="coerce").astype("float64")
    return (-days / DAYS_PER_YEAR).where(days != DAYS_EMPLOYED_ANOMALY)


def age_years(days_birth: pd.Series) -> pd.Series:
    return -pd.to_numeric(days_birth, errors="coerce").astype("float64") / DAYS_PER_YEAR


#: The facts, in the order of the space's first dimensions.
FACT_NAMES: tuple[str, ...] = (
    "EXT_SOURCE_1",
    "EXT_SOURCE_2",
    "EXT_SOURCE_3",
    "AGE_YEARS",
    "YEARS_EMPLOYED",
    "LOG_INCOME",
    "LOG_CREDIT",
    "LOG_ANNUITY",
    "LOG_GOODS_PRICE",
    "PAYMENT_RATE",
    "ANNUITY_INCOME_RATIO",
)


def _fact_matrix(raw: pd.DataFrame) -> np.ndarray:
    """The key facts as a float64 matrix (rows x FACT_NAMES), NaN where unknown.

    Plain NumPy rather than pandas: a click queries one row, where pandas' per-operation
    overhead would cost more than the tree search itself.
    """
    missing = [c for c in SPACE_INPUT_COLUMNS if c not in raw.columns]
    if missing:
        raise KeyError(f"similar clients: rows lack the columns {', '.join(missing)}")
    num = {
        c: pd.to_numeric(raw[c], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        for c in SPACE_INPUT_COLUMNS
    }
    with np.errstate(divide="ignore", invalid="ignore"):
        # Money below 1 would make the logarithm meaningless; such amounts are data errors.
        def log_amount(column: str) -> np.ndarray:
            values = num[column]
            return np.log(np.where(values >= 1, values, np.nan))

        income = np.where(num["AMT_INCOME_TOTAL"] > 0, num["AMT_INCOME_TOTAL"], np.nan)
        credit = np.where(num["AMT_CREDIT"] > 0, num["AMT_CREDIT"], np.nan)
        days_employed = num["DAYS_EMPLOYED"]
        employed = np.where(
            days_employed == DAYS_EMPLOYED_ANOMALY, np.nan, -days_employed / DAYS_PER_YEAR
        )
        columns = (
            num["EXT_SOURCE_1"],
            num["EXT_SOURCE_2"],
            num["EXT_SOURCE_3"],
            -num["DAYS_BIRTH"] / DAYS_PER_YEAR,
            employed,
            log_amount("AMT_INCOME_TOTAL"),
            log_amount("AMT_CREDIT"),
            log_amount("AMT_ANNUITY"),
            log_amount("AMT_GOODS_PRICE"),
            num["AMT_ANNUITY"] / credit,
            num["AMT_ANNUITY"] / income,
        )
    return np.column_stack(columns)


def key_facts(raw: pd.DataFrame) -> pd.DataFrame:
    """The unscaled key facts of each row (missing values left missing)."""
    return pd.DataFrame(_fact_matrix(raw), columns=list(FACT_NAMES), index=raw.index)


@dataclass(frozen=True)
class SimilaritySpace:
    """Median imputation, missing indicators and standardisation learnt on the history."""

    medians: pd.Series
    means: pd.Series
    scales: pd.Series
    #: Facts missing somewhere in the history: each gets a 0/1 "missing" column.
    indicator_columns: tuple[str, ...]

    @classmethod
    def fit(cls, history: pd.DataFrame) -> SimilaritySpace:
        facts = key_facts(history)
        medians = facts.median()
        if medians.isna().any():
            # A fact nobody has is constant after imputation: harmless, but worth knowing.
            empty = ", ".join(medians.index[medians.isna()])
            logger.warning("similar clients: no history value at all for %s", empty)
            medians = medians.fillna(0.0)
        indicators = tuple(c for c in facts.columns if facts[c].isna().any())
        imputed = facts.fillna(medians)
        scales = imputed.std(ddof=0).replace(0.0, 1.0)  # a constant fact cannot divide by zero
        return cls(medians, imputed.mean(), scales, indicators)

    @property
    def dimension_names(self) -> list[str]:
        return list(self.medians.index) + [f"{c}_MISSING" for c in self.indicator_columns]

    def transform(self, raw: pd.DataFrame) -> np.ndarray:
        """Rows -> points of the space (float32: half the memory, ample precision for ranking)."""
        facts = _fact_matrix(raw)
        unknown = np.isnan(facts)
        imputed = np.where(unknown, self.medians.to_numpy(), facts)
        scaled = (imputed - self.means.to_numpy()) / self.scales.to_numpy()
        # An indicator is worth one standard deviation of a fact: "missing vs present" matters
        # about as much as a typical difference in one fact, no more.
        flagged = [FACT_NAMES.index(c) for c in self.indicator_columns]
        return np.hstack([scaled, unknown[:, flagged].astype("float64")]).astype(np.float32)


@dataclass(frozen=True)
class SimilarClients:
    """The answer to "how did clients like this one do?"."""

    #: One row per neighbour, nearest first: SK_ID_CURR, distance, TARGET, default_probability
    #: (NaN when no scorer was given), then FACT_COLUMNS.
    neighbours: pd.DataFrame
    default_rate: float
    population_default_rate: float

    @property
    def k(self) -> int:
        return len(self.neighbours)

    @property
    def n_defaults(self) -> int:
        return int(self.neighbours[TARGET_COLUMN].sum())


class NeighbourIndex:
    """A KD-tree over the history clients in :class:`SimilaritySpace`; built once, queried often.

    ``scorer`` (e.g. the model's ``default_probability``) scores the K neighbours at query time:
    scoring K rows costs milliseconds, while scoring the whole history at start-up would cost every
    worker many seconds for probabilities nobody looks at. ``history_probabilities`` may be passed
    instead when they are already known (aligned with ``history``'s rows).
    """

    def __init__(
        self,
        history: pd.DataFrame,
        *,
        scorer: ProbabilityScorer | None = None,
        history_probabilities: np.ndarray | None = None,
        leaf_size: int = 40,
    ) -> None:
        for column in (ID_COLUMN, TARGET_COLUMN):
            if column not in history.columns:
                raise KeyError(f"similar clients: the history table has no {column} column")
        if history.empty:
            raise ValueError("similar clients: the history table is empty")
        if history_probabilities is not None and len(history_probabilities) != len(history):
            raise ValueError(
                f"similar clients: {len(history_probabilities)} history probabilities "
                f"for {len(history)} history rows"
            )
        self.history = history.reset_index(drop=True)
        self.scorer = scorer
        self.history_probabilities = history_probabilities
        self.space = SimilaritySpace.fit(self.history)
        self.points = self.space.transform(self.history)
        self.tree = KDTree(self.points, leaf_size=leaf_size)
        self.ids = self.history[ID_COLUMN].to_numpy()
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
    ) -> SimilarClients:
        """The ``k`` nearest history clients to one client (raw row), nearest first.

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
        return self._describe(rows, np.array([d for d, _ in keep]))

    def _describe(self, rows: np.ndarray, distances: np.ndarray) -> SimilarClients:
        # Rows first, then columns: ``iloc[rows, columns]`` would copy whole columns first.
        raw = self.history.iloc[rows]
        if self.history_probabilities is not None:
            probabilities = np.asarray(self.history_probabilities)[rows].astype("float64")
        elif self.scorer is not None:
            probabilities = np.asarray(self.scorer(raw), dtype="float64")
        else:
            probabilities = np.full(len(rows), np.nan)
        data: dict[str, object] = {
            ID_COLUMN: raw[ID_COLUMN].to_numpy(),
            "distance": distances.astype("float64"),
            TARGET_COLUMN: raw[TARGET_COLUMN].to_numpy().astype("int64"),
            "default_probability": probabilities,
            "AGE_YEARS": age_years(raw["DAYS_BIRTH"]).to_numpy(),
            "YEARS_EMPLOYED": years_employed(raw["DAYS_EMPLOYED"]).to_numpy(),
        }
        for column in FACT_COLUMNS:
            if column not in data:
                data[column] = raw[column].to_numpy() if column in raw.columns else np.nan
        neighbours = pd.DataFrame(data)
        return SimilarClients(
            neighbours=neighbours,
            default_rate=float(neighbours[TARGET_COLUMN].mean()),
            population_default_rate=self.population_default_rate,
        )


class BackgroundIndex:
    """A :class:`NeighbourIndex` built by a daemon thread, so building it never delays start-up.

    The app reads the 300 k past clients in the background too; this thread waits for them
    (``history()`` blocks until they are loaded), builds the index (about a second), and
    ``get()`` waits for it: only a similar-clients query made in the first seconds waits.

    A forked child (gunicorn ``--preload``) does not inherit the thread: if the index was not
    ready at the fork, the child builds its own instead of waiting for a thread that is not there.
    """

    def __init__(
        self,
        history: Callable[[], pd.DataFrame],
        scorer: ProbabilityScorer | None = None,
        name: str = "similar-clients-index",
    ) -> None:
        self._history = history
        self._scorer = scorer
        self._name = name
        self.build_seconds: float | None = None
        self._start()
        reference = weakref.ref(self)

        def after_fork() -> None:
            alive = reference()
            if alive is not None and not alive._done.is_set():
                alive._start()

        os.register_at_fork(after_in_child=after_fork)

    def _start(self) -> None:
        self._done = threading.Event()
        self._index: NeighbourIndex | None = None
        self._error: BaseException | None = None
        threading.Thread(target=self._build, name=self._name, daemon=True).start()

    def _build(self) -> None:
        try:
            table = self._history()
            started = time.perf_counter()
            self._index = NeighbourIndex(table, scorer=self._scorer)
            self.build_seconds = time.perf_counter() - started
        except BaseException as exc:  # re-raised to whoever asks for the index
            logger.error("similar-clients index could not be built: %s", exc)
            self._error = exc
        finally:
            self._done.set()

    def ready(self) -> bool:
        return self._done.is_set() and self._error is None

    def get(self, timeout: float | None = None) -> NeighbourIndex:
        """The index, once built (waits up to ``timeout`` seconds; None waits as long as needed)."""
        if not self._done.wait(timeout):
            raise TimeoutError("the similar-clients index is still being built")
        if self._error is not None or self._index is None:
            raise RuntimeError(f"the similar-clients index could not be built: {self._error}")
        return self._index


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
