"""Contributions in words: sorting, top-N plus "all others", readings (the sign picks the verb)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from credit_dashboard.services.explain import (
    Contribution,
    build_contributions,
    effect_words,
    reading,
    top_contributions,
)


def _contributions() -> tuple[Contribution, ...]:
    contributions = pd.Series(
        {"EXT_SOURCE_3": 0.45, "DAYS_BIRTH": -0.2, "AMT_CREDIT": 0.05, "CODE_GENDER": -0.6,
         "FLAG_PHONE": 0.0}
    )
    values = pd.Series(
        {"EXT_SOURCE_3": 0.12, "DAYS_BIRTH": -20000, "AMT_CREDIT": 500000.0, "CODE_GENDER": "F",
         "FLAG_PHONE": float("nan")}
    )
    return build_contributions(contributions, values)


def test_contributions_are_sorted_by_size_with_labels_and_values() -> None:
    items = _contributions()
    assert [c.feature for c in items] == [
        "CODE_GENDER", "EXT_SOURCE_3", "DAYS_BIRTH", "AMT_CREDIT", "FLAG_PHONE"
    ]
    assert items[1].label == "External score 3"
    assert items[1].display_value == "0.12"
    assert items[0].value == "F"


def test_top_n_plus_all_others_keeps_the_total() -> None:
    items = _contributions()
    parts = top_contributions(items, 2)
    assert [c.feature for c in parts.top] == ["CODE_GENDER", "EXT_SOURCE_3"]
    assert parts.n_others == 3
    total = sum(c.contribution for c in parts.top) + parts.others
    assert math.isclose(total, sum(c.contribution for c in items))
    everything = top_contributions(items, 10)
    assert everything.n_others == 0 and everything.others == 0.0
    with pytest.raises(ValueError):
        top_contributions(items, -1)


def test_the_sign_decides_raises_or_lowers() -> None:
    assert effect_words(0.3) == "raises the risk"
    assert effect_words(-0.3) == "lowers the risk"
    assert effect_words(0.0) == "does not move the risk"


def test_readings_compare_with_the_usual_value() -> None:
    by_name = {c.feature: c for c in _contributions()}
    text = reading(by_name["EXT_SOURCE_3"], {"EXT_SOURCE_3": 0.51})
    assert text == "External score 3 is low (0.12; usual 0.51): raises the risk, +0.45"
    # Days before the application are compared as years: -20000 days is an older client than
    # the usual -15000, so the age is "high" even though the raw number is lower.
    age = reading(by_name["DAYS_BIRTH"], {"DAYS_BIRTH": -15000})
    assert age.startswith("Age is high (54 years; usual 41 years): lowers the risk")
    assert reading(by_name["CODE_GENDER"]) == "Gender is woman: lowers the risk, -0.60"
    assert "not known" in reading(by_name["FLAG_PHONE"], {"FLAG_PHONE": 0.0})
    phone = Contribution("DAYS_LAST_PHONE_CHANGE", "Phone changed", -730.5, 0.1)
    assert reading(phone, {"DAYS_LAST_PHONE_CHANGE": -365.25}) == (
        "Phone changed 2.0 years ago (usual 1.0 years ago): raises the risk, +0.10"
    )


def test_to_dict_is_json_ready() -> None:
    as_dict = _contributions()[-1].to_dict()
    assert as_dict["value"] is None
    assert as_dict["display_value"] == "not known"
    assert isinstance(as_dict["contribution"], float)


def test_group_readings_give_the_effect_in_points() -> None:
    from credit_dashboard.i18n import use_language
    from credit_dashboard.services.grouped import group_contributions, group_reading

    items = [
        Contribution("EXT_SOURCE_3", "External score 3", 0.12, 0.45),
        Contribution("EXT_SOURCE_MEAN", "Mean of the available external scores", 0.3, 0.2),
        Contribution("DAYS_LAST_PHONE_CHANGE", "Phone changed", -730.5, 0.1),
    ]
    log_odds = -2.4 + 0.75
    explanation = group_contributions(items, -2.4, 1 / (1 + math.exp(-log_odds)))
    scores, phone = explanation.groups
    with use_language("en"):
        text = group_reading(scores, {"EXT_SOURCE_3": 0.51})
        assert text.startswith("External credit scores: raises the risk, +")
        assert text.endswith(" points (strongest: External score 3 is low (0.12; usual 0.51))")
        assert group_reading(phone) == (
            f"Phone changed 2.0 years ago: raises the risk, +{phone.points:.1f} points"
        )
