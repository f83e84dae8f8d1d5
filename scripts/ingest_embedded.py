"""Ingest the monthly batches listed in ``<data dir>/batches/manifest.json`` (and their outcomes).

    .venv/bin/python scripts/ingest_embedded.py            # what scripts/run.sh does on first start

Batches already stored (same file fingerprint) and outcomes already recorded are skipped, so it is
safe to run again. Exits with 1 and one line on a bad manifest or file.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
from pathlib import Path

from credit_dashboard.config import get_settings
from credit_dashboard.services.ingest import IngestError
from credit_dashboard.services.ingest_manifest import MANIFEST_DIR, MANIFEST_FILE, ingest_manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", type=Path,
                        help="default: <data dir>/batches/manifest.json")
    parser.add_argument("--data-dir", type=Path, help="default: CREDIT_DATA_DIR or data/")
    parser.add_argument("--artifacts-dir", type=Path,
                        help="default: CREDIT_ARTIFACTS_DIR or artifacts/")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    settings = get_settings()
    changes = {k: v for k, v in (("data_dir", args.data_dir),
                                 ("artifacts_dir", args.artifacts_dir)) if v is not None}
    settings = dataclasses.replace(settings, **changes)
    manifest = args.manifest or settings.data_dir / MANIFEST_DIR / MANIFEST_FILE
    if not manifest.is_file():
        print(f"no batch manifest at {manifest}: nothing to ingest")
        return 0
    started = time.perf_counter()
    try:
        run = ingest_manifest(manifest, settings)
    except IngestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{len(run.ingested)} batch(es) ingested, {len(run.skipped)} already there, "
          f"{len(run.outcomes)} outcome file(s) recorded in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
