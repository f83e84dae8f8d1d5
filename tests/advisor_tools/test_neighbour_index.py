"""The similar-clients index: same answer as a brute-force search, self excluded, rates right."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from credit_dashboard.services.neighbours import FACT_COLUMNS, NeighbourIndex
from credit_dashboard.services.out_of_fold import OutOfFoldScores
from credit_dashboard.services.similarity_space import SimilaritySpace

from .conftest import synthetic_clients


def _brute_force(points: np.ndarray, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    distances = np.sqrt(((points.astype("float64") - query.astype("float64")) ** 2).sum(axis=1))
    order = np.argsort(distances, kind="stable")[:k]
    return order, distances[order]


def test_index_matches_brute_force_for_applicants(synthetic_history: pd.DataFrame) -> None:
    index = NeighbourIndex(synthetic_history, leaf_size=8)
    applicants = synthetic_clients(50, seed=99, with_target=False)
    applicants["SK_ID_CURR"] += 900_000  # not history clients: nobody is excluded
    for _, client in applicants.iterrows():
        answer = index.query(client, k=10)
        expected_rows, expected_distances = _brute_force(
            index.points, index.space.transform(client.to_frame().T)[0], 10
        )
        assert answer.neighbours["SK_ID_CURR"].tolist() == index.ids[expected_rows].tolist()
        np.testing.assert_allclose(answer.neighbours["distance"], expected_distances, rtol=1e-5)


def test_history_client_is_not_its_own_neighbour(synthetic_history: pd.DataFrame) -> None:
    index = NeighbourIndex(synthetic_history)
    client = synthetic_history.iloc[[123]]
    answer = index.query(client, k=5)
    client_id = int(client["SK_ID_CURR"].iloc[0])
    assert client_id not in answer.neighbours["SK_ID_CURR"].tolist()
    assert answer.k == 5
    expected_rows, _ = _brute_force(index.points, index.space.transform(client)[0], 6)
    expected_ids = [i for i in index.ids[expected_rows] if i != client_id][:5]
    assert answer.neighbours["SK_ID_CURR"].tolist() == expected_ids


def _scores(history: pd.DataFrame, probabilities: np.ndarray) -> OutOfFoldScores:
    return OutOfFoldScores("20261201T000000Z-0123456789ab",
                           pd.Series(probabilities, index=history["SK_ID_CURR"].to_numpy()))


def test_rates_outcomes_and_facts(synthetic_history: pd.DataFrame) -> None:
    probabilities = np.linspace(0.01, 0.99, len(synthetic_history))
    scores = _scores(synthetic_history, probabilities)
    index = NeighbourIndex(synthetic_history)
    answer = index.query(synthetic_history.iloc[[7]], k=10, scores=scores)
    table = answer.neighbours
    by_id = synthetic_history.set_index("SK_ID_CURR").loc[table["SK_ID_CURR"]]

    assert table["TARGET"].tolist() == by_id["TARGET"].tolist()
    expected = scores.by_id.loc[table["SK_ID_CURR"]].to_numpy()
    np.testing.assert_allclose(table["default_probability"], expected)
    assert answer.scores_version == scores.version
    assert answer.default_rate == pytest.approx(by_id["TARGET"].mean())
    assert answer.population_default_rate == pytest.approx(synthetic_history["TARGET"].mean())
    assert list(table.columns[4:]) == list(FACT_COLUMNS)
    np.testing.assert_allclose(table["AGE_YEARS"], -by_id["DAYS_BIRTH"] / 365.25)
    assert table["distance"].is_monotonic_increasing


def test_probabilities_are_looked_up_by_client_id(synthetic_history: pd.DataFrame) -> None:
    # Scores stored in another order, and missing for some clients (added after that training):
    # each neighbour gets its own, or NaN; without scores there is no probability at all.
    shuffled = synthetic_history.sample(frac=1.0, random_state=3)
    kept = shuffled.iloc[: len(shuffled) // 2]
    scores = _scores(kept, np.linspace(0, 1, len(kept)))
    index = NeighbourIndex(synthetic_history)
    n_known = n_unknown = 0
    for position in range(0, 3000, 150):
        answer = index.query(synthetic_history.iloc[[position]], k=8, scores=scores)
        ids = answer.neighbours["SK_ID_CURR"]
        known = ids.isin(kept["SK_ID_CURR"]).to_numpy()
        got = answer.neighbours["default_probability"].to_numpy()
        np.testing.assert_allclose(got[known], scores.by_id.loc[ids[known]].to_numpy())
        assert np.isnan(got[~known]).all()
        n_known, n_unknown = n_known + known.sum(), n_unknown + (~known).sum()
    assert n_known > 0 and n_unknown > 0  # both cases were met
    unscored = index.query(synthetic_history.iloc[[42]], k=3)
    assert unscored.scores_version is None
    assert unscored.neighbours["default_probability"].isna().all()


def test_space_imputes_and_flags_missing_values(synthetic_history: pd.DataFrame) -> None:
    space = SimilaritySpace.fit(synthetic_history)
    assert "EXT_SOURCE_1" in space.indicator_columns  # half missing in the history
    assert "YEARS_EMPLOYED" in space.indicator_columns  # the 365243 "not employed" placeholder
    points = space.transform(synthetic_history)
    assert points.dtype == np.float32 and np.isfinite(points).all()
    # Standardised: each fact has mean 0 and unit spread on the history.
    n_facts = len(space.medians)
    np.testing.assert_allclose(points[:, :n_facts].mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(points[:, :n_facts].std(axis=0), 1, atol=1e-3)
    flag = space.dimension_names.index("EXT_SOURCE_1_MISSING")
    np.testing.assert_array_equal(points[:, flag], synthetic_history["EXT_SOURCE_1"].isna())


def test_bad_requests_are_refused(synthetic_history: pd.DataFrame) -> None:
    with pytest.raises(KeyError, match="TARGET"):
        NeighbourIndex(synthetic_history.drop(columns="TARGET"))
    index = NeighbourIndex(synthetic_history.head(4))
    with pytest.raises(ValueError, match="k must be"):
        index.query(synthetic_history.iloc[[0]], k=0)
    # Asking for more neighbours than exist returns all the others.
    assert index.query(synthetic_history.iloc[[0]], k=10).k == 3
    with pytest.raises(ValueError, match="one client row"):
        index.query(synthetic_history.head(2))
