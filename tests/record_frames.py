"""Credit-record frames for tests: ``n`` rows of a table with plausible filler in every column of
Kaggle's schema, the columns a test cares about given (shared by the validation and ingest
tests)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from credit_dashboard.storage.credit_records.schema import TABLES


def record_table(name: str, n: int, **given: list) -> pd.DataFrame:
    """``n`` rows of ``name`` with plausible filler, the given columns set."""
    spec = TABLES[name]
    columns: dict[str, np.ndarray] = {}
    for i, (column, dtype) in enumerate(spec.columns.items()):
        if dtype == "int64":
            columns[column] = np.arange(n, dtype=np.int64) - 5
        elif dtype == "float64":
            columns[column] = np.linspace(0.0, 1000.0, n) + i
        else:
            columns[column] = np.array(["Active", "Closed"] * n, dtype=object)[:n]
    for column, values in given.items():
        columns[column] = np.asarray(values, dtype=spec.columns[column])
    return pd.DataFrame(columns, columns=list(spec.columns))
