"""Monthly production batches: the applicant schema, fresh ids, growing drift, outcomes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from credit_dashboard.storage import schema
from credit_dashboard.storage.loading import read_table
from home_credit_synth.batches import BATCH_TRUE_PD_FILE, MANIFEST_FILE
from home_credit_synth.calibrate.batch_check import psi
from home_credit_synth.generator import generate, write_dataset

ROWS, APPLICANTS, BATCHES, BATCH_ROWS = 3000, 800, 3, 600


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("batches_data")
    write_dataset(out, ROWS, APPLICANTS, seed=5, n_batches=BATCHES, batch_rows=BATCH_ROWS)
    return out


def test_files_manifest_and_schema(written):
    manifest = json.loads((written / "batches" / MANIFEST_FILE).read_text())["batches"]
    assert [e["as_of"] for e in manifest] == ["2026-10-31", "2026-11-30", "2026-12-31"]
    assert [e["outcomes"] for e in manifest] == ["outcomes_2026-10.parquet", None, None]
    test = pd.read_parquet(written / "application_test.parquet")
    train = pd.read_parquet(written / "application_train.parquet")
    seen = set(train[schema.ID_COLUMN]) | set(test[schema.ID_COLUMN])
    for entry in manifest:
        frame = read_table(written / "batches" / entry["file"], "applicants")
        assert len(frame) == entry["rows"] == BATCH_ROWS
        assert list(frame.columns) == list(test.columns)
        assert (frame.dtypes == test.dtypes).all()
        ids = set(frame[schema.ID_COLUMN])
        assert len(ids) == BATCH_ROWS and not ids & seen
        seen |= ids
    outcomes = pd.read_parquet(written / "batches" / manifest[0]["outcomes"])
    assert outcomes.dtypes[schema.TARGET_COLUMN] == np.int64
    assert set(outcomes[schema.TARGET_COLUMN]) <= {0, 1}
    assert (outcomes["OUTCOME_DATE"] == "2027-10-31").all()
    true_pd = pd.read_parquet(written / "batches" / BATCH_TRUE_PD_FILE)
    assert len(true_pd) == BATCHES * BATCH_ROWS and true_pd["TRUE_PD"].between(0, 1).all()


def test_drift_grows_and_outcomes_follow_true_pd():
    data = generate(20_000, 2_000, seed=1, n_batches=4, batch_rows=3_000, outcome_batches=4)
    ext = [psi(data.train["EXT_SOURCE_2"], b.applicants["EXT_SOURCE_2"]) for b in data.batches]
    assert ext[0] < 0.1 and ext[-1] > ext[0] + 0.1
    for batch in data.batches:
        rate = batch.outcomes[schema.TARGET_COLUMN].mean()
        assert abs(rate - batch.true_pd.mean()) < 4 * np.sqrt(batch.true_pd.mean() / 3_000)
    assert data.batches[-1].true_pd.mean() > data.batches[0].true_pd.mean()


def test_deterministic_and_history_unchanged():
    a = generate(2_000, 500, seed=9, n_batches=2, batch_rows=200)
    b = generate(2_000, 500, seed=9, n_batches=2, batch_rows=200)
    plain = generate(2_000, 500, seed=9)
    pd.testing.assert_frame_equal(a.batches[1].applicants, b.batches[1].applicants)
    pd.testing.assert_frame_equal(a.train, plain.train)
    pd.testing.assert_frame_equal(a.test, plain.test)


def test_fewer_batches_remove_stale_files(tmp_path):
    write_dataset(tmp_path, 1_000, 300, seed=2, n_batches=2, batch_rows=100)
    write_dataset(tmp_path, 1_000, 300, seed=2, n_batches=0)
    manifest = json.loads((tmp_path / "batches" / MANIFEST_FILE).read_text())
    assert manifest == {"batches": []}
    assert not list((tmp_path / "batches").glob("*.parquet"))
