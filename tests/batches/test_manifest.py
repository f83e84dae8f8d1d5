"""The embedded batches' manifest: ingested once with their outcomes; a second run does nothing."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from credit_dashboard.config import Settings
from credit_dashboard.services.ingest_manifest import ingest_manifest
from credit_dashboard.storage.batches import BatchStore
from credit_dashboard.storage.schema import ID_COLUMN


def test_manifest_ingested_once(batch_settings: Settings, cut_batch) -> None:
    folder = batch_settings.data_dir / "batches"
    folder.mkdir()
    first = cut_batch(0, 60, "batch_2025-01.parquet")
    second = cut_batch(60, 60, "batch_2025-02.parquet")
    for path in (first, second):
        path.rename(folder / path.name)
    ids = pd.read_parquet(folder / first.name)[ID_COLUMN]
    pd.DataFrame({ID_COLUMN: ids, "TARGET": np.arange(len(ids)) % 2,
                  "OUTCOME_DATE": "2025-08-31"}).to_parquet(folder / "outcomes_2025-01.parquet")
    (folder / "manifest.json").write_text(json.dumps({"batches": [
        {"file": first.name, "as_of": "2025-01-31", "rows": 60,
         "outcomes": "outcomes_2025-01.parquet"},
        {"file": second.name, "as_of": "2025-02-28", "rows": 60, "outcomes": None},
    ]}))
    run = ingest_manifest(folder / "manifest.json", batch_settings)
    assert len(run.ingested) == 2 and run.outcomes == ["outcomes_2025-01.parquet"]
    store = BatchStore(batch_settings.data_dir)
    assert [b.as_of for b in store.batches()] == ["2025-02-28", "2025-01-31"]
    assert store.index.backtests()[run.ingested[0]]["n_outcomes"] == 60
    version = store.index.version()

    again = ingest_manifest(folder / "manifest.json", batch_settings)
    assert again.ingested == [] and again.outcomes == [] and sorted(again.skipped) == sorted(
        run.ingested)
    assert store.index.version() == version
