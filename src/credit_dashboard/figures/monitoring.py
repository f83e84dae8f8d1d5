"""The analyst page's monitoring charts over batches, each a pure function of stored figures.

Batches are on the x axis by their as-of date (oldest left); every chart's title says what it shows
and the PSI charts carry the two industry lines (0.1 investigate, 0.25 shift) so a reader needs no
legend to judge a value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from credit_dashboard.figures.palette import (
    ACCENT,
    NEUTRAL,
    REFERENCE,
    RISK,
    SAFE,
    Figure,
    axis,
    base_layout,
    horizontal_line,
    note,
    title,
)
from credit_dashboard.i18n import format_number, format_percent
from credit_dashboard.i18n import gettext as _

INVESTIGATE_LINE = 0.1
SHIFT_LINE = 0.25


def _layout(chart_title: str, x_title: str, y_title: str, **settings: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "height": 340,
        "margin": {"l": 10, "r": 10, "t": 50, "b": 10},
        "title": title(chart_title),
        "legend": {"orientation": "h", "y": -0.3},
        "xaxis": axis(x_title, type="category"),
        "yaxis": axis(y_title),
    }
    layout.update(settings)
    return base_layout(**layout)


def _psi_lines() -> tuple[list[dict], list[dict]]:
    shapes = [horizontal_line(INVESTIGATE_LINE, colour=NEUTRAL, dash="dash"),
              horizontal_line(SHIFT_LINE, colour=RISK, dash="dash")]
    notes = [
        note(_("0.1: investigate"), x=1, y=INVESTIGATE_LINE, yref="y", xanchor="right",
             yanchor="bottom", font={"size": 11}),
        note(_("0.25: shift"), x=1, y=SHIFT_LINE, yref="y", xanchor="right", yanchor="bottom",
             font={"size": 11, "color": RISK}),
    ]
    return shapes, notes


def score_psi_over_time(labels: Sequence[str], psi: Sequence[float]) -> Figure:
    """PSI of the predicted score per batch, coloured by band, against the 0.1 and 0.25 lines."""
    colours = [RISK if v > SHIFT_LINE else NEUTRAL if v >= INVESTIGATE_LINE else SAFE for v in psi]
    shapes, notes = _psi_lines()
    top = max([SHIFT_LINE * 1.3, *[v * 1.15 for v in psi]])
    data = [{
        "type": "bar", "x": list(labels), "y": list(psi), "marker": {"color": colours},
        "name": _("PSI of the score"),
        "text": [format_number(v, 3) for v in psi], "textposition": "outside",
        "hovertemplate": "%{x}<br>PSI %{y:.3f}<extra></extra>",
    }]
    return {"data": data, "layout": _layout(
        _("Has the score moved? PSI of the predicted default probability per batch"),
        _("Batch (as-of date)"), _("PSI against the training history"),
        shapes=shapes, annotations=notes, yaxis=axis(_("PSI against the training history"),
                                                     range=[0, top]),
        showlegend=False)}


def feature_psi_heatmap(
    labels: Sequence[str], features: Sequence[str], feature_names: Sequence[str],
    psi: Sequence[Sequence[float | None]],
) -> Figure:
    """Feature x batch PSI; ``psi[i][j]`` is feature i in batch j (None: not monitored then)."""
    text = [["" if v is None else format_number(v, 2) for v in row] for row in psi]
    data = [{
        "type": "heatmap", "x": list(labels), "y": list(feature_names), "z": [list(r) for r in psi],
        "text": text, "texttemplate": "%{text}", "zmin": 0, "zmax": 0.5,
        # Blue while stable, grey while worth a look, vermillion once shifted (past 0.25).
        "colorscale": [[0.0, "#FFFFFF"], [0.2, "#DCE9F5"], [0.5, "#F3CBA5"], [1.0, RISK]],
        "colorbar": {"title": {"text": "PSI"}, "tickvals": [0, 0.1, 0.25, 0.5]},
        "customdata": [[f] * len(labels) for f in features],
        "hovertemplate": "%{y} (%{customdata})<br>%{x}: PSI %{z:.3f}<extra></extra>",
    }]
    height = max(340, 28 * len(features) + 120)
    return {"data": data, "layout": _layout(
        _("Which inputs moved? PSI of the model's top features, batch by batch"),
        _("Batch (as-of date)"), "", height=height,
        yaxis=axis("", autorange="reversed", automargin=True))}


def refusal_and_probability(
    labels: Sequence[str], refused_share: Sequence[float], mean_probability: Sequence[float],
    threshold: float,
) -> Figure:
    """Share refused at the threshold and mean predicted default probability, per batch."""
    data = [
        {"type": "scatter", "mode": "lines+markers", "x": list(labels), "y": list(refused_share),
         "name": _("Refused at the threshold"), "line": {"color": RISK, "width": 3},
         "hovertemplate": "%{x}: %{y:.1%}<extra></extra>"},
        {"type": "scatter", "mode": "lines+markers", "x": list(labels),
         "y": list(mean_probability), "name": _("Mean predicted default probability"),
         "line": {"color": SAFE, "width": 3, "dash": "dot"},
         "hovertemplate": "%{x}: %{y:.1%}<extra></extra>"},
    ]
    return {"data": data, "layout": _layout(
        _("Refusal rate and mean default probability per batch (threshold {t})").format(
            t=format_percent(threshold)),
        _("Batch (as-of date)"), _("Share of the batch"),
        yaxis=axis(_("Share of the batch"), tickformat=".0%", rangemode="tozero"))}


def backtest_over_time(
    labels: Sequence[str], auc: Sequence[float | None], cost: Sequence[float | None],
    training_auc: float | None, training_cost: float | None,
) -> Figure:
    """Realised AUC and business cost per client of batches with outcomes, next to training's."""
    data: list[dict] = [
        {"type": "scatter", "mode": "lines+markers", "x": list(labels), "y": list(auc),
         "name": _("AUC on the outcomes"), "line": {"color": SAFE, "width": 3}},
        {"type": "scatter", "mode": "lines+markers", "x": list(labels), "y": list(cost),
         "name": _("Business cost per client (10·FN + FP)"), "yaxis": "y2",
         "line": {"color": RISK, "width": 3}},
    ]
    shapes = []
    if training_auc is not None:
        shapes.append(horizontal_line(training_auc, colour=ACCENT, dash="dash", width=2))
        data.append({"type": "scatter", "mode": "lines", "x": [None], "y": [None],
                     "name": _("Held-out AUC at training ({auc})").format(
                         auc=format_number(training_auc, 3)),
                     "line": {"color": ACCENT, "dash": "dash"}})
    if training_cost is not None:
        shapes.append({**horizontal_line(training_cost, colour=REFERENCE, dash="dot", width=2),
                       "yref": "y2"})
        data.append({"type": "scatter", "mode": "lines", "x": [None], "y": [None],
                     "name": _("Held-out cost at training ({cost})").format(
                         cost=format_number(training_cost, 3)),
                     "line": {"color": REFERENCE, "dash": "dot"}})
    return {"data": data, "layout": _layout(
        _("Does the model still hold? Realised AUC and cost per batch with outcomes"),
        _("Batch (as-of date)"), _("AUC"), shapes=shapes,
        yaxis=axis(_("AUC"), range=[0.4, 1.0]),
        yaxis2=axis(_("Cost per client"), overlaying="y", side="right", rangemode="tozero",
                    showgrid=False))}


