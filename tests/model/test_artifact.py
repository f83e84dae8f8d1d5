"""The artifact round-trips as a version, is verified by its sha256, survives an interrupted write,
keeps earlier versions, and serves its tables lazily."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from credit_dashboard.config import MODEL_CARD_FILE, MODEL_FILE
from credit_dashboard.model import artifact, artifact_writer, versions
from credit_dashboard.model.artifact import (
    ArtifactError,
    active_directory,
    check_input_schema,
    load_model,
    load_version,
    write_artifacts,
)
from credit_dashboard.model.calibration import PlattScaling
from credit_dashboard.model.estimator import CreditRiskModel
from credit_dashboard.model.versions import ACTIVE_FILE, list_versions, read_active, version_dir


def _card(model: CreditRiskModel) -> dict:
    return {"decision_threshold": model.decision_threshold,
            "input_schema": {"columns": model.input_columns, "dtypes": {}},
            "holdout": {"roc_auc": float("nan")}}  # NaN must not break the JSON


def _other_model(model: CreditRiskModel) -> CreditRiskModel:
    """Same pipeline, different calibration: different bytes, different probabilities."""
    return CreditRiskModel(model.pipeline, PlattScaling(1.1, -2.0), 0.2)


def _files(directory: Path) -> dict[str, bytes]:
    """Every file below ``directory`` (relative name -> bytes)."""
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def _hidden(directory: Path) -> list[Path]:
    return [p for p in directory.rglob(".*")]


def _predictions(n: int = 50) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"SK_ID_CURR": np.arange(100_000, 100_000 + n),
                         "TARGET": rng.integers(0, 2, n),
                         "default_probability": rng.random(n)})


def test_round_trip_writes_an_active_version_with_a_matching_sha(tmp_path, tiny_model, applicants):
    card = write_artifacts(tmp_path, tiny_model, _card(tiny_model))
    loaded = load_model(tmp_path)
    stored = version_dir(tmp_path, card["model_version"])
    sha = hashlib.sha256((stored / MODEL_FILE).read_bytes()).hexdigest()
    assert card["artifact_sha256"] == sha == loaded.card["artifact_sha256"]
    assert versions.is_version_id(card["model_version"])
    assert card["model_version"].endswith(sha[:12])
    assert loaded.version == card["model_version"] == read_active(tmp_path)
    assert loaded.directory == stored
    assert loaded.card["holdout"]["roc_auc"] is None
    np.testing.assert_array_equal(
        loaded.model.predict_proba(applicants), tiny_model.predict_proba(applicants)
    )
    assert loaded.model.decision_threshold == tiny_model.decision_threshold
    assert oct((stored / MODEL_FILE).stat().st_mode & 0o777) == "0o644"
    assert not _hidden(tmp_path)  # no temporary file or staging directory left


def test_every_training_adds_a_version_and_keeps_the_earlier_ones(tmp_path, tiny_model):
    first = write_artifacts(tmp_path, tiny_model, _card(tiny_model))
    second = write_artifacts(tmp_path, _other_model(tiny_model), _card(tiny_model))
    listed = list_versions(tmp_path)
    assert [v.version for v in listed] == sorted([first["model_version"],
                                                  second["model_version"]])
    assert load_model(tmp_path).version == second["model_version"]
    assert json.loads((tmp_path / ACTIVE_FILE).read_text())["previous"] == first["model_version"]
    # Stored but not activated: the active version stays as it was.
    third = write_artifacts(tmp_path, tiny_model, {**_card(tiny_model), "n": 3}, activate=False)
    assert len(list_versions(tmp_path)) == 3
    assert load_model(tmp_path).version == second["model_version"]
    assert load_version(version_dir(tmp_path, third["model_version"])).card["n"] == 3
    # Rolling back is one pointer switch.
    versions.write_active(tmp_path, first["model_version"])
    assert load_model(tmp_path).card["artifact_sha256"] == first["artifact_sha256"]


def test_interrupted_write_leaves_the_previous_artifact_intact(tmp_path, tiny_model,
                                                              monkeypatch):
    write_artifacts(tmp_path, tiny_model, _card(tiny_model), tables={"t": _predictions()})
    before = _files(tmp_path)

    def interrupted(*args, **kwargs):  # Ctrl-C once the staged version is fully written
        raise KeyboardInterrupt

    monkeypatch.setattr(artifact_writer.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_artifacts(tmp_path, _other_model(tiny_model), _card(tiny_model),
                        tables={"t": _predictions()})
    monkeypatch.undo()
    assert _files(tmp_path) == before  # same files, same bytes, no temporary leftovers
    assert not _hidden(tmp_path)
    assert load_model(tmp_path).card["artifact_sha256"] == json.loads(
        next(v for k, v in before.items() if k.endswith(MODEL_CARD_FILE)))["artifact_sha256"]


def test_crash_between_the_version_and_the_pointer_keeps_the_old_one_active(tmp_path, tiny_model,
                                                                          monkeypatch, applicants):
    old = write_artifacts(tmp_path, tiny_model, _card(tiny_model))
    new_model = _other_model(tiny_model)
    real_replace = os.replace

    def crash_before_pointer(src, dst):
        if Path(dst).name == ACTIVE_FILE:
            raise KeyboardInterrupt  # the new version is in place, the pointer is not
        real_replace(src, dst)

    monkeypatch.setattr(versions.os, "replace", crash_before_pointer)
    with pytest.raises(KeyboardInterrupt):
        write_artifacts(tmp_path, new_model, _card(new_model))
    monkeypatch.undo()
    loaded = load_model(tmp_path)
    assert loaded.version == old["model_version"]
    np.testing.assert_allclose(loaded.model.default_probability(applicants),
                               tiny_model.default_probability(applicants))
    complete = [v for v in list_versions(tmp_path) if not v.active]
    assert len(complete) == 1  # stored whole: it can be activated later
    staged = load_version(complete[0].directory)
    np.testing.assert_allclose(staged.model.default_probability(applicants),
                               new_model.default_probability(applicants))


def test_tables_are_listed_in_the_card_and_read_only_when_asked(tmp_path, tiny_model):
    oof, holdout = _predictions(80), _predictions(30)
    card = write_artifacts(tmp_path, tiny_model, _card(tiny_model),
                           tables={"oof_predictions": oof, "holdout_predictions": holdout})
    assert card["tables"]["oof_predictions"]["rows"] == 80
    assert card["tables"]["holdout_predictions"]["columns"] == list(holdout.columns)
    loaded = load_model(tmp_path)
    assert loaded.table_names == ("holdout_predictions", "oof_predictions")
    assert loaded._tables == {}  # nothing read at load time
    pd.testing.assert_frame_equal(loaded.table("oof_predictions"), oof)
    assert set(loaded._tables) == {"oof_predictions"}
    assert not loaded.has_table("other")
    with pytest.raises(ArtifactError, match="has no other table"):
        loaded.table("other")


def test_a_tampered_table_is_refused(tmp_path, tiny_model):
    card = write_artifacts(tmp_path, tiny_model, _card(tiny_model), tables={"t": _predictions()})
    path = version_dir(tmp_path, card["model_version"]) / "t.parquet"
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(ArtifactError, match="t.parquet does not match"):
        load_model(tmp_path).table("t")


def test_a_bad_table_name_is_refused_and_nothing_is_written(tmp_path, tiny_model):
    with pytest.raises(ArtifactError, match="letters, digits"):
        write_artifacts(tmp_path, tiny_model, _card(tiny_model), tables={"../x": _predictions()})
    assert list_versions(tmp_path) == [] and not (tmp_path / ACTIVE_FILE).exists()
    assert not _hidden(tmp_path)


def test_a_tampered_model_file_is_refused_with_the_command_to_run(tmp_path, tiny_model):
    write_artifacts(tmp_path, tiny_model, _card(tiny_model))
    with open(active_directory(tmp_path) / MODEL_FILE, "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ArtifactError, match="does not match") as info:
        load_model(tmp_path)
    assert MODEL_FILE in str(info.value) and "python scripts/train.py" in str(info.value)


def test_a_folder_trained_before_versions_still_loads(tmp_path, tiny_model):
    card = write_artifacts(tmp_path / "new", tiny_model, _card(tiny_model))
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    for name in (MODEL_FILE, MODEL_CARD_FILE):
        shutil.copy(active_directory(tmp_path / "new") / name, legacy / name)
    loaded = load_model(legacy)
    assert loaded.card["artifact_sha256"] == card["artifact_sha256"]
    assert loaded.version == card["artifact_sha256"][:12]


def test_a_broken_or_missing_pointer_says_what_to_run(tmp_path, tiny_model):
    card = write_artifacts(tmp_path, tiny_model, _card(tiny_model))
    (tmp_path / ACTIVE_FILE).write_text("{oops", encoding="utf-8")
    with pytest.raises(ArtifactError, match="not a version pointer"):
        load_model(tmp_path)
    (tmp_path / ACTIVE_FILE).unlink()
    with pytest.raises(ArtifactError) as info:
        load_model(tmp_path)
    assert "activate_model.py" in str(info.value) and card["model_version"] in str(info.value)


def test_missing_artifact_names_the_file_and_the_command(tmp_path):
    with pytest.raises(ArtifactError) as info:
        load_model(tmp_path)
    assert MODEL_CARD_FILE in str(info.value) and "python scripts/train.py" in str(info.value)


def test_unreadable_card_is_reported(tmp_path, tiny_model):
    write_artifacts(tmp_path, tiny_model, _card(tiny_model))
    (active_directory(tmp_path) / MODEL_CARD_FILE).write_text("{not json", encoding="utf-8")
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
