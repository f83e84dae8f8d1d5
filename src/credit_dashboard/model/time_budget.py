"""One wall-clock budget for a whole training run, shared by its stages.

A full run must end within 15 minutes on two cores, whatever the machine's other work. Giving each
stage its own fixed timeout would waste what an early stage leaves unused and ignore what it
overran, so the stages share *cumulative deadlines*: stage i must be done by
``start + total * (share_0 + ... + share_i)``. A stage that finishes early hands its time to the
next ones; one that overruns shortens them. Only two stages can adapt their work to the time they
get: the Optuna search (a timeout, and trials cut short at the deadline) and the comparison of
imbalance options (extra options are skipped when they would not fit); the rest (the required
baseline, the held-out evaluation, the final fit on every row, the reports) always runs, and the
card says how long each stage actually took next to what it was given.

The budget defaults to 900 s in full mode and 180 s in quick mode; ``--time-budget`` or
``CREDIT_TRAIN_TIME_BUDGET`` (seconds) override it.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

ENV_VAR = "CREDIT_TRAIN_TIME_BUDGET"
FULL_SECONDS = 900.0
QUICK_SECONDS = 180.0

#: Stages in the order they run. ``policy``: what the feature policy costs (the shipped recipe
#: refitted once without it on the development rows, scored on the held-out rows) and the proxy
#: check (how well the model's inputs predict gender and the age band); see ``policy_cost``.
STAGES = ("read", "search", "comparison", "holdout", "final_fit", "policy", "reports")

#: Share of the budget each stage plans for (cumulative deadlines at 900 s: 18, 243, 522, 648,
#: 774, 819, 900 s). Set from a full run on the embedded 307,511 rows (README, "Training"): the
#: folds of one imbalance option plus the baseline's, the held-out models and the final fit cannot
#: be cut and take about 60 % of the time on two busy cores; the search gets a quarter, and the
#: comparison's extra options whatever its share has left. The policy stage is one fit on the
#: development rows plus a small proxy model.
FULL_SHARES: dict[str, float] = {"read": 0.02, "search": 0.25, "comparison": 0.31,
                                 "holdout": 0.14, "final_fit": 0.14, "policy": 0.05,
                                 "reports": 0.09}
#: Quick mode has no search and nothing optional: the shares only say where the time went.
QUICK_SHARES: dict[str, float] = {"read": 0.05, "search": 0.0, "comparison": 0.32,
                                  "holdout": 0.22, "final_fit": 0.18, "policy": 0.10,
                                  "reports": 0.13}


def budget_seconds(requested: float | None, quick: bool) -> tuple[float, str]:
    """The run's budget in seconds and where it came from (the option, the variable, the default).

    Raises ``ValueError`` with a one-line message for a budget that is not a positive number.
    """
    if requested is not None:
        value, source = float(requested), "--time-budget"
    elif os.environ.get(ENV_VAR, "").strip():
        raw = os.environ[ENV_VAR].strip()
        try:
            value = float(raw)
        except ValueError as exc:
            raise ValueError(f"{ENV_VAR}={raw!r} is not a number of seconds") from exc
        source = ENV_VAR
    else:
        value, source = (QUICK_SECONDS if quick else FULL_SECONDS), "default"
    if not value > 0:
        raise ValueError(f"the time budget must be a positive number of seconds, got {value:g} "
                         f"({source})")
    return value, source


@dataclass
class StageRecord:
    """What one stage was given and what it used (wall and CPU seconds of this process)."""

    planned_seconds: float
    deadline_seconds: float
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


class TimeBudget:
    """Cumulative stage deadlines over one clock; records each stage's wall and CPU time."""

    def __init__(self, total_seconds: float, shares: dict[str, float], *, source: str = "default",
                 clock: Callable[[], float] = time.perf_counter,
                 cpu_clock: Callable[[], float] = time.process_time) -> None:
        unknown = set(shares) - set(STAGES)
        if unknown:
            raise ValueError(f"unknown training stages {sorted(unknown)}; expected {STAGES}")
        self.total = float(total_seconds)
        self.source = source
        self._clock, self._cpu = clock, cpu_clock
        self.started = clock()
        weight = sum(shares.values()) or 1.0
        cumulative = 0.0
        self.records: dict[str, StageRecord] = {}
        for name in STAGES:
            share = shares.get(name, 0.0) / weight
            cumulative += share
            self.records[name] = StageRecord(round(share * self.total, 1),
                                             round(cumulative * self.total, 1))

    @classmethod
    def for_run(cls, requested: float | None, quick: bool) -> TimeBudget:
        seconds, source = budget_seconds(requested, quick)
        return cls(seconds, QUICK_SHARES if quick else FULL_SHARES, source=source)

    def elapsed(self) -> float:
        return self._clock() - self.started

    def left(self, stage: str) -> float:
        """Seconds until ``stage``'s deadline (negative once it has passed)."""
        return self.records[stage].deadline_seconds - self.elapsed()

    def deadline(self, stage: str) -> float:
        """``stage``'s deadline on the budget's clock (``time.perf_counter`` by default)."""
        return self.started + self.records[stage].deadline_seconds

    def note(self, stage: str, text: str) -> None:
        """Record (and log) what a stage left out or cut short to keep to its deadline."""
        self.records[stage].notes.append(text)
        logger.info("time budget, %s: %s", stage, text)

    @contextmanager
    def stage(self, name: str) -> Iterator[StageRecord]:
        """Time the block as stage ``name`` (wall and CPU seconds add up if entered twice)."""
        record = self.records[name]
        wall, cpu = self._clock(), self._cpu()
        try:
            yield record
        finally:
            record.wall_seconds += self._clock() - wall
            record.cpu_seconds += self._cpu() - cpu
            if self.left(name) < 0:
                logger.warning("time budget: stage %s ended %.0f s after its deadline (%.0f s "
                               "into a %.0f s budget)", name, -self.left(name), self.elapsed(),
                               self.total)

    def summary(self) -> dict[str, object]:
        """The card's ``time_budget`` section."""
        used = self.elapsed()
        return {
            "seconds": self.total,
            "source": self.source,
            "used_seconds": round(used, 1),
            "within_budget": used <= self.total,
            "stages": {name: {"planned_seconds": r.planned_seconds,
                              "deadline_seconds": r.deadline_seconds,
                              "wall_seconds": round(r.wall_seconds, 1),
                              "cpu_seconds": round(r.cpu_seconds, 1),
                              **({"notes": list(r.notes)} if r.notes else {})}
                       for name, r in self.records.items()},
            "note": ("Each stage must be done by its deadline (seconds from the start: the budget "
                     "times the cumulative shares), so time an early stage leaves unused goes to "
                     "the later ones. The search (Optuna timeout, trials cut at the deadline) and "
                     "the extra imbalance options adapt to it; the baseline, the held-out "
                     "evaluation, the final fit, the feature policy's cost and the reports always "
                     "run. cpu_seconds: this "
                     "process, all threads."),
        }
