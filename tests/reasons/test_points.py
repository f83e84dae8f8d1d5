"""Effects in percentage points add up exactly to the probability shown, chart included."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import pytest

from credit_dashboard.figures.score import waterfall
from credit_dashboard.services.grouped import format_points, grouped, probability_steps


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_the_walk_telescopes_to_the_final_probability() -> None:
    steps = probability_steps(-2.0, [1.5, -0.7, 0.3])
    assert math.isclose(sum(steps), _expit(-2.0 + 1.5 - 0.7 + 0.3) - _expit(-2.0), abs_tol=1e-15)
    # The first step is measured from the average client: the plain logistic difference.
    assert math.isclose(steps[0], _expit(-0.5) - _expit(-2.0))
    # Same log-odds, two places on the curve: the points differ (why a walk is needed at all).
    assert steps[0] > steps[2] > 0 and steps[1] < 0


def test_the_walk_lands_on_the_probability_shown_or_refuses() -> None:
    shown = _expit(-2.0 + 1.0) + 3e-13  # the model guarantees 1e-12
    steps = probability_steps(-2.0, [0.6, 0.4], shown)
    assert _expit(-2.0) + sum(steps) == pytest.approx(shown, abs=1e-15)
    with pytest.raises(ValueError, match="not to the probability"):
        probability_steps(-2.0, [0.6, 0.4], 0.9)


def test_grouped_points_add_up_on_every_client(scored_clients) -> None:
    assert len(scored_clients) > 1000
    for result in scored_clients:
        explanation = grouped(result)
        total = sum(g.probability_change for g in explanation.groups)
        assert explanation.base_probability + total == pytest.approx(
            result.default_probability, abs=1e-9
        )
        log_odds = explanation.base_value + sum(g.contribution for g in explanation.groups)
        assert _expit(log_odds) == pytest.approx(result.default_probability, abs=1e-9)
        sizes = [abs(g.contribution) for g in explanation.groups]
        assert sizes == sorted(sizes, reverse=True)  # walk order = display order


@pytest.mark.parametrize("top_n", [0, 3, 10, 500])
def test_waterfall_in_points_adds_up_to_the_gauge(scored_clients, english, top_n) -> None:
    refused = next(r for r in scored_clients if r.decision == "refuse")
    for result in (scored_clients[0], refused):
        figure = waterfall(grouped(result), top_n, result.decision_threshold)
        go.Figure(figure)  # valid Plotly
        trace = figure["data"][0]
        relative = [x for x, m in zip(trace["x"], trace["measure"], strict=True) if m == "relative"]
        assert trace["measure"][-1] == "total"
        assert trace["base"] == pytest.approx(grouped(result).base_probability * 100)
        assert trace["base"] + sum(relative) == pytest.approx(
            result.default_probability * 100, abs=1e-9
        )
        assert trace["x"][-1] == pytest.approx(sum(relative), abs=1e-9)
        assert len(trace["y"]) == min(top_n, len(grouped(result).groups)) + 1 + (
            1 if top_n < len(grouped(result).groups) else 0
        )
        assert "points" in figure["layout"]["xaxis"]["title"]["text"]
        lines = [s["x0"] for s in figure["layout"]["shapes"]]
        assert np.allclose(lines, [trace["base"], result.default_probability * 100,
                                   result.decision_threshold * 100])
        if top_n:
            # Analysts keep the exact log-odds in the hover text.
            assert "log-odds" in trace["hovertext"][0]


def test_points_are_written_with_sign_and_unit(english) -> None:
    assert format_points(0.0234) == "+2.3 points"
    assert format_points(-0.0051) == "−0.5 points"
    assert format_points(0.00001) == "0.0 points"


def test_waterfall_says_how_to_call_it_when_given_the_old_parts(scored_clients) -> None:
    from credit_dashboard.services.explain import top_contributions

    with pytest.raises(TypeError, match="grouped"):
        waterfall(top_contributions(scored_clients[0].contributions, 10), 10)
