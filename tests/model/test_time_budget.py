"""The run's shared time budget: cumulative stage deadlines, the search cut at its deadline, and a
run whose time has run out still shipping a complete artifact with the cuts recorded."""

from __future__ import annotations

import json

import numpy as np
import pytest

from credit_dashboard.config import APPLICANTS_TABLE, MODEL_CARD_FILE, TRAIN_TABLE
from credit_dashboard.model import time_budget as tb
from credit_dashboard.model import training
from credit_dashboard.model.artifact import active_directory, load_model
from credit_dashboard.model.params import folds_for, patience_for, regularised_params
from credit_dashboard.model.time_budget import TimeBudget, budget_seconds
from credit_dashboard.model.tuning import tune_lightgbm
from credit_dashboard.storage.schema import TARGET_COLUMN


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_stages_share_cumulative_deadlines_and_record_their_time():
    clock, cpu = FakeClock(), FakeClock()
    budget = TimeBudget(100, {"read": 0.1, "search": 0.4, "comparison": 0.5}, clock=clock,
                        cpu_clock=cpu)
    assert [budget.records[s].deadline_seconds for s in ("read", "search", "comparison")] == [
        10, 50, 100]
    with budget.stage("read"):
        clock.now += 4
        cpu.now += 7
    # The 6 s the read stage left unused go to the search: 46 s until its deadline.
    assert budget.left("search") == pytest.approx(46)
    with budget.stage("search"):
        clock.now += 60
    assert budget.left("comparison") == pytest.approx(36)
    budget.note("comparison", "option x skipped")
    summary = budget.summary()
    assert summary["seconds"] == 100 and summary["used_seconds"] == 64
    assert summary["within_budget"] is True
    assert summary["stages"]["read"] == {"planned_seconds": 10, "deadline_seconds": 10,
                                         "wall_seconds": 4, "cpu_seconds": 7}
    assert summary["stages"]["search"]["wall_seconds"] == 60
    assert summary["stages"]["comparison"]["notes"] == ["option x skipped"]
    clock.now += 40
    assert budget.summary()["within_budget"] is False


def test_unknown_stage_is_refused():
    with pytest.raises(ValueError, match="unknown training stages"):
        TimeBudget(10, {"serach": 1.0})


def test_budget_comes_from_the_option_then_the_variable_then_the_mode(monkeypatch):
    monkeypatch.delenv(tb.ENV_VAR, raising=False)
    assert budget_seconds(None, quick=False) == (900.0, "default")
    assert budget_seconds(None, quick=True) == (180.0, "default")
    monkeypatch.setenv(tb.ENV_VAR, "600")
    assert budget_seconds(None, quick=False) == (600.0, tb.ENV_VAR)
    assert budget_seconds(300, quick=False) == (300.0, "--time-budget")
    monkeypatch.setenv(tb.ENV_VAR, "ten minutes")
    with pytest.raises(ValueError, match="is not a number of seconds"):
        budget_seconds(None, quick=False)
    with pytest.raises(ValueError, match="positive number of seconds"):
        budget_seconds(0, quick=True)


def test_search_trials_are_cut_at_the_deadline_but_trial_zero_never(generated):
    history = generated.train.sample(n=1500, random_state=0)
    X, y = history.drop(columns=[TARGET_COLUMN]), history[TARGET_COLUMN]
    calls = {"n": 0}

    def late_after_first_read() -> float:
        # The deadline is read once at the start (t = 0); every later look is past it.
        calls["n"] += 1
        return 0.0 if calls["n"] == 1 else 1e9

    result = tune_lightgbm(X, y, imbalance="none", budget=6, seed=0, n_jobs=1, seconds=600,
                           folds=3, max_trees=60, patience=10, clock=late_after_first_read)
    assert calls["n"] > 1
    completed = [t for t in result.trials if t["roc_auc"] is not None]
    cut = [t for t in result.trials if t["roc_auc"] is None]
    assert len(completed) == 1  # trial 0, the rule-based settings, ran all its folds
    # The first trial found past the deadline stops the study: no further trial starts.
    assert len(cut) == 1 and cut[0]["pruned_by"] == "the search's time ran out"
    assert cut[0]["pruned_after_folds"] == 1
    assert result.best_roc_auc == completed[0]["roc_auc"]


def test_a_run_out_of_time_skips_only_the_optional_work(small_data_dir, tmp_path, monkeypatch):
    """Every deadline already passed: no search, no extra imbalance option, and still the
    baseline, the held-out figures, the final fit on every row and the reports."""
    clock = FakeClock()

    def exhausted(requested, quick):
        budget = TimeBudget(5.0, tb.FULL_SHARES, source="test", clock=clock)
        clock.now += 1000.0
        return budget

    monkeypatch.setattr(training.TimeBudget, "for_run", staticmethod(exhausted))
    out = tmp_path / "artifacts"
    result = training.train(training.TrainConfig(
        train_path=small_data_dir / TRAIN_TABLE, applicants_path=small_data_dir / APPLICANTS_TABLE,
        out_dir=out, folds=3, seed=4, drift_sample_rows=300, shap_rows=200))
    card = json.loads((active_directory(out) / MODEL_CARD_FILE).read_text(encoding="utf-8"))
    assert card["mode"] == "full" and card["search"]["budget"] == 0
    budget = card["time_budget"]
    assert budget["seconds"] == 5.0 and budget["within_budget"] is False
    assert budget["stages"]["search"]["notes"] == [
        "no time left for a search: the rule-based settings are used"]
    skipped = [n for n in budget["stages"]["comparison"]["notes"] if " skipped" in n]
    assert [n.split(" skipped")[0] for n in skipped] == [
        "imbalance option class_weight", "imbalance option undersample"]
    assert [(r["model"], r["imbalance"]) for r in card["cv"]] == [
        ("lightgbm", "none"), ("baseline", "none")]
    assert card["final_fit"]["rows"] == card["data_fingerprint"]["train_rows"]
    assert np.isfinite(card["baseline"]["roc_auc"]) and np.isfinite(card["holdout"]["roc_auc"])
    assert load_model(out).model.decision_threshold == result.model.decision_threshold


def test_bad_time_budget_is_one_clear_line(small_data_dir, tmp_path):
    with pytest.raises(training.TrainingInputError, match="positive number of seconds"):
        training.train(training.TrainConfig(
            train_path=small_data_dir / TRAIN_TABLE,
            applicants_path=small_data_dir / APPLICANTS_TABLE, out_dir=tmp_path, time_budget=-1))


def test_the_large_data_rules_differ_from_the_small_ones():
    """The settings path of the full 307 k rows (development folds of ~147 k fit rows) against a
    user's 15 k sample: deeper trees, a faster rate, fewer folds, shorter patience."""
    small, large = regularised_params(9_000, 0.08), regularised_params(147_000, 0.08)
    assert small["num_leaves"] < large["num_leaves"] <= 31
    assert small["learning_rate"] == 0.03 < large["learning_rate"] <= 0.06
    assert small["min_child_samples"] == large["min_child_samples"] == 125
    assert regularised_params(2_000, 0.08)["min_child_samples"] == 100  # <= 5 % of the rows
    assert folds_for(12_000, None) == 5 and folds_for(246_008, None) == 3
    assert folds_for(246_008, None, quick=True) == 2 and folds_for(246_008, 4) == 4
    assert patience_for(9_000) == 100 and patience_for(147_000) == 50
