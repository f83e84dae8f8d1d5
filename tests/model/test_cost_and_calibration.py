"""The cost-optimal threshold against brute force, the cost curve, Platt scaling, reliability."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from credit_dashboard.model.calibration import PlattScaling, brier_score, reliability_table
from credit_dashboard.model.cost import (
    COST_FN,
    COST_FP,
    business_cost,
    cost_curve,
    optimal_threshold,
)


def _brute_force(y: np.ndarray, scores: np.ndarray) -> tuple[float, int]:
    """Cost of every rule "refuse when score >= t", t over all scores and above the maximum."""
    best_t, best_cost = np.inf, business_cost(y, np.zeros(len(y), dtype=bool))
    for t in np.unique(scores):
        cost = business_cost(y, scores >= t)
        if cost < best_cost:
            best_t, best_cost = t, cost
    return best_t, best_cost


@pytest.mark.parametrize("seed", range(6))
def test_optimal_threshold_matches_brute_force_with_ties(seed):
    rng = np.random.default_rng(seed)
    n = 400
    y = (rng.random(n) < 0.08 + 0.1 * seed / 6).astype(int)
    # Informative scores, rounded so that many clients share a score (ties).
    scores = np.round(np.clip(0.08 + 0.15 * y + rng.normal(0, 0.1, n), 0, 1), 2)
    choice = optimal_threshold(y, scores)
    _, brute_cost = _brute_force(y, scores)
    assert choice.business_cost == brute_cost
    assert business_cost(y, scores >= choice.threshold) == brute_cost
    assert choice.normalised_cost == pytest.approx(brute_cost / n)


def test_granting_everybody_is_chosen_when_it_is_cheapest():
    y = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    scores = np.linspace(0.9, 0.1, len(y))  # the only defaulter has the lowest score
    choice = optimal_threshold(y, scores)
    assert choice.business_cost == COST_FN
    assert not np.any(scores >= choice.threshold)


def test_cost_curve_matches_direct_counts():
    rng = np.random.default_rng(1)
    y = (rng.random(300) < 0.1).astype(int)
    scores = rng.random(300)
    thresholds = np.array([0.0, 0.05, 0.3, 0.5, 0.99, 1.0])
    expected = [business_cost(y, scores >= t) / len(y) for t in thresholds]
    np.testing.assert_allclose(cost_curve(y, scores, thresholds), expected)
    assert COST_FN == 10 and COST_FP == 1


def test_platt_scaling_recovers_a_known_miscalibration():
    rng = np.random.default_rng(0)
    raw = rng.normal(-1.0, 1.5, 40_000)
    y = (rng.random(raw.size) < expit(0.6 * raw - 1.2)).astype(int)
    platt = PlattScaling.fit(raw, y)
    assert platt.slope == pytest.approx(0.6, abs=0.05)
    assert platt.intercept == pytest.approx(-1.2, abs=0.08)
    assert brier_score(y, platt.probability(raw)) < brier_score(y, expit(raw))


def test_reliability_table_bins_cover_every_row_in_order():
    rng = np.random.default_rng(2)
    p = rng.beta(1, 10, 1000)
    y = (rng.random(1000) < p).astype(int)
    table = reliability_table(y, p, bins=10)
    assert sum(table["count"]) == 1000
    assert table["mean_predicted"] == sorted(table["mean_predicted"])
    # Outcomes drawn from p: observed and predicted default rates agree overall.
    overall = np.average(table["observed_rate"], weights=table["count"])
    assert overall == pytest.approx(y.mean())
