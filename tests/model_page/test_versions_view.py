"""Two versions compared on their common held-out clients: every figure equals a direct
computation (sklearn's AUC, 10·FN + FP per client, the refusal share) on exactly those ids, and
each case where no comparison is possible says so."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from credit_dashboard.model.artifact import load_model
from credit_dashboard.services import versions_view
from credit_dashboard.storage.schema import ID_COLUMN, TARGET_COLUMN

from .conftest import add_version, common_ids, noisier


def direct(table: pd.DataFrame, ids: np.ndarray, threshold: float) -> dict[str, float]:
    rows = table.set_index(ID_COLUMN).loc[ids]
    y, p = rows[TARGET_COLUMN].to_numpy(), rows["default_probability"].to_numpy()
    refused = p >= threshold
    fn, fp = int(np.sum((y == 1) & ~refused)), int(np.sum((y == 0) & refused))
    return {"roc_auc": roc_auc_score(y, p), "normalised_cost": (10 * fn + fp) / len(y),
            "refusal_rate": refused.mean()}


def test_figures_equal_a_direct_computation_on_the_common_ids(page_versions) -> None:
    v = page_versions
    comparison = versions_view.compare(v.artifacts, v.trained, v.older)
    assert comparison.problem is None
    a, b = v.holdout(v.trained), v.holdout(v.older)
    ids = common_ids(a, b)
    assert comparison.common_rows == len(ids) == len(b) < len(a)  # 70 % of the clients shared
    assert (comparison.first_rows, comparison.second_rows) == (len(a), len(b))
    thresholds = {v.trained: load_model(v.artifacts).card["fairness"]["threshold"],
                  v.older: 0.12}
    assert len(comparison.figures) == 2
    for figures, table in zip(comparison.figures, (a, b), strict=True):
        expected = direct(table, ids, thresholds[figures.version])
        assert figures.decision_threshold == thresholds[figures.version]
        assert figures.roc_auc == pytest.approx(expected["roc_auc"], abs=1e-12)
        assert figures.normalised_cost == pytest.approx(expected["normalised_cost"], abs=1e-12)
        assert figures.refusal_rate == pytest.approx(expected["refusal_rate"], abs=1e-12)
        assert figures.fpr[0] == 0 and figures.tpr[-1] == 1 and len(figures.fpr) <= 300
    assert comparison.figures[0].roc_auc != comparison.figures[1].roc_auc  # really two models
    policy = load_model(v.artifacts).card["feature_policy"]["sha256"]
    assert [f.policy_sha256 for f in comparison.figures] == [policy, None]


def test_on_all_its_clients_a_version_scores_what_its_card_says(page_versions) -> None:
    """The threshold the page applies is the one the card's held-out figures used."""
    v = page_versions
    twin = add_version(v.artifacts, holdout=v.holdout(v.trained))
    comparison = versions_view.compare(v.artifacts, v.trained, twin)
    holdout = load_model(v.artifacts).card["holdout"]
    assert comparison.common_rows == holdout["rows"]
    assert comparison.figures[0].roc_auc == pytest.approx(holdout["roc_auc"], abs=1e-9)
    assert comparison.figures[0].normalised_cost == pytest.approx(holdout["normalised_cost"],
                                                                  abs=1e-9)


def test_versions_without_common_clients_are_not_compared(page_versions) -> None:
    v = page_versions
    elsewhere = v.holdout(v.trained).assign(**{ID_COLUMN: lambda t: t[ID_COLUMN] + 10_000_000})
    apart = add_version(v.artifacts, holdout=elsewhere)
    comparison = versions_view.compare(v.artifacts, v.trained, apart)
    assert comparison.problem == versions_view.NO_COMMON_ROWS
    assert comparison.common_rows == 0 and comparison.figures == ()
    assert comparison.first_rows == comparison.second_rows == len(elsewhere)


def test_one_version_same_version_and_no_table_say_why(single_version, page_versions) -> None:
    only = load_model(single_version.artifacts_dir).version
    alone = versions_view.compare(single_version.artifacts_dir, only, None)
    assert alone.problem == versions_view.ONE_VERSION
    v = page_versions
    assert versions_view.compare(v.artifacts, v.trained, v.trained).problem == \
        versions_view.SAME_VERSION
    bare = add_version(v.artifacts, holdout=None)
    missing = versions_view.compare(v.artifacts, v.trained, bare)
    assert (missing.problem, missing.detail) == (versions_view.NO_TABLE, bare)
    forged = versions_view.compare(v.artifacts, v.trained, "../../etc")
    assert forged.problem == versions_view.NO_TABLE


def test_labels_that_disagree_are_refused(page_versions) -> None:
    v = page_versions
    flipped = v.holdout(v.trained).assign(**{TARGET_COLUMN: lambda t: 1 - t[TARGET_COLUMN]})
    other = add_version(v.artifacts, holdout=noisier(flipped, seed=5))
    assert versions_view.compare(v.artifacts, v.trained, other).problem == \
        versions_view.LABELS_DIFFER


def test_the_list_is_newest_first_with_the_active_one_and_the_feature_policy(
    page_versions,
) -> None:
    v = page_versions
    stored = versions_view.versions(v.artifacts)
    assert [s.version for s in stored] == [v.older, v.trained]
    policy = load_model(v.artifacts).card["feature_policy"]["sha256"]
    assert [(s.active, s.policy_sha256) for s in stored] == [(False, None), (True, policy)]
    # The older card is still read: it said it was trained without CODE_GENDER.
    assert [s.exclude_protected for s in stored] == [True, None]
    assert stored[1].feature_policy["fairness_only"] == ["CODE_GENDER", "DAYS_BIRTH"]
    assert versions_view.default_pair(stored) == (v.trained, v.older)
    assert versions_view.default_pair([]) == (None, None)
