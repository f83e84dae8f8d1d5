"""The feature-policy panel: the served version's policy as its card records it (counts, the
fairness-only, excluded and justified features with their why in the reader's language, the short
sha256), what the policy costs and the proxy check; plain words for a card from before the policy;
its ids declared for analysts; and the page in the real app showing it."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest

from credit_dashboard.i18n import use_language
from credit_dashboard.model.artifact import load_model
from credit_dashboard.model.feature_policy import (
    EXCLUDED,
    FAIRNESS_ONLY,
    JUSTIFIED,
    STATUSES,
    load_policy,
)
from credit_dashboard.services.feature_policy_view import policy_view, proxy_reading
from credit_dashboard.web.auth.roles import CALLBACKS
from credit_dashboard.web.pages.model import page
from credit_dashboard.web.pages.model.components import feature_policy

from .test_records_panel import _ids, _text


@pytest.fixture(scope="module")
def card(small_artifacts_dir) -> dict:
    """The card of the session's default model, trained by the real code under the policy."""
    return load_model(small_artifacts_dir).card


def _layout(card: dict):
    return feature_policy.layout(SimpleNamespace(card=card))


def test_the_view_reads_the_policy_its_cost_and_the_proxy_check_from_the_card(card):
    section = card["feature_policy"]
    view = policy_view(card)
    assert view.recorded and view.packaged
    assert view.short_sha == section["sha256"][:12] == load_policy().sha256[:12]
    assert dict(view.counts) == section["counts"] and [s for s, _ in view.counts] == list(
        STATUSES)
    fairness = view.rules_with(FAIRNESS_ONLY)
    assert [f.name for rule in fairness for f in rule.features] == ["CODE_GENDER", "DAYS_BIRTH"]
    assert fairness[0].features[0].label == "Gender"
    assert sum(len(r.features) for r in view.rules_with(EXCLUDED)) == section["counts"][EXCLUDED]
    assert sum(len(r.features) for r in view.rules) == sum(section["counts"].values())
    cost = view.cost
    assert cost.auc_with == section["cost"]["auc_with_policy"]
    assert cost.cost_without == section["cost"]["cost_without_policy"]
    assert cost.auc_difference.low <= cost.auc_difference.estimate <= cost.auc_difference.high
    assert cost.auc_difference.estimate == pytest.approx(cost.auc_with - cost.auc_without)
    assert cost.rows == card["holdout"]["rows"]
    assert view.proxy.gender_auc == section["proxy_check"]["gender_auc"]
    assert len(view.proxy.readings) == 2
    assert view.proxy.readings[0].startswith("Gender: AUC ")
    assert view.proxy.readings[1].startswith("Age band: AUC ")


def test_the_panel_lists_the_policy_with_the_why_and_the_figures(card):
    section, cost = card["feature_policy"], card["feature_policy"]["cost"]
    layout = _layout(card)
    text = _text(layout)
    assert "Feature policy" in text and section["sha256"][:12] in text
    policy = load_policy()
    for name in ("CODE_GENDER", "DAYS_BIRTH", "OCCUPATION_TYPE", "WEEKDAY_APPR_PROCESS_START",
                 "NAME_INCOME_TYPE", "APARTMENTS_AVG"):
        assert f"({name})" in text, name
        assert policy.why(name) in text, name
    assert "Gender (CODE_GENDER)" in text and "Age (DAYS_BIRTH)" in text
    assert f"{cost['auc_with_policy']:.4f}" in text and f"{cost['auc_without_policy']:.4f}" in text
    assert f"{cost['cost_with_policy']:.4f}" in text
    assert " ; " in text  # the intervals of the differences
    assert "0.5 means the inputs say nothing about it" in text
    assert f"{section['proxy_check']['gender_auc']:.3f}" in text
    ids = _ids(layout)
    assert {feature_policy.PANEL, feature_policy.SUMMARY, feature_policy.COST,
            feature_policy.PROXY, *feature_policy.RULES.values()} <= ids
    assert all(i.startswith("model-policy-") for i in ids)


def test_the_panel_in_french_shows_the_french_why_and_numbers(card):
    with use_language("fr"):
        text = _text(_layout(card))
    policy = load_policy()
    for name in ("CODE_GENDER", "NAME_FAMILY_STATUS", "FLAG_OWN_CAR"):
        assert policy.why(name, "fr") in text, name
        assert policy.why(name) not in text, name
    auc = card["feature_policy"]["cost"]["auc_with_policy"]
    assert f"{auc:.4f}".replace(".", ",") in text


def test_long_rules_hide_their_tail_behind_a_disclosure(card):
    view = policy_view(card)
    housing = next(r for r in view.rules_with(EXCLUDED) if len(r.features) > 40)
    cell = feature_policy._feature_names(housing)
    assert len(cell) == 2 and f"and {len(housing.features) - feature_policy.SHOWN_FEATURES} more" \
        in _text(cell)
    assert len(view.rules_with(JUSTIFIED)) >= 4


def test_a_card_from_before_the_policy_says_not_recorded(card):
    old = {k: v for k, v in card.items() if k != "feature_policy"}
    assert policy_view(old).recorded is False
    text = _text(_layout(old))
    assert "predates the feature policy (not recorded)" in text
    no_cost = copy.deepcopy(card)
    del no_cost["feature_policy"]["cost"], no_cost["feature_policy"]["proxy_check"]
    view = policy_view(no_cost)
    assert view.recorded and view.cost is None and view.proxy is None
    assert "was not measured" in _text(_layout(no_cost))


@pytest.mark.parametrize(("auc", "words"), [(0.51, "almost nothing"), (0.6, "weakly"),
                                            (0.7, "carry much"), (0.9, "nearly reveal"),
                                            (None, "not measured")])
def test_proxy_readings(auc, words):
    assert words in proxy_reading(auc, "Gender")


def test_the_panel_is_declared_for_analysts_and_on_the_page():
    assert CALLBACKS["model-policy-"] == CALLBACKS["model-"]
    assert feature_policy in page.PANELS
    assert not any(p.__name__.endswith("protected_cost") for p in page.PANELS)
