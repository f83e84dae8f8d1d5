"""The repayment timeline of one client: instalments, cash-loan lateness and card use per month.

One figure with up to three rows on a shared month axis, so an advisor sees a bad patch line up
across products: instalments stacked on time / late / partly paid, the worst days past due on cash
and consumer loans, and the card balance against its limit. A row without data is left out rather
than drawn empty. Every text arrives translated in :class:`TimelineLabels` (this module translates
nothing); colours follow :mod:`.palette` (blue = fine, vermillion = late, and partly paid is orange
*with a hatch* so it never depends on telling two warm colours apart).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from credit_dashboard.figures.palette import (
    NEUTRAL,
    OKABE_ITO,
    RISK,
    SAFE,
    Figure,
    axis,
    base_layout,
    title,
)

PARTLY = OKABE_ITO[3]  # Okabe-Ito orange, hatched
#: Days past due get their own colour (Okabe-Ito reddish purple): the legend sits above every
#: row, and the same vermillion as "paid late" would read as one series.
DAYS_LATE = OKABE_ITO[5]
ROW_GAP = 0.09
ROW_HEIGHT_PX = 170


@dataclass(frozen=True)
class TimelineLabels:
    """The chart's words, already in the reader's language."""

    month_axis: str
    #: Tick text per month, same order as ``months``
    month_ticks: Sequence[str]
    instalments_axis: str
    on_time: str
    late: str
    partly_paid: str
    pos_axis: str
    pos_days: str
    card_axis: str
    card_balance: str
    card_limit: str
    #: A title above the chart; none when the page already heads it.
    title: str = ""


def _present(values: Sequence[float | None] | None) -> bool:
    return values is not None and any(v is not None for v in values)


def repayment_timeline(
    months: Sequence[int],
    labels: TimelineLabels,
    on_time: Sequence[int] | None = None,
    late: Sequence[int] | None = None,
    partly_paid: Sequence[int] | None = None,
    pos_days_past_due: Sequence[int | None] | None = None,
    card_balance: Sequence[float | None] | None = None,
    card_limit: Sequence[float | None] | None = None,
) -> Figure:
    """The timeline; pass None (or only None values) for a series the client does not have."""
    x = list(months)
    rows: list[tuple[str, list[dict[str, Any]], dict[str, Any]]] = []
    if on_time is not None and late is not None and partly_paid is not None:
        hover = "%{fullData.name}: %{y}<extra>%{customdata}</extra>"
        bars = [
            {"type": "bar", "name": name, "x": x, "y": list(values), "customdata":
             list(labels.month_ticks), "hovertemplate": hover,
             "marker": {"color": colour, "line": {"color": "white", "width": 0.5},
                        # overlay: white hatching over the orange (not instead of it)
                        **({"pattern": {"shape": "/", "fgcolor": "white", "fillmode": "overlay",
                                        "solidity": 0.35}}
                           if colour == PARTLY else {})}}
            for name, values, colour in ((labels.on_time, on_time, SAFE),
                                         (labels.late, late, RISK),
                                         (labels.partly_paid, partly_paid, PARTLY))
        ]
        most = max((a + b + c for a, b, c in zip(on_time, late, partly_paid, strict=True)),
                   default=0)
        # Counts: whole-number ticks (Plotly would put 0.5 between 0 and 1 and round it to 1).
        whole = {"dtick": 1} if most <= 6 else {"tickformat": ",d"}
        rows.append(("instalments", bars, axis(labels.instalments_axis, rangemode="tozero",
                                                 **whole)))
    if _present(pos_days_past_due):
        assert pos_days_past_due is not None
        rows.append(("pos", [{
            "type": "bar", "name": labels.pos_days, "x": x, "y": list(pos_days_past_due),
            "marker": {"color": DAYS_LATE}, "customdata": list(labels.month_ticks),
            "hovertemplate": "%{fullData.name}: %{y}<extra>%{customdata}</extra>",
        }], axis(labels.pos_axis, rangemode="tozero")))
    if _present(card_balance) or _present(card_limit):
        lines = [
            {"type": "scatter", "mode": "lines+markers", "name": name, "x": x,
             "y": list(values or []), "connectgaps": False, "customdata": list(labels.month_ticks),
             "line": {"color": colour, "dash": dash, "width": 2},
             "hovertemplate": "%{fullData.name}: %{y:,.0f}<extra>%{customdata}</extra>"}
            for name, values, colour, dash in ((labels.card_balance, card_balance, SAFE, "solid"),
                                               (labels.card_limit, card_limit, NEUTRAL, "dash"))
        ]
        rows.append(("card", lines, axis(labels.card_axis, rangemode="tozero")))

    layout: dict[str, Any] = {
        "barmode": "stack",
        "height": 90 + ROW_HEIGHT_PX * max(len(rows), 1),
        "margin": {"l": 10, "r": 10, "t": 60 if labels.title else 30, "b": 10},
        # Above the rows, in the order the traces are drawn (on time first).
        "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0,
                   "xanchor": "left", "traceorder": "normal"},
        "hovermode": "x unified",
    }
    if labels.title:
        layout["title"] = title(labels.title)
    n = len(rows)
    span = (1.0 - ROW_GAP * (n - 1)) / n if n else 1.0
    data: list[dict[str, Any]] = []
    x_ref = "x"
    for index, (_name, traces, y_axis) in enumerate(rows):
        suffix = "" if index == 0 else str(index + 1)
        top = 1.0 - index * (span + ROW_GAP)
        layout[f"yaxis{suffix}"] = {**y_axis, "domain": [max(top - span, 0.0), top]}
        is_last = index == n - 1
        layout[f"xaxis{suffix}"] = axis(
            labels.month_axis if is_last else "", tickmode="array", tickvals=x[::3],
            ticktext=list(labels.month_ticks)[::3], range=[x[0] - 0.5, x[-1] + 0.5] if x else None,
            anchor=f"y{suffix}", showticklabels=is_last,
            **({} if index == 0 else {"matches": x_ref}),
        )
        for trace in traces:
            data.append({**trace, "xaxis": f"x{suffix}", "yaxis": f"y{suffix}"})
    return {"data": data, "layout": base_layout(**layout)}
