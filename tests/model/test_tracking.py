"""runs.csv always; MLflow only when installed and enabled (a recording stand-in plays MLflow)."""

from __future__ import annotations

import csv
import sys
import types
from contextlib import contextmanager

from credit_dashboard.model.tracking import RUNS_FILE, RunTracker, mlflow_requested


def _fake_mlflow(calls: list) -> types.ModuleType:
    module = types.ModuleType("mlflow")

    @contextmanager
    def start_run(run_name=None):
        calls.append(("start_run", run_name))
        yield types.SimpleNamespace(info=types.SimpleNamespace(run_id="r1"))

    module.start_run = start_run
    module.set_experiment = lambda name: calls.append(("set_experiment", name))
    module.log_params = lambda params: calls.append(("log_params", params))
    module.log_metrics = lambda metrics: calls.append(("log_metrics", metrics))
    module.log_artifact = lambda path, artifact_path=None: calls.append(("log_artifact", path))
    module.register_model = lambda uri, name: calls.append(("register_model", uri, name))
    return module


def test_runs_are_appended_to_csv_without_mlflow(tmp_path, monkeypatch):
    monkeypatch.delenv("CREDIT_MLFLOW", raising=False)
    assert not mlflow_requested(False)
    tracker = RunTracker(tmp_path)
    tracker.log("cv", "lightgbm", "smote", {"roc_auc": 0.7, "ignored": 1}, {"a": 1}, rows=10)
    RunTracker(tmp_path).log("tune", "lightgbm", "smote", {"roc_auc": 0.72}, {}, rows=10)
    with open(tmp_path / RUNS_FILE, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["stage"] for r in rows] == ["cv", "tune"]
    assert rows[0]["roc_auc"] == "0.7" and rows[0]["params"] == '{"a": 1}'


def test_enabled_mlflow_gets_the_same_runs_and_the_final_model(tmp_path, monkeypatch):
    calls: list = []
    monkeypatch.setitem(sys.modules, "mlflow", _fake_mlflow(calls))
    monkeypatch.setenv("CREDIT_MLFLOW", "1")
    assert mlflow_requested(False)
    tracker = RunTracker(tmp_path, use_mlflow=mlflow_requested(False))
    tracker.log("cv", "lightgbm", "smote", {"roc_auc": 0.7, "model": "x"}, {"a": 1}, rows=10)
    assert ("start_run", "cv:lightgbm/smote") in calls
    assert ("log_metrics", {"roc_auc": 0.7}) in calls
    card = {"model_version": "abc", "chosen": {"model": "lightgbm", "imbalance": "smote"},
            "holdout": {"roc_auc": 0.7, "normalised_cost": 0.5}, "decision_threshold": 0.1}
    tracker.register_final(tmp_path / "model.joblib", tmp_path / "model_card.json", card)
    assert ("register_model", "runs:/r1/artifact", "credit-risk") in calls


def test_requested_but_missing_mlflow_only_warns(tmp_path, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "mlflow", None)  # import fails like an absent package
    tracker = RunTracker(tmp_path, use_mlflow=True)
    tracker.log("cv", "dummy", "none", {"roc_auc": 0.5}, {}, rows=3)
    assert "not installed" in caplog.text
    assert (tmp_path / RUNS_FILE).is_file()
