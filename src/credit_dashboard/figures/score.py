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
    wrapped,
)
from credit_dashboard.i18n import format_number, format_percent, lazy_gettext
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.grouped import (
    GroupedContribution,
    GroupedExplanation,
    format_points,
)
from credit_dashboard.services.labels import feature_label

RISK_AXIS_TITLE = lazy_gettext("Probability of default, % (bars in percentage points)")


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
        "title": {"text": _("Probability of default")},
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
                note(_("black mark: threshold {threshold} (grant below, refuse above)").format(
                    threshold=f"{format_number(threshold, 1)} %"), y=-0.12, yanchor="top")
            ],
        ),
    }


def _bar_name(group: GroupedContribution) -> str:
    if len(group.members) == 1:
        return f"{group.members[0].label} = {group.display_value}"
    return group.label


def _bar_hover(group: GroupedContribution, members_shown: int = 6) -> str:
    """Points for the advisor, then the exact log-odds of the group and its features (analysts)."""
    lines = [
        f"<b>{group.label}</b>: {format_points(group.probability_change)}",
        _("log-odds {value}").format(value=f"{group.contribution:+.3f}"),
    ]
    for member in group.members[:members_shown]:
        lines.append(f"{member.label} = {member.display_value}: {member.contribution:+.3f}")
    if len(group.members) > members_shown:
        lines.append(_("… and {n} more features").format(n=len(group.members) - members_shown))
    return "<br>".join(lines)


def waterfall(
    explanation: GroupedExplanation, top_n: int = 10, decision_threshold: float | None = None
) -> Figure:
    """How the average client's default probability becomes this client's, one bar per fact.

    Bars are in percentage points of probability (``services.grouped``: each fact's step of the
    walk from the average client), so they add up exactly to the probability shown on the gauge;
    the hover text keeps the exact log-odds of the fact and of each of its features for analysts.
    """
    if not isinstance(explanation, GroupedExplanation):
        # The signature changed with issue 10 (one bar per fact, in points): say how to call it.
        raise TypeError(
            "waterfall() takes services.grouped.grouped(result), not top_contributions(...): "
            "bars are fact groups in percentage points; e.g. "
            "waterfall(grouped(result), 10, result.decision_threshold)"
        )
    parts = explanation.top(top_n)
    base = explanation.base_probability * 100
    final = explanation.default_probability * 100
    names: list[str] = []
    values: list[float] = []
    measures: list[str] = []
    hover: list[str] = []
    for group in parts.top:
        names.append(_bar_name(group))
        values.append(group.points)
        measures.append("relative")
        hover.append(_bar_hover(group))
    if parts.n_others:
        names.append(_("All {n} other facts").format(n=parts.n_others))
        values.append(parts.others_change * 100)
        measures.append("relative")
        hover.append(
            _("{n} other facts ({features} features) together: {points}; log-odds {log_odds}")
            .format(n=parts.n_others, features=parts.n_other_features,
                    points=format_points(parts.others_change), log_odds=f"{parts.others:+.3f}")
        )
    names.append(_("All together"))
    values.append(final - base)
    measures.append("total")
    hover.append(
        _("From {base} (average client) to {final} (this client): {points}").format(
            base=format_percent(explanation.base_probability),
            final=format_percent(explanation.default_probability),
            points=format_points(explanation.default_probability - explanation.base_probability),
        )
    )
    trace = {
        "type": "waterfall",
        "orientation": "h",
        "y": names,
        "x": values,
        "measure": measures,
        # Bars start from the average client's probability, as in SHAP's waterfall: a bar from
        # zero to the base value would dwarf every contribution.
        "base": base,
        "hovertext": hover,
        "hoverinfo": "text",
        "increasing": {"marker": {"color": RISK}},
        "decreasing": {"marker": {"color": SAFE}},
        "totals": {"marker": {"color": NEUTRAL}},
        "connector": {"line": {"color": "#cccccc", "width": 1}},
    }
    shapes = [
        vertical_line(base, colour=NEUTRAL, dash="dot", width=2),
        vertical_line(final, colour=CLIENT, dash="dash", width=2),
    ]
    annotations = [
        note(_("average client {p}").format(p=format_percent(explanation.base_probability)),
             x=base, xref="x", y=1.0, yanchor="bottom",
             xanchor="right" if final >= base else "left", font={"color": "#555555"}),
        note(_("this client {p}").format(p=format_percent(explanation.default_probability)),
             x=final, xref="x", y=1.0, yanchor="bottom",
             xanchor="left" if final >= base else "right"),
    ]
    if decision_threshold is not None:
        shapes.append(vertical_line(decision_threshold * 100, colour=RISK, dash="solid", width=1))
        annotations.append(
            note(_("threshold {p}").format(p=format_percent(decision_threshold)),
                 x=decision_threshold * 100, xref="x", y=1.0, yanchor="bottom", yshift=18,
                 xanchor="center", font={"color": RISK})
        )
    return {
        "data": [trace],
        "layout": base_layout(
            height=140 + 28 * len(names),
            margin={"l": 10, "r": 20, "t": 90, "b": 60},
            title=title(
                _("From the average client ({base}) to this client ({final})").format(
                    base=format_percent(explanation.base_probability),
                    final=format_percent(explanation.default_probability),
                )
            ),
            showlegend=False,
            yaxis={"autorange": "reversed", "automargin": True},
            xaxis=axis(wrapped(str(RISK_AXIS_TITLE), 50), zeroline=False, ticksuffix=" %",
                       automargin=True),
            shapes=shapes,
            annotations=annotations,
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
            title=title(_("What the model looks at most, over all clients")),
            margin={"l": 10, "r": 20, "t": 50, "b": 50},
            yaxis={"autorange": "reversed", "automargin": True},
            xaxis=axis(_("Average size of the effect on the risk score (log-odds)")),
        ),
    }
