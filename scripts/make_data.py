"""Write the embedded default data set: a generated history, new applicants, true probabilities.

.venv/bin/python scripts/make_data.py                  # full size (307,511 + 48,744 rows) in data/
.venv/bin/python scripts/make_data.py --rows 20000 --test-rows 5000 --seed 7 --out /tmp/small
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
    args = parser.parse_args(argv)
    if args.rows < 1 or args.test_rows < 1:
        parser.error("--rows and --test-rows must be positive")

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    print(
        f"Generating {args.rows:,} history rows and {args.test_rows:,} applicants, "
        f"seed {args.seed} ..."
    )
    start = time.perf_counter()
    paths = write_dataset(args.out, n_train=args.rows, n_test=args.test_rows, seed=args.seed)
    elapsed = time.perf_counter() - start
    for role, path in paths.items():
        print(f"  {role:<10} {path}  ({path.stat().st_size / 1e6:.1f} MB)")
    print(f"Done in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
