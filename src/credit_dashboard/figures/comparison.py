"""This client next to past clients who repaid and who defaulted."""

from __future__ import annotations

import numpy as np

from credit_dashboard.figures.palette import (
    CLIENT,
    NEUTRAL,
    RISK,
    SAFE,
    Figure,
    axis,
    base_layout,
    horizontal_line,
    note,
    title,
    vertical_line,
    wrapped,
)
from credit_dashboard.i18n import N_, format_number, format_percent
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.comparison import CategorySummary, NumericSummary, summary_note
from credit_dashboard.services.labels import category_text, display_scale, feature_label

# Marked for the catalogue; translated where drawn (a figure is built per request, per language).
REPAID_NAME = N_("Repaid")
DEFAULTED_NAME = N_("Defaulted")
CLIENT_NAME = N_("This client")
#: Characters per line of a title on the half-width comparison charts (at about 7 px each), and of
#: the scatter's vertical axis title (the plot is about 300 px high).
TITLE_WIDTH = 70
Y_TITLE_WIDTH = 26
#: The scatter's horizontal axis title, beside its two-line vertical one.
X_TITLE_WIDTH = 55


def _title_room(chart_title: str) -> int:
    """Top margin, in pixels, for a title of this many lines (Plotly centres the title in it)."""
    return 30 + 24 * (chart_title.count("<br>") + 1)


def _is_known(value: float | None) -> bool:
    return value is not None and not np.isnan(value)


def distribution(summary: NumericSummary, client_value: float | None, client_text: str) -> Figure:
    """Share of repaid and of defaulted clients per value range, with this client's value marked.

    ``client_value`` is on the display scale of the summary (see ``comparison.to_display``), or
    None when the client's value is not known; ``client_text`` is the value in the advisor's words.
    """
    centres = (summary.edges[:-1] + summary.edges[1:]) / 2
    width = float(summary.edges[1] - summary.edges[0])
    data = [
        {
            "type": "bar",
            "x": centres,
            "y": np.round(shares, 3),
            "width": width,
            "name": _("{group} ({count} clients)").format(group=_(name),
                                                           count=format_number(count)),
            "marker": {"color": colour},
            "opacity": 0.6,
            "hovertemplate": _("{group}: %{{y:.1f}} % of them").format(group=_(name))
            + "<extra></extra>",
        }
        for name, shares, colour, count in (
            (REPAID_NAME, summary.share_repaid, SAFE, summary.n_repaid),
            (DEFAULTED_NAME, summary.share_defaulted, RISK, summary.n_defaulted),
        )
    ]
    shapes = []
    if _is_known(client_value):
        low, high = float(summary.edges[0]), float(summary.edges[-1])
        shown = min(max(float(client_value), low), high)  # type: ignore[arg-type]
        shapes.append(vertical_line(shown, width=3))
        annotation = note(f"{_(CLIENT_NAME)}: {client_text}", x=shown, xref="x",
                          yanchor="bottom", bgcolor="rgba(255,255,255,0.8)")
    else:
        annotation = note(f"{_(CLIENT_NAME)}: {client_text}", yanchor="bottom")
    # Titles from the feature, now: the summaries were built once, in the language of start-up.
    axis_title = display_scale(summary.feature)[1]
    note_text = summary_note(summary)
    subtitle = f" ({note_text})" if note_text else ""
    chart_title = wrapped(f"{axis_title}{subtitle}", TITLE_WIDTH)
    return {
        "data": data,
        "layout": base_layout(
            barmode="overlay",
            height=320,
            # Room for the title's lines, then for the client's label above the plot.
            margin={"l": 10, "r": 10, "t": _title_room(chart_title) + 20, "b": 10},
            legend={"orientation": "h", "y": -0.25},
            title=title(chart_title),
            xaxis=axis(wrapped(axis_title, TITLE_WIDTH)),
            yaxis=axis(_("% of the group")),
            shapes=shapes,
            annotations=[annotation],
        ),
    }


