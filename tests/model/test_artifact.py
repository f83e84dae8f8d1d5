"""The artifact round-trips, is verified by its sha256, and survives an interrupted write."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest

from credit_dashboard.config import MODEL_CARD_FILE, MODEL_FILE
from credit_dashboard.model import artifact
from credit_dashboard.model.artifact import (
    ArtifactError,
    check_input_schema,
    load_model,
    write_artifacts,
)
from credit_dashboard.model.calibration import PlattScaling
from credit_dashboard.model.estimator import CreditRiskModel


def _card(model: CreditRiskModel) -> dict:
    return {"decision_threshold": model.decision_threshold,
            "input_schema": {"columns": model.input_columns, "dtypes": {}},
            "holdout": {"roc_auc": float("nan")}}  # NaN must not break the JSON


def _other_model(model: CreditRiskModel) -> CreditRiskModel:
    """Same pipeline, different calibration: different bytes, different probabilities."""
    return CreditRiskModel(model.pipeline, PlattScaling(1.1, -2.0), 0.2)


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_round_trip_gives_the_same_probabilities_and_a_matching_sha(tmp_path, tiny_model,
                                                                    applicants):
    card = write_artifacts(tmp_path, tiny_model, _card(tiny_model))
    loaded = load_model(tmp_path)
    sha = hashlib.sha256((tmp_path / MODEL_FILE).read_bytes()).hexdigest()
    assert card["artifact_sha256"] == sha == loaded.card["artifact_sha256"]
    assert loaded.version == sha[:12] == card["model_version"]
    assert loaded.card["holdout"]["roc_auc"] is None
    np.testing.assert_array_equal(
        loaded.model.predict_proba(applicants), tiny_model.predict_proba(applicants)
    )
    assert loaded.model.decision_threshold == tiny_model.decision_threshold
    assert oct((tmp_path / MODEL_FILE).stat().st_mode & 0o777) == "0o644"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp file left


def test_interrupted_write_leaves_the_previous_artifact_intact(tmp_path, tiny_model,
                                                              monkeypatch):
    write_artifacts(tmp_path, tiny_model, _card(tiny_model))
    before = _files(tmp_path)

    def interrupted(*args, **kwargs):  # Ctrl-C once the temporary model and card are written
        raise KeyboardInterrupt

    monkeypatch.setattr(artifact.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_artifacts(tmp_path, _other_model(tiny_model), _card(tiny_model))
    monkeypatch.undo()
    assert _files(tmp_path) == before  # same files, same bytes, no temporary leftovers
    assert load_model(tmp_path).card["artifact_sha256"] == json.loads(
        before[MODEL_CARD_FILE])["artifact_sha256"]


def test_crash_between_the_two_renames_never_serves_a_mismatched_pair(tmp_path, tiny_model,
                                                                      monkeypatch, applicants):
    write_artifacts(tmp_path, tiny_model, _card(tiny_model))
    new_model = _other_model(tiny_model)
    real_replace = os.replace

    def crash_before_card(src, dst):
        if Path(dst).name == MODEL_CARD_FILE:
            raise KeyboardInterrupt  # the new joblib is in place, the card is not
        real_replace(src, dst)

    monkeypatch.setattr(artifact.os, "replace", crash_before_card)
    with pytest.raises(KeyboardInterrupt):
        write_artifacts(tmp_path, new_model, _card(new_model))
    monkeypatch.undo()
    loaded = load_model(tmp_path)  # the pending card, written before the joblib, is used
    sha = hashlib.sha256((tmp_path / MODEL_FILE).read_bytes()).hexdigest()
    assert loaded.card["artifact_sha256"] == sha
    np.testing.assert_allclose(loaded.model.default_probability(applicants),
                               new_model.default_probability(applicants))


def test_a_tampered_model_file_is_refused_with_the_command_to_run(tmp_path, tiny_model):
    write_artifacts(tmp_path, tiny_model, _card(tiny_model))
    with open(tmp_path / MODEL_FILE, "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ArtifactError, match="does not match") as info:
        load_model(tmp_path)
    assert MODEL_FILE in str(info.value) and "python scripts/train.py" in str(info.value)


def test_missing_artifact_names_the_file_and_the_command(tmp_path):
    with pytest.raises(ArtifactError) as info:
        load_model(tmp_path)
    assert MODEL_CARD_FILE in str(info.value) and "python scripts/train.py" in str(info.value)


def test_unreadable_card_is_reported(tmp_path, tiny_model):
    write_artifacts(tmp_path, tiny_model, _card(tiny_model))
    (tmp_path / MODEL_CARD_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(ArtifactError, match="cannot be read"):
        load_model(tmp_path)


def test_input_schema_check_names_the_table_and_the_missing_columns(tiny_model):
    card = _card(tiny_model)
    check_input_schema(card, tiny_model.input_columns + ["SK_ID_CURR"], "data/x.parquet")
    columns = [c for c in tiny_model.input_columns if c not in ("AMT_CREDIT", "EXT_SOURCE_2")]
    with pytest.raises(ArtifactError) as info:
        check_input_schema(card, columns, "data/x.parquet")
    message = str(info.value)
    assert "data/x.parquet" in message and "AMT_CREDIT" in message and "EXT_SOURCE_2" in message
    assert "python scripts/train.py" in message


def test_unwritable_output_is_reported_before_any_work(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    with pytest.raises(ArtifactError, match="not writable") as info:
        artifact.ensure_writable(blocker / "artifacts")
    assert str(blocker) in str(info.value)
