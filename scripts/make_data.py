"""Write the embedded default data set: a generated history, new applicants, true probabilities,
and 12 monthly production batches (``data/batches/``, outcomes for the 6 oldest).

.venv/bin/python scripts/make_data.py                  # full size (307,511 + 48,744 rows) in data/
.venv/bin/python scripts/make_data.py --rows 20000 --test-rows 5000 --seed 7 --out /tmp/small
.venv/bin/python scripts/make_data.py --batches 0       # no production batches
.venv/bin/python scripts/make_data.py --no-credit-records   # without the six credit-record tables
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from home_credit_synth.generator import write_dataset


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Generate synthetic Home Credit clients (same seed, same data).",
    )
    parser.add_argument(
        "--rows", type=int, default=307_511, help="history rows (application_train); default 307511"
    )
    parser.add_argument(
        "--test-rows",
        type=int,
        default=48_744,
        help="applicant rows (application_test); default 48744",
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed; default 42")
    parser.add_argument(
        "--out", type=Path, default=Path("data"), help="output folder; default data/"
    )
    parser.add_argument(
        "--batches", type=int, default=12, help="monthly production batches (0: none); default 12"
    )
    parser.add_argument(
        "--batch-rows", type=int, default=4_062, help="applicants per batch; default 4062"
    )
    parser.add_argument(
        "--outcome-batches",
        type=int,
        default=None,
        help="oldest batches with repayment outcomes; default half of --batches",
    )
    parser.add_argument(
        "--no-credit-records",
        action="store_true",
        help="skip Kaggle's six credit-record tables (data/credit_records/, batch records)",
    )
    args = parser.parse_args(argv)
    if args.rows < 1 or args.test_rows < 1:
        parser.error("--rows and --test-rows must be positive")
    if args.batches < 0 or args.batch_rows < 1:
        parser.error("--batches must be 0 or more and --batch-rows positive")
    if args.outcome_batches is not None and not 0 <= args.outcome_batches <= args.batches:
        parser.error("--outcome-batches must be between 0 and --batches")

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    print(
        f"Generating {args.rows:,} history rows, {args.test_rows:,} applicants and "
        f"{args.batches} monthly batches of {args.batch_rows:,}, seed {args.seed} ..."
    )
    start = time.perf_counter()
    paths = write_dataset(
        args.out,
        n_train=args.rows,
        n_test=args.test_rows,
        seed=args.seed,
        n_batches=args.batches,
        batch_rows=args.batch_rows,
        outcome_batches=args.outcome_batches,
        credit_records=not args.no_credit_records,
    )
    elapsed = time.perf_counter() - start
    for role, path in paths.items():
        print(f"  {role:<18} {path}  ({path.stat().st_size / 1e6:.1f} MB)")
    print(f"Done in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
