"""A client's explanation by fact, in percentage points of default probability.

Advisors read effects in **percentage points of default probability**, grouped by fact
(``services.groups``: the three external scores and their mean/min/max are one fact). Points do not
add up by themselves (the logistic curve is not a line), so they come from a walk: the groups are
ordered by the size of their log-odds (largest first, the order the waterfall shows), and starting
from the average client's probability each group's log-odds are added in turn; a group's effect is
the change in probability at its step. The steps telescope, so they sum exactly to
``probability - base probability`` (the last step lands on the probability shown), and the largest
group, walked first, is measured from the average client. Another order would give other points
for the same log-odds; the display order is the one an advisor reads, so it is the one used.
Proportional shares of the total (Shapley-style rescaling) were rejected: they divide by a sum of
log-odds that can be near zero and flip signs. Analysts keep the exact log-odds of every group and
every feature (``GroupedContribution.contribution`` and ``.members``).

The credit-record features (``CR_*``) group by the facts declared beside them in
``model.record_features`` like any other feature; a client without records of a kind has those
features missing, and its reading says "no records of this kind" (:func:`has_no_records`) rather
than stating a missing value as if it were high or low.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from scipy.special import expit

from credit_dashboard.i18n import format_number
from credit_dashboard.i18n import gettext as _
from credit_dashboard.model.record_catalogue import COUNT_FEATURES, is_record_feature
from credit_dashboard.services.explain import Contribution, effect_words, state_words
from credit_dashboard.services.groups import group_label, group_of, is_protected, is_record_group
from credit_dashboard.storage.schema import TRAIN_COLUMNS, is_missing

#: Tolerance between the probability shown and expit(base + contributions): the model guarantees
#: 1e-12; anything far off means the parts do not belong to that probability.
_CONSISTENCY = 1e-6


@dataclass(frozen=True)
class GroupedContribution:
    """One fact's push on this client's risk: its features' contributions summed."""

    key: str
    label: str
    #: The group's features, largest absolute contribution first (analysts expand these).
    members: tuple[Contribution, ...]
    #: Sum of the members' log-odds (exact, additive).
    contribution: float
    #: Change in default probability at this group's step of the walk (0.023 = +2.3 points).
    probability_change: float
    #: Describes who the applicant is (never a reason for a refusal).
    protected: bool

    @property
    def points(self) -> float:
        """The effect in percentage points of default probability."""
        return self.probability_change * 100

    @property
    def display_value(self) -> str:
        """The client's value for a one-feature group, else the group's raw columns' values
        ("External score 1 0.12, External score 2 0.51"): engineered ones restate them."""
        if len(self.members) == 1:
            return self.members[0].display_value
        raw = [m for m in self.members if m.feature in TRAIN_COLUMNS] or list(self.members)
        return ", ".join(f"{m.label} {m.display_value}" for m in raw[:3])

    def to_dict(self) -> dict[str, object]:
        return {
            "group": self.key,
            "label": self.label,
            "contribution": float(self.contribution),
            "probability_change": float(self.probability_change),
            "protected": self.protected,
            "features": [m.to_dict() for m in self.members],
        }