def calibration_by_decile(calibration: Mapping[str, Sequence[float]], batch: str) -> Figure:
    """Predicted against observed default rate by decile of the score, with the diagonal."""
    predicted, observed = list(calibration["mean_predicted"]), list(calibration["observed_rate"])
    top = max([*predicted, *observed, 0.05]) * 1.1
    data = [
        {"type": "scatter", "mode": "lines", "x": [0, top], "y": [0, top],
         "name": _("Perfect calibration"), "line": {"color": REFERENCE, "dash": "dash"}},
        {"type": "scatter", "mode": "lines+markers", "x": predicted, "y": observed,
         "name": _("Deciles of the score"), "line": {"color": SAFE, "width": 3},
         "text": [str(c) for c in calibration.get("count", [])],
         "hovertemplate": _("predicted %{x:.1%}, observed %{y:.1%} (%{text} clients)")
         + "<extra></extra>"},
    ]
    return {"data": data, "layout": _layout(
        _("Calibration of batch {batch}: predicted against observed default rate").format(
            batch=batch),
        _("Mean predicted default probability"), _("Observed default rate"),
        xaxis=axis(_("Mean predicted default probability"), tickformat=".0%", range=[0, top]),
        yaxis=axis(_("Observed default rate"), tickformat=".0%", range=[0, top]))}


