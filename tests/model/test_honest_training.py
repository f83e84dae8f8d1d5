"""Honest evaluation and the final fit: what each choice saw, which rows each figure comes from.

One full-mode run (Optuna with a tiny budget) on 15,000 generated rows, with recording stand-ins
for the operating-point choice and for the feature step's fit. (The feature policy's runs are
in test_feature_policy.py.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from credit_dashboard.config import APPLICANTS_TABLE, TRAIN_TABLE
from credit_dashboard.model import oof
from credit_dashboard.model.artifact import active_directory
from credit_dashboard.model.cost import normalised_cost
from credit_dashboard.model.features import FeatureEngineer
from credit_dashboard.model.training import TrainConfig, train
from credit_dashboard.model.training_card import ids_fingerprint
from credit_dashboard.storage.schema import ID_COLUMN, TARGET_COLUMN

ROWS_15K = 15_000


@pytest.fixture(scope="module")
def run_15k(tmp_path_factory):
    """A full-mode run on 15 k rows; records every operating-point choice and every feature fit
    under the feature policy."""
    from home_credit_synth.generator import write_dataset

    data = tmp_path_factory.mktemp("data15k")
    write_dataset(data, n_train=ROWS_15K, n_test=1000, seed=5)
    out = tmp_path_factory.mktemp("artifacts15k")
    choices: list[np.ndarray] = []
    fits: list[pd.Index] = []
    real_choose, real_fit = oof.choose_operating_point, FeatureEngineer.fit

    def recording_choose(ids, y, raw_by_option, *args, **kwargs):
        choices.append(np.asarray(ids).copy())
        return real_choose(ids, y, raw_by_option, *args, **kwargs)

    def recording_fit(self, X, y=None):
        if self.exclude:  # not the one fit measuring the feature policy's cost (all features)
            fits.append(X.index.copy())
        return real_fit(self, X, y)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(oof, "choose_operating_point", recording_choose)
        patch.setattr(FeatureEngineer, "fit", recording_fit)
        patch.delenv("CREDIT_TRAIN_TIME_BUDGET", raising=False)
        result = train(TrainConfig(
            train_path=data / TRAIN_TABLE, applicants_path=data / APPLICANTS_TABLE, out_dir=out,
            folds=3, search_budget=2, search_seconds=30, tune_rows=4000, seed=3,
            drift_sample_rows=300, shap_rows=300,
        ))
    history = pd.read_parquet(data / TRAIN_TABLE)
    return {"card": result.card, "out": out, "history": history, "choices": choices,
            "fits": fits}


def test_a_15k_row_full_run_completes_with_a_search(run_15k):
    card = run_15k["card"]
    assert card["mode"] == "full"
    assert card["search"]["completed"] >= 1 and card["search"]["trials"]
    assert card["data_fingerprint"]["train_rows"] == ROWS_15K
    assert 0.6 < card["holdout"]["roc_auc"] < card["bayes_auc"] + 0.02
    assert card["chosen"]["reason"]


def test_the_15k_run_records_its_budget_and_every_stage(run_15k):
    card = run_15k["card"]
    budget = card["time_budget"]
    assert budget["seconds"] == 900 and budget["source"] == "default"
    stages = budget["stages"]
    assert list(stages) == ["read", "search", "comparison", "holdout", "final_fit", "policy",
                            "reports"]
    assert all(stage["wall_seconds"] > 0 for stage in stages.values())
    assert [s["deadline_seconds"] for s in stages.values()] == sorted(
        s["deadline_seconds"] for s in stages.values())
    assert stages["reports"]["deadline_seconds"] == budget["seconds"]
    assert sum(s["wall_seconds"] for s in stages.values()) <= card["training_seconds"] + 0.5
    # The search got the smaller of --search-seconds and what the budget left it.
    assert 0 < card["search"]["seconds"] <= 30


def test_no_choice_before_the_final_fit_sees_a_held_out_row(run_15k):
    card, history = run_15k["card"], run_15k["history"]
    stored = active_directory(run_15k["out"])
    holdout = pd.read_parquet(stored / "holdout_predictions.parquet")[ID_COLUMN]
    all_ids = set(history[ID_COLUMN])
    dev_ids = all_ids - set(holdout)
    evaluation_choices = list(run_15k["choices"])
    final_choice = evaluation_choices.pop() if card["chosen"]["model"] == "lightgbm" else None
    assert len(evaluation_choices) >= 3 + 1  # one per fold, then the development-rows choice
    for ids in evaluation_choices:
        assert not set(ids) & set(holdout)
        assert set(ids) <= dev_ids
    assert any(set(ids) == dev_ids for ids in evaluation_choices)
    # Fold choices leave out exactly one fold each: a third of the development rows.
    fold_sizes = [len(dev_ids) - len(ids) for ids in evaluation_choices
                  if len(ids) < len(dev_ids)]
    assert fold_sizes and all(abs(s - len(dev_ids) / 3) <= 2 for s in fold_sizes)
    if final_choice is not None:  # a shipped baseline needs no choice (fixed 1/11)
        assert set(final_choice) == all_ids


def test_the_artifact_is_fitted_on_every_labelled_row(run_15k):
    card, history = run_15k["card"], run_15k["history"]
    last_fit = run_15k["fits"][-1]
    assert len(last_fit) == len(history) == card["final_fit"]["rows"]
    assert set(last_fit) == set(history.index)
    # ... and every row has an out-of-sample probability for the similar-clients panel.
    table = pd.read_parquet(active_directory(run_15k["out"]) / "oof_predictions.parquet")
    assert sorted(table[ID_COLUMN]) == sorted(history[ID_COLUMN])
    assert table["default_probability"].between(0, 1).all()
    assert {name: entry["file"] for name, entry in card["tables"].items()} == {
        "oof_predictions": "oof_predictions.parquet",
        "holdout_predictions": "holdout_predictions.parquet"}


def test_baseline_and_chosen_figures_come_from_the_same_held_out_rows(run_15k):
    card = run_15k["card"]
    table = pd.read_parquet(active_directory(run_15k["out"]) / "holdout_predictions.parquet")
    assert card["baseline"]["ids_sha256"] == card["holdout"]["ids_sha256"]
    assert card["holdout"]["ids_sha256"] == ids_fingerprint(table[ID_COLUMN])
    assert card["baseline"]["rows"] == card["holdout"]["rows"] == len(table)
    y = table[TARGET_COLUMN].to_numpy()
    assert card["holdout"]["roc_auc"] == pytest.approx(
        roc_auc_score(y, table["default_probability"]))
    assert card["baseline"]["roc_auc"] == pytest.approx(
        roc_auc_score(y, table["baseline_probability"]))
    assert card["baseline"]["normalised_cost"] == pytest.approx(
        normalised_cost(y, table["baseline_probability"].to_numpy(), 1 / 11))
    assert card["holdout"]["normalised_cost"] == pytest.approx(normalised_cost(
        y, table["default_probability"].to_numpy(), card["fairness"]["threshold"]))
    # The CV figures of both come from the same development rows and folds.
    assert card["baseline"]["cv"]["rows"] == card["candidate"]["cv"]["rows"]
    assert ([f["rows"] for f in card["baseline"]["cv_per_fold"]]
            == [f["rows"] for f in card["candidate"]["cv_per_fold"]])


def test_shipped_model_beats_the_baseline_or_is_the_baseline(run_15k):
    card = run_15k["card"]
    if card["chosen"]["model"] == "lightgbm":
        assert card["holdout"]["roc_auc"] > card["baseline"]["roc_auc"]
        assert card["holdout"]["normalised_cost"] < card["baseline"]["normalised_cost"]
    else:
        assert card["chosen"]["model"] == "baseline"
        assert "baseline is shipped" in card["chosen"]["reason"]
        assert card["decision_threshold"] == pytest.approx(1 / 11)


def test_nested_fold_scores_never_choose_on_the_fold_they_score():
    rng = np.random.default_rng(0)
    n = 600
    ids = np.arange(10_000, 10_000 + n)
    y = (rng.random(n) < 0.2).astype(int)
    raw = {"none": rng.normal(size=n) + y, "class_weight": rng.normal(size=n) + 0.5 * y}
    fold_of = np.arange(n) % 4
    seen: list[np.ndarray] = []

    def recording(ids_in, y_in, raw_in):
        seen.append(ids_in)
        return oof.choose_operating_point(ids_in, y_in, raw_in)

    result = oof.nested_fold_scores(ids, y, fold_of, raw, choose=recording)
    assert len(seen) == 4 == len(result["per_fold"])
    for k, ids_seen in enumerate(seen):
        assert not set(ids_seen) & set(ids[fold_of == k])
        assert set(ids_seen) == set(ids[fold_of != k])
    assert not np.isnan(result["probability"]).any()
