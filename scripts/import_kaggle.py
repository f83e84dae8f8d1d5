"""Load real Kaggle files (or any CSV / Parquet with the same schema) as the app's tables.

    .venv/bin/python scripts/import_kaggle.py --train application_train.csv \\
        --applicants application_test.csv.gz --out data
    .venv/bin/python scripts/import_kaggle.py --credit-records kaggle/ --out data

Any of the three may be given alone: only what is given is replaced, the rest is left as it is.
``--credit-records DIR`` takes Kaggle's credit-record files found in DIR (``bureau.csv``,
``bureau_balance.csv.gz``, ``POS_CASH_balance.parquet``..., any subset of the six) and replaces
those tables only in ``<out>/credit_records/``; their clients must be clients of the history or
the applicants (those imported now, or those already in ``--out``).
Everything is validated (required columns, numeric types, unique ids and keys, TARGET in {0, 1},
known clients, one client per loan, bureau months of known bureau credits) before anything is
written; on a problem the script prints one message naming the file and exits with 1.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from credit_dashboard.config import APPLICANTS_TABLE, TRAIN_TABLE
from credit_dashboard.model.record_features import store_aggregates
from credit_dashboard.storage.atomic import write_tables_atomic
from credit_dashboard.storage.credit_records.schema import RECORDS_DIR, TABLES
from credit_dashboard.storage.credit_records.store import CreditRecordStore
from credit_dashboard.storage.credit_records.validation import find_record_files, read_records_dir
from credit_dashboard.storage.loading import (
    APPLICANTS,
    TRAIN,
    DataValidationError,
    _check_disjoint,
    ingest,
    read_table,
)
from credit_dashboard.storage.schema import ID_COLUMN

logger = logging.getLogger("import_kaggle")


def _stored_ids(path: Path) -> np.ndarray:
    """Client ids of a table already in the data folder (none when it is absent)."""
    if not path.is_file():
        return np.array([], dtype=np.int64)
    return pq.read_table(path, columns=[ID_COLUMN]).column(0).to_numpy()


def _kept_loans(store: CreditRecordStore, replaced: set[str]) -> pd.DataFrame:
    """Loan -> client of the stored tables this import keeps (base tables not replaced, and
    every batch's part), in ``CreditRecordStore.loan_owners()``'s columns: a new table may not
    give one of them to another client."""
    parts = []
    for name, spec in TABLES.items():
        if not (spec.has_client and spec.loan_column):
            continue
        base = store.root / spec.file
        for path in store.files(name):
            if path == base and name in replaced:
                continue
            pairs = pq.read_table(path, columns=[spec.loan_column, ID_COLUMN]).to_pandas()
            pairs = pairs.drop_duplicates().rename(columns={spec.loan_column: "loan"})
            parts.append(pairs.assign(kind=spec.loan_column))
    if not parts:
        return pd.DataFrame({"kind": [], "loan": [], ID_COLUMN: []})
    return pd.concat(parts, ignore_index=True).drop_duplicates()


def _check_kept_months(store: CreditRecordStore, records: dict[str, pd.DataFrame]) -> None:
    """Replacing bureau alone must not leave stored bureau months of credits it no longer has."""
    if "bureau" not in records or "bureau_balance" in records:
        return
    path = store.root / TABLES["bureau_balance"].file
    if not path.is_file():
        return
    months = pq.read_table(path, columns=["SK_ID_BUREAU"]).column(0).to_numpy()
    orphans = np.setdiff1d(months, records["bureau"]["SK_ID_BUREAU"].to_numpy())
    if len(orphans):
        raise DataValidationError(
            f"{path}: {len(orphans)} stored bureau credit(s) with monthly balances are not in "
            f"the new bureau table, e.g. SK_ID_BUREAU {int(orphans[0])}: import bureau_balance "
            "with it"
        )


def validate_records(directory: Path, out: Path, known: np.ndarray) -> dict[str, pd.DataFrame]:
    """The folder's credit-record tables, validated against the clients ``known`` and what the
    store in ``out`` keeps (bureau credits, loans); raise DataValidationError."""
    store = CreditRecordStore(out / RECORDS_DIR)
    given = set(find_record_files(directory))
    existing_bureau = None
    if "bureau_balance" in given and "bureau" not in given and (
            store.root / TABLES["bureau"].file).is_file():
        existing_bureau = pq.read_table(store.root / TABLES["bureau"].file,
                                        columns=["SK_ID_BUREAU"]).column(0).to_numpy()
    records = read_records_dir(directory, known, existing_bureau_ids=existing_bureau,
                               existing_loans=_kept_loans(store, given))
    _check_kept_months(store, records)
    return records


def write_records(out: Path, records: dict[str, pd.DataFrame]) -> None:
    """Replace the given base tables (atomic: a failure leaves the previous files), then store
    the base's per-client features again (the stale ones are removed first, so a failure there
    means "computed on demand", never "wrong")."""
    store = CreditRecordStore(out / RECORDS_DIR)
    store.remove_aggregates()
    store.write_base(records)
    store_aggregates(store)


def run(train: Path | None, applicants: Path | None, records_dir: Path | None,
        out: Path) -> dict[str, tuple[Path, int, int]]:
    """Validate everything given, then write it; returns what was written (path, rows, columns)
    by role. Raises DataValidationError before any write."""
    if records_dir is None:
        return {role: (path, *pd.read_parquet(path).shape)
                for role, path in ingest(train, applicants, out).items()}
    tables: dict[str, tuple[Path, pd.DataFrame]] = {}
    if train is not None:
        tables[TRAIN] = (out / TRAIN_TABLE, read_table(train, TRAIN))
    if applicants is not None:
        tables[APPLICANTS] = (out / APPLICANTS_TABLE, read_table(applicants, APPLICANTS))
    if len(tables) == 2:
        _check_disjoint(tables[TRAIN][1], tables[APPLICANTS][1], Path(applicants))
    known = np.concatenate([
        tables[role][1][ID_COLUMN].to_numpy() if role in tables else _stored_ids(out / name)
        for role, name in ((TRAIN, TRAIN_TABLE), (APPLICANTS, APPLICANTS_TABLE))
    ])
    if len(known) == 0:
        raise DataValidationError(
            f"{out}: no history or applicant table to attach credit records to: give --train "
            "and/or --applicants, or import them first"
        )
    records = validate_records(records_dir, out, known)
    # Records first: they are the larger write, and a failure there leaves everything as it was.
    write_records(out, records)
    written = {name: (out / RECORDS_DIR / TABLES[name].file, *frame.shape)
               for name, frame in records.items()}
    if tables:
        write_tables_atomic({path: frame for path, frame in tables.values()})
        written.update({role: (path, *frame.shape) for role, (path, frame) in tables.items()})
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(
            "Validate Kaggle Home Credit application tables (.csv, .csv.gz or .parquet) and "
            "credit records, and write them as the app's Parquet tables. --train, --applicants "
            "and --credit-records may each be given alone: only what is given is replaced. "
            "Nothing is written if a file is invalid."
        )
    )
    parser.add_argument(
        "--train", type=Path, help="labelled history, e.g. application_train.csv (needs TARGET)"
    )
    parser.add_argument(
        "--applicants", type=Path, help="new applicants, e.g. application_test.csv (no TARGET)"
    )
    parser.add_argument(
        "--credit-records", type=Path, metavar="DIR",
        help="folder of Kaggle's credit-record files (bureau, bureau_balance, "
             "previous_application, POS_CASH_balance, installments_payments, "
             "credit_card_balance; .csv, .csv.gz or .parquet; any subset)",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("data"), help="output folder; default data/"
    )
    args = parser.parse_args(argv)
    if args.train is None and args.applicants is None and args.credit_records is None:
        parser.error("give --train, --applicants, --credit-records or several")

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    start = time.perf_counter()
    try:
        written = run(args.train, args.applicants, args.credit_records, args.out)
    except DataValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for role, (path, rows, columns) in written.items():
        print(f"  {role:<22} {path}  {rows:,} rows x {columns} columns")
    print(f"Done in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
