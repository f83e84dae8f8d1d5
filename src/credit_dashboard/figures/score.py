"""The client's score and its explanation: gauge, waterfall, and the model's global importance."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from credit_dashboard.figures.palette import (
    CLIENT,
    NEUTRAL,
    RISK,
    RISK_LIGHT,
    SAFE,
    SAFE_LIGHT,
    Figure,
    axis,
    base_layout,
    note,
    title,
    vertical_line,
)
from credit_dashboard.services.explain import TopContributions
from credit_dashboard.services.labels import feature_label

RISK_AXIS_TITLE = "Risk score (log-odds): bars to the right raise the risk"


def gauge_axis_max(decision_threshold: float) -> float:
    """The gauge's upper end: fixed per model (never per client, so clients compare at a glance).

    Three times the threshold, rounded up to 10 %, at least 50 % and at most 100 %: the threshold of
    a 10:1 cost model sits near 10 %, and a 0-100 % dial would squeeze every client into its first
    tenth.
    """
    if not 0 < decision_threshold < 1:
        raise ValueError(f"decision_threshold must be in (0, 1), got {decision_threshold}")
    # round() first: 0.2 * 30 is 6.000000000000001 in floating point.
    return min(1.0, max(0.5, math.ceil(round(decision_threshold * 30, 9)) / 10))


def gauge(default_probability: float, decision_threshold: float) -> Figure:
    """Default probability on a dial: blue band below the threshold, vermillion above, a black mark
    at the threshold. The decision itself is written next to the dial by the page."""
    top = gauge_axis_max(decision_threshold) * 100
    threshold = decision_threshold * 100
    indicator = {
        "type": "indicator",
        "mode": "gauge+number",
        "value": default_probability * 100,
        "number": {"suffix": " %", "valueformat": ".1f"},
        "title": {"text": "Probability of default"},
        "gauge": {
            "axis": {"range": [0, top], "ticksuffix": " %"},
            "bar": {"color": "#333333", "thickness": 0.3},
            "steps": [
                {"range": [0, threshold], "color": SAFE_LIGHT},
                {"range": [threshold, top], "color": RISK_LIGHT},
            ],
            "threshold": {
                "line": {"color": CLIENT, "width": 4},
                "thickness": 0.9,
                "value": threshold,
            },
        },
    }
    return {
        "data": [indicator],
        "layout": base_layout(
            height=260,
            margin={"l": 30, "r": 30, "t": 50, "b": 40},
            annotations=[
                note(f"black mark: threshold {threshold:.1f} % (grant below, refuse above)",
                     y=-0.12, yanchor="top")
            ],
        ),
    }


def _probability(log_odds: float) -> float:
    return 1.0 / (1.0 + math.exp(-log_odds))


def waterfall(parts: TopContributions, base_value: float) -> Figure:
    """How the average client's risk becomes this client's, one bar per feature (log-odds axis).

    Log-odds because contributions add up exactly there; the average and final probabilities are
    written on the chart so the advisor never has to convert.
    """
    names: list[str] = []
    values: list[float] = []
    measures: list[str] = []
    hover: list[str] = []
    for item in parts.top:
        names.append(f"{item.label} = {item.display_value}")
        values.append(item.contribution)
        measures.append("relative")
        hover.append(f"{item.label} = {item.display_value}: {item.contribution:+.3f}")
    if parts.n_others:
        names.append(f"All {parts.n_others} other features")
        values.append(parts.others)
        measures.append("relative")
        hover.append(f"{parts.n_others} other features together: {parts.others:+.3f}")
    final = base_value + sum(values)
    names.append("All together")
    values.append(final - base_value)
    measures.append("total")
    hover.append(
        f"From {_probability(base_value):.1%} (average client) to {_probability(final):.1%} "
        f"(this client): {final - base_value:+.3f}"
    )
    trace = {
        "type": "waterfall",
        "orientation": "h",
        "y": names,
        "x": values,
        "measure": measures,
        # Bars start from the average client's risk, as in SHAP's waterfall: a bar from zero to
        # the base value would dwarf every contribution.
        "base": base_value,
        "hovertext": hover,
        "hoverinfo": "text",
        "increasing": {"marker": {"color": RISK}},
        "decreasing": {"marker": {"color": SAFE}},
        "totals": {"marker": {"color": NEUTRAL}},
        "connector": {"line": {"color": "#cccccc", "width": 1}},
    }
    return {
        "data": [trace],
        "layout": base_layout(
            height=140 + 28 * len(names),
            margin={"l": 10, "r": 20, "t": 70, "b": 50},
            title=title(
                f"From the average client ({_probability(base_value):.1%}) "
                f"to this client ({_probability(final):.1%})",
            ),
            showlegend=False,
            yaxis={"autorange": "reversed", "automargin": True},
            xaxis=axis(RISK_AXIS_TITLE, zeroline=False),
            shapes=[
                vertical_line(base_value, colour=NEUTRAL, dash="dot", width=2),
                vertical_line(final, colour=CLIENT, dash="dash", width=2),
            ],
            annotations=[
                note(f"average client {_probability(base_value):.1%}", x=base_value, xref="x",
                     y=1.0, yanchor="bottom", xanchor="right" if final >= base_value else "left",
                     font={"color": "#555555"}),
                note(f"this client {_probability(final):.1%}", x=final, xref="x", y=1.0,
                     yanchor="bottom", xanchor="left" if final >= base_value else "right"),
            ],
        ),
    }


def global_importance(importance: Sequence[Mapping[str, object]], top_n: int = 15) -> Figure:
    """The model's most influential features overall (mean absolute contribution), largest first."""
    rows = sorted(importance, key=lambda r: -float(r["mean_abs_shap"]))  # type: ignore[arg-type]
    rows = rows[:top_n]
    trace = {
        "type": "bar",
        "orientation": "h",
        "y": [feature_label(str(r["feature"])) for r in rows],
        "x": [float(r["mean_abs_shap"]) for r in rows],  # type: ignore[arg-type]
        "marker": {"color": SAFE},
        "hovertemplate": "%{y}: %{x:.3f}<extra></extra>",
    }
    return {
        "data": [trace],
        "layout": base_layout(
            height=120 + 24 * len(rows),
            title=title("What the model looks at most, over all clients"),
            margin={"l": 10, "r": 20, "t": 50, "b": 50},
            yaxis={"autorange": "reversed", "automargin": True},
            xaxis=axis("Average size of the effect on the risk score (log-odds)"),
        ),
    }
