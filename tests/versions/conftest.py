"""Version fixtures: a private copy of the session's artifacts holding a second, different version
(another calibration and threshold: other probabilities, its own out-of-fold table), and a data
dir of links to the session's tables (so decisions and batches written here stay here)."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from credit_dashboard.config import (
    APPLICANTS_TABLE,
    MODEL_CARD_FILE,
    MODEL_FILE,
    TRAIN_TABLE,
    Settings,
)
from credit_dashboard.model.artifact import load_model, sha256_file, write_artifacts
from credit_dashboard.model.calibration import PlattScaling
from credit_dashboard.model.estimator import CreditRiskModel
from credit_dashboard.model.versions import version_dir


@dataclass(frozen=True)
class TwoVersions:
    settings: Settings
    first: str
    second: str

    @property
    def artifacts(self) -> Path:
        return self.settings.artifacts_dir

    def broken(self, kind: str) -> str:
        """A stored, not active, version broken in one way (see :func:`_break`)."""
        return _break(self.artifacts, self.second, kind)


def derived_version(artifacts: Path, *, with_oof: bool = True, threshold: float = 0.2) -> str:
    """A new stored version from the active one: same pipeline, other calibration and threshold,
    its own out-of-fold table (halved probabilities) unless ``with_oof`` is False."""
    first = load_model(artifacts)
    model = CreditRiskModel(first.model.pipeline, PlattScaling(1.1, -2.0), threshold)
    card = {k: v for k, v in first.card.items()
            if k not in ("artifact_sha256", "model_version", "tables")}
    tables = {name: first.table(name) for name in first.table_names}
    if with_oof:
        tables["oof_predictions"] = tables["oof_predictions"].assign(
            default_probability=lambda t: t["default_probability"] / 2)
    else:
        tables.pop("oof_predictions")
    return write_artifacts(artifacts, model, card, tables=tables, activate=False)["model_version"]


def _break(artifacts: Path, good: str, kind: str) -> str:
    """Copy version ``good`` under a new id and break it: "tampered" (model bytes changed),
    "no_card", "unloadable" (garbage bytes whose sha256 the card carries) or "schema" (the card
    asks for a column the client tables lack)."""
    source = version_dir(artifacts, good)
    broken_id = good[:-2] + {"tampered": "b1", "no_card": "b2", "unloadable": "b3",
                             "schema": "b4"}[kind]
    target = version_dir(artifacts, broken_id)
    shutil.copytree(source, target)
    card_path = target / MODEL_CARD_FILE
    card = json.loads(card_path.read_text())
    if kind == "tampered":
        with open(target / MODEL_FILE, "ab") as handle:
            handle.write(b"tampered")
    elif kind == "no_card":
        card_path.unlink()
    elif kind == "unloadable":
        (target / MODEL_FILE).write_bytes(b"not a pickle at all")
        card["artifact_sha256"] = sha256_file(target / MODEL_FILE)
        card_path.write_text(json.dumps(card))
    elif kind == "schema":
        card["input_schema"]["columns"].append("NOT_A_KAGGLE_COLUMN")
        card_path.write_text(json.dumps(card))
    return broken_id


@pytest.fixture()
def two_versions(tmp_path: Path, small_data_dir: Path, small_artifacts_dir: Path) -> TwoVersions:
    data, artifacts = tmp_path / "data", tmp_path / "artifacts"
    data.mkdir()
    for name in (TRAIN_TABLE, APPLICANTS_TABLE):
        os.symlink(small_data_dir / name, data / name)
    shutil.copytree(small_artifacts_dir, artifacts)
    first = load_model(artifacts).version
    second = derived_version(artifacts)
    return TwoVersions(Settings(data_dir=data, artifacts_dir=artifacts, model_poll_s=0.2),
                       first, second)
