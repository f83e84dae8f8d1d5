"""Turning latent scores into columns with the real data's marginal distributions.

Every continuous column is drawn the same way: a latent score per client (which carries the
dependence on other columns and on risk) is turned into its rank among the generated clients, and
the rank goes through the column's quantile function, interpolated through the real percentiles in
``params/marginals.json`` (:mod:`parameters`). The ranks make each marginal match the real one
whatever the latent structure, and the univariate association of a column with default is exactly
that of its latent score.

Applicants (``split="test"``) differ from the history the way Kaggle's test set does: their quantile
knots are re-anchored at the real applicants' p1 / p50 / p99, their missing fractions and category
shares are the applicants' ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.interpolate import PchipInterpolator
from scipy.special import ndtr, ndtri

from credit_dashboard.storage import schema
from home_credit_synth import parameters

TRAIN = "train"
TEST = "test"

#: Power of the tail stretch between p99 and max (and min and p1): the last percent of clients is
#: packed near p99 with a thin tail up to the maximum, as in the real amounts.
_TAIL_POWER = 3.0


def ranks(score: np.ndarray) -> np.ndarray:
    """Mid-ranks of ``score`` scaled into (0, 1): the empirical copula of the latent score."""
    order = np.argsort(score, kind="stable")
    out = np.empty(len(score), dtype=float)
    out[order] = (np.arange(len(score)) + 0.5) / max(len(score), 1)
    return out


def ranks_to_normal(u: np.ndarray) -> np.ndarray:
    """Standard-normal scores with the given ranks (to mix a column's rank into a new score)."""
    return ndtri(np.clip(u, 1e-9, 1 - 1e-9))


def quantile_knots(column: str, split: str) -> np.ndarray:
    """The column's values at ``parameters.QUANTILE_PROBS``, re-anchored for the applicants."""
    knots = np.asarray(parameters.QUANTILES[column], dtype=float)
    if split == TEST and column in parameters.APPLICANT_ANCHORS:
        knots = _reanchor(knots, parameters.APPLICANT_ANCHORS[column])
    return knots


def _reanchor(knots: np.ndarray, anchors: Sequence[float]) -> np.ndarray:
    """Move p1 / p50 / p99 to the applicants' values and stretch the knots between them linearly."""
    p1, p50, p99 = anchors
    old = knots.copy()
    new = old.copy()
    new[1], new[4], new[7] = p1, p50, p99

    def stretch(x: float, a0: float, a1: float, b0: float, b1: float) -> float:
        return b0 if a1 == a0 else b0 + (x - a0) * (b1 - b0) / (a1 - a0)

    for i in (2, 3):
        new[i] = stretch(old[i], old[1], old[4], p1, p50)
    for i in (5, 6):
        new[i] = stretch(old[i], old[4], old[7], p50, p99)
    new[0] = min(old[0], p1)
    new[8] = max(old[8], p99)
    return np.maximum.accumulate(new)


def from_quantiles(
    u: np.ndarray,
    knots: Sequence[float],
    probs: Sequence[float] = parameters.QUANTILE_PROBS,
) -> np.ndarray:
    """Inverse CDF through ``(probs, knots)``: monotone cubic inside, power-stretched tails.

    Flat runs of equal knots (a point mass such as ``0`` for ELEVATORS) stay flat.
    """
    probs = np.asarray(probs, dtype=float)
    knots = np.asarray(knots, dtype=float)
    u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
    lo_p, hi_p = probs[1], probs[-2]
    inner = PchipInterpolator(probs[1:-1], knots[1:-1], extrapolate=True)
    out = inner(np.clip(u, lo_p, hi_p))
    low = u < lo_p
    out[low] = knots[1] - (knots[1] - knots[0]) * ((lo_p - u[low]) / lo_p) ** _TAIL_POWER
    high = u > hi_p
    out[high] = knots[-2] + (knots[-1] - knots[-2]) * ((u[high] - hi_p) / (1 - hi_p)) ** _TAIL_POWER
    return out


def column_from_score(
    score: np.ndarray, column: str, split: str, shift: float = 0.0
) -> np.ndarray:
    """Values of a numeric column whose ranks follow ``score`` (higher score, higher value).

    ``shift`` moves the ranks by that many standard deviations on the normal scale (a population
    whose score is lower by ``shift`` than the one the percentiles describe); 0 leaves them.
    """
    u = ranks(score)
    if shift:
        u = ndtr(ranks_to_normal(u) + shift)
    return from_quantiles(u, quantile_knots(column, split))


def missing_fraction(column: str, split: str) -> float:
    """Share of clients without a value for ``column`` (0 for complete columns)."""
    train, test = parameters.MISSING.get(column, (0.0, 0.0))
    return test if split == TEST else train


def level_shares(column: str, split: str) -> np.ndarray:
    """Shares of the column's levels (``schema`` order) among clients who have a value."""
    index = 1 if split == TEST else 0
    shares = np.array(
        [parameters.LEVELS[column][level][index] for level in schema.CATEGORY_LEVELS[column]]
    )
    return shares / shares.sum()


def level_default_rates(column: str) -> np.ndarray:
    """Real default rate of each level (shrunk for rare levels), in ``schema`` order."""
    return np.array(
        [parameters.LEVELS[column][level][2] for level in schema.CATEGORY_LEVELS[column]]
    )


def draw_levels(rng: np.random.Generator, shares: np.ndarray, n: int) -> np.ndarray:
    """Level codes drawn independently with the given shares."""
    return np.searchsorted(np.cumsum(shares) / np.sum(shares), rng.random(n), side="right").clip(
        0, len(shares) - 1
    )


def draw_levels_tilted(
    rng: np.random.Generator, shares: np.ndarray, log_tilt: np.ndarray, iterations: int = 8
) -> np.ndarray:
    """Level codes whose odds depend on each client (``log_tilt``: n x levels) yet whose overall
    shares match ``shares``: the baseline log-shares are fitted by iterative proportional
    fitting."""
    base = np.log(np.maximum(shares, 1e-12))
    present = shares > 0
    for _ in range(iterations):
        probs = _softmax(base + log_tilt)
        realised = probs.mean(axis=0)
        base[present] += np.log(shares[present] / np.maximum(realised[present], 1e-12))
    probs = _softmax(base + log_tilt)
    probs[:, ~present] = 0.0
    cum = np.cumsum(probs, axis=1)
    cum /= cum[:, -1:]
    u = rng.random(len(probs))[:, None]
    return (u > cum).sum(axis=1).clip(0, len(shares) - 1)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def draw_flag(rng: np.random.Generator, log_odds: np.ndarray, rate: float) -> np.ndarray:
    """0/1 flags with log-odds ``log_odds`` plus a shift that makes the share of ones ``rate``."""
    if rate <= 0:
        return np.zeros(len(log_odds), dtype=np.int64)
    if rate >= 1:
        return np.ones(len(log_odds), dtype=np.int64)
    shift = solve_shift(log_odds, rate)
    return (rng.random(len(log_odds)) < _expit(log_odds + shift)).astype(np.int64)


def solve_shift(log_odds: np.ndarray, rate: float) -> float:
    """The constant ``c`` with ``mean(expit(log_odds + c)) == rate`` (bisection: monotone in c)."""
    lo, hi = -40.0, 40.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if _expit(log_odds + mid).mean() < rate:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -40, 40)))


