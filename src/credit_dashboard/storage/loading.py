"""Reading client tables from any Kaggle-style file, validating them at the door.

Real Kaggle files (``application_train.csv``, ``application_test.csv``, gzipped or not) and Parquet
copies take the same path as the generated data: :func:`read_table` checks the schema (required
columns, numeric types, complete integer columns, unique ids, TARGET in {0, 1}) and returns the
table in the schema's column order and dtypes; :func:`ingest` validates then writes the Parquet
tables the app reads. Anything wrong raises one :class:`DataValidationError` whose message names the
file and the problem (and the column, value and row when there is one), and nothing is written.
"""

from __future__ import annotations

import gzip
import logging
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from credit_dashboard.config import APPLICANTS_TABLE, TRAIN_TABLE
from credit_dashboard.i18n import gettext as _
from credit_dashboard.storage import schema
from credit_dashboard.storage.atomic import write_tables_atomic

logger = logging.getLogger(__name__)

TRAIN = "train"
APPLICANTS = "applicants"
_CSV_SUFFIXES = (".csv", ".csv.gz")
_PARQUET_SUFFIXES = (".parquet", ".pq")
#: How many missing column names a message lists before "and N more".
_LIST_LIMIT = 10


class DataValidationError(ValueError):
    """A client table cannot be used; the message names the file and the problem."""


def read_table(path: str | Path, kind: str) -> pd.DataFrame:
    """Read and validate a client table; ``kind`` is "train" (needs TARGET) or "applicants"."""
    if kind not in (TRAIN, APPLICANTS):
        raise ValueError(f"kind must be {TRAIN!r} or {APPLICANTS!r}, got {kind!r}")
    path = Path(path)
    raw, is_csv = _read_raw(path)
    return _validate(raw, path, kind, is_csv)


def ingest(
    train_src: str | Path | None, applicants_src: str | Path | None, out_dir: str | Path
) -> dict[str, Path]:
    """Validate the given tables, then write them as the app's Parquet tables in ``out_dir``.

    Either source may be omitted (``None``) to replace only the other table. Both are validated
    before anything is written, and the writes are atomic, so an error leaves ``out_dir`` as it was.
    Returns the written paths by role ("train", "applicants").
    """
    if train_src is None and applicants_src is None:
        raise ValueError("give at least one of train_src and applicants_src")
    out = Path(out_dir)
    tables: dict[str, tuple[Path, pd.DataFrame]] = {}
    if train_src is not None:
        tables[TRAIN] = (out / TRAIN_TABLE, read_table(train_src, TRAIN))
    if applicants_src is not None:
        tables[APPLICANTS] = (out / APPLICANTS_TABLE, read_table(applicants_src, APPLICANTS))
    if len(tables) == 2:
        _check_disjoint(tables[TRAIN][1], tables[APPLICANTS][1], Path(applicants_src))
    write_tables_atomic({path: frame for path, frame in tables.values()})
    for role, (path, frame) in tables.items():
        logger.info("wrote %s table %s (%d rows)", role, path, len(frame))
    return {role: path for role, (path, _) in tables.items()}


def _read_raw(path: Path) -> tuple[pd.DataFrame, bool]:
    if not path.exists():
        raise DataValidationError(_("{path}: file not found").format(path=path))
    if not path.is_file():
        raise DataValidationError(_("{path}: not a file").format(path=path))
    name = path.name.lower()
    is_csv = name.endswith(_CSV_SUFFIXES)
    if not is_csv and not name.endswith(_PARQUET_SUFFIXES):
        raise DataValidationError(
            _("{path}: unsupported file type (expected .csv, .csv.gz or .parquet)").format(
                path=path)
        )
    if path.stat().st_size == 0:
        raise DataValidationError(_("{path}: file is empty").format(path=path))
    try:
        frame = pd.read_csv(path, low_memory=False) if is_csv else pd.read_parquet(path)
    except pd.errors.EmptyDataError as exc:
        raise DataValidationError(
            _("{path}: file is empty (no header row)").format(path=path)
        ) from exc
    except pd.errors.ParserError as exc:
        raise DataValidationError(_("{path}: malformed CSV ({detail})").format(
            path=path, detail=_first_line(exc))) from exc
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise DataValidationError(
            _("{path}: unreadable file, truncated or not text ({detail})").format(
                path=path, detail=_first_line(exc))
        ) from exc
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        kind = "CSV" if is_csv else "Parquet"
        raise DataValidationError(
            _("{path}: unreadable {kind} file, truncated or corrupt ({detail})").format(
                path=path, kind=kind, detail=_first_line(exc))
        ) from exc
    if frame.empty:
        raise DataValidationError(_("{path}: the table has no rows").format(path=path))
    return frame, is_csv


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _validate(raw: pd.DataFrame, path: Path, kind: str, is_csv: bool) -> pd.DataFrame:
    required = schema.TRAIN_COLUMNS if kind == TRAIN else schema.TEST_COLUMNS
    raw.columns = [str(c).strip() for c in raw.columns]
    duplicated = sorted({c for c in raw.columns if list(raw.columns).count(c) > 1})
    if duplicated:
        raise DataValidationError(_("{path}: duplicated column names {names}").format(
            path=path, names=duplicated))
    missing = [c for c in required if c not in raw.columns]
    if missing:
        shown = ", ".join(missing[:_LIST_LIMIT])
        more = (_(" and {n} more").format(n=len(missing) - _LIST_LIMIT)
                if len(missing) > _LIST_LIMIT else "")
        raise DataValidationError(
            _("{path}: missing {n} required column(s) for a {kind} table: {columns}").format(
                path=path, n=len(missing), kind=kind, columns=shown) + more
        )
    extra = [c for c in raw.columns if c not in required]
    if extra:
        logger.warning("%s: ignoring %d column(s) not in the schema: %s", path, len(extra), extra)

    where = RowLocator(is_csv)
    out = {}
    for column in required:
        values = raw[column]
        if column in schema.CATEGORY_LEVELS:
            out[column] = _text_column(values)
        else:
            out[column] = _numeric_column(values, column, path, where)
    frame = pd.DataFrame(out, columns=list(required))
    _check_ids(frame, path, where)
    if kind == TRAIN:
        _check_target(frame, path, where)
    return frame


