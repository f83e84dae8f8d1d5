"""Ingest a new applicant batch: validate, score every client, compute its monitoring, store it.

    .venv/bin/python scripts/ingest_batch.py applicants_2025-01.csv.gz --as-of 2025-01-31
    .venv/bin/python scripts/ingest_batch.py batch.parquet --credit-records records_2025-01/

CSV, CSV.gz or Parquet with Kaggle's applicant columns. Reads CREDIT_DATA_DIR / CREDIT_ARTIFACTS_DIR
(or --data-dir / --artifacts-dir) like the app, and may run while the app serves: every worker
picks the new batch up within seconds. On bad input it prints one line and exits with 1, storing
nothing. Prints the new batch id on success.

``--credit-records DIR``: the batch clients' credit records (Kaggle's file names, any subset of the
six tables), validated with the batch (clients of this batch only; bureau months of this batch's
bureau credits), stored with it all-or-nothing, and joined before scoring when the active model
uses them.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from pathlib import Path

from credit_dashboard.config import get_settings
from credit_dashboard.services.ingest import IngestError, ingest_batch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path, help="the batch: .csv, .csv.gz or .parquet")
    parser.add_argument("--credit-records", type=Path, metavar="DIR",
                        help="folder of the batch clients' credit-record files (Kaggle's names)")
    parser.add_argument("--as-of", help="the batch's date, YYYY-MM-DD (default: today, UTC)")
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
    try:
        result = ingest_batch(args.file, settings, as_of=args.as_of,
                              credit_records=args.credit_records)
    except IngestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(result.record.batch_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
