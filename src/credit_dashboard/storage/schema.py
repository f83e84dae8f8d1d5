"""The Kaggle *Home Credit Default Risk* application table schema: one source of truth.

Column names, order, dtypes and category levels of ``application_train.csv`` (122 columns) and
``application_test.csv`` (121 columns, no ``TARGET``), exactly as Kaggle ships them. The generator
writes this schema, the loader validates against it and the model card records it, so a file that
drifts from it is caught at the door instead of deep inside a pipeline. The literal tables are in
:mod:`.kaggle_columns`; import them from here, with the column sets derived from them and Kaggle's
conventions every layer needs: what a missing cell is, and how its ``DAYS_*`` counts become years.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import pandas as pd

from credit_dashboard.storage.kaggle_columns import (
    CATEGORY_LEVELS,
    INTEGER_COLUMNS,
    TRAIN_COLUMNS,
)

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "CATEGORICAL_COLUMNS",
    "CATEGORY_LEVELS",
    "CREDIT_BUREAU_COLUMNS",
    "DAYS_EMPLOYED_ANOMALY",
    "DAYS_PER_YEAR",
    "HOUSING_COLUMNS",
    "ID_COLUMN",
    "INTEGER_COLUMNS",
    "NUMERIC_COLUMNS",
    "TARGET_COLUMN",
    "TEST_COLUMNS",
    "TRAIN_COLUMNS",
    "days_to_years",
    "is_missing",
    "pandas_dtype",
    "years_to_days",
]

ID_COLUMN = "SK_ID_CURR"
TARGET_COLUMN = "TARGET"

#: ``application_test.csv`` is the same table without ``TARGET``.
TEST_COLUMNS: tuple[str, ...] = tuple(c for c in TRAIN_COLUMNS if c != TARGET_COLUMN)

CATEGORICAL_COLUMNS: tuple[str, ...] = tuple(CATEGORY_LEVELS)

#: Every other column is numeric: int64 when in ``INTEGER_COLUMNS``, float64 otherwise.
NUMERIC_COLUMNS: tuple[str, ...] = tuple(
    c for c in TRAIN_COLUMNS if c not in CATEGORY_LEVELS and c != TARGET_COLUMN
)

#: The 47 building/housing columns (``*_AVG``, ``*_MODE``, ``*_MEDI`` and friends), missing
#: together: the contiguous run from APARTMENTS_AVG to EMERGENCYSTATE_MODE in Kaggle's order.
_HOUSING_FIRST = TRAIN_COLUMNS.index("APARTMENTS_AVG")
_HOUSING_LAST = TRAIN_COLUMNS.index("EMERGENCYSTATE_MODE")
HOUSING_COLUMNS: tuple[str, ...] = TRAIN_COLUMNS[_HOUSING_FIRST : _HOUSING_LAST + 1]

#: The six credit-bureau enquiry counts, missing together.
CREDIT_BUREAU_COLUMNS: tuple[str, ...] = tuple(
    c for c in TRAIN_COLUMNS if c.startswith("AMT_REQ_CREDIT_BUREAU_")
)


def pandas_dtype(column: str) -> str:
    """The pandas dtype Kaggle's CSV yields for ``column`` (``object`` for text columns)."""
    if column in CATEGORY_LEVELS:
        return "object"
    return "int64" if column in INTEGER_COLUMNS else "float64"


def is_missing(value: object) -> bool:
    """True for a missing cell: ``None``, NaN, ``pd.NA`` or ``NaT``, as pandas yields them
    depending on the column's dtype; False for every present value, text included."""
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


#: Kaggle's placeholder for "not employed" (pensioners, unemployed): about 1000 years.
DAYS_EMPLOYED_ANOMALY = 365243

#: ``DAYS_*`` columns count days before the application; this turns them into years.
DAYS_PER_YEAR = 365.25

_Days = TypeVar("_Days", float, "np.ndarray", "pd.Series")


def days_to_years(days: _Days) -> _Days:
    """Years before the application for a ``DAYS_*`` count (Kaggle's days are negative).

    A number, a numpy array or a pandas Series go through the same arithmetic, so a client's age
    on the page, a chart's axis and a 300,000-row table agree to the last digit. The
    ``DAYS_EMPLOYED`` placeholder (:data:`DAYS_EMPLOYED_ANOMALY`) is the caller's to handle: it
    means "not employed", not a thousand years in the future.
    """
    return -days / DAYS_PER_YEAR


def years_to_days(years: float) -> int:
    """The whole number of days Kaggle stores for ``years`` before the application (negative)."""
    return -int(round(years * DAYS_PER_YEAR))
