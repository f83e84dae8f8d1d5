"""Per-client features from the credit records: one module, one SQL query, every caller.

Training (all clients at once), batch ingest (a batch's clients), the advisor page and the API
(one client) all call :func:`aggregate` or :func:`aggregate_frames`, which run the same query,
so a client's features cannot differ between the model's training and its serving.

Why SQL (DuckDB) and not pandas: at full size the six tables hold 57 million rows; DuckDB
aggregates them in parallel out of core, straight from the Parquet files, and the same query
answers one client by reading only the row groups that hold it.

A client without records of a kind is information, not an error: counts are 0 and ratios and
dates are missing (LightGBM learns a direction for missing values). Every feature is named
``CR_*`` (credit records) so the application table's columns and these never collide.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping, Sequence

import duckdb
import numpy as np
import pandas as pd

from credit_dashboard.model.record_catalogue import (
    COUNT_FEATURES,
    DEFINITIONS,
    PREFIX,
    RECORD_FACTS,
    RECORD_FEATURE_FACTS,
    RECORD_FEATURES,
    attach,
    is_record_feature,
)
from credit_dashboard.storage.credit_records.schema import TABLES, TableSpec
from credit_dashboard.storage.credit_records.store import (
    PARTS_DIR,
    CreditRecordStore,
    conform,
    empty_frame,
    sql_type,
    table_sql,
)
from credit_dashboard.storage.schema import ID_COLUMN

__all__ = [
    "COUNT_FEATURES",
    "PREFIX",
    "RECORD_FEATURES",
    "RECORD_FEATURE_FACTS",
    "RECORD_FACTS",
    "aggregate",
    "SIGNATURE",
    "aggregate_frames",
    "all_features",
    "attach",
    "features_for",
    "store_aggregates",
    "is_record_feature",
]

logger = logging.getLogger(__name__)

_LATE_STATUS = "TRY_CAST(STATUS AS INTEGER)"

#: One CTE per table; ``{where}`` filters the client-keyed tables ("" for every client).
_CTES = f"""
b AS (
  SELECT SK_ID_CURR, count(*) AS n,
    count(*) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS active,
    avg(DAYS_CREDIT) AS days_credit_mean, max(DAYS_CREDIT) AS days_credit_max,
    coalesce(sum(greatest(AMT_CREDIT_SUM_DEBT, 0)) FILTER (WHERE CREDIT_ACTIVE = 'Active'), 0)
      AS debt,
    sum(AMT_CREDIT_SUM) FILTER (WHERE CREDIT_ACTIVE = 'Active') AS credit,
    coalesce(sum(AMT_CREDIT_SUM_OVERDUE), 0) AS overdue,
    max(CREDIT_DAY_OVERDUE) AS overdue_days, max(AMT_CREDIT_MAX_OVERDUE) AS max_overdue,
    count(*) FILTER (WHERE CREDIT_ACTIVE IN ('Sold', 'Bad debt')) AS bad_debt,
    count(*) FILTER (WHERE DAYS_CREDIT >= -365) AS last_year
  FROM bureau {{where}} GROUP BY SK_ID_CURR),
bb AS (
  SELECT k.SK_ID_CURR,
    count(*) FILTER (WHERE {_LATE_STATUS} >= 1) AS late,
    count(*) FILTER (WHERE {_LATE_STATUS} >= 0) AS known,
    count(*) FILTER (WHERE {_LATE_STATUS} >= 1 AND MONTHS_BALANCE >= -12) AS late_12,
    max({_LATE_STATUS}) AS worst
  FROM bureau_balance m JOIN (SELECT SK_ID_CURR, SK_ID_BUREAU FROM bureau {{where}}) k
    USING (SK_ID_BUREAU)
  GROUP BY k.SK_ID_CURR),
p AS (
  SELECT SK_ID_CURR, count(*) AS n,
    count(*) FILTER (WHERE NAME_CONTRACT_STATUS = 'Refused') AS refused,
    count(*) FILTER (WHERE NAME_CONTRACT_STATUS = 'Approved') AS approved,
    coalesce(sum(AMT_APPLICATION) FILTER (WHERE NAME_CONTRACT_STATUS = 'Refused'), 0)
      AS refused_amount,
    max(DAYS_DECISION) AS days_decision_max,
    count(*) FILTER (WHERE DAYS_DECISION >= -365) AS last_year,
    avg(AMT_APPLICATION / NULLIF(AMT_CREDIT, 0)) AS asked_granted
  FROM previous_application {{where}} GROUP BY SK_ID_CURR),
