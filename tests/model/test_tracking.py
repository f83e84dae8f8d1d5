"""runs.csv always; with MLflow enabled, the real MLflow (marker ``mlflow``): runs, metrics and the
registered model in a SQLite-backed tracking store, and the registered files score like the
artifact the app loads."""

from __future__ import annotations

import csv
import os
import shutil
import sys

import numpy as np
import pandas as pd
import pytest

from credit_dashboard.config import APPLICANTS_TABLE, MODEL_CARD_FILE, MODEL_FILE
from credit_dashboard.model.tracking import (
    EXPERIMENT,
    REGISTERED_MODEL,
    RUNS_FILE,
    RunTracker,
    mlflow_requested,
)


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


def test_requested_but_missing_mlflow_only_warns(tmp_path, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "mlflow", None)  # import fails like an absent package
    tracker = RunTracker(tmp_path, use_mlflow=True)
    tracker.log("cv", "dummy", "none", {"roc_auc": 0.5}, {}, rows=3)
    assert "not installed" in caplog.text
    assert (tmp_path / RUNS_FILE).is_file()


@pytest.fixture
def mlflow_store(tmp_path, monkeypatch):
    """The real mlflow, on a SQLite tracking store and an artifact folder in ``tmp_path``."""
    try:
        import mlflow
    except ImportError:
        message = "mlflow is not installed (pip install -e '.[mlflow]'; scripts/test.sh does)"
        if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
            pytest.fail(f"{message}; CI must run the MLflow tests, not skip them")
        pytest.skip(message)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("CREDIT_MLFLOW_ARTIFACTS", str(tmp_path / "mlartifacts"))
    mlflow.set_tracking_uri(uri)
    yield mlflow
    mlflow.set_tracking_uri(None)


@pytest.mark.mlflow
def test_runs_metrics_and_registered_model_in_a_real_store(
    mlflow_store, tmp_path, small_artifacts_dir, small_data_dir
):
    mlflow = mlflow_store
    from credit_dashboard.model.artifact import active_directory, load_model

    out = tmp_path / "out"
    out.mkdir()
    tracker = RunTracker(out, use_mlflow=True)
    assert tracker.mlflow is mlflow
    tracker.log("cv", "lightgbm", "class_weight", {"roc_auc": 0.71, "model": "x"}, {"a": 1}, 10)
    tracker.log("tune", "lightgbm", "class_weight", {"roc_auc": 0.73}, {"leaves": 31}, 10)

    card = load_model(small_artifacts_dir).card
    version = tracker.register_final(
        active_directory(small_artifacts_dir) / MODEL_FILE,
        active_directory(small_artifacts_dir) / MODEL_CARD_FILE, card,
    )
    assert version == "1"

    client = mlflow.MlflowClient()
    experiment = client.get_experiment_by_name(EXPERIMENT)
    assert experiment.artifact_location.startswith((tmp_path / "mlartifacts").as_uri())
    runs = {r.info.run_name: r for r in client.search_runs([experiment.experiment_id])}
    assert set(runs) == {"cv:lightgbm/class_weight", "tune:lightgbm/class_weight",
                         f"final:{card['model_version']}"}
    assert runs["cv:lightgbm/class_weight"].data.metrics == {"roc_auc": 0.71}
    assert runs["tune:lightgbm/class_weight"].data.params == {"leaves": "31", "rows": "10"}
    final = runs[f"final:{card['model_version']}"].data.metrics
    assert final["holdout_roc_auc"] == pytest.approx(card["holdout"]["roc_auc"])

    registered = client.get_model_version(REGISTERED_MODEL, version)
    assert registered.run_id == runs[f"final:{card['model_version']}"].info.run_id

    # What the registry gives back is the artifact: it loads (sha256 checked against its card)
    # and scores every applicant exactly as the app's copy does.
    fetched = tmp_path / "fetched"
    mlflow.artifacts.download_artifacts(f"models:/{REGISTERED_MODEL}/{version}",
                                        dst_path=str(fetched))
    from_registry = load_model(fetched)
    original = load_model(small_artifacts_dir)
    # Flat files, as before versions: loaded as they are, the same bytes as the active version.
    assert from_registry.card["artifact_sha256"] == original.card["artifact_sha256"]
    applicants = pd.read_parquet(small_data_dir / APPLICANTS_TABLE).head(300)
    np.testing.assert_array_equal(
        from_registry.model.default_probability(applicants),
        original.model.default_probability(applicants),
    )
    assert from_registry.model.decision_threshold == original.model.decision_threshold


@pytest.mark.mlflow
def test_a_failing_registry_is_a_warning_not_a_failed_training(
    mlflow_store, tmp_path, small_artifacts_dir, caplog
):
    from credit_dashboard.model.artifact import load_model

    tracker = RunTracker(tmp_path, use_mlflow=True)
    card = load_model(small_artifacts_dir).card
    missing = tmp_path / "gone"  # files that vanished: log_artifact fails inside MLflow
    shutil.rmtree(missing, ignore_errors=True)
    assert tracker.register_final(missing / MODEL_FILE, missing / MODEL_CARD_FILE, card) is None
    assert "MLflow registration failed" in caplog.text