def to_text(codes: np.ndarray, column: str, missing: np.ndarray | None = None) -> np.ndarray:
    """Level codes as Kaggle's text values (object array, NaN where missing)."""
    levels = np.array(schema.CATEGORY_LEVELS[column], dtype=object)
    out = levels[codes]
    if missing is not None:
        out[missing] = np.nan
    return out


def missing_mask(rng: np.random.Generator, n: int, fraction: float) -> np.ndarray:
    """Clients without a value, chosen at random with the given share."""
    return rng.random(n) < fraction


def snap(values: np.ndarray, step: float) -> np.ndarray:
    """Round to a multiple of ``step`` (Kaggle's amounts, building grids)."""
    return np.round(values / step) * step


#: DAYS_LAST_PHONE_CHANGE knots: the real share of zeros (phone changed on the day) as a flat run.
QUANTILE_PROBS_PHONE = (
    0.0,
    0.01,
    0.05,
    0.25,
    0.5,
    0.75,
    1.0 - parameters.PHONE_CHANGED_TODAY,
    1.0,
)


def standing_tilt(column: str, standing: np.ndarray, strength: float = 0.5) -> np.ndarray:
    """Log-odds tilt (n x levels) that makes clients of low standing pick the riskier levels.

    A level's tilt is proportional to its real log-odds of default, so categories carry part of
    their risk through the external scores, as in the real data, instead of adding independent
    information.
    """
    rates = level_default_rates(column)
    log_odds = np.log(rates / (1 - rates))
    log_odds -= log_odds.mean()
    return -strength * standing[:, None] * log_odds[None, :]
