"""The model page's charts, each a pure function of numbers from the model card."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from credit_dashboard.figures.palette import ACCENT, CLIENT, REFERENCE, RISK, SAFE, base_layout


def _square(figure: go.Figure, title: str, x_title: str, y_title: str) -> go.Figure:
    figure.update_layout(
        base_layout(
            height=340,
            margin={"l": 10, "r": 10, "t": 50, "b": 10},
            title={"text": title, "font": {"size": 14}},
            legend={"orientation": "h", "y": -0.25},
        )
    )
    figure.update_xaxes(title_text=x_title, range=[0, 1])
    figure.update_yaxes(title_text=y_title, range=[0, 1.02])
    return figure


def roc_curve(fpr: Sequence[float], tpr: Sequence[float], roc_auc: float) -> go.Figure:
    """ROC curve on the held-out clients, with the diagonal of a coin toss."""
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="Coin toss",
                                line={"color": REFERENCE, "dash": "dash"}))
    figure.add_trace(go.Scatter(x=list(fpr), y=list(tpr), mode="lines",
                                name=f"Model (AUC {roc_auc:.3f})",
                                line={"color": SAFE, "width": 3}))
    return _square(figure, "ROC curve (held-out clients)", "Good payers wrongly flagged (FPR)",
                   "Defaulters caught (recall)")


def pr_curve(
    recall: Sequence[float], precision: Sequence[float], default_rate: float | None = None
) -> go.Figure:
    """Precision-recall curve; the horizontal line is the default rate (a model that guesses)."""
    figure = go.Figure()
    if default_rate is not None:
        figure.add_trace(go.Scatter(x=[0, 1], y=[default_rate, default_rate], mode="lines",
                                    name=f"Guessing ({default_rate:.1%})",
                                    line={"color": REFERENCE, "dash": "dash"}))
    figure.add_trace(go.Scatter(x=list(recall), y=list(precision), mode="lines", name="Model",
                                line={"color": SAFE, "width": 3}))
    return _square(figure, "Precision-recall curve (held-out clients)",
                   "Defaulters caught (recall)", "Flagged clients who default (precision)")


def calibration_curve(
    mean_predicted: Sequence[float], observed_rate: Sequence[float], count: Sequence[int]
) -> go.Figure:
    """Predicted vs observed default rate per probability bin (on the diagonal = calibrated)."""
    top = max([*mean_predicted, *observed_rate, 0.05])
    top = min(1.0, float(top) * 1.1)
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=[0, top], y=[0, top], mode="lines", name="Perfectly calibrated",
                                line={"color": REFERENCE, "dash": "dash"}))
    figure.add_trace(go.Scatter(
        x=list(mean_predicted), y=list(observed_rate), mode="lines+markers", name="Model",
        customdata=list(count), line={"color": ACCENT, "width": 3},
        hovertemplate="predicted %{x:.1%}, observed %{y:.1%} (%{customdata:,} clients)"
                      "<extra></extra>",
    ))
    figure = _square(figure, "Calibration (held-out clients)", "Predicted default probability",
                     "Observed default rate")
    figure.update_xaxes(range=[0, top], tickformat=".0%")
    figure.update_yaxes(range=[0, top], tickformat=".0%")
    return figure


def cost_vs_threshold(
    thresholds: Sequence[float], normalised_cost: Sequence[float], chosen_threshold: float
) -> go.Figure:
    """Business cost (10 x missed defaulter + 1 x refused good payer, normalised) per threshold,
    with the chosen threshold marked."""
    figure = go.Figure(go.Scatter(x=list(thresholds), y=list(normalised_cost), mode="lines",
                                  name="Business cost", line={"color": RISK, "width": 3}))
    cost_at_choice = float(np.interp(chosen_threshold, thresholds, normalised_cost))
    figure.add_trace(go.Scatter(
        x=[chosen_threshold], y=[cost_at_choice], mode="markers", name="Chosen threshold",
        marker={"color": CLIENT, "symbol": "diamond", "size": 12},
    ))
    figure.add_vline(x=chosen_threshold, line={"color": CLIENT, "dash": "dash", "width": 1},
                     annotation_text=f"chosen {chosen_threshold:.3f}",
                     annotation_position="top right")
    figure.update_layout(
        base_layout(height=340, margin={"l": 10, "r": 10, "t": 50, "b": 10},
                    title={"text": "Business cost by threshold", "font": {"size": 14}},
                    legend={"orientation": "h", "y": -0.25})
    )
    figure.update_xaxes(title_text="Decision threshold (refuse above)", range=[0, 1])
    figure.update_yaxes(title_text="Normalised business cost")
    return figure


def confusion_matrix(matrix: Mapping[str, int]) -> go.Figure:
    """Held-out clients by outcome and decision at the chosen threshold, with counts written in."""
    tn, fp, fn, tp = (int(matrix[k]) for k in ("tn", "fp", "fn", "tp"))
    z = [[tn, fp], [fn, tp]]
    text = [
        [f"{tn:,}<br>repaid, granted", f"{fp:,}<br>repaid, refused"],
        [f"{fn:,}<br>defaulted, granted", f"{tp:,}<br>defaulted, refused"],
    ]
    figure = go.Figure(go.Heatmap(
        z=z, x=["Granted", "Refused"], y=["Repaid", "Defaulted"], text=text,
        texttemplate="%{text}", colorscale=[[0, "#f7fbff"], [1, SAFE]], showscale=False,
        hoverinfo="skip",
    ))
    figure.update_layout(
        base_layout(height=300, margin={"l": 10, "r": 10, "t": 50, "b": 10},
                    title={"text": "Decisions at the threshold (held-out clients)",
                           "font": {"size": 14}})
    )
    figure.update_xaxes(title_text="Decision", side="bottom")
    figure.update_yaxes(title_text="Actual outcome", autorange="reversed")
    return figure


CV_COLUMNS: tuple[tuple[str, str], ...] = (
    ("model", "Model"),
    ("imbalance", "Imbalance handling"),
    ("roc_auc", "ROC AUC"),
    ("normalised_cost", "Business cost (normalised)"),
    ("recall", "Recall"),
    ("f1", "F1"),
    ("accuracy", "Accuracy"),
    ("fit_seconds", "Fit time (s)"),
)


def cv_table_rows(
    cv: Sequence[Mapping[str, object]], chosen: Mapping[str, object] | None = None
) -> list[dict[str, str]]:
    """Cross-validation results as text cells, best business cost first; the chosen one flagged."""
    def cell(row: Mapping[str, object], key: str) -> str:
        value = row.get(key)
        if value is None:
            return "-"
        if key == "roc_auc" and row.get("roc_auc_std") is not None:
            return f"{float(value):.3f} ± {float(row['roc_auc_std']):.3f}"  # type: ignore[arg-type]
        if isinstance(value, float):
            return f"{value:.1f}" if key == "fit_seconds" else f"{value:.3f}"
        return str(value)

    ordered = sorted(cv, key=lambda r: float(r.get("normalised_cost", np.inf)))  # type: ignore[arg-type]
    rows = []
    for row in ordered:
        cells = {title: cell(row, key) for key, title in CV_COLUMNS}
        is_chosen = chosen is not None and all(
            row.get(k) == chosen.get(k) for k in ("model", "imbalance")
        )
        cells["Chosen"] = "yes" if is_chosen else ""
        rows.append(cells)
    return rows