i AS (
  SELECT SK_ID_CURR, count(*) AS n,
    count(*) FILTER (WHERE DAYS_ENTRY_PAYMENT > DAYS_INSTALMENT) AS late,
    count(*) FILTER (WHERE DAYS_INSTALMENT >= -365) AS n_12,
    count(*) FILTER (WHERE DAYS_INSTALMENT >= -365 AND DAYS_ENTRY_PAYMENT > DAYS_INSTALMENT)
      AS late_12,
    count(*) FILTER (WHERE DAYS_INSTALMENT >= -182) AS n_6,
    count(*) FILTER (WHERE DAYS_INSTALMENT >= -182 AND DAYS_ENTRY_PAYMENT > DAYS_INSTALMENT)
      AS late_6,
    avg(greatest(DAYS_ENTRY_PAYMENT - DAYS_INSTALMENT, 0)) AS days_late_mean,
    max(greatest(DAYS_ENTRY_PAYMENT - DAYS_INSTALMENT, 0)) AS days_late_max,
    count(*) FILTER (WHERE AMT_PAYMENT < AMT_INSTALMENT) AS partial,
    count(*) FILTER (WHERE DAYS_INSTALMENT >= -365 AND AMT_PAYMENT < AMT_INSTALMENT)
      AS partial_12,
    sum(AMT_PAYMENT) AS paid, sum(AMT_INSTALMENT) AS due
  FROM installments_payments {{where}} GROUP BY SK_ID_CURR),
pos AS (
  SELECT SK_ID_CURR, count(*) AS n, max(SK_DPD) AS dpd_max,
    count(*) FILTER (WHERE SK_DPD > 0) AS late,
    coalesce(sum(CNT_INSTALMENT_FUTURE) FILTER (WHERE latest AND NAME_CONTRACT_STATUS = 'Active'),
      0) AS remaining
  FROM (SELECT *, MONTHS_BALANCE = max(MONTHS_BALANCE) OVER (PARTITION BY SK_ID_PREV) AS latest
        FROM POS_CASH_balance {{where}})
  GROUP BY SK_ID_CURR),
c AS (
  SELECT SK_ID_CURR, count(*) AS n,
    avg(AMT_BALANCE / NULLIF(AMT_CREDIT_LIMIT_ACTUAL, 0)) AS use_mean,
    avg(AMT_BALANCE / NULLIF(AMT_CREDIT_LIMIT_ACTUAL, 0)) FILTER (WHERE latest) AS use_last,
    avg(AMT_DRAWINGS_CURRENT) AS drawings_mean, max(SK_DPD) AS dpd_max
  FROM (SELECT *, MONTHS_BALANCE = max(MONTHS_BALANCE) OVER (PARTITION BY SK_ID_PREV) AS latest
        FROM credit_card_balance {{where}})
  GROUP BY SK_ID_CURR)
