"""Score a file of applicants offline with the active model version, reasons of refusals in words.

    .venv/bin/python scripts/score.py --applicants application_test.csv.gz --out scores.csv
    .venv/bin/python scripts/score.py --applicants new.parquet --credit-records records/ \\
        --out scores.csv --language fr

Writes one line per client: ``SK_ID_CURR, default_probability, decision, reason_1 .. reason_4``,
the same columns, numbers and words as ``GET /api/batches/<id>/scores.csv`` (for a refusal the
advisor page's reasons, at most four, each with its effect in points; nothing for a grant).
The file is validated with the importer's rules (``loading.read_table``; the credit records with
:mod:`credit_dashboard.storage.credit_records.validation`, their clients being the file's).
When the active model uses credit-record features, they come from ``--credit-records`` or,
without it, from the data folder's credit-record store (clients with no records get the
no-records values). Nothing is stored anywhere but ``--out``, which is written atomically.
On bad input: one line on stderr, exit code 1, nothing written.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from credit_dashboard import i18n
from credit_dashboard.config import get_settings
from credit_dashboard.model.artifact import ArtifactError, check_input_schema, load_model
from credit_dashboard.model.record_features import (
    aggregate_frames,
    features_for,
    is_record_feature,
)
from credit_dashboard.services.batch_reasons import reason_texts
from credit_dashboard.services.batch_scores import REASONS_COLUMN, score_batch
from credit_dashboard.services.batch_service import CSV_REASON_COLUMNS
from credit_dashboard.services.ingest import scoring_frame, uses_records
from credit_dashboard.storage.credit_records.schema import RECORDS_DIR
from credit_dashboard.storage.credit_records.store import CreditRecordStore
from credit_dashboard.storage.credit_records.validation import read_records_dir
from credit_dashboard.storage.loading import APPLICANTS, DataValidationError, read_table
from credit_dashboard.storage.schema import ID_COLUMN

logger = logging.getLogger("score")


class ScoreError(ValueError):
    """Bad input: the one-line message names the file and the problem."""


def write_scores_csv(scores: pd.DataFrame, out: Path) -> None:
    """The scores CSV (the batch export's rows: ``BatchService.scores_csv``), written to a
    temporary file beside ``out``, flushed, then renamed: a reader sees no half file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow([ID_COLUMN, "default_probability", "decision", *CSV_REASON_COLUMNS])
            empty = [""] * len(CSV_REASON_COLUMNS)
            for client, p, verdict, spec in zip(
                    scores[ID_COLUMN].to_numpy(), scores["default_probability"].to_numpy(),
                    scores["decision"].to_numpy(), scores[REASONS_COLUMN].to_numpy(),
                    strict=True):
                cells = (reason_texts(spec) + empty)[: len(CSV_REASON_COLUMNS)]
                writer.writerow([int(client), f"{p:.6f}", verdict, *cells])
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def score_file(applicants_path: Path, records_dir: Path | None, artifacts_dir: Path,
               data_dir: Path) -> tuple[pd.DataFrame, str, int | None]:
    """Validate, then score every applicant; returns (scores table, model version, clients with
    credit records, None when records were neither given nor used by the model).
    Raises ScoreError with one line on bad input or a missing model."""
    try:
        applicants = read_table(applicants_path, APPLICANTS)
        ids = applicants[ID_COLUMN].to_numpy()
        records = None if records_dir is None else read_records_dir(records_dir, ids)
    except DataValidationError as exc:
        raise ScoreError(str(exc)) from exc
    try:
        loaded = load_model(artifacts_dir)
        required = loaded.card.get("input_schema", {}).get("columns", [])
        check_input_schema(loaded.card, list(applicants.columns)
                           + [c for c in required if is_record_feature(c)], applicants_path)
    except ArtifactError as exc:
        raise ScoreError(str(exc).splitlines()[0]) from exc
    aggregates = None
    if records is not None:
        aggregates = aggregate_frames(records, ids)
    elif uses_records(loaded.model):
        aggregates = features_for(CreditRecordStore(data_dir / RECORDS_DIR), ids)
    with_records = None  # not asked for and not used by the model
    if aggregates is not None:
        with_records = 0
    if aggregates is not None and len(aggregates):
        counted = [c for c in aggregates.columns if is_record_feature(c)]
        with_records = int(aggregates[counted].fillna(0).ne(0).any(axis=1).sum())
    frame = scoring_frame(loaded.model, applicants, aggregates)
    scores = score_batch(loaded.model, frame, str(loaded.version))
    return scores.table, str(loaded.version), with_records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applicants", type=Path, required=True,
                        help="applicants to score: .csv, .csv.gz or .parquet (Kaggle's columns)")
    parser.add_argument("--credit-records", type=Path, metavar="DIR",
                        help="folder of their credit-record files (Kaggle's names, any subset)")
    parser.add_argument("--artifacts", type=Path,
                        help="model folder; default CREDIT_ARTIFACTS_DIR or artifacts/")
    parser.add_argument("--data-dir", type=Path,
                        help="data folder whose credit-record store is read when no "
                             "--credit-records is given; default CREDIT_DATA_DIR or data/")
    parser.add_argument("--out", type=Path, required=True, help="the scores CSV to write")
    parser.add_argument("--language", choices=("en", "fr"), default="en",
                        help="language of the reasons; default en")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    settings = get_settings()
    started = time.perf_counter()
    try:
        scores, version, with_records = score_file(
            args.applicants, args.credit_records, args.artifacts or settings.artifacts_dir,
            args.data_dir or settings.data_dir)
        with i18n.use_language(args.language):
            write_scores_csv(scores, args.out)
    except ScoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {args.out}: cannot write ({exc.strerror or exc})", file=sys.stderr)
        return 1
    refused = int(np.sum(scores["decision"].to_numpy() == "refuse"))
    records = ("" if with_records is None
               else f", {with_records:,} with credit records")
    print(f"{len(scores):,} clients scored with model {version} ({refused:,} refused{records}) "
          f"-> {args.out} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
