"""When a richer model ships, and when the threshold leaves 1/11: decisions beyond the noise.

Why this module: on real data the tuned LightGBM tied the plain baseline on held-out AUC and lost
on cost, and the out-of-fold cost-optimal threshold wandered between 0.078 and 0.109 across folds
while calibrated probabilities call for 1/11. Comparing two point estimates ships whichever model
the sampling noise favours, and re-optimising the threshold on every run follows that noise too.
Both rules here therefore keep the simpler choice unless the evidence is clear:

- :func:`paired_bootstrap` resamples the held-out rows (the *same* resample for both models, seed
  fixed) and gives 95 % intervals of the AUC difference and of the business-cost difference, each
  model at its own threshold;
- :func:`beats` is the ship rule: the richer model ships when its AUC is better beyond the noise
  (interval above 0) and its cost is not worse beyond the noise (cost interval not entirely above
  0), or when the AUCs cannot be told apart (interval includes 0) and its cost is lower beyond the
  noise (cost interval entirely below 0). Strict: a tie ships the simpler model. Not impossible: a
  gain of about two standard errors on either measure is enough;
- :func:`threshold_decision` keeps 1/11 unless the cost at the searched threshold is below the
  cost at 1/11 with a paired-bootstrap interval entirely below 0 *and* every fold's own optimal
  threshold lies on the same side of 1/11 as the searched one. A threshold searched on the rows
  that judge it would flatter it, so the cost difference is cross-fitted: each fold's rows are
  costed at the threshold searched on the other folds (against 1/11), and the bootstrap resamples
  those row differences. The per-fold condition adds a second guard (a threshold that
  only fits noise moves from fold to fold).

Speed: 1,000 resamples of 61,000 rows. The resampled AUC is a Mann-Whitney statistic on the rows'
resample counts (weights), computed per resample with one sort of the scores shared by every
resample: each positive's weight times the negatives' weight below its score (ties count a
half). Costs are a matrix product of the counts with each row's cost. About 3 s for 1,000
resamples of 61 k rows (tests/model/test_ship_rules.py keeps it under 10 s).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass

import numpy as np

from credit_dashboard.model.cost import COST_FN, COST_FP, is_refused, optimal_threshold

logger = logging.getLogger(__name__)

#: Held-out resamples of the ship rule and out-of-fold resamples of the threshold rule.
RESAMPLES = 1000
#: Two-sided confidence of the intervals.
CONFIDENCE = 0.95
#: Seed of the resamples: the same data give the same intervals on every run.
BOOTSTRAP_SEED = 20_240_611
#: 1/11: on calibrated probabilities refusing pays off exactly when 10·p > 1·(1 - p).
ONE_ELEVENTH = COST_FP / (COST_FP + COST_FN)
#: Resamples handled at once (a block of counts is ``_CHUNK × rows`` floats: 50 MB at 61 k rows).
_CHUNK = 100

SHIP_RULE = (
    "Paired bootstrap of the held-out rows ({resamples} resamples, the same for both models, "
    "seed fixed), 95% intervals of the differences richer - simpler. The richer model ships when "
    "its AUC difference interval lies above 0 and its cost difference interval does not lie "
    "entirely above 0 (better ranking, cost not clearly worse), or when the AUC interval "
    "includes 0 and the cost difference interval lies entirely below 0 (same ranking, clearly "
    "cheaper decisions, each model at its own threshold). Otherwise the simpler model ships: a "
    "tie is not a reason to ship more complexity."
)

THRESHOLD_RULE = (
    "The threshold is 1/11 (the cost-optimal cut of calibrated probabilities when a missed "
    "defaulter costs 10 and a refused good client 1) unless the out-of-fold evidence is clear: "
    "the threshold minimising 10·FN + FP on the out-of-fold predictions is kept instead only "
    "when its cost minus the cost at 1/11 has a paired bootstrap 95% interval ({resamples} "
    "resamples of the out-of-fold rows; each fold costed at the threshold searched on the other "
    "folds) entirely below 0 and every fold's own cost-optimal threshold lies on the same side "
    "of 1/11."
)


@dataclass(frozen=True)
class Interval:
    """A point estimate and its bootstrap percentile interval."""

    estimate: float
    low: float
    high: float

    @property
    def above_zero(self) -> bool:
        return self.low > 0

    @property
    def below_zero(self) -> bool:
        return self.high < 0

    def to_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class PairedComparison:
    """Model a against model b on the same rows: differences a - b (AUC, normalised cost)."""

    auc_difference: Interval
    cost_difference: Interval
    resamples: int
    rows: int
    seed: int

    def to_dict(self) -> dict[str, object]:
        return {"auc_difference": self.auc_difference.to_dict(),
                "cost_difference": self.cost_difference.to_dict(),
                "resamples": self.resamples, "rows": self.rows, "seed": self.seed,
                "confidence": CONFIDENCE}


def _count_blocks(rows: int, resamples: int, seed: int) -> Iterator[np.ndarray]:
    """Bootstrap resamples as counts per row (how often each row was drawn), in blocks."""
    rng = np.random.default_rng(seed)
    done = 0
    while done < resamples:
        size = min(_CHUNK, resamples - done)
        draws = rng.integers(0, rows, size=(size, rows))
        offsets = (np.arange(size) * rows)[:, None]
        counts = np.bincount((draws + offsets).ravel(), minlength=size * rows)
        yield counts.reshape(size, rows).astype(np.float64)
        done += size


class _RankedScores:
    """One model's scores sorted once, so every resample's AUC is a few vector operations.

    For each positive row, where its score falls among the sorted negatives' scores (first index
    at or above it, first index above it): with the negatives' cumulated resample weights, the
    weight strictly below and the weight tied with it are two lookups.
    """

    def __init__(self, y: np.ndarray, scores: np.ndarray) -> None:
        positive = np.asarray(y).astype(bool)
        s = np.asarray(scores, dtype=np.float64)
        self.negatives = np.flatnonzero(~positive)
        self.negatives = self.negatives[np.argsort(s[self.negatives], kind="mergesort")]
        self.positives = np.flatnonzero(positive)
        sorted_negative = s[self.negatives]
        self.below = np.searchsorted(sorted_negative, s[self.positives], side="left")
        self.upto = np.searchsorted(sorted_negative, s[self.positives], side="right")

    def auc(self, counts: np.ndarray) -> np.ndarray:
        """Weighted Mann-Whitney AUC of each row of ``counts`` (resamples × rows)."""
        neg = counts[:, self.negatives]
        cumulated = np.zeros((len(counts), neg.shape[1] + 1))
        np.cumsum(neg, axis=1, out=cumulated[:, 1:])
        pos = counts[:, self.positives]
        below = cumulated[:, self.below]
        tied = cumulated[:, self.upto] - below
        pairs = pos.sum(axis=1) * cumulated[:, -1]
        wins = (pos * (below + 0.5 * tied)).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(pairs > 0, wins / pairs, np.nan)


def row_costs(y: np.ndarray, probability: np.ndarray, threshold: float) -> np.ndarray:
    """Each row's business cost under ``refuse when probability >= threshold`` (10, 1 or 0)."""
    positive = np.asarray(y).astype(bool)
    refused = is_refused(probability, threshold)
    return np.where(positive & ~refused, COST_FN, 0) + np.where(~positive & refused, COST_FP, 0)