def category_default_rate(summary: CategorySummary, client_category: str) -> Figure:
    """Default rate per category; the client's category is outlined, hatched and labelled."""
    is_client = [c == client_category for c in summary.categories]
    axis_title = feature_label(summary.feature)
    bar = {
        "type": "bar",
        "x": [category_text(c) for c in summary.categories],
        "y": np.round(summary.default_rate * 100, 3).tolist(),
        "customdata": summary.count.tolist(),
        "marker": {
            "color": [RISK if mine else NEUTRAL for mine in is_client],
            "line": {
                "color": [CLIENT if mine else NEUTRAL for mine in is_client],
                "width": [3 if mine else 0 for mine in is_client],
            },
            "pattern": {"shape": ["/" if mine else "" for mine in is_client]},
        },
        "text": [_(CLIENT_NAME) if mine else "" for mine in is_client],
        "textposition": "outside",
        "cliponaxis": False,
        "hovertemplate": _("%{x}: %{y:.1f} % defaulted (%{customdata:,} clients)")
        + "<extra></extra>",
        "name": _("Default rate"),
    }
    overall = summary.overall_default_rate * 100
    annotations = [
        note(_("all clients {rate}").format(rate=format_percent(summary.overall_default_rate)),
             x=1.0, y=overall, yref="y", xanchor="right", yanchor="bottom")
    ]
    if client_category not in summary.categories:
        annotations.append(
            note(_("{client}: {category} (no past client in this category)").format(
                client=_(CLIENT_NAME), category=category_text(client_category)),
                yanchor="bottom")
        )
    chart_title = wrapped(_("Default rate by {feature}").format(
        feature=axis_title[:1].lower() + axis_title[1:]), TITLE_WIDTH)
    return {
        "data": [bar],
        "layout": base_layout(
            height=320,
            margin={"l": 10, "r": 10, "t": _title_room(chart_title), "b": 10},
            showlegend=False,
            title=title(chart_title),
            xaxis=axis(wrapped(axis_title, TITLE_WIDTH), automargin=True),
            yaxis=axis(_("% of clients who defaulted"), rangemode="tozero"),
            shapes=[horizontal_line(overall)],
            annotations=annotations,
        ),
    }


def bivariate(
    x: np.ndarray,
    y: np.ndarray,
    defaulted: np.ndarray,
    x_title: str,
    y_title: str,
    client_x: float | None,
    client_y: float | None,
) -> Figure:
    """Past clients on two features, repaid (blue dots) vs defaulted (vermillion crosses), with this
    client as a large black star. Values are on the display scale."""
    defaulted = np.asarray(defaulted).astype(bool)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    data = [
        {
            "type": "scatter",
            # NumPy arrays, not lists: Plotly's JSON writer hands them to orjson whole, where a
            # list of 2,000 floats would be walked value by value in Python.
            "x": x[mask],
            "y": y[mask],
            "mode": "markers",
            "name": f"{_(name)} ({format_number(int(mask.sum()))})",
            "marker": {"color": colour, "symbol": symbol, "size": 5, "opacity": 0.55},
            "hoverinfo": "skip",
        }
        for name, mask, colour, symbol in (
            (REPAID_NAME, ~defaulted, SAFE, "circle"),
            (DEFAULTED_NAME, defaulted, RISK, "x"),
        )
    ]
    annotations = []
    if _is_known(client_x) and _is_known(client_y):
        data.append(
            {
                "type": "scatter",
                "x": [client_x],
                "y": [client_y],
                "mode": "markers",
                "name": _(CLIENT_NAME),
                "marker": {"color": CLIENT, "symbol": "star", "size": 18,
                           "line": {"color": "white", "width": 1}},
                "hovertemplate": (
                    f"{_(CLIENT_NAME)}<br>{x_title}: %{{x}}<br>{y_title}: %{{y}}<extra></extra>"
                ),
            }
        )
    else:
        annotations.append(note(_("{client}: one of the two values is not known").format(
            client=_(CLIENT_NAME)), yanchor="bottom"))
    chart_title = wrapped(_("{y} against {x}").format(
        y=y_title, x=x_title[:1].lower() + x_title[1:]), TITLE_WIDTH)
    x_label = wrapped(x_title, X_TITLE_WIDTH)
    return {
        "data": data,
        "layout": base_layout(
            height=380,
            margin={"l": 10, "r": 10, "t": _title_room(chart_title), "b": 10},
            # Below the horizontal axis title, however many lines it takes.
            legend={"orientation": "h", "y": -0.2 - 0.12 * x_label.count("<br>")},
            title=title(chart_title),
            xaxis=axis(x_label, automargin=True),
            yaxis=axis(wrapped(y_title, Y_TITLE_WIDTH), automargin=True),
            annotations=annotations,
        ),
    }
