"""Record realised outcomes (SK_ID_CURR, TARGET[, OUTCOME_DATE]) of clients of stored batches.

    .venv/bin/python scripts/ingest_outcomes.py outcomes_2025-01.csv

The back-tests of the batches concerned (AUC, calibration, Brier score, business cost) are updated
in the same transaction. On bad input (unknown ids, TARGET outside {0, 1}, duplicated ids, an id
with an outcome already) it prints one line, exits with 1 and records nothing.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from credit_dashboard.config import get_settings
from credit_dashboard.services.ingest import IngestError
from credit_dashboard.services.outcomes import ingest_outcomes
from credit_dashboard.storage.batches import BatchStore


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path, help="outcomes: .csv, .csv.gz or .parquet")
    parser.add_argument("--data-dir", type=Path, help="default: CREDIT_DATA_DIR or data/")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    data_dir = args.data_dir or get_settings().data_dir
    try:
        result = ingest_outcomes(args.file, BatchStore(data_dir))
    except IngestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for batch_id, count in sorted(result.batches.items()):
        print(f"{batch_id}: {count} client(s) with an outcome")
    return 0


if __name__ == "__main__":
    sys.exit(main())
