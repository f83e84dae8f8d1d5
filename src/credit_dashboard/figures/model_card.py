"""The model page's charts, each a pure function of numbers from the model card."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from credit_dashboard.figures.palette import (
    ACCENT,
    CLIENT,
    REFERENCE,
    RISK,
    SAFE,
    Figure,
    axis,
    base_layout,
    note,
    title,
    vertical_line,
)
from credit_dashboard.i18n import N_, format_number, format_percent
from credit_dashboard.i18n import gettext as _


def _line(x: Sequence[float], y: Sequence[float], name: str, colour: str, dash: str = "solid",
          width: int = 3, **settings: object) -> dict:
    return {"type": "scatter", "x": list(x), "y": list(y), "mode": "lines", "name": name,
            "line": {"color": colour, "dash": dash, "width": width}, **settings}


def _chart(
    data: list[dict], chart_title: str, x_title: str, y_title: str, **layout: object
) -> Figure:
    settings: dict = {
        "height": 340,
        "margin": {"l": 10, "r": 10, "t": 50, "b": 10},
        "title": title(chart_title),
        "legend": {"orientation": "h", "y": -0.25},
        "xaxis": axis(x_title, range=[0, 1]),
        "yaxis": axis(y_title, range=[0, 1.02]),
    }
    settings.update(layout)
    return {"data": data, "layout": base_layout(**settings)}


def roc_curve(fpr: Sequence[float], tpr: Sequence[float], roc_auc: float) -> Figure:
    """ROC curve on the held-out clients, with the diagonal of a coin toss."""
    return _chart(
        [_line([0, 1], [0, 1], _("Coin toss"), REFERENCE, dash="dash", width=2),
         _line(fpr, tpr, _("Model (AUC {auc})").format(auc=format_number(roc_auc, 3)), SAFE)],
        _("ROC curve (held-out clients)"), _("Good payers wrongly flagged (FPR)"),
        _("Defaulters caught (recall)"),
    )


def pr_curve(
    recall: Sequence[float], precision: Sequence[float], default_rate: float | None = None
) -> Figure:
    """Precision-recall curve; the horizontal line is the default rate (a model that guesses)."""
    data = []
    if default_rate is not None:
        data.append(_line([0, 1], [default_rate, default_rate],
                          _("Guessing ({rate})").format(rate=format_percent(default_rate)),
                          REFERENCE, dash="dash", width=2))
    data.append(_line(recall, precision, _("Model"), SAFE))
    return _chart(data, _("Precision-recall curve (held-out clients)"),
                  _("Defaulters caught (recall)"), _("Precision (refused who default)"))


def calibration_curve(
    mean_predicted: Sequence[float], observed_rate: Sequence[float], count: Sequence[int]
) -> Figure:
    """Predicted vs observed default rate per probability bin (on the diagonal = calibrated)."""
    top = min(1.0, float(max([*mean_predicted, *observed_rate, 0.05])) * 1.1)
    model = _line(
        mean_predicted, observed_rate, _("Model"), ACCENT, mode="lines+markers",
        customdata=list(count),
        hovertemplate=_("predicted %{x:.1%}, observed %{y:.1%} (%{customdata:,} clients)")
        + "<extra></extra>",
    )
    predicted, observed = _("Predicted default probability"), _("Observed default rate")
    return _chart(
        [_line([0, top], [0, top], _("Perfectly calibrated"), REFERENCE, dash="dash", width=2),
         model],
        _("Calibration (held-out clients)"), predicted, observed,
        xaxis=axis(predicted, range=[0, top], tickformat=".0%"),
        yaxis=axis(observed, range=[0, top], tickformat=".0%"),
    )


def cost_vs_threshold(
    thresholds: Sequence[float], normalised_cost: Sequence[float], chosen_threshold: float
) -> Figure:
    """Business cost (10 x missed defaulter + 1 x refused good payer, normalised) per threshold,
    with the chosen threshold marked."""
    cost_at_choice = float(np.interp(chosen_threshold, thresholds, normalised_cost))
    marker = {"type": "scatter", "x": [chosen_threshold], "y": [cost_at_choice],
              "mode": "markers", "name": _("Chosen threshold"),
              "marker": {"color": CLIENT, "symbol": "diamond", "size": 12}}
    return _chart(
        [_line(thresholds, normalised_cost, _("Business cost"), RISK), marker],
        _("Business cost by threshold"), _("Decision threshold (refuse above)"),
        _("Normalised business cost"),
        yaxis=axis(_("Normalised business cost")),
        shapes=[vertical_line(chosen_threshold, width=1)],
        annotations=[note(_("chosen {threshold}").format(
            threshold=format_number(chosen_threshold, 3)), x=chosen_threshold, xref="x",
                          xanchor="left", yanchor="top")],
    )


def confusion_matrix(matrix: Mapping[str, int]) -> Figure:
    """Held-out clients by outcome and decision at the chosen threshold, with counts written in."""
    tn, fp, fn, tp = (int(matrix[k]) for k in ("tn", "fp", "fn", "tp"))
    heatmap = {
        "type": "heatmap",
        "z": [[tn, fp], [fn, tp]],
        "x": [_("Granted"), _("Refused")],
        "y": [_("Repaid"), _("Defaulted")],
        "text": [
            [f"{format_number(tn)}<br>" + _("repaid, granted"),
             f"{format_number(fp)}<br>" + _("repaid, refused")],
            [f"{format_number(fn)}<br>" + _("defaulted, granted"),
             f"{format_number(tp)}<br>" + _("defaulted, refused")],
        ],
        "texttemplate": "%{text}",
        "colorscale": [[0, "#f7fbff"], [1, SAFE]],
        "showscale": False,
        "hoverinfo": "skip",
    }
    return _chart(
        [heatmap], _("Decisions at the threshold (held-out clients)"), _("Decision"),
        _("Actual outcome"), height=300, xaxis=axis(_("Decision")),
        yaxis=axis(_("Actual outcome"), autorange="reversed"),
    )


CV_COLUMNS: tuple[tuple[str, str], ...] = (
    ("model", N_("Model")),
    ("imbalance", N_("Imbalance handling")),
    ("roc_auc", N_("ROC AUC")),
    ("normalised_cost", N_("Business cost (normalised)")),
    ("recall", N_("Recall")),
    ("f1", N_("F1")),
    ("accuracy", N_("Accuracy")),
    ("fit_seconds", N_("Fit time (s)")),
)
#: The card's model and imbalance codes, as a reader names them (translated when shown).
MODEL_NAMES: dict[str, str] = {
    "lightgbm": "LightGBM", "baseline": N_("plain LightGBM baseline"), "dummy": N_("constant"),
    "logistic_regression": N_("logistic regression"), "random_forest": N_("random forest"),
}
IMBALANCE_NAMES: dict[str, str] = {
    "none": N_("none"), "class_weight": N_("class weights"), "smote": N_("SMOTE oversampling"),
    "undersample": N_("undersampling"),
}


def model_name(code: object) -> str:
    """A card's model code in the reader's language (unknown codes as written)."""
    text = MODEL_NAMES.get(str(code))
    return _(text) if text else str(code)


def imbalance_name(code: object) -> str:
    """A card's imbalance option in the reader's language (unknown codes as written)."""
    text = IMBALANCE_NAMES.get(str(code))
    return _(text) if text else str(code)


def cv_headers() -> list[str]:
    """The cross-validation table's column titles, in the reader's language."""
    return [_(title) for _key, title in CV_COLUMNS]


def cv_table_rows(
    cv: Sequence[Mapping[str, object]], chosen: Mapping[str, object] | None = None
) -> list[dict[str, object]]:
    """Cross-validation results as text cells keyed like :data:`CV_COLUMNS`, best business cost
    first, numbers in the reader's format; ``"chosen"`` flags the shipped candidate."""
    def cell(row: Mapping[str, object], key: str) -> str:
        value = row.get(key)
        if value is None:
            return "-"
        if key == "model":
            return model_name(value)
        if key == "imbalance":
            return imbalance_name(value)
        if key == "roc_auc" and row.get("roc_auc_std") is not None:
            return (f"{format_number(float(value), 3)} ± "  # type: ignore[arg-type]
                    f"{format_number(float(row['roc_auc_std']), 3)}")  # type: ignore[arg-type]
        if isinstance(value, float):
            return format_number(value, 1 if key == "fit_seconds" else 3)
        return str(value)

    ordered = sorted(cv, key=lambda r: float(r.get("normalised_cost", np.inf)))  # type: ignore[arg-type]
    rows: list[dict[str, object]] = []
    for row in ordered:
        cells: dict[str, object] = {key: cell(row, key) for key, _title in CV_COLUMNS}
        cells["chosen"] = chosen is not None and all(
            row.get(k) == chosen.get(k) for k in ("model", "imbalance")
        )
        rows.append(cells)
    return rows