"""

#: Up to this many ids are written into the query (DuckDB then skips the row groups that cannot
#: hold them); more are joined from a registered table.
_LITERAL_IDS = 256


def _query(where: str, ids_source: str) -> str:
    selects = []
    for name, (_, _, expression) in DEFINITIONS.items():
        value = f"CAST({expression} AS DOUBLE)"
        if name in COUNT_FEATURES:
            value = f"coalesce({value}, 0)"
        selects.append(f'{value} AS "{name}"')
    joins = " ".join(f"LEFT JOIN {alias} USING (SK_ID_CURR)"
                     for alias in ("b", "bb", "p", "i", "pos", "c"))
    return (f"WITH {_CTES.format(where=where)} SELECT ids.SK_ID_CURR, {', '.join(selects)} "
            f"FROM {ids_source} ids {joins} ORDER BY ids.SK_ID_CURR")


def aggregate(con: duckdb.DuckDBPyConnection, ids: Sequence[int] | np.ndarray) -> pd.DataFrame:
    """The record features of ``ids`` (one row each, in id order) from the tables (views or
    tables named as Kaggle's files) that ``con`` sees."""
    unique = np.unique(np.asarray(ids, dtype=np.int64))
    if len(unique) == 0:
        return pd.DataFrame({ID_COLUMN: pd.Series(dtype="int64"),
                             **{n: pd.Series(dtype="float64") for n in DEFINITIONS}})
    if len(unique) <= _LITERAL_IDS:
        listed = ", ".join(str(int(i)) for i in unique)
        where = f"WHERE SK_ID_CURR IN ({listed})"
        source = f"(SELECT unnest([{listed}]) AS SK_ID_CURR)"
        frame = con.execute(_query(where, source)).df()
    else:
        con.register("_record_ids", pd.DataFrame({ID_COLUMN: unique}))
        try:
            where = "WHERE SK_ID_CURR IN (SELECT SK_ID_CURR FROM _record_ids)"
            frame = con.execute(_query(where, "_record_ids")).df()
        finally:
            con.unregister("_record_ids")
    frame[ID_COLUMN] = frame[ID_COLUMN].astype("int64")
    for name in DEFINITIONS:
        frame[name] = frame[name].astype("float64")
    return frame.reset_index(drop=True)


def aggregate_frames(
    frames: Mapping[str, pd.DataFrame], ids: Sequence[int] | np.ndarray | None = None
) -> pd.DataFrame:
    """:func:`aggregate` over tables held in memory (a request's records, a batch's files);
    tables left out count as empty. ``ids`` default to every client in the frames."""
    con = duckdb.connect(config={"threads": 1})
    try:
        seen: list[np.ndarray] = []
        for name, spec in TABLES.items():
            frame = frames.get(name)
            frame = empty_frame(spec) if frame is None else conform(spec, frame)
            con.register(f"_{name}", frame)
            # Cast to the schema's types: an empty or all-missing column keeps its type.
            con.execute(f'CREATE VIEW "{name}" AS SELECT {_casts(spec)} FROM "_{name}"')
            if spec.has_client and len(frame):
                seen.append(frame[ID_COLUMN].to_numpy(dtype=np.int64))
        if ids is None:
            ids = np.unique(np.concatenate(seen)) if seen else np.array([], dtype=np.int64)
        return aggregate(con, ids)
    finally:
        con.close()


def _casts(spec: TableSpec) -> str:
    return ", ".join(f'CAST("{c}" AS {sql_type(d)}) AS "{c}"' for c, d in spec.columns.items())


def _signature() -> str:
    text = _query("", "ids") + "|" + ",".join(DEFINITIONS)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


#: Which code computed stored features: a file with another signature is recomputed, not read.
SIGNATURE = _signature()


def store_aggregates(store: CreditRecordStore, part: str | None = None,
                     threads: int | None = None) -> pd.DataFrame:
    """Compute the features of every client of the base tables (or of ``part``) and store them
    beside the tables (:meth:`CreditRecordStore.write_aggregates`); returns them."""
    folder = store.root if part is None else store.root / PARTS_DIR / part
    files = [str(folder / spec.file) for spec in TABLES.values()
             if spec.has_client and (folder / spec.file).is_file()]
    con = duckdb.connect(config={"threads": threads or os.cpu_count() or 1})
    try:
        for name, spec in TABLES.items():
            con.execute(f'CREATE VIEW "{name}" AS {table_sql(spec, map(str, store.files(name)))}')
        if files:
            listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
            ids = con.execute(f"SELECT DISTINCT SK_ID_CURR FROM read_parquet([{listed}], "
                              "union_by_name = true) ORDER BY 1").df()[ID_COLUMN].to_numpy()
        else:
            ids = np.array([], dtype=np.int64)
        features = aggregate(con, ids)
    finally:
        con.close()
    store.write_aggregates(features, SIGNATURE, part)
    logger.info("stored the credit-record features of %d clients (%s)", len(features),
                part or "base")
    return features


#: Up to this many clients, features not stored are computed from the clients' own rows.
_FEW_CLIENTS = 16


def features_for(store: CreditRecordStore | None, ids: Sequence[int] | np.ndarray) -> pd.DataFrame:
    """The record features of ``ids`` from the store: the stored ones when they are current (a
    one-row lookup per client), else computed now by the same query. Clients without records
    are absent (``attach`` gives them the no-records values)."""
    if store is None or not store.available:
        return aggregate_frames({}, [])
    if store.aggregates_current(SIGNATURE):
        return store.read_aggregates(ids, SIGNATURE)
    unique = np.unique(np.asarray(ids, dtype=np.int64))
    if len(unique) <= _FEW_CLIENTS:
        # Stored features missing or stale (a new version's code before train.py or an ingest
        # stored them): a page's few clients are aggregated from their own rows, never by a
        # query over every file of the store in a web worker.
        rows = [store.client_records(int(i)) for i in unique]
        return aggregate_frames({name: pd.concat([r[name] for r in rows], ignore_index=True)
                                 for name in TABLES}, unique)
    return aggregate(store.connection(), unique)


def all_features(store: CreditRecordStore) -> pd.DataFrame:
    """Every stored client's features (training): the stored files when current, else computed
    from the tables with every core and stored for the next reader."""
    if not store.available:
        return aggregate_frames({}, [])
    if not store.aggregates_current(SIGNATURE):
        logger.info("credit-record features are missing or stale in %s: computing them",
                    store.root)
        store_aggregates(store)
        for part in store.parts():
            store_aggregates(store, part)
    return store.all_aggregates(SIGNATURE)