def _interval(point: float, samples: np.ndarray) -> Interval:
    samples = samples[np.isfinite(samples)]
    tail = (1 - CONFIDENCE) / 2 * 100
    if len(samples) == 0:
        return Interval(float(point), float("nan"), float("nan"))
    low, high = np.percentile(samples, [tail, 100 - tail])
    return Interval(float(point), float(low), float(high))


def paired_bootstrap(
    y: np.ndarray, p_a: np.ndarray, threshold_a: float, p_b: np.ndarray, threshold_b: float,
    *, resamples: int = RESAMPLES, seed: int = BOOTSTRAP_SEED,
) -> PairedComparison:
    """Intervals of AUC(a) - AUC(b) and cost(a) - cost(b) (normalised: per client), each model
    at its own threshold, over ``resamples`` resamples of the rows shared by both models."""
    y = np.asarray(y).astype(int)
    n = len(y)
    if n == 0:
        raise ValueError("no rows to compare the models on")
    ranked_a, ranked_b = _RankedScores(y, p_a), _RankedScores(y, p_b)
    cost_gap = (row_costs(y, p_a, threshold_a) - row_costs(y, p_b, threshold_b)).astype(float)
    ones = np.ones((1, n))
    auc_point = float(ranked_a.auc(ones)[0] - ranked_b.auc(ones)[0])
    auc_samples, cost_samples = [], []
    for counts in _count_blocks(n, resamples, seed):
        auc_samples.append(ranked_a.auc(counts) - ranked_b.auc(counts))
        cost_samples.append(counts @ cost_gap / n)
    return PairedComparison(
        auc_difference=_interval(auc_point, np.concatenate(auc_samples)),
        cost_difference=_interval(float(cost_gap.mean()), np.concatenate(cost_samples)),
        resamples=resamples, rows=n, seed=seed,
    )