@dataclass(frozen=True)
class GroupedExplanation:
    """A client's explanation by fact: from the average client's probability to this client's."""

    base_value: float
    base_probability: float
    default_probability: float
    #: In walk order: largest absolute log-odds first. Probability changes sum to
    #: ``default_probability - base_probability``.
    groups: tuple[GroupedContribution, ...]

    def top(self, n: int) -> TopGroups:
        """The ``n`` first groups plus the rest summed (their steps are the walk's last ones, so
        the total is unchanged)."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        rest = self.groups[n:]
        return TopGroups(
            top=self.groups[:n],
            others=float(sum(g.contribution for g in rest)),
            others_change=float(sum(g.probability_change for g in rest)),
            n_others=len(rest),
            n_other_features=sum(len(g.members) for g in rest),
        )


@dataclass(frozen=True)
class TopGroups:
    """The largest groups, and the rest as one "all others" step."""

    top: tuple[GroupedContribution, ...]
    others: float
    others_change: float
    n_others: int
    n_other_features: int


class Scored(Protocol):
    """What grouping needs from a scored client (``scoring.ClientResult`` fits)."""

    base_value: float
    default_probability: float
    contributions: tuple[Contribution, ...]


def probability_steps(
    base_value: float, log_odds: Sequence[float], final_probability: float | None = None
) -> list[float]:
    """Change in probability at each step of a walk from ``expit(base_value)`` adding each
    log-odds in turn. With ``final_probability`` (the probability shown) the last step lands on it
    exactly, so the steps sum to ``final_probability - expit(base_value)`` with no rounding drift.
    """
    cumulative = float(base_value)
    previous = float(expit(cumulative))
    steps: list[float] = []
    for amount in log_odds:
        cumulative += float(amount)
        steps.append(float(expit(cumulative)) - previous)
        previous += steps[-1]
    if final_probability is not None:
        if abs(float(expit(cumulative)) - final_probability) > _CONSISTENCY:
            raise ValueError(
                f"contributions lead to {float(expit(cumulative)):.6f}, not to the probability "
                f"{final_probability:.6f} they should explain"
            )
        if steps:
            steps[-1] += final_probability - previous
    return steps


def group_contributions(
    contributions: Sequence[Contribution], base_value: float, default_probability: float
) -> GroupedExplanation:
    """Sum the contributions by fact group, order them, and give each its percentage points."""
    buckets: dict[str, list[Contribution]] = {}
    for item in contributions:
        buckets.setdefault(group_of(item.feature), []).append(item)
    summed = [
        (key, tuple(sorted(items, key=lambda c: (-abs(c.contribution), c.feature))),
         float(sum(c.contribution for c in items)))
        for key, items in buckets.items()
    ]
    summed.sort(key=lambda entry: (-abs(entry[2]), entry[0]))
    steps = probability_steps(base_value, [total for _, _, total in summed], default_probability)
    groups = tuple(
        GroupedContribution(
            key=key,
            label=group_label(key),
            members=members,
            contribution=total,
            probability_change=step,
            protected=is_protected(key),
        )
        for (key, members, total), step in zip(summed, steps, strict=True)
    )
    return GroupedExplanation(
        base_value=float(base_value),
        base_probability=float(expit(base_value)),
        default_probability=float(default_probability),
        groups=groups,
    )


def grouped(result: Scored) -> GroupedExplanation:
    """A scored client's explanation by fact group, in points of the probability it shows."""
    return group_contributions(result.contributions, result.base_value, result.default_probability)


def format_points(probability_change: float, digits: int = 1) -> str:
    """"+2.3 points" (a change of default probability of +0.023), in the current language."""
    points = probability_change * 100
    sign = "+" if points > 0 else "−" if points < 0 else ""
    if round(abs(points), digits) == 0:
        sign = ""
    return _("{value} points").format(value=sign + format_number(abs(points), digits))


def has_no_records(group: GroupedContribution) -> bool:
    """True for a credit-record fact of a client without records of its kind: every count of
    the fact is 0 and every other feature missing, which is what ``model.record_features`` gives
    a client without rows. Only for record facts (an application column's gap is "not known");
    a fact whose features the model did not see is not "no records" either: we would not know.
    """
    if not is_record_group(group.key) or not group.members:
        return False
    for member in group.members:
        if not is_missing(member.value) and (
            member.feature not in COUNT_FEATURES or float(member.value) != 0  # type: ignore[arg-type]
        ):
            return False
    return True


def group_reading(group: GroupedContribution, typical: Mapping[str, float] | None = None) -> str:
    """One plain sentence per group, its effect in points.

    A one-feature group reads as :func:`reading` does ("External score 3 is low (0.12; usual
    0.51)"); a larger group names the fact and its strongest feature ("External credit scores:
    raises the risk, +4.1 points (strongest: External score 3 is low (0.12; usual 0.51))"). A
    record fact of a client without such records says so ("Late payments on earlier loans with
    us: raises the risk, +3.2 points (no records of this kind)"): "is no records" would not read.
    """
    effect = _("{effect}, {points}").format(
        effect=effect_words(group.contribution), points=format_points(group.probability_change)
    )
    strongest = group.members[0]
    missing_record = is_record_feature(strongest.feature) and is_missing(strongest.value)
    if len(group.members) == 1:
        if missing_record:
            return _("{feature}, no records of this kind: {effect}").format(
                feature=strongest.label, effect=effect)
        return _("{feature} {state}: {effect}").format(
            feature=strongest.label, state=state_words(strongest, typical), effect=effect)
    if has_no_records(group):
        return _("{group}: {effect} (no records of this kind)").format(
            group=group.label, effect=effect)
    if missing_record:
        return _("{group}: {effect} (strongest: {feature}, no records of this kind)").format(
            group=group.label, effect=effect, feature=strongest.label)
    return _("{group}: {effect} (strongest: {feature} {state})").format(
        group=group.label, effect=effect, feature=strongest.label,
        state=state_words(strongest, typical))
