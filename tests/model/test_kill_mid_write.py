"""Training's atomic write, tested by really killing it: the previous version still loads.

``test_artifact.py`` interrupts the write by raising inside it, which lets ``finally`` blocks run.
Here a child process runs the real ``write_artifacts`` over a trained artifact and SIGKILLs itself
at each dangerous point (half-written file, written file, the rename of the staged version, the
pointer's temporary file, its rename): nothing of the writer runs after the kill, as when the
machine loses power or the OOM killer strikes. After every kill the loader must serve one complete
version, the old or the new one, whose probabilities are those of the model its card describes,
and the next training must still write.

Why this fails for a non-atomic write: writing into the version directory in place (or the pointer
in place) leaves torn files whose sha256 matches no card or a pointer that cannot be parsed;
switching the pointer before the version is complete leaves it naming a directory without a
model. Either way ``load_model`` raises and the test fails.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from credit_dashboard.config import APPLICANTS_TABLE, MODEL_CARD_FILE, MODEL_FILE
from credit_dashboard.model.artifact import (
    _TEMP_PREFIX,
    active_directory,
    load_model,
    to_jsonable,
    write_artifacts,
)
from credit_dashboard.model.calibration import PlattScaling
from credit_dashboard.model.estimator import CreditRiskModel
from credit_dashboard.model.versions import ACTIVE_FILE, list_versions

# The child loads the previous version, derives a new model from it (same pipeline, another
# calibration and threshold: other bytes, other probabilities) and writes it, with the previous
# version's tables, with the real code. Only the kill is added: the one durable-write helper and
# os.replace are wrapped so that the process SIGKILLs itself at the named point. Every write and
# rename it sees is printed as JSON when it is not killed, so the test knows which points exist.
CHILD = r"""
import json, os, signal, sys
from pathlib import Path

from credit_dashboard.model import artifact, versions
from credit_dashboard.model.calibration import PlattScaling
from credit_dashboard.model.estimator import CreditRiskModel

out_dir, kill_point = Path(sys.argv[1]), sys.argv[2]
previous = artifact.load_model(out_dir)
model = CreditRiskModel(previous.model.pipeline, PlattScaling(1.1, -2.0), 0.2)
card = {k: v for k, v in previous.card.items()
        if k not in ("artifact_sha256", "model_version", "tables")}
card["generation"] = "new"
tables = {name: previous.table(name) for name in previous.table_names}
events = []


def reached(event):
    events.append(event)
    if event == kill_point:
        os.kill(os.getpid(), signal.SIGKILL)


def final_name(path):
    # ".tmp-active.json.<pid>.abc123" -> "active.json"; staged files carry their final names
    name = Path(path).name
    if name.startswith(versions.TEMP_PREFIX):
        return name[len(versions.TEMP_PREFIX):].rsplit(".", 2)[0]
    return name


real_write_bytes, real_replace = versions.write_bytes_durably, os.replace


