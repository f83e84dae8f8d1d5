"""The baseline and fairness panels' figures and activation: read from the card as the training
wrote them, checked against a direct computation where the page computes anything. (The feature
policy panel: test_feature_policy_panel.py.)"""

from __future__ import annotations

import copy
import json
import logging

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from credit_dashboard.config import MODEL_CARD_FILE, TRAIN_TABLE
from credit_dashboard.i18n import use_language
from credit_dashboard.model.artifact import ArtifactError, load_model
from credit_dashboard.model.fairness import AGE_BANDS
from credit_dashboard.model.recipes import BASELINE
from credit_dashboard.model.versions import read_active
from credit_dashboard.services import activation
from credit_dashboard.services.baseline_view import baseline_view
from credit_dashboard.services.fairness_view import fairness_view
from credit_dashboard.storage.schema import ID_COLUMN


@pytest.fixture(scope="module")
def card(small_artifacts_dir) -> dict:
    return load_model(small_artifacts_dir).card


def test_baseline_and_shipped_model_on_the_same_rows(card) -> None:
    view = baseline_view(card)
    tuned, baseline = view.models
    assert baseline.holdout_roc_auc == card["baseline"]["roc_auc"]
    assert baseline.cv_normalised_cost == card["baseline"]["cv"]["normalised_cost"]
    assert tuned.holdout_normalised_cost == card["candidate"]["normalised_cost"]
    assert view.same_holdout_rows
    assert [m.shipped for m in view.models].count(True) == 1
    rows = f"{card['holdout']['rows']:,}"
    assert any(rows in s and card["holdout"]["ids_sha256"] in s for s in view.sources)
    assert any(f"{card['final_fit']['rows']:,}" in s for s in view.sources)


def test_the_reason_follows_the_ship_rule(card) -> None:
    shipped_baseline = copy.deepcopy(card)
    shipped_baseline["chosen"]["model"] = BASELINE
    shipped_baseline["candidate"]["roc_auc"] = card["baseline"]["roc_auc"] - 0.01
    view = baseline_view(shipped_baseline)
    assert view.models[1].shipped and not view.models[0].shipped
    assert view.why.startswith("The plain baseline is shipped")
    assert "AUC" in view.why and "business cost" not in view.why.split("(")[0]
    with use_language("fr"):
        assert "référence" in baseline_view(shipped_baseline).why
    assert baseline_view({k: v for k, v in card.items() if k != "baseline"}) is None


def test_fairness_groups_equal_a_direct_computation(small_data_dir, small_artifacts_dir,
                                                    card) -> None:
    """Refusal rate, default rate and AUC per gender, recomputed from the held-out table and the
    clients' CODE_GENDER, at the card's held-out threshold."""
    loaded = load_model(small_artifacts_dir)
    holdout = loaded.table("holdout_predictions")
    genders = pd.read_parquet(small_data_dir / TRAIN_TABLE, columns=[ID_COLUMN, "CODE_GENDER"])
    rows = holdout.merge(genders, on=ID_COLUMN)
    threshold = card["fairness"]["threshold"]
    view = fairness_view(card)
    gender = next(a for a in view.attributes if a.attribute == "CODE_GENDER")
    assert len(gender.groups) >= 2
    for group in gender.groups:
        mine = rows[rows["CODE_GENDER"] == group["group"]]
        assert group["count"] == len(mine)
        assert group["default_rate"] == pytest.approx(mine["TARGET"].mean())
        refused = mine["default_probability"] >= threshold
        assert group["refusal_rate"] == pytest.approx(refused.mean())
        if mine["TARGET"].nunique() == 2 and group["roc_auc"] is not None:
            assert group["roc_auc"] == pytest.approx(
                roc_auc_score(mine["TARGET"], mine["default_probability"]))
    assert "CODE_GENDER" in gender.words and "points" in gender.words


def test_age_bands_youngest_first_and_words_in_french(card) -> None:
    ages = next(a for a in fairness_view(card).attributes if a.attribute == "AGE_BAND")
    order = [name for name, _low, _high in AGE_BANDS]
    labels = [g["group"] for g in ages.groups if g["group"] in order]
    assert labels == sorted(labels, key=order.index) and len(labels) >= 2
    with use_language("fr"):
        french = next(a for a in fairness_view(card).attributes if a.attribute == "AGE_BAND")
    assert "points" in french.words and "refusé" in french.words
    assert fairness_view({k: v for k, v in card.items() if k != "fairness"}) is None


def test_activation_checks_writes_the_pointer_and_logs_one_line(page_versions, caplog) -> None:
    v = page_versions
    tables = [v.settings.applicants_path, v.settings.train_path]
    with caplog.at_level(logging.INFO, logger="credit_dashboard.services.activation"):
        previous = activation.activate(v.artifacts, tables, v.older, actor="tester")
    assert previous == v.trained and read_active(v.artifacts) == v.older
    lines = [r.getMessage() for r in caplog.records if r.name.endswith("activation")]
    assert len(lines) == 1 and "tester" in lines[0] and v.older in lines[0]
    pointer = json.loads((v.artifacts / "active.json").read_text())
    assert pointer["previous"] == v.trained


def test_a_broken_version_is_refused_and_the_pointer_kept(page_versions) -> None:
    v = page_versions
    card_path = v.artifacts / "versions" / v.older / MODEL_CARD_FILE
    card = json.loads(card_path.read_text())
    card["input_schema"]["columns"].append("NOT_A_KAGGLE_COLUMN")
    card_path.write_text(json.dumps(card))
    before = (v.artifacts / "active.json").read_bytes()
    with pytest.raises(ArtifactError, match="NOT_A_KAGGLE_COLUMN"):
        activation.activate(v.artifacts, [v.settings.applicants_path], v.older, "x")
    assert (v.artifacts / "active.json").read_bytes() == before
    assert np.isfinite(load_model(v.artifacts).card["holdout"]["roc_auc"])
