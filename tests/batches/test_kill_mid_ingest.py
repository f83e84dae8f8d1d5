"""A killed ingest leaves no half batch: a child process runs the real ingest and SIGKILLs itself
at several points (while scoring, with some files staged, just before the folder's rename, after
the rename but before the index row). Nothing of the ingest runs after the kill, as when the machine
loses power. After each kill the store lists only the earlier batch, whose files are byte-identical,
and no client of the killed batch is known; the next ingest of the same file then succeeds.

Why this fails for a non-atomic ingest: writing straight into the batch's folder leaves, at the
"staged" point, a folder with some files (a listed batch with no scores); committing the index row
before the files leaves, at the "renamed" point, a row whose folder is missing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from credit_dashboard.config import Settings
from credit_dashboard.services.ingest import ingest_batch
from credit_dashboard.storage.batches import BATCH_ID_PATTERN, BatchStore

CHILD = r"""
import os, signal, sys
from pathlib import Path

from credit_dashboard.config import Settings
from credit_dashboard.services import ingest
from credit_dashboard.storage import batches, batches_index

data_dir, artifacts_dir, path, point = sys.argv[1:5]

def die():
    os.kill(os.getpid(), signal.SIGKILL)

if point == "scoring":
    ingest.score_batch = lambda *a, **k: die()
elif point == "staged":
    real_write_json = ingest.write_json
    def write_json(target, payload):
        real_write_json(target, payload)
        die()
    ingest.write_json = write_json
else:
    real_replace = os.replace
    def replace(src, dst):
        is_batch = batches.BATCH_ID_PATTERN.match(Path(dst).name) is not None
        if is_batch and point == "before_rename":
            die()
        real_replace(src, dst)
        if is_batch and point == "renamed":
            die()
    batches.os.replace = replace
settings = Settings(data_dir=Path(data_dir), artifacts_dir=Path(artifacts_dir))
ingest.ingest_batch(Path(path), settings, as_of="2025-02-28")
print("not killed")
"""

POINTS = ("scoring", "staged", "before_rename", "renamed")


def test_kill_at_every_point_leaves_no_half_batch(
    batch_settings: Settings, cut_batch, tree_bytes, tmp_path: Path
) -> None:
    earlier = ingest_batch(cut_batch(0, 40, "earlier.parquet"), batch_settings, as_of="2025-01-31")
    store = BatchStore(batch_settings.data_dir)
    earlier_dir = store.batch_dir(earlier.record.batch_id)
    earlier_files = tree_bytes(earlier_dir)
    path = cut_batch(100, 40, "next.csv")
    new_ids = set(store.client_ids(earlier.record.batch_id).tolist())
    killed = 0
    for point in POINTS:
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(batch_settings.data_dir),
             str(batch_settings.artifacts_dir), str(path), point],
            capture_output=True, text=True, timeout=300,
        )
        assert child.returncode == -9, (point, child.stdout, child.stderr[-2000:])
        assert [b.batch_id for b in store.batches()] == [earlier.record.batch_id], point
        assert tree_bytes(earlier_dir) == earlier_files, point
        assert set(store.all_client_ids()) == new_ids, point
        killed += 1
    assert killed == len(POINTS)
    # Something was left on disk by the later kills (staging or renamed folder), and is invisible.
    leftovers = [p.name for p in store.root.iterdir() if p.is_dir()
                 and not p.name.startswith("reference-") and p.name != earlier.record.batch_id]
    assert leftovers

    result = ingest_batch(path, batch_settings, as_of="2025-02-28")
    assert [b.batch_id for b in store.batches()] == [result.record.batch_id,
                                                     earlier.record.batch_id]
    assert len(store.read_scores(result.record.batch_id)) == 40
    assert tree_bytes(earlier_dir) == earlier_files
    remaining = sorted(p.name for p in store.root.iterdir() if p.is_dir()
                       and not p.name.startswith("reference-"))
    assert remaining == sorted([result.record.batch_id, earlier.record.batch_id])
    assert all(BATCH_ID_PATTERN.match(name) for name in remaining)


@pytest.mark.parametrize("point", ["staged"])
def test_an_ingest_interrupted_by_an_error_cleans_its_staging(
    batch_settings: Settings, cut_batch, monkeypatch: pytest.MonkeyPatch, point: str
) -> None:
    from credit_dashboard.services import ingest

    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(ingest, "write_json", broken)
    with pytest.raises(OSError, match="disk full"):
        ingest_batch(cut_batch(0, 30, "b.parquet"), batch_settings, as_of="2025-01-31")
    store = BatchStore(batch_settings.data_dir)
    assert store.batches() == []
    assert [p.name for p in store.root.iterdir() if p.name.startswith(".staging")] == []
