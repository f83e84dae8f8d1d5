"""Figure functions on synthetic inputs: traces, marker positions, labels, colours."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import pytest

from credit_dashboard.figures import comparison as comparison_figures
from credit_dashboard.figures import model_card, palette, score
from credit_dashboard.i18n import use_language
from credit_dashboard.services.comparison import CategorySummary, NumericSummary
from credit_dashboard.services.explain import Contribution
from credit_dashboard.services.grouped import group_contributions


def _fig(function, *args, **kwargs) -> go.Figure:
    """Call a figure function and validate its dict as Plotly would (an invalid property raises)."""
    figure = function(*args, **kwargs)
    assert isinstance(figure, dict) and set(figure) == {"data", "layout"}
    return go.Figure(figure)


def _vlines(figure) -> list[float]:
    return [shape.x0 for shape in figure.layout.shapes if shape.x0 == shape.x1]


# ----------------------------------------------------------------------------------- score


def test_gauge_marks_the_threshold_with_colour_blind_safe_bands() -> None:
    figure = _fig(score.gauge, 0.23, 0.09)
    indicator = figure.data[0]
    assert math.isclose(indicator.value, 23.0)
    assert math.isclose(indicator.gauge.threshold.value, 9.0)
    steps = indicator.gauge.steps
    assert steps[0].range == (0, 9.0) and steps[1].range[0] == 9.0
    assert {steps[0].color, steps[1].color} == {palette.SAFE_LIGHT, palette.RISK_LIGHT}
    assert indicator.gauge.axis.range == (0, 50.0)
    assert "threshold 9.0 % (grant below, refuse above)" in figure.layout.annotations[0].text


@pytest.mark.parametrize(("threshold", "top"), [(0.09, 0.5), (0.2, 0.6), (0.4, 1.0)])
def test_gauge_range_depends_on_the_model_only(threshold: float, top: float) -> None:
    assert math.isclose(score.gauge_axis_max(threshold), top)
    with pytest.raises(ValueError):
        score.gauge_axis_max(1.5)


def _explanation():
    items = [
        Contribution("EXT_SOURCE_3", "External score 3", 0.12, 0.5),
        Contribution("EXT_SOURCE_MEAN", "Mean of the external scores", 0.2, 0.2),
        Contribution("DAYS_BIRTH", "Age", -15400, -0.3),
        Contribution("AMT_CREDIT", "Credit amount", 500000.0, 0.1),
        Contribution("FLAG_PHONE", "Gave a landline", 1, -0.05),
    ]
    log_odds = -2.0 + sum(c.contribution for c in items)
    return group_contributions(items, -2.0, 1 / (1 + math.exp(-log_odds)))


def test_waterfall_goes_from_the_average_client_to_this_client_in_points() -> None:
    with use_language("en"):
        figure = _fig(score.waterfall, _explanation(), 2, 0.09)
    trace = figure.data[0]
    base, final = 100 / (1 + math.exp(2.0)), 100 / (1 + math.exp(2.0 - 0.45))
    assert trace.orientation == "h"
    assert math.isclose(trace.base, base)  # bars start from the average client's probability
    assert list(trace.measure) == ["relative", "relative", "relative", "total"]
    # One fact, one bar: external score 3 and the mean of the scores are one group.
    assert list(trace.y) == ["External credit scores", "Age = 42 years", "All 2 other facts",
                             "All together"]
    assert trace.x[0] == pytest.approx(100 / (1 + math.exp(2.0 - 0.7)) - base)
    assert trace.base + sum(trace.x[:3]) == pytest.approx(final, abs=1e-9)
    assert math.isclose(trace.x[-1], final - base)
    average_line, client_line, threshold_line = _vlines(figure)
    assert average_line == pytest.approx(base) and client_line == pytest.approx(final)
    assert threshold_line == pytest.approx(9.0)
    assert trace.increasing.marker.color == palette.RISK
    assert trace.decreasing.marker.color == palette.SAFE
    assert "percentage points" in figure.layout.xaxis.title.text.replace("<br>", " ")
    assert f"{final:.1f}%" in figure.layout.title.text
    assert "+0.700" in trace.hovertext[0]  # the exact log-odds stay there for analysts


def test_waterfall_without_others_has_no_others_bar() -> None:
    trace = _fig(score.waterfall, _explanation(), 10).data[0]
    assert not any(name.endswith(" other facts") for name in trace.y)
    assert len(trace.y) == 5


def test_global_importance_is_sorted_and_labelled() -> None:
    importance = [
        {"feature": "AMT_CREDIT", "mean_abs_shap": 0.1},
        {"feature": "EXT_SOURCE_3", "mean_abs_shap": 0.4},
        {"feature": "DAYS_BIRTH", "mean_abs_shap": 0.2},
    ]
    trace = _fig(score.global_importance, importance, top_n=2).data[0]
    assert list(trace.y) == ["External score 3", "Age"]
    assert list(trace.x) == [0.4, 0.2]


# ------------------------------------------------------------------------------ comparison


def _numeric_summary() -> NumericSummary:
    edges = np.linspace(0.0, 1.0, 11)
    repaid = np.full(10, 10.0)
    defaulted = np.array([30, 20, 10, 10, 10, 5, 5, 5, 3, 2], dtype=float)
    return NumericSummary("EXT_SOURCE_3", "External score 3", edges, repaid, defaulted,
                          900, 100, 0)


def test_distribution_shows_both_groups_and_marks_the_client() -> None:
    figure = _fig(comparison_figures.distribution, _numeric_summary(), 0.37, "0.37")
    names = [trace.name for trace in figure.data]
    assert names == ["Repaid (900 clients)", "Defaulted (100 clients)"]
    assert np.allclose(figure.data[0].x, np.linspace(0.05, 0.95, 10))
    assert _vlines(figure) == [0.37]
    assert any("This client: 0.37" in a.text for a in figure.layout.annotations)
    assert figure.data[0].marker.color == palette.SAFE
    assert figure.data[1].marker.color == palette.RISK


def test_distribution_clips_an_outlying_client_to_the_axis_and_handles_missing() -> None:
    figure = _fig(comparison_figures.distribution, _numeric_summary(), 7.5, "7.5")
    assert _vlines(figure) == [1.0]
    missing = _fig(comparison_figures.distribution, _numeric_summary(), None, "not known")
    assert _vlines(missing) == []
    assert "This client: not known" in missing.layout.annotations[0].text


def test_category_rates_highlight_the_clients_category() -> None:
    summary = CategorySummary("NAME_EDUCATION_TYPE", "Education", ("Secondary", "Higher"),
                              np.array([0.09, 0.05]), np.array([700, 300]), 0.078)
    figure = _fig(comparison_figures.category_default_rate, summary, "Higher")
    bar = figure.data[0]
    assert list(bar.x) == ["Secondary", "Higher"]
    assert np.allclose(bar.y, [9.0, 5.0])
    assert list(bar.text) == ["", "This client"]
    assert list(bar.marker.pattern.shape) == ["", "/"]
    assert bar.marker.line.width[1] > bar.marker.line.width[0]
    assert math.isclose(figure.layout.shapes[0].y0, 7.8)
    unknown = _fig(comparison_figures.category_default_rate, summary, "Academic degree")
    assert list(unknown.data[0].text) == ["", ""]
    assert "no past client" in unknown.layout.annotations[-1].text


def test_bivariate_colours_and_shapes_by_outcome_and_marks_the_client() -> None:
    x = np.arange(6, dtype=float)
    y = x * 2
    defaulted = np.array([0, 1, 0, 0, 1, 0])
    figure = _fig(comparison_figures.bivariate, x, y, defaulted, "Age (years)", "Income", 2.5,
                  40.0)
    repaid, bad, client = figure.data
    assert list(repaid.x) == [0, 2, 3, 5] and list(bad.x) == [1, 4]
    assert repaid.marker.symbol != bad.marker.symbol
    assert (client.x[0], client.y[0]) == (2.5, 40.0)
    assert client.marker.symbol == "star"
    assert figure.layout.xaxis.title.text == "Age (years)"
    no_client = _fig(comparison_figures.bivariate, x, y, defaulted, "A", "B", None, 1.0)
    assert len(no_client.data) == 2


# ------------------------------------------------------------------------------ model card


def test_model_card_curves() -> None:
    roc = _fig(model_card.roc_curve, [0, 0.2, 1], [0, 0.7, 1], 0.76)
    assert roc.data[1].name == "Model (AUC 0.760)" and list(roc.data[1].y) == [0, 0.7, 1]
    pr = _fig(model_card.pr_curve, [0, 0.5, 1], [1, 0.3, 0.08], 0.08)
    assert pr.data[0].y == (0.08, 0.08) and list(pr.data[1].x) == [0, 0.5, 1]
    calibration = _fig(model_card.calibration_curve, [0.05, 0.2], [0.06, 0.18], [500, 100])
    assert list(calibration.data[1].customdata) == [500, 100]


def test_cost_curve_marks_the_chosen_threshold() -> None:
    figure = _fig(model_card.cost_vs_threshold, [0.0, 0.1, 0.2, 1.0], [1.0, 0.6, 0.7, 1.2],
                  0.15)
    marker = figure.data[1]
    assert marker.x == (0.15,)
    assert math.isclose(marker.y[0], 0.65)
    assert _vlines(figure) == [0.15]


def test_confusion_matrix_writes_counts_in_words() -> None:
    figure = _fig(model_card.confusion_matrix, {"tn": 900, "fp": 50, "fn": 20, "tp": 30})
    heatmap = figure.data[0]
    assert [list(row) for row in heatmap.z] == [[900, 50], [20, 30]]
    assert heatmap.text[1][1] == "30<br>defaulted, refused"


def test_cv_table_orders_by_cost_and_flags_the_chosen_model() -> None:
    cv = [
        {"model": "logistic", "imbalance": "none", "roc_auc": 0.70, "roc_auc_std": 0.01,
         "normalised_cost": 0.6, "recall": 0.5, "f1": 0.2, "accuracy": 0.7, "fit_seconds": 1.5},
        {"model": "lightgbm", "imbalance": "class_weight", "roc_auc": 0.75, "roc_auc_std": 0.02,
         "normalised_cost": 0.5, "recall": 0.6, "f1": 0.25, "accuracy": 0.72, "fit_seconds": 3.0},
    ]
    rows = model_card.cv_table_rows(cv, {"model": "lightgbm", "imbalance": "class_weight"})
    assert [r["model"] for r in rows] == ["LightGBM", "logistic"]
    assert rows[0]["chosen"] is True and rows[1]["chosen"] is False
    assert rows[0]["imbalance"] == "class weights" and rows[1]["imbalance"] == "none"
    assert rows[0]["roc_auc"] == "0.750 ± 0.020"
    assert rows[0]["fit_seconds"] == "3.0"


def test_long_titles_are_broken_into_lines_that_fit() -> None:
    from credit_dashboard.figures.palette import wrapped

    text = ("Montant du crédit / prix du bien (au-dessus de 1 : frais financés) en fonction de "
            "scores externes pondérés comme appris à l'entraînement (log-cote)")
    lines = wrapped(text, 42).split("<br>")
    assert len(lines) >= 3 and all(len(line) <= 42 for line in lines)
    assert " ".join(lines) == text  # nothing lost, broken only at spaces
    assert wrapped("Age (years)", 42) == "Age (years)"
    assert wrapped("", 10) == ""
