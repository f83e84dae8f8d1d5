"""The ship rule and the threshold rule decide beyond the noise, and fast enough for 61 k rows."""

from __future__ import annotations

import time

import numpy as np
import pytest
from scipy.special import expit
from sklearn.metrics import roc_auc_score

from credit_dashboard.model.cost import normalised_cost
from credit_dashboard.model.ship_rules import (
    ONE_ELEVENTH,
    Interval,
    PairedComparison,
    _RankedScores,
    beats,
    paired_bootstrap,
    sparse_sum_bootstrap,
    threshold_decision,
)


def _scores(n: int, signal: float, seed: int, rate: float = 0.08) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < rate).astype(int)
    return y, rng.normal(size=n) + signal * y


def test_weighted_mann_whitney_auc_equals_sklearn_with_ties_and_repeats():
    rng = np.random.default_rng(1)
    y = (rng.random(3000) < 0.2).astype(int)
    scores = np.round(rng.normal(size=3000) + y, 1)  # many ties
    counts = rng.integers(0, 3, size=(4, 3000)).astype(float)
    ranked = _RankedScores(y, scores)
    for row, auc in zip(counts, ranked.auc(counts), strict=True):
        repeat = row.astype(int)
        expected = roc_auc_score(np.repeat(y, repeat), np.repeat(scores, repeat))
        assert auc == pytest.approx(expected, abs=1e-12)


def test_a_clearly_better_model_wins_and_an_identical_one_does_not():
    y, z = _scores(20_000, 1.0, seed=2)
    rng = np.random.default_rng(3)
    better = expit(z - 3)
    worse = expit(0.5 * z + rng.normal(size=len(z)) - 3)
    clear = paired_bootstrap(y, better, ONE_ELEVENTH, worse, ONE_ELEVENTH, resamples=300)
    assert clear.auc_difference.low > 0
    assert beats(clear, "richer", "simpler").richer_wins

    same = paired_bootstrap(y, better, ONE_ELEVENTH, better.copy(), ONE_ELEVENTH, resamples=300)
    assert same.auc_difference.low == same.auc_difference.high == 0
    outcome = beats(same, "richer", "simpler")
    assert not outcome.richer_wins and "simpler is kept" in outcome.reason

    # Two models of the same quality with their own noise: a tie, the simpler one ships.
    first = expit(z + 0.5 * rng.normal(size=len(z)) - 3)
    second = expit(z + 0.5 * rng.normal(size=len(z)) - 3)
    tie = paired_bootstrap(y, first, ONE_ELEVENTH, second, ONE_ELEVENTH, resamples=300)
    assert tie.auc_difference.low <= 0 <= tie.auc_difference.high
    assert not beats(tie, "richer", "simpler").richer_wins


def test_point_estimates_are_the_plain_differences():
    y, z = _scores(5000, 1.0, seed=4)
    a, b = expit(z - 3), expit(0.3 * z - 2.5)
    result = paired_bootstrap(y, a, 0.09, b, 0.1, resamples=50)
    assert result.auc_difference.estimate == pytest.approx(
        roc_auc_score(y, a) - roc_auc_score(y, b))
    assert result.cost_difference.estimate == pytest.approx(
        normalised_cost(y, a, 0.09) - normalised_cost(y, b, 0.1))


@pytest.mark.parametrize(("auc", "cost", "wins"), [
    ((0.01, 0.004, 0.02), (0.0, -0.01, 0.01), True),      # better ranking, cost not worse
    ((0.01, 0.004, 0.02), (0.02, 0.01, 0.03), False),     # better ranking, clearly costlier
    ((0.0, -0.003, 0.004), (-0.02, -0.03, -0.01), True),  # same ranking, clearly cheaper
    ((0.0, -0.003, 0.004), (-0.01, -0.03, 0.01), False),  # a tie on both: the simpler ships
    ((-0.01, -0.02, -0.004), (-0.02, -0.03, -0.01), False),  # worse ranking
])
def test_the_rule_table(auc, cost, wins):
    comparison = PairedComparison(Interval(*auc), Interval(*cost), 1000, 100, 0)
    assert beats(comparison, "richer", "simpler").richer_wins is wins


def test_bootstrap_of_61k_rows_runs_in_seconds():
    y, z = _scores(61_000, 1.0, seed=5)
    a, b = expit(z - 3), expit(0.9 * z - 3)
    tick = time.perf_counter()
    paired_bootstrap(y, a, ONE_ELEVENTH, b, ONE_ELEVENTH, resamples=1000)
    assert time.perf_counter() - tick < 10


def test_sparse_sum_bootstrap_matches_a_plain_bootstrap_in_distribution():
    rng = np.random.default_rng(6)
    values = np.where(rng.random(4000) < 0.05, rng.choice([-1.0, 10.0], size=4000), 0.0)
    sparse = sparse_sum_bootstrap(values, 4000, seed=7)
    plain = np.array([values[rng.integers(0, 4000, 4000)].sum() for _ in range(4000)])
    assert sparse.mean() == pytest.approx(values.sum(), rel=0.05)
    assert sparse.std() == pytest.approx(plain.std(), rel=0.1)


def test_threshold_stays_at_one_eleventh_on_calibrated_noise():
    rng = np.random.default_rng(8)
    p = expit(rng.normal(-2.6, 1.0, size=60_000))
    y = (rng.random(len(p)) < p).astype(int)  # calibrated by construction
    decision = threshold_decision(y, p, np.arange(len(p)) % 5)
    assert decision.kept == "one_eleventh"
    assert decision.threshold == ONE_ELEVENTH
    assert len(decision.per_fold) == 5
    assert "1/11 is kept" in decision.reason


def test_threshold_moves_when_the_probabilities_are_clearly_off():
    rng = np.random.default_rng(9)
    true_p = expit(rng.normal(-2.6, 1.0, size=60_000))
    y = (rng.random(len(true_p)) < true_p).astype(int)
    shown = expit(np.log(true_p / (1 - true_p)) + 1.0)  # every probability inflated: cut higher
    decision = threshold_decision(y, shown, np.arange(len(y)) % 5)
    assert decision.kept == "searched"
    assert decision.threshold > ONE_ELEVENTH
    assert all(t > ONE_ELEVENTH for t in decision.per_fold)
    assert decision.difference.high < 0
    record = decision.to_dict()
    assert record["one_eleventh"] == pytest.approx(1 / 11) and record["rule"]