def probability_histogram(edges: Sequence[float], counts: Sequence[int], threshold: float,
                          batch: str) -> Figure:
    """How the batch's default probabilities spread, split at the threshold."""
    centres = [(a + b) / 2 for a, b in zip(edges[:-1], edges[1:], strict=True)]
    colours = [RISK if c >= threshold else SAFE for c in centres]
    last = max((i for i, c in enumerate(counts) if c), default=len(counts) - 1)
    data = [{"type": "bar", "x": centres[: last + 1], "y": list(counts)[: last + 1],
             "marker": {"color": colours[: last + 1]}, "name": _("Clients"),
             "hovertemplate": "%{x:.0%}: %{y}<extra></extra>"}]
    shapes = [{"type": "line", "xref": "x", "yref": "paper", "x0": threshold, "x1": threshold,
               "y0": 0, "y1": 1, "line": {"color": "#000000", "dash": "dash", "width": 2}}]
    return {"data": data, "layout": _layout(
        _("Default probabilities of batch {batch} (refused from the dashed line)").format(
            batch=batch),
        _("Predicted default probability"), _("Clients"), shapes=shapes, showlegend=False,
        bargap=0.05, xaxis=axis(_("Predicted default probability"), tickformat=".0%"))}


def segment_chart(rows: Sequence[Mapping[str, Any]], segment_label: str, batch: str) -> Figure:
    """Refusal rate, mean probability and (where known) observed default rate by segment level,
    each bar labelled with its client count."""
    levels = [r["level"] for r in rows]
    counts = [int(r["clients"]) for r in rows]
    data = [
        {"type": "bar", "x": levels, "y": [r["refused_share"] for r in rows],
         "name": _("Refused"), "marker": {"color": RISK},
         "text": [_("{n} clients").format(n=format_number(n)) for n in counts],
         "textposition": "outside", "hovertemplate": "%{x}: %{y:.1%}<extra></extra>"},
        {"type": "bar", "x": levels, "y": [r["mean_probability"] for r in rows],
         "name": _("Mean predicted default probability"), "marker": {"color": SAFE},
         "hovertemplate": "%{x}: %{y:.1%}<extra></extra>"},
    ]
    if any(r.get("default_rate") is not None for r in rows):
        data.append({
            "type": "bar", "x": levels, "y": [r.get("default_rate") for r in rows],
            "name": _("Observed default rate (clients with an outcome)"),
            "marker": {"color": NEUTRAL},
            "customdata": [r.get("with_outcome", 0) for r in rows],
            "hovertemplate": "%{x}: %{y:.1%} (%{customdata})<extra></extra>"})
    return {"data": data, "layout": _layout(
        _("Batch {batch} by {segment}: refusal and default rates").format(
            batch=batch, segment=segment_label),
        segment_label, _("Share of the segment"), barmode="group",
        xaxis=axis(segment_label, type="category"),
        yaxis=axis(_("Share of the segment"), tickformat=".0%", rangemode="tozero"))}