def write_bytes(path, data):
    name = final_name(path)
    if kill_point == "torn:" + name:  # half the bytes reach the disk, then the power goes
        with open(path, "wb") as handle:
            handle.write(data[: len(data) // 2])
            handle.flush()
            os.fsync(handle.fileno())
    reached("torn:" + name)
    real_write_bytes(path, data)
    reached("written:" + name)


def replace(src, dst):
    real_replace(src, dst)
    dst = Path(dst)
    reached("renamed:" + ("<version>" if dst.parent.name == versions.VERSIONS_DIR else dst.name))


versions.write_bytes_durably = write_bytes
os.replace = replace
artifact.write_artifacts(out_dir, model, card, tables=tables)
print(json.dumps(events))
"""

TABLES = ("holdout_predictions", "oof_predictions")  # what the training run stores, by name
# In the order the writer reaches them; at "renamed:active.json" the new version is committed.
KILL_POINTS = [
    f"torn:{MODEL_FILE}",
    f"written:{MODEL_FILE}",
    *[f"{step}:{name}.parquet" for name in TABLES for step in ("torn", "written")],
    f"torn:{MODEL_CARD_FILE}",
    f"written:{MODEL_CARD_FILE}",
    "renamed:<version>",
    f"torn:{ACTIVE_FILE}",
    f"written:{ACTIVE_FILE}",
    f"renamed:{ACTIVE_FILE}",
]
COMMIT_POINT = KILL_POINTS.index(f"renamed:{ACTIVE_FILE}")
STORED_POINT = KILL_POINTS.index("renamed:<version>")


def _new_model(previous: CreditRiskModel) -> CreditRiskModel:
    """What the child writes; rebuilt here to know the probabilities the new pair must give."""
    return CreditRiskModel(previous.pipeline, PlattScaling(1.1, -2.0), 0.2)


def _run_child(out_dir: Path, kill_point: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CHILD, str(out_dir), kill_point],
        capture_output=True, text=True, timeout=120,
    )


def _without_sha(card: dict) -> dict:
    return {k: v for k, v in card.items()
            if k not in ("artifact_sha256", "model_version", "tables")}


@pytest.fixture(scope="module")
def previous(small_artifacts_dir: Path, small_data_dir: Path) -> dict:
    """The trained artifact as it was before any kill, and what each generation must score."""
    loaded = load_model(small_artifacts_dir)
    assert loaded.table_names == TABLES
    rows = pd.read_parquet(small_data_dir / APPLICANTS_TABLE).head(300)
    card_path = active_directory(small_artifacts_dir) / MODEL_CARD_FILE
    old_card = json.loads(card_path.read_text(encoding="utf-8"))
    new_card = to_jsonable({**_without_sha(old_card), "generation": "new"})
    probabilities = {
        "old": loaded.model.default_probability(rows),
        "new": _new_model(loaded.model).default_probability(rows),
    }
    # Otherwise a mismatched pair could score like a matched one and go unnoticed.
    assert np.abs(probabilities["old"] - probabilities["new"]).max() > 1e-3
    return {"dir": small_artifacts_dir, "model": loaded.model, "rows": rows,
            "tables": {name: loaded.table(name) for name in TABLES},
            "old_card": old_card, "new_card": new_card, "probabilities": probabilities}


def _copy_of_previous(previous: dict, tmp_path: Path) -> Path:
    out = tmp_path / "artifacts"
    shutil.copytree(previous["dir"], out)  # the session artifact is shared: never kill over it
    return out


def _leftovers(out: Path, before: set[str]) -> list[Path]:
    """Paths the killed writer added, outside any complete version directory."""
    stored = {v.directory for v in list_versions(out)}
    return [p for p in out.rglob("*")
            if str(p.relative_to(out)) not in before
            and p not in stored and p.parent not in stored]


def test_the_kill_points_cover_every_write_and_rename_of_the_version(previous, tmp_path):
    out = _copy_of_previous(previous, tmp_path)
    done = _run_child(out, "never")
    assert done.returncode == 0, done.stderr
    events = json.loads(done.stdout.strip().splitlines()[-1])
    assert events == KILL_POINTS  # a new step in the writer needs a kill point here
    loaded = load_model(out)
    assert _without_sha(loaded.card) == previous["new_card"]
    for name in TABLES:
        pd.testing.assert_frame_equal(loaded.table(name), previous["tables"][name])


@pytest.mark.parametrize("kill_point", KILL_POINTS)
def test_killed_write_leaves_a_complete_version_and_the_next_write_succeeds(previous, tmp_path,
                                                                            kill_point):
    out = _copy_of_previous(previous, tmp_path)
    before = {str(p.relative_to(out)) for p in out.rglob("*")}
    killed = _run_child(out, kill_point)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr)

    loaded = load_model(out)  # raises on a missing, torn or mismatched version or pointer
    sha = hashlib.sha256((active_directory(out) / MODEL_FILE).read_bytes()).hexdigest()
    assert loaded.card["artifact_sha256"] == sha and loaded.version.endswith(sha[:12])
    generation = loaded.card.get("generation", "old")
    expected = "new" if KILL_POINTS.index(kill_point) >= COMMIT_POINT else "old"
    assert generation == expected
    if generation == "old":
        assert loaded.card == previous["old_card"]
    else:
        assert _without_sha(loaded.card) == previous["new_card"]
    np.testing.assert_allclose(loaded.model.default_probability(previous["rows"]),
                               previous["probabilities"][generation], rtol=1e-12, atol=0)
    # Once renamed into versions/, the new version is whole even when the pointer never moved.
    assert len(list_versions(out)) == 1 + (KILL_POINTS.index(kill_point) >= STORED_POINT)

    # The kill leaves its temporary files behind: all hidden, none in the way of the next
    # training, which must write and be served.
    assert all(p.name.startswith(".") or p.parent.name.startswith(".")
               for p in _leftovers(out, before))
    following = CreditRiskModel(previous["model"].pipeline, PlattScaling(0.9, -1.5), 0.15)
    card = write_artifacts(out, following, {**_without_sha(previous["old_card"]),
                                            "generation": "following"})
    reloaded = load_model(out)
    assert reloaded.card == card and reloaded.card["generation"] == "following"
    # ... and the next write sweeps away what the killed writer left.
    assert not list(out.rglob(_TEMP_PREFIX + "*"))
    np.testing.assert_allclose(reloaded.model.default_probability(previous["rows"]),
                               following.default_probability(previous["rows"]),
                               rtol=1e-12, atol=0)
