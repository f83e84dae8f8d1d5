"""This client next to past clients who repaid and who defaulted."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from credit_dashboard.comparison import CategorySummary, NumericSummary
from credit_dashboard.figures.palette import CLIENT, NEUTRAL, RISK, SAFE, base_layout

REPAID_NAME = "Repaid"
DEFAULTED_NAME = "Defaulted"
CLIENT_NAME = "This client"


def distribution(
    summary: NumericSummary, client_value: float | None, client_text: str
) -> go.Figure:
    """Share of repaid and of defaulted clients per value range, with this client's value marked.

    ``client_value`` is on the display scale of the summary (see ``comparison.to_display``), or None
    when the client's value is not known; ``client_text`` is how the value is written for the
    advisor.
    """
    centres = (summary.edges[:-1] + summary.edges[1:]) / 2
    width = float(summary.edges[1] - summary.edges[0])
    figure = go.Figure()
    for name, shares, colour, count in (
        (REPAID_NAME, summary.share_repaid, SAFE, summary.n_repaid),
        (DEFAULTED_NAME, summary.share_defaulted, RISK, summary.n_defaulted),
    ):
        figure.add_trace(
            go.Bar(
                x=centres,
                y=shares,
                width=width,
                name=f"{name} ({count:,} clients)",
                marker={"color": colour},
                opacity=0.6,
                hovertemplate=f"{name}: %{{y:.1f}} % of them<extra></extra>",
            )
        )
    if client_value is None or np.isnan(client_value):
        figure.add_annotation(
            text=f"{CLIENT_NAME}: {client_text}",
            xref="paper",
            yref="paper",
            x=0.5,
            y=1.0,
            showarrow=False,
        )
    else:
        low, high = float(summary.edges[0]), float(summary.edges[-1])
        shown = min(max(client_value, low), high)
        figure.add_vline(x=shown, line={"color": CLIENT, "width": 3, "dash": "dash"})
        figure.add_annotation(
            text=f"{CLIENT_NAME}: {client_text}",
            x=shown,
            xref="x",
            y=1.0,
            yref="paper",
            yanchor="bottom",
            showarrow=False,
            bgcolor="rgba(255,255,255,0.8)",
        )
    subtitle = f" ({summary.note})" if summary.note else ""
    figure.update_layout(
        base_layout(
            barmode="overlay",
            height=320,
            margin={"l": 10, "r": 10, "t": 60, "b": 10},
            legend={"orientation": "h", "y": -0.25},
            title={"text": f"{summary.axis_title}{subtitle}", "font": {"size": 14}},
        )
    )
    figure.update_xaxes(title_text=summary.axis_title)
    figure.update_yaxes(title_text="% of the group")
    return figure


def category_default_rate(summary: CategorySummary, client_category: str) -> go.Figure:
    """Default rate per category; the client's category is outlined, hatched and labelled."""
    is_client = [c == client_category for c in summary.categories]
    figure = go.Figure(
        go.Bar(
            x=list(summary.categories),
            y=summary.default_rate * 100,
            customdata=summary.count,
            marker={
                "color": [RISK if mine else NEUTRAL for mine in is_client],
                "line": {"color": [CLIENT if mine else NEUTRAL for mine in is_client],
                         "width": [3 if mine else 0 for mine in is_client]},
                "pattern": {"shape": ["/" if mine else "" for mine in is_client]},
            },
            text=[CLIENT_NAME if mine else "" for mine in is_client],
            textposition="outside",
            hovertemplate="%{x}: %{y:.1f} % defaulted (%{customdata:,} clients)<extra></extra>",
            name="Default rate",
        )
    )
    figure.add_hline(
        y=summary.overall_default_rate * 100,
        line={"color": CLIENT, "dash": "dot", "width": 1},
        annotation_text=f"all clients {summary.overall_default_rate:.1%}",
        annotation_position="top right",
    )
    if client_category not in summary.categories:
        figure.add_annotation(
            text=f"{CLIENT_NAME}: {client_category} (no past client in this category)",
            xref="paper", yref="paper", x=0.5, y=1.0, showarrow=False,
        )
    figure.update_layout(
        base_layout(
            height=320,
            margin={"l": 10, "r": 10, "t": 60, "b": 10},
            showlegend=False,
            title={"text": f"Default rate by {summary.axis_title.lower()}", "font": {"size": 14}},
        )
    )
    figure.update_xaxes(title_text=summary.axis_title, automargin=True)
    figure.update_yaxes(title_text="% of clients who defaulted", rangemode="tozero")
    return figure


def bivariate(
    x: np.ndarray,
    y: np.ndarray,
    defaulted: np.ndarray,
    x_title: str,
    y_title: str,
    client_x: float | None,
    client_y: float | None,
) -> go.Figure:
    """Past clients on two features, repaid (blue dots) vs defaulted (vermillion crosses), with this
    client as a large black star. Values are on the display scale."""
    defaulted = np.asarray(defaulted).astype(bool)
    figure = go.Figure()
    for name, mask, colour, symbol in (
        (REPAID_NAME, ~defaulted, SAFE, "circle"),
        (DEFAULTED_NAME, defaulted, RISK, "x"),
    ):
        figure.add_trace(
            go.Scatter(
                x=np.asarray(x)[mask],
                y=np.asarray(y)[mask],
                mode="markers",
                name=f"{name} ({int(mask.sum()):,})",
                marker={"color": colour, "symbol": symbol, "size": 5, "opacity": 0.55},
                hoverinfo="skip",
            )
        )
    client_known = client_x is not None and client_y is not None and not (
        np.isnan(client_x) or np.isnan(client_y)
    )
    if client_known:
        figure.add_trace(
            go.Scatter(
                x=[client_x],
                y=[client_y],
                mode="markers",
                name=CLIENT_NAME,
                marker={"color": CLIENT, "symbol": "star", "size": 18,
                        "line": {"color": "white", "width": 1}},
                hovertemplate=(
                    f"{CLIENT_NAME}<br>{x_title}: %{{x}}<br>{y_title}: %{{y}}<extra></extra>"
                ),
            )
        )
    else:
        figure.add_annotation(
            text=f"{CLIENT_NAME}: one of the two values is not known",
            xref="paper", yref="paper", x=0.5, y=1.0, showarrow=False,
        )
    figure.update_layout(
        base_layout(
            height=380,
            margin={"l": 10, "r": 10, "t": 40, "b": 10},
            legend={"orientation": "h", "y": -0.2},
            title={"text": f"{y_title} against {x_title.lower()}", "font": {"size": 14}},
        )
    )
    figure.update_xaxes(title_text=x_title)
    figure.update_yaxes(title_text=y_title)
    return figure