@dataclass(frozen=True)
class RuleOutcome:
    """Whether the richer model beats the simpler one beyond the noise, and why, in words."""

    richer_wins: bool
    reason: str


def beats(comparison: PairedComparison, richer: str, simpler: str) -> RuleOutcome:
    """The ship rule (module docstring) applied to ``richer - simpler`` differences."""
    auc, cost = comparison.auc_difference, comparison.cost_difference
    figures = (f"AUC difference {auc.estimate:+.4f} [{auc.low:+.4f}, {auc.high:+.4f}], "
               f"cost difference {cost.estimate:+.4f} [{cost.low:+.4f}, {cost.high:+.4f}] per "
               f"client ({richer} - {simpler}, 95% paired bootstrap, {comparison.resamples} "
               f"resamples of {comparison.rows} held-out rows)")
    if auc.above_zero and not cost.low > 0:
        return RuleOutcome(True, f"{richer} ranks better beyond the noise and its cost is not "
                                 f"clearly worse: {figures}.")
    if auc.low <= 0 <= auc.high and cost.below_zero:
        return RuleOutcome(True, f"{richer} ranks as well and its decisions are cheaper beyond "
                                 f"the noise: {figures}.")
    if auc.above_zero:
        why = "its AUC is better but its cost is clearly worse"
    elif auc.below_zero:
        why = "its AUC is worse beyond the noise"
    else:
        why = "neither its AUC nor its cost is better beyond the noise"
    return RuleOutcome(False, f"{simpler} is kept: {why} ({figures}).")


def decision_section(name_a: str, name_b: str, comparison: PairedComparison,
                     outcome: RuleOutcome) -> dict[str, object]:
    """One comparison as the card records it (``ship_decision`` and ``credit_records``)."""
    return {"richer": name_a, "simpler": name_b, **comparison.to_dict(),
            "winner": name_a if outcome.richer_wins else name_b, "reason": outcome.reason}


# ----------------------------------------------------------------------------- threshold rule


@dataclass(frozen=True)
class ThresholdDecision:
    """1/11 or the searched threshold, with the evidence for the choice."""

    threshold: float
    kept: str  # "one_eleventh" or "searched"
    searched: float
    per_fold: tuple[float, ...]
    cost_at_searched: float
    cost_at_one_eleventh: float
    difference: Interval
    rows: int
    resamples: int
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {"threshold": self.threshold, "kept": self.kept, "one_eleventh": ONE_ELEVENTH,
                "searched": self.searched, "per_fold": list(self.per_fold),
                "cost_at_searched": self.cost_at_searched,
                "cost_at_one_eleventh": self.cost_at_one_eleventh,
                "cost_difference": self.difference.to_dict(), "rows": self.rows,
                "resamples": self.resamples, "seed": BOOTSTRAP_SEED, "reason": self.reason,
                "rule": THRESHOLD_RULE.format(resamples=self.resamples)}


