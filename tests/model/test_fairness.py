"""The fairness section against a direct computation on a small hand-made frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from credit_dashboard.model.fairness import (
    MIN_GROUP_ROWS,
    age_band,
    attribute_report,
    fairness_section,
)
from credit_dashboard.storage.schema import DAYS_PER_YEAR


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    n = 400
    gender = np.where(rng.random(n) < 0.6, "F", "M").astype(object)
    gender[:3] = "XNA"  # a tiny group: reported, left out of the differences
    years = rng.uniform(21, 69, n)
    y = (rng.random(n) < np.where(gender == "M", 0.14, 0.07)).astype(int)
    probability = np.clip(0.05 + 0.25 * y + rng.normal(0, 0.08, n), 0.001, 0.999)
    return pd.DataFrame({"CODE_GENDER": gender, "DAYS_BIRTH": -(years * DAYS_PER_YEAR).round(),
                         "y": y, "p": probability})


def _direct(frame: pd.DataFrame, groups: pd.Series, threshold: float) -> dict[str, dict]:
    out = {}
    for name in groups.unique():
        part = frame[groups.to_numpy() == name]
        refused = part["p"].to_numpy() >= threshold
        y = part["y"].to_numpy()
        out[name] = {
            "count": len(part), "default_rate": y.mean(), "refusal_rate": refused.mean(),
            "tpr": refused[y == 1].mean() if (y == 1).any() else np.nan,
            "fpr": refused[y == 0].mean() if (y == 0).any() else np.nan,
            "roc_auc": roc_auc_score(y, part["p"]) if len(set(y)) == 2 else np.nan,
        }
    return out


@pytest.mark.parametrize("attribute", ["CODE_GENDER", "AGE_BAND"])
def test_group_figures_and_differences_match_a_direct_computation(frame, attribute):
    threshold = 0.2
    groups = (frame["CODE_GENDER"].rename("CODE_GENDER") if attribute == "CODE_GENDER"
              else age_band(frame["DAYS_BIRTH"]))
    report = attribute_report(frame["y"].to_numpy(), frame["p"].to_numpy(), threshold, groups)
    expected = _direct(frame, groups, threshold)
    assert {r["group"] for r in report["groups"]} == set(expected)
    checked = 0
    for row in report["groups"]:
        want = expected[row["group"]]
        for key, value in want.items():
            if np.isnan(value):
                assert np.isnan(row[key]), (row["group"], key)
            else:
                assert row[key] == pytest.approx(value), (row["group"], key)
            checked += 1
    assert checked >= 12
    big = [g for g, v in expected.items() if v["count"] >= MIN_GROUP_ROWS]
    refusal = [expected[g]["refusal_rate"] for g in big]
    tpr = [expected[g]["tpr"] for g in big]
    fpr = [expected[g]["fpr"] for g in big]
    assert report["demographic_parity_difference"] == pytest.approx(max(refusal) - min(refusal))
    assert report["equalized_odds_difference"] == pytest.approx(
        max(max(tpr) - min(tpr), max(fpr) - min(fpr)))
    assert "points" in report["explanation"]


def test_tiny_groups_are_reported_but_not_compared(frame):
    report = attribute_report(frame["y"].to_numpy(), frame["p"].to_numpy(), 0.2,
                              frame["CODE_GENDER"].rename("CODE_GENDER"))
    xna = next(r for r in report["groups"] if r["group"] == "XNA")
    assert xna["count"] == 3 and xna["in_differences"] is False


def test_age_bands_follow_the_issue_limits():
    days = pd.Series([-29.99, -30.0, -44.9, -45.0, -59.99, -60.0, -80.0]) * DAYS_PER_YEAR
    assert list(age_band(days)) == ["< 30", "30-45", "30-45", "45-60", "45-60", ">= 60", ">= 60"]


def test_the_section_explains_the_gap_in_words(frame):
    section = fairness_section(frame, frame["y"].to_numpy(), frame["p"].to_numpy(), 0.2, ())
    assert section["rows"] == len(frame)
    assert set(section["attributes"]) == {"CODE_GENDER", "AGE_BAND"}
    text = section["attributes"]["CODE_GENDER"]["explanation"]
    assert "default rates" in text and "'M'" in text
