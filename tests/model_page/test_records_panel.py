"""The credit-records panel: the comparison with its intervals, the tables and shares, what
shipped and why, the threshold rule's line; and plain words for a card without the section."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest

from credit_dashboard.i18n import use_language
from credit_dashboard.services.records_view import (
    NO_SECTION,
    NOT_USED,
    USED,
    records_view,
    threshold_view,
)
from credit_dashboard.web.auth.roles import CALLBACKS
from credit_dashboard.web.pages.model import page
from credit_dashboard.web.pages.model.components import records


def _figures(auc: float, cost: float, threshold: float) -> dict:
    return {"cv": {"roc_auc": auc - 0.002, "roc_auc_std": 0.004, "normalised_cost": cost + 0.01,
                   "normalised_cost_mean": cost + 0.01, "per_fold": []},
            "holdout": {"roc_auc": auc, "normalised_cost": cost, "threshold": threshold},
            "trees": 200}


def _interval(estimate: float, low: float, high: float) -> dict:
    return {"estimate": estimate, "low": low, "high": high}


CARD = {
    "decision_threshold": 1 / 11,
    "chosen": {"model": "lightgbm", "imbalance": "none", "reason": "..."},
    "ship_decision": {"shipped": "lightgbm", "variant": "application_only",
                      "uses_credit_records": False, "rule": "...", "records": {}},
    "credit_records": {
        "used": True, "origin": "data_folder", "source": "/data/credit_records",
        "tables": {"bureau": 311648, "previous_application": 307838},
        "clients_with_records": {"history": 0.853, "applicants": 0.84, "holdout": 0.851},
        "features": ["CR_BUREAU_COUNT", "CR_PREV_COUNT"],
        "application_only": _figures(0.7512, 0.5301, 1 / 11),
        "with_records": _figures(0.7525, 0.5290, 1 / 11),
        "baseline": _figures(0.7401, 0.5420, 1 / 11),
        "comparison": {"auc_difference": _interval(0.0013, -0.0011, 0.0037),
                       "cost_difference": _interval(-0.0011, -0.0080, 0.0062),
                       "resamples": 1000, "rows": 12000},
        "rows": {"development": 48000, "holdout": 12000, "folds": 5},
        "winner": "application_only", "in_shipped_model": False,
    },
    "threshold_rule": {"threshold": 1 / 11, "kept": "one_eleventh", "searched": 0.0823,
                       "per_fold": [0.078, 0.109, 0.095, 0.088, 0.1],
                       "cost_at_searched": 0.52, "cost_at_one_eleventh": 0.521,
                       "cost_difference": _interval(0.0004, -0.003, 0.004)},
}


def _text(component) -> str:
    """Every string in a Dash component tree, joined."""
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(_text(c) for c in component)
    return _text(getattr(component, "children", None))


def _ids(component, found: set | None = None) -> set:
    found = set() if found is None else found
    if isinstance(component, list | tuple):
        for c in component:
            _ids(c, found)
    elif hasattr(component, "children"):
        if getattr(component, "id", None):
            found.add(component.id)
        _ids(component.children, found)
    return found


def _layout(card: dict):
    return records.layout(SimpleNamespace(card=card))


def test_the_comparison_with_intervals_tables_and_the_decision():
    view = records_view(CARD)
    assert view.status == USED
    app, rich, base = view.models
    assert (app.holdout_roc_auc, rich.holdout_roc_auc, base.holdout_roc_auc) == (
        0.7512, 0.7525, 0.7401)
    assert app.shipped and not rich.shipped and not base.shipped
    layout = _layout(CARD)
    text = _text(layout)
    assert "Credit records" in text
    assert "0.7512" in text and "0.7525" in text and "0.7401" in text
    assert "+0.0013 [-0.0011 ; +0.0037]" in text
    assert "bureau: 311,648 rows" in text and "85%" in text
    assert "left out" in text and "both 95% intervals include 0" in text
    assert "application table alone" in text
    assert "1/11" in text and "kept" in text and "0.078" in text
    ids = _ids(layout)
    assert {records.PANEL, records.TABLE, records.INTERVALS, records.DECISION,
            records.THRESHOLD} <= ids
    assert all(i.startswith("model-records-") for i in ids)


def test_records_kept_and_the_searched_threshold():
    card = copy.deepcopy(CARD)
    card["credit_records"]["winner"] = "with_records"
    card["credit_records"]["comparison"]["auc_difference"] = _interval(0.01, 0.004, 0.016)
    card["ship_decision"].update(variant="with_records", uses_credit_records=True)
    card["threshold_rule"].update(kept="searched", threshold=0.0823,
                                  per_fold=[0.080, 0.083, 0.079],
                                  cost_difference=_interval(-0.004, -0.007, -0.001))
    text = _text(_layout(card))
    assert "The credit records are kept" in text and "ranks clients better" in text
    assert "with the credit records" in text
    assert "Threshold 0.082 used instead of 1/11" in text


def test_an_older_card_and_a_run_without_records_say_so_plainly():
    old = {k: v for k, v in CARD.items() if k not in ("credit_records", "threshold_rule")}
    assert records_view(old).status == NO_SECTION and threshold_view(old) is None
    text = _text(_layout(old))
    assert "no credit-record comparison" in text and "predates the threshold rule" in text
    disabled = {**CARD, "credit_records": {"used": False, "origin": "disabled"}}
    assert records_view(disabled).status == NOT_USED
    assert "--no-credit-records" in _text(_layout(disabled))
    missing = {**CARD, "credit_records": {"used": False, "origin": "none_found"}}
    assert "No credit-record tables were found" in _text(_layout(missing))


def test_french_numbers_and_layout():
    with use_language("fr"):
        text = _text(_layout(CARD))
    assert "0,7512" in text and "0,7525" in text
    assert "+0,0013 [-0,0011 ; +0,0037]" in text
    assert "311" in text and "648" in text


@pytest.mark.parametrize("prefix", ["model-records-"])
def test_the_panel_is_declared_for_analysts_and_on_the_page(prefix):
    assert prefix in CALLBACKS and CALLBACKS[prefix] == CALLBACKS["model-"]
    assert records in page.PANELS
