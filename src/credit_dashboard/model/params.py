"""LightGBM settings by rule of the number of training rows, and the plain baseline's settings.

Users bring 10-20 k real rows as often as the full 307 k. With 15 k rows (about 1,200 defaulters)
a leaf of 20 clients holds one or two defaulters, and a tree of 31 leaves learns noise; with 300 k
rows the same settings underfit. So the regularisation follows the size of the training set by a
rule, not a lookup tuned to one data set:

- ``min_child_samples`` holds about ten defaulters at the observed default rate (125 clients at
  8 %), never more than 5 % of the rows: a leaf's default rate rests on enough defaulters at every
  size, instead of one or two;
- ``num_leaves`` grows slowly with the rows (8 at 10 k, 10 at 15 k, 16 at 50 k, 31 from about
  200 k): small samples get shallow trees;
- the learning rate is 0.03 below 50 k rows (more, smaller steps where data are scarce) and
  rises to 0.06 at 300 k, where the early-stopped tree count would otherwise cost minutes.

The number of trees is never fixed: early stopping on a split of each training fold decides it.
"""

from __future__ import annotations

import math

#: Issue 11's plain LightGBM, reproduced exactly: the yardstick every run is compared with.
BASELINE_PARAMS: dict[str, object] = {
    "n_estimators": 300,
    "learning_rate": 0.03,
    "num_leaves": 15,
}
#: The baseline refuses at 1/11 on its raw probabilities (no calibration, no threshold search).
BASELINE_THRESHOLD = 1.0 / 11.0
#: Upper bound on trees; early stopping ends far sooner.
MAX_TREES = 3000
#: Rounds without improvement of the early-stopping AUC before a fit stops.
PATIENCE = 100


def regularised_params(n_rows: int, default_rate: float = 0.08) -> dict[str, object]:
    """LightGBM settings for ``n_rows`` training rows with ``default_rate`` defaulters (rule above).

    These are also the first trial of the search and the whole story in quick mode.
    """
    n = max(int(n_rows), 1)
    rate = min(max(default_rate, 0.01), 0.5)
    minority_per_leaf = 10
    min_child = int(round(max(min(minority_per_leaf / rate, n / 20), 5)))
    leaves = int(min(31, max(7, round(2 ** (math.log10(n) * 1.5 - 3.0)))))
    learning_rate = 0.03 if n <= 50_000 else round(min(0.06, 0.03 * (n / 50_000) ** 0.4), 3)
    return {
        "learning_rate": learning_rate,
        "num_leaves": leaves,
        "min_child_samples": min_child,
        "subsample": 0.8,
        "subsample_freq": 1,
        "colsample_bytree": 0.5,
        "reg_lambda": 5.0,
        "reg_alpha": 0.0,
        "min_split_gain": 0.0,
        # Pure speed: skips LightGBM's row-/column-wise timing test at every fit.
        "force_col_wise": True,
    }


def folds_for(n_rows: int, requested: int | None, quick: bool = False) -> int:
    """Cross-validation folds: what the user asked, else 5 up to 100 k rows (cheap there, and the
    estimates of small samples need every fold they can get) and 3 above (2 in quick mode, whose
    whole run must fit in three minutes on two cores)."""
    if requested is not None:
        return requested
    if n_rows <= 100_000:
        return 5
    return 2 if quick else 3


def patience_for(fit_rows: int) -> int:
    """Early-stopping patience: 100 rounds, 50 above 100 k rows, where the validation AUC is
    steady enough that a shorter wait stops at the same place and saves a third of the trees."""
    return 100 if fit_rows <= 100_000 else 50


def final_tree_count(best_iterations: list[int], fit_rows: float, final_rows: float) -> int:
    """Trees for a refit on more rows than the early-stopped fits saw.

    More rows support more trees before overfitting; the square root of the rows ratio, capped at
    1.3, is a conservative middle between keeping the count and scaling it with the data.
    """
    mean = sum(best_iterations) / max(len(best_iterations), 1)
    factor = min(1.3, max(1.0, math.sqrt(final_rows / max(fit_rows, 1.0))))
    return max(10, int(round(mean * factor)))
