"""One fact, one group: every model feature in exactly one group, declared with the features."""

from __future__ import annotations

import pytest

from credit_dashboard.model.features import ENGINEERED_FEATURES, FEATURE_SOURCES
from credit_dashboard.services import groups
from credit_dashboard.services.explain import Contribution
from credit_dashboard.services.grouped import group_contributions
from credit_dashboard.storage.schema import ID_COLUMN, TARGET_COLUMN, TRAIN_COLUMNS

RAW_COLUMNS = [c for c in TRAIN_COLUMNS if c not in (ID_COLUMN, TARGET_COLUMN)]


def test_every_engineered_feature_declares_its_raw_sources() -> None:
    """Fails as soon as model/features.py adds a feature without its FEATURE_SOURCES entry."""
    undeclared = sorted(set(ENGINEERED_FEATURES) - set(FEATURE_SOURCES))
    assert not undeclared, f"add these to FEATURE_SOURCES in model/features.py: {undeclared}"
    for feature, sources in FEATURE_SOURCES.items():
        assert sources, feature
        unknown = [s for s in sources if s not in RAW_COLUMNS]
        assert not unknown, f"{feature} comes from columns that are not Kaggle's: {unknown}"


def test_engineered_features_join_the_group_of_their_first_source() -> None:
    for feature, sources in FEATURE_SOURCES.items():
        assert groups.group_of(feature) == groups.group_of(sources[0]), feature
    for feature in ("EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3", "EXT_SOURCE_MEAN",
                    "EXT_SOURCE_MIN", "EXT_SOURCE_MAX", "EXT_SOURCE_STD"):
        assert groups.group_of(feature) == "external_scores"
    for feature in ("AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE", "AMT_INCOME_TOTAL",
                    "CREDIT_INCOME_RATIO", "ANNUITY_INCOME_RATIO", "PAYMENT_RATE",
                    "INCOME_PER_PERSON"):
        assert groups.group_of(feature) == "loan_and_income"
    # Days employed / age is about employment, not age: its first source decides.
    for feature in ("DAYS_EMPLOYED", "DAYS_EMPLOYED_ANOMALY", "EMPLOYED_AGE_RATIO"):
        assert groups.group_of(feature) == "employment"
    # ... and age at the end of the loan is about age: protected, never a reason.
    assert groups.is_protected(groups.group_of("AGE_AT_LOAN_END"))
    assert groups.is_protected(groups.group_of("CHILDREN_RATIO"))


def test_every_model_feature_is_in_exactly_one_group(reasons_services) -> None:
    explained = reasons_services.scoring.model.explained_features
    features = sorted(set(explained) | set(ENGINEERED_FEATURES) | set(RAW_COLUMNS))
    assert len(explained) > 20
    members: dict[str, list[str]] = {}
    for feature in features:
        members.setdefault(groups.group_of(feature), []).append(feature)
    # Exactly one: the groups partition the features (no feature counted twice, none left out).
    flat = [f for group in members.values() for f in group]
    assert sorted(flat) == features
    # Declared multi-column facts own their columns; no column is claimed by two facts.
    claimed = [c for fact in groups.FACTS for c in fact.columns]
    assert len(claimed) == len(set(claimed))
    assert set(claimed) <= set(RAW_COLUMNS)
    assert len(members["building"]) == 47
    for key in members:
        assert groups.group_label(key), key


def test_protected_facts() -> None:
    for key in ("gender", "age", "family"):
        assert groups.is_protected(key)
    expected = {"CODE_GENDER", "DAYS_BIRTH", "NAME_FAMILY_STATUS", "CNT_CHILDREN",
                "CNT_FAM_MEMBERS"}
    assert expected <= groups.PROTECTED_COLUMNS
    for key in ("external_scores", "loan_and_income", "employment", "OCCUPATION_TYPE"):
        assert not groups.is_protected(key)


def test_grouping_sums_the_members_and_keeps_them_for_analysts() -> None:
    items = [
        Contribution("EXT_SOURCE_3", "External score 3", 0.1, 0.4),
        Contribution("EXT_SOURCE_MEAN", "Mean", 0.2, 0.3),
        Contribution("EXT_SOURCE_MIN", "Lowest", 0.1, 0.1),
        Contribution("AMT_CREDIT", "Credit amount", 5e5, -0.2),
        Contribution("CODE_GENDER", "Gender", "M", 0.05),
    ]
    explanation = group_contributions(items, -2.5, _expit(-2.5 + 0.65))
    keys = [g.key for g in explanation.groups]
    assert keys == ["external_scores", "loan_and_income", "gender"]
    scores = explanation.groups[0]
    assert scores.contribution == pytest.approx(0.8)
    assert [m.feature for m in scores.members] == ["EXT_SOURCE_3", "EXT_SOURCE_MEAN",
                                                   "EXT_SOURCE_MIN"]
    assert explanation.groups[2].protected and not scores.protected


def test_external_scores_collapse_to_one_group_on_a_real_client(scored_clients) -> None:
    """The issue's example: several external-score features among one client's largest bars."""
    from credit_dashboard.services.grouped import grouped

    # Every external-score feature the model has: the raw scores, and their aggregates when the
    # tuned model ships (the small test data may ship the plain baseline, which has none).
    external = {c.feature for c in scored_clients[0].contributions
                if c.feature.startswith("EXT_SOURCE")}
    assert {"EXT_SOURCE_2", "EXT_SOURCE_3"} <= external

    checked = 0
    for result in scored_clients[:300]:
        top = [c.feature for c in result.contributions[:10]]
        if len(external & set(top)) < 2:
            continue
        explanation = grouped(result)
        matching = [g for g in explanation.groups if external & {m.feature for m in g.members}]
        assert [g.key for g in matching] == ["external_scores"]
        expected = sum(c.contribution for c in result.contributions if c.feature in external)
        assert matching[0].contribution == pytest.approx(expected, abs=1e-12)
        checked += 1
    assert checked > 10


def _expit(x: float) -> float:
    import math

    return 1 / (1 + math.exp(-x))