class RowLocator:
    """Says where a bad value is: data row number, plus the line number for a CSV (header = 1)."""

    def __init__(self, is_csv: bool) -> None:
        self.is_csv = is_csv

    def __call__(self, position: int) -> str:
        row = _("row {n}").format(n=position + 1)
        return _("{row} (line {line})").format(row=row, line=position + 2) if self.is_csv else row


def _text_column(values: pd.Series) -> pd.Series:
    """Strings with NaN for missing, whatever the reader inferred (an all-empty column is float)."""
    present = values.notna()
    out = pd.Series(np.nan, index=values.index, dtype=object)
    out[present] = values[present].astype(str)
    return out


def _numeric_column(values: pd.Series, column: str, path: Path, where: RowLocator) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna() & values.notna()
    if values.dtype == object:  # blank strings are missing values, not bad ones
        bad &= values.astype(str).str.strip().ne("")
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataValidationError(
            _("{path}: column {column} must be numeric, found {value} at {where} ({n} bad "
              "value(s) in that column)").format(path=path, column=column,
                                                 value=repr(values.iloc[position]),
                                                 where=where(position), n=int(bad.sum()))
        )
    numbers = numbers.astype(float)
    if schema.pandas_dtype(column) == "int64":
        gaps = numbers.isna()
        if gaps.any():
            position = int(np.flatnonzero(gaps.to_numpy())[0])
            raise DataValidationError(
                _("{path}: column {column} must be complete, value missing at {where}").format(
                    path=path, column=column, where=where(position))
            )
        fractional = numbers != np.round(numbers)
        if fractional.any():
            position = int(np.flatnonzero(fractional.to_numpy())[0])
            raise DataValidationError(
                _("{path}: column {column} must hold whole numbers, found {value} at {where}")
                .format(path=path, column=column, value=repr(values.iloc[position]),
                        where=where(position))
            )
        return numbers.astype(np.int64)
    return numbers


def _check_ids(frame: pd.DataFrame, path: Path, where: RowLocator) -> None:
    ids = frame[schema.ID_COLUMN]
    duplicated = ids.duplicated(keep=False)
    if duplicated.any():
        positions = np.flatnonzero(duplicated.to_numpy())
        first = int(ids.iloc[positions[0]])
        rows = [where(int(p)) for p in positions[ids.iloc[positions].to_numpy() == first][:2]]
        raise DataValidationError(
            _("{path}: {column} must be unique, {id} appears at {rows} ({n} duplicated id(s) "
              "in all)").format(path=path, column=schema.ID_COLUMN, id=first,
                                rows=_(" and ").join(rows), n=int(ids.duplicated().sum()))
        )


def _check_target(frame: pd.DataFrame, path: Path, where: RowLocator) -> None:
    target = frame[schema.TARGET_COLUMN]
    bad = ~target.isin([0, 1])
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        value = target.iloc[position].item()
        raise DataValidationError(
            _("{path}: {column} must be 0 or 1, found {value} at {where}").format(
                path=path, column=schema.TARGET_COLUMN, value=repr(value), where=where(position))
        )


def _check_disjoint(train: pd.DataFrame, applicants: pd.DataFrame, path: Path) -> None:
    shared = np.intersect1d(train[schema.ID_COLUMN], applicants[schema.ID_COLUMN])
    if len(shared):
        raise DataValidationError(
            _("{path}: {n} applicant id(s) also appear in the history, e.g. {column} {id}: "
              "applicants must be new clients").format(path=path, n=len(shared),
                                                      column=schema.ID_COLUMN, id=int(shared[0]))
        )
