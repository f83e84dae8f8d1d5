"""The similar-clients index: same answer as a brute-force search, self excluded, rates right."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from credit_dashboard.services.neighbours import FACT_COLUMNS, NeighbourIndex, SimilaritySpace

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


def test_rates_outcomes_and_facts(synthetic_history: pd.DataFrame) -> None:
    scored = []

    def scorer(rows: pd.DataFrame) -> np.ndarray:
        scored.append(len(rows))
        return rows["EXT_SOURCE_2"].fillna(0.5).to_numpy() / 2

    index = NeighbourIndex(synthetic_history, scorer=scorer)
    answer = index.query(synthetic_history.iloc[[7]], k=10)
    table = answer.neighbours
    by_id = synthetic_history.set_index("SK_ID_CURR").loc[table["SK_ID_CURR"]]

    assert scored == [10]  # only the neighbours are scored, once
    assert table["TARGET"].tolist() == by_id["TARGET"].tolist()
    np.testing.assert_allclose(table["default_probability"], by_id["EXT_SOURCE_2"].fillna(0.5) / 2)
    assert answer.default_rate == pytest.approx(by_id["TARGET"].mean())
    assert answer.population_default_rate == pytest.approx(synthetic_history["TARGET"].mean())
    assert list(table.columns[4:]) == list(FACT_COLUMNS)
    np.testing.assert_allclose(table["AGE_YEARS"], -by_id["DAYS_BIRTH"] / 365.25)
    assert table["distance"].is_monotonic_increasing


def test_precomputed_probabilities_are_used(synthetic_history: pd.DataFrame) -> None:
    probabilities = np.linspace(0, 1, len(synthetic_history))
    index = NeighbourIndex(synthetic_history, history_probabilities=probabilities)
    answer = index.query(synthetic_history.iloc[[42]], k=3)
    positions = synthetic_history.reset_index().set_index("SK_ID_CURR").loc[
        answer.neighbours["SK_ID_CURR"], "index"
    ]
    np.testing.assert_allclose(answer.neighbours["default_probability"], probabilities[positions])


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


def test_background_index_waits_for_history_and_reports_failures(
    synthetic_history: pd.DataFrame,
) -> None:
    import threading

    from credit_dashboard.services.neighbours import BackgroundIndex

    released = threading.Event()

    def slow_history() -> pd.DataFrame:
        released.wait(10)  # the past clients are still loading
        return synthetic_history

    pending = BackgroundIndex(slow_history)
    with pytest.raises(TimeoutError, match="still being built"):
        pending.get(timeout=0.05)
    assert not pending.ready()
    released.set()
    index = pending.get(timeout=30)
    assert pending.ready() and pending.build_seconds is not None
    assert index.query(synthetic_history.iloc[[0]], k=3).k == 3

    def broken_history() -> pd.DataFrame:
        raise OSError("application_train.parquet: unreadable")

    failed = BackgroundIndex(broken_history)
    with pytest.raises(RuntimeError, match="unreadable"):
        failed.get(timeout=30)
    assert not failed.ready()


def _index_size_in_child(pending, results) -> None:
    try:
        results.put(pending.get(timeout=60).points.shape[0])
    except Exception as exc:  # reported to the parent, which fails the test
        results.put(repr(exc))


def test_background_index_is_rebuilt_in_a_child_forked_before_it_was_ready(
    synthetic_history: pd.DataFrame,
) -> None:
    # gunicorn --preload forks workers after the app was created: the thread building the index
    # does not exist in the child, which must build its own rather than wait forever.
    import multiprocessing
    import threading

    from credit_dashboard.services.neighbours import BackgroundIndex

    released = threading.Event()

    def slow_history() -> pd.DataFrame:
        released.wait(3)  # in the child nobody sets it: the wait ends after 3 s
        return synthetic_history

    pending = BackgroundIndex(slow_history)
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    child = ctx.Process(target=_index_size_in_child, args=(pending, results))
    child.start()
    released.set()
    child.join(timeout=90)
    assert child.exitcode == 0
    assert results.get(timeout=5) == len(synthetic_history)
    assert pending.get(timeout=30).points.shape[0] == len(synthetic_history)
