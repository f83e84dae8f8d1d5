"""Curves panel: ROC, precision-recall, cost against threshold, calibration, confusion matrix
(held out), from the model card."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, dcc

from credit_dashboard.figures.model_card import (
    calibration_curve,
    confusion_matrix,
    cost_vs_threshold,
    pr_curve,
    roc_curve,
)
from credit_dashboard.services.container import AppServices

_GRAPH_CONFIG = {"displayModeBar": False, "responsive": True}


def _graph(figure: Any) -> dcc.Graph:
    return dcc.Graph(figure=figure, config=_GRAPH_CONFIG)


def layout(services: AppServices) -> dbc.Row:
    card = services.card
    curves = card.get("curves", {})
    holdout = card.get("holdout", {})
    threshold = float(card.get("decision_threshold", 0.5))
    roc = curves.get("roc", {})
    pr = curves.get("pr", {})
    calibration = curves.get("calibration", {})
    cost = curves.get("cost_vs_threshold", {})
    target_rate = card.get("data_fingerprint", {}).get("target_rate")
    return dbc.Row(
        [
            dbc.Col(_graph(roc_curve(roc.get("fpr", []), roc.get("tpr", []),
                                     float(holdout.get("roc_auc") or 0.0))), lg=6),
            dbc.Col(_graph(pr_curve(pr.get("recall", []), pr.get("precision", []),
                                    target_rate)), lg=6),
            dbc.Col(_graph(cost_vs_threshold(cost.get("threshold", []),
                                             cost.get("normalised_cost", []),
                                             threshold)), lg=6),
            dbc.Col(_graph(calibration_curve(calibration.get("mean_predicted", []),
                                             calibration.get("observed_rate", []),
                                             calibration.get("count", []))), lg=6),
            dbc.Col(_graph(confusion_matrix(holdout.get(
                "confusion_matrix", {"tn": 0, "fp": 0, "fn": 0, "tp": 0}))), lg=6),
        ],
        className="g-3",
    )


def register_callbacks(app: Dash, services: AppServices) -> None:
    """Static panel: nothing to wire."""
