"""scripts/activate_model.py: a valid version is activated, a broken one refused, rollback works."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from credit_dashboard.config import MODEL_FILE
from credit_dashboard.model.artifact import load_model, write_artifacts
from credit_dashboard.model.calibration import PlattScaling
from credit_dashboard.model.estimator import CreditRiskModel
from credit_dashboard.model.versions import read_active, version_dir

ROOT = Path(__file__).resolve().parents[2]


def _run(artifacts: Path, data: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CREDIT_ARTIFACTS_DIR": str(artifacts), "CREDIT_DATA_DIR": str(data),
           "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, str(ROOT / "scripts/activate_model.py"), *args],
                          env=env, capture_output=True, text=True, timeout=120)


def test_activate_refuse_and_roll_back(small_artifacts_dir, small_data_dir, tmp_path):
    artifacts = tmp_path / "artifacts"
    shutil.copytree(small_artifacts_dir, artifacts)
    first = load_model(artifacts)
    other = CreditRiskModel(first.model.pipeline, PlattScaling(1.1, -2.0), 0.2)
    second = write_artifacts(artifacts, other, first.card, activate=False)["model_version"]
    broken = write_artifacts(artifacts, other, {**first.card, "n": 3},
                             activate=False)["model_version"]
    with open(version_dir(artifacts, broken) / MODEL_FILE, "ab") as handle:
        handle.write(b"tampered")

    listed = _run(artifacts, small_data_dir, "--list")
    assert listed.returncode == 0 and all(v in listed.stdout
                                          for v in (first.version, second, broken))

    refused = _run(artifacts, small_data_dir, broken)
    assert refused.returncode == 1 and "does not match" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert read_active(artifacts) == first.version  # previous one kept

    assert _run(artifacts, small_data_dir, second).returncode == 0
    assert load_model(artifacts).version == second
    assert _run(artifacts, small_data_dir, first.version).returncode == 0  # roll back
    assert load_model(artifacts).version == first.version

    unknown = _run(artifacts, small_data_dir, "nonsense")
    assert unknown.returncode == 1 and "not a model version id" in unknown.stderr
    assert read_active(artifacts) == first.version
