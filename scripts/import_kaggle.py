"""Load real Kaggle files (or any CSV / Parquet with the same schema) as the app's tables.

    .venv/bin/python scripts/import_kaggle.py --train application_train.csv \\
        --applicants application_test.csv.gz --out data

Either file may be given alone: only that table is replaced, the other one is left as it is.
Files are validated (required columns, numeric types, unique ids, TARGET in {0, 1}) before
anything is written; on a problem the script prints one message naming the file and exits with 1.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import pandas as pd

from credit_dashboard.storage.loading import DataValidationError, ingest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(
            "Validate Kaggle Home Credit application tables (.csv, .csv.gz or .parquet) and write "
            "them as the app's Parquet tables. Either --train or --applicants may be given alone: "
            "only that table is replaced. Nothing is written if a file is invalid."
        )
    )
    parser.add_argument(
        "--train", type=Path, help="labelled history, e.g. application_train.csv (needs TARGET)"
    )
    parser.add_argument(
        "--applicants", type=Path, help="new applicants, e.g. application_test.csv (no TARGET)"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("data"), help="output folder; default data/"
    )
    args = parser.parse_args(argv)
    if args.train is None and args.applicants is None:
        parser.error("give --train, --applicants or both")

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    start = time.perf_counter()
    try:
        paths = ingest(args.train, args.applicants, args.out)
    except DataValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for role, path in paths.items():
        table = pd.read_parquet(path)
        print(f"  {role:<10} {path}  {len(table):,} rows x {table.shape[1]} columns")
    print(f"Done in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
