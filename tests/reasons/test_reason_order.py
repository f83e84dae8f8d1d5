"""The reasons read "most important first" in the very points shown beside them.

Ordering by log-odds (the waterfall's walk order) let the points rise down the list: client 100005
read "+1.7, +1.7, +1.8, +1.9 points". The reasons are now chosen and ordered by those points.
"""

from __future__ import annotations

import math

from credit_dashboard.services.explain import Contribution
from credit_dashboard.services.grouped import grouped
from credit_dashboard.services.reasons import MAX_REASONS, refusal_reasons
from credit_dashboard.services.scoring import ClientResult


def _refused(contributions: list[Contribution], base: float = -2.4) -> ClientResult:
    probability = 1 / (1 + math.exp(-(base + sum(c.contribution for c in contributions))))
    return ClientResult(
        client_id=1, default_probability=probability, decision_threshold=0.09, decision="refuse",
        margin=probability - 0.09, base_value=base, contributions=tuple(contributions),
    )


def test_points_never_rise_down_the_list_of_any_refused_client(scored_clients) -> None:
    refused = [r for r in scored_clients if r.decision == "refuse"]
    assert len(refused) > 50
    reordered = 0
    for result in refused:
        reasons = refusal_reasons(result).reasons
        assert 1 <= len(reasons) <= MAX_REASONS
        points = [r.probability_change for r in reasons]
        assert points == sorted(points, reverse=True), (result.client_id, points)
        if [r.contribution for r in reasons] != sorted((r.contribution for r in reasons),
                                                       reverse=True):
            reordered += 1
    # Not a property of the model, only a sign the test data exercises the case at all.
    print(f"{reordered} of {len(refused)} refusals read differently by log-odds and by points")


def test_a_fact_walked_later_with_more_points_comes_first() -> None:
    """Log-odds 0.60 walked before 0.55, both after a large raise from a low base: the second
    fact sits on a steeper part of the curve and moves the probability more, so it comes first."""
    result = _refused([
        Contribution("EXT_SOURCE_3", "External score 3", 0.1, 2.5),
        Contribution("DAYS_ID_PUBLISH", "Identity document changed", -100.0, 0.60),
        Contribution("AMT_ANNUITY", "Annuity", 40000.0, 0.55),
    ], base=-4.0)
    steps = {g.key: g.probability_change for g in grouped(result).groups}
    walked = [g.key for g in grouped(result).groups]
    assert walked.index("DAYS_ID_PUBLISH") < walked.index("loan_and_income")
    assert steps["loan_and_income"] > steps["DAYS_ID_PUBLISH"]  # the steeper part of the curve
    order = [r.group for r in refusal_reasons(result).reasons]
    assert order == ["external_scores", "loan_and_income", "DAYS_ID_PUBLISH"]
