"""Ingesting the batches a manifest lists (the embedded data's monthly batches, on first start).

``data/batches/manifest.json`` = ``{"batches": [{"file": "batch_2025-01.parquet", "as_of":
"2025-01-31", "rows": 4062, "outcomes": "outcomes_2025-01.parquet" or null, "credit_records":
"credit_records/2025-01" (optional: a folder of the batch clients' record files)}, ...]}``, oldest
first, paths relative to the manifest. Each batch is ingested unless a batch with the same
file fingerprint is stored already, then its outcomes unless they are recorded already: running it
again does nothing, and a run killed half-way resumes where it stopped.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from credit_dashboard.config import Settings
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.ingest import IngestError, file_fingerprint, ingest_batch
from credit_dashboard.services.outcomes import ingest_outcomes, read_outcomes
from credit_dashboard.storage.batches import BatchStore
from credit_dashboard.storage.schema import ID_COLUMN

logger = logging.getLogger(__name__)

MANIFEST_DIR = "batches"
MANIFEST_FILE = "manifest.json"


@dataclass
class ManifestRun:
    ingested: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)


def read_manifest(path: Path) -> list[dict]:
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["batches"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IngestError(_("{path}: not a batch manifest ({error})").format(
            path=path, error=exc)) from exc
    for entry in entries:
        if not isinstance(entry, dict) or "file" not in entry or "as_of" not in entry:
            raise IngestError(_("{path}: every batch needs a file and an as_of date").format(
                path=path))
    return entries


def _outcome_ids(path: Path) -> list[int]:
    if path.suffix == ".parquet":
        return pq.read_table(path, columns=[ID_COLUMN]).column(0).to_pylist()
    return read_outcomes(path)[ID_COLUMN].tolist()


def ingest_manifest(manifest: Path, settings: Settings) -> ManifestRun:
    """Ingest what the manifest lists and the store does not hold yet."""
    entries = read_manifest(manifest)
    store = BatchStore(settings.data_dir)
    run = ManifestRun()
    for entry in entries:
        path = manifest.parent / entry["file"]
        known = store.index.batch_with_fingerprint(file_fingerprint(path))
        if known is None:
            records = entry.get("credit_records")
            result = ingest_batch(path, settings, as_of=entry["as_of"], store=store,
                                  credit_records=manifest.parent / records if records else None)
            run.ingested.append(result.record.batch_id)
        else:
            run.skipped.append(known)
        if entry.get("outcomes"):
            outcomes = manifest.parent / entry["outcomes"]
            ids = _outcome_ids(outcomes)
            recorded = store.index.outcome_ids()
            if ids and not any(i in recorded for i in ids):
                ingest_outcomes(outcomes, store)
                run.outcomes.append(entry["outcomes"])
    return run
