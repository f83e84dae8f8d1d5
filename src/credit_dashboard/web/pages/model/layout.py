"""Model page (``/model``): how the model was chosen and how well it does, from the model card."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from credit_dashboard.figures.model_card import (
    calibration_curve,
    confusion_matrix,
    cost_vs_threshold,
    cv_table_rows,
    pr_curve,
    roc_curve,
)
from credit_dashboard.services.container import AppServices

_GRAPH_CONFIG = {"displayModeBar": False, "responsive": True}


def _fmt(value: Any, pattern: str = "{:.3f}") -> str:
    return "-" if value is None else pattern.format(value)


def _facts(card: dict[str, Any]) -> html.Dl:
    chosen = card.get("chosen", {})
    holdout = card.get("holdout", {})
    fingerprint = card.get("data_fingerprint", {})
    calibration = card.get("calibration", {})
    facts = [
        ("Model", f"{chosen.get('model', '-')} (imbalance: {chosen.get('imbalance', '-')})"),
        ("Decision threshold", _fmt(card.get("decision_threshold"))
         + " (refuse at or above this default probability)"),
        ("Business cost", f"missed defaulter = {card.get('cost_fn', '-')}, "
                          f"refused good payer = {card.get('cost_fp', '-')}"),
        ("Held-out ROC AUC", _fmt(holdout.get("roc_auc"))),
        ("Held-out business cost (normalised)", _fmt(holdout.get("normalised_cost"))),
        ("Held-out recall / precision", f"{_fmt(holdout.get('recall'))} / "
                                        f"{_fmt(holdout.get('precision'))}"),
        ("Calibration", f"{calibration.get('method', '-')}, Brier score "
                        f"{_fmt(calibration.get('brier_holdout'), '{:.4f}')} (held out)"),
        ("Best possible AUC on this data", _fmt(card.get("bayes_auc"))
         if card.get("bayes_auc") is not None else "not known (real data)"),
        ("Trained", f"{card.get('created_at', '-')} in "
                    f"{_fmt(card.get('training_seconds'), '{:.0f}')} s"),
        ("Training data", f"{fingerprint.get('train_rows', 0):,} clients, default rate "
                          f"{_fmt(fingerprint.get('target_rate'), '{:.1%}')}, sha256 "
                          f"{str(fingerprint.get('train_sha256', '-'))[:12]}"),
        ("Applicants data", f"{fingerprint.get('applicants_rows', 0):,} clients, sha256 "
                            f"{str(fingerprint.get('applicants_sha256', '-'))[:12]}"),
        ("Model version", str(card.get("model_version", "-"))),
    ]
    if chosen.get("reason"):
        facts.insert(1, ("Why this model", str(chosen["reason"])))
    items: list[html.Dt | html.Dd] = []
    for label, value in facts:
        items += [html.Dt(label, className="col-sm-4"), html.Dd(value, className="col-sm-8")]
    return html.Dl(items, className="row mb-0")


def _cv_table(card: dict[str, Any]) -> dbc.Table | html.P:
    rows = cv_table_rows(card.get("cv", []), card.get("chosen"))
    if not rows:
        return html.P("The model card has no cross-validation results.")
    headers = list(rows[0])
    return dbc.Table(
        [
            html.Thead(html.Tr([html.Th(h) for h in headers])),
            html.Tbody(
                [
                    html.Tr([html.Td(r[h]) for h in headers],
                            className="table-active fw-bold" if r["Chosen"] else None)
                    for r in rows
                ]
            ),
        ],
        size="sm",
        striped=True,
        responsive=True,
        id="cv-table",
    )


def _graph(figure: Any) -> dcc.Graph:
    return dcc.Graph(figure=figure, config=_GRAPH_CONFIG)


def layout(services: AppServices) -> html.Div:
    card = services.card
    curves = card.get("curves", {})
    holdout = card.get("holdout", {})
    threshold = float(card.get("decision_threshold", 0.5))
    roc = curves.get("roc", {})
    pr = curves.get("pr", {})
    calibration = curves.get("calibration", {})
    cost = curves.get("cost_vs_threshold", {})
    target_rate = card.get("data_fingerprint", {}).get("target_rate")
    return html.Div(
        [
            html.H1("The model", className="h3 mb-3"),
            dbc.Card([dbc.CardHeader("In short"), dbc.CardBody(_facts(card))], className="mb-3"),
            dbc.Card(
                [
                    dbc.CardHeader("Candidates compared by cross-validation (best cost first)"),
                    dbc.CardBody(_cv_table(card)),
                ],
                className="mb-3",
            ),
            dbc.Row(
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
            ),
        ]
    )