def sparse_sum_bootstrap(values: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """Bootstrap sums of ``values`` (one per resample), exact and fast when most are zero.

    A resample's sum only involves the rows whose value is not zero: the number of draws that
    land on them is binomial, and those draws are uniform among them. Between 1/11 and a nearby
    threshold only a few per cent of the rows change decision, so this draws about
    ``resamples × that few per cent × rows`` numbers instead of ``resamples × rows``.
    """
    n = len(values)
    nonzero = np.asarray(values, dtype=np.float64)[np.asarray(values) != 0]
    rng = np.random.default_rng(seed)
    if len(nonzero) == 0 or n == 0:
        return np.zeros(resamples)
    hits = rng.binomial(n, len(nonzero) / n, size=resamples)
    picks = nonzero[rng.integers(0, len(nonzero), size=int(hits.sum()))]
    owner = np.repeat(np.arange(resamples), hits)
    return np.bincount(owner, weights=picks, minlength=resamples)


def threshold_decision(
    y: np.ndarray, probability: np.ndarray, fold_of: np.ndarray | None = None, *,
    resamples: int = RESAMPLES, seed: int = BOOTSTRAP_SEED,
) -> ThresholdDecision:
    """The threshold rule (module docstring) on calibrated out-of-fold probabilities.

    ``fold_of``: the fold of each row; ``None`` cuts the rows into 5 fixed random parts.
    """
    y = np.asarray(y).astype(int)
    p = np.asarray(probability, dtype=np.float64)
    n = len(y)
    if fold_of is None:
        fold_of = np.random.default_rng(seed).permutation(n) % 5
    fold_of = np.asarray(fold_of)
    searched = optimal_threshold(y, p).threshold
    folds = [k for k in np.unique(fold_of) if (fold_of == k).any()]
    per_fold = tuple(optimal_threshold(y[fold_of == k], p[fold_of == k]).threshold
                     for k in folds)
    # Each row judged at the threshold searched without its fold, so the interval does not
    # reward a threshold for fitting the very rows that judge it.
    gap = np.zeros(n)
    for k in folds:
        inside = fold_of == k
        if (~inside).any() and len(folds) > 1:
            elsewhere = optimal_threshold(y[~inside], p[~inside]).threshold
        else:
            elsewhere = searched
        gap[inside] = (row_costs(y[inside], p[inside], elsewhere)
                       - row_costs(y[inside], p[inside], ONE_ELEVENTH))
    cost_searched = float(row_costs(y, p, searched).mean())
    cost_bayes = float(row_costs(y, p, ONE_ELEVENTH).mean())
    difference = _interval(float(gap.mean()),
                           sparse_sum_bootstrap(gap, resamples, seed) / max(n, 1))
    side = np.sign(searched - ONE_ELEVENTH)
    same_side = side != 0 and all(np.sign(t - ONE_ELEVENTH) == side for t in per_fold)
    figures = (f"searched {searched:.4f} (folds {', '.join(f'{t:.3f}' for t in per_fold)}), cost "
               f"{cost_searched:.4f} against {cost_bayes:.4f} at 1/11; each fold at the "
               f"threshold searched on the others: difference {difference.estimate:+.4f} "
               f"[{difference.low:+.4f}, {difference.high:+.4f}] per client")
    if difference.below_zero and same_side:
        return ThresholdDecision(searched, "searched", searched, per_fold, cost_searched,
                                 cost_bayes, difference, n, resamples,
                                 f"the searched threshold is kept: it is cheaper beyond the noise "
                                 f"and every fold's optimum lies on its side of 1/11 ({figures}).")
    why = ("its saving is within the noise" if not difference.below_zero else
           "the folds' optima do not all lie on the same side of 1/11")
    return ThresholdDecision(ONE_ELEVENTH, "one_eleventh", searched, per_fold, cost_searched,
                             cost_bayes, difference, n, resamples,
                             f"1/11 is kept: {why} ({figures}).")
