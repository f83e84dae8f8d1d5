"""Maintainer check: do generated credit records look and behave like Kaggle's?

    PYTHONPATH=src python -m home_credit_synth.calibrate.records_check \\
        --profile ../shared/reference/history_profile.json --data data

logs, generated vs real (the profile): rows per client per table and shares of clients with none,
key category shares, each standard per-client aggregate's univariate AUC against TARGET and its
Spearman correlation with the mean external score (how much the records add to, or repeat, the
scores), and a plain LightGBM's cross-validated AUC on the application columns with and without
the aggregates (same folds). The aggregates are computed here with small pandas code on purpose:
the check must not depend on the product's feature module it helps to validate (that module,
``credit_dashboard.model.record_features``, is also reported when it can be imported).
The profile is read only by this maintainer tool, never by the generator or the tests.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as ds
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from credit_dashboard.storage.credit_records.schema import RECORDS_DIR, TABLE_NAMES, TABLES

logger = logging.getLogger(__name__)

ID = "SK_ID_CURR"
LATE_STATUSES = ("1", "2", "3", "4", "5")


def read_records(data: Path, ids: np.ndarray) -> dict[str, pd.DataFrame]:
    """The six tables restricted to ``ids`` (bureau_balance through their bureau credits)."""
    folder = data / RECORDS_DIR
    frames: dict[str, pd.DataFrame] = {}
    for name in TABLE_NAMES:
        dataset = ds.dataset(folder / TABLES[name].file)
        if name == "bureau_balance":
            keys = frames["bureau"]["SK_ID_BUREAU"].to_numpy()
            flt = ds.field("SK_ID_BUREAU").isin(keys)
        else:
            flt = ds.field(ID).isin(ids)
        frames[name] = dataset.to_table(filter=flt).to_pandas()
    return frames


def aggregates(f: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The profile's standard per-client aggregates (its ``aggregates_on_labelled_clients``
    names)."""
    b, bb, p = f["bureau"], f["bureau_balance"], f["previous_application"]
    pos, cc, ins = f["POS_CASH_balance"], f["credit_card_balance"], f["installments_payments"]
    out = {}
    g = b.groupby(ID)
    out["bureau_credits"] = g.size()
    out["bureau_active"] = g["CREDIT_ACTIVE"].apply(lambda s: (s == "Active").sum())
    out["bureau_days_credit_max"] = g["DAYS_CREDIT"].max()
    out["bureau_days_credit_mean"] = g["DAYS_CREDIT"].mean()
    out["bureau_overdue_days_max"] = g["CREDIT_DAY_OVERDUE"].max()
    out["bureau_debt_sum"] = g["AMT_CREDIT_SUM_DEBT"].sum(min_count=1)
    out["bureau_credit_sum"] = g["AMT_CREDIT_SUM"].sum()
    both = b.dropna(subset=["AMT_CREDIT_SUM_DEBT"]).groupby(ID)
    out["bureau_debt_to_credit"] = (both["AMT_CREDIT_SUM_DEBT"].sum()
                                    / both["AMT_CREDIT_SUM"].sum().replace(0, np.nan))
    out["bureau_overdue_sum"] = g["AMT_CREDIT_SUM_OVERDUE"].sum()
    out["bureau_prolong_sum"] = g["CNT_CREDIT_PROLONG"].sum()
    months = bb.merge(b[[ID, "SK_ID_BUREAU"]], on="SK_ID_BUREAU")
    months["late"] = months["STATUS"].isin(LATE_STATUSES)
    out["bureau_balance_late_share"] = months.groupby(ID)["late"].mean()
    g = p.groupby(ID)
    refused = p["NAME_CONTRACT_STATUS"].eq("Refused")
    out["prev_applications"] = g.size()
    out["prev_refused"] = refused.groupby(p[ID]).sum().where(lambda s: s > 0)
    out["prev_refused_share"] = refused.groupby(p[ID]).mean()
    out["prev_approved"] = p["NAME_CONTRACT_STATUS"].eq("Approved").groupby(p[ID]).sum()
    out["prev_days_decision_max"] = g["DAYS_DECISION"].max()
    ratio = p["AMT_APPLICATION"] / p["AMT_CREDIT"].replace(0, np.nan)
    out["prev_application_credit_ratio_mean"] = ratio.groupby(p[ID]).mean()
    out["prev_cnt_payment_mean"] = g["CNT_PAYMENT"].mean()
    g = pos.groupby(ID)
    out["pos_months"] = g.size()
    out["pos_dpd_max"] = g["SK_DPD"].max()
    out["pos_dpd_def_max"] = g["SK_DPD_DEF"].max()
    out["pos_late_share"] = pos["SK_DPD"].gt(0).groupby(pos[ID]).mean()
    out["pos_remaining_instalments_mean"] = g["CNT_INSTALMENT_FUTURE"].mean()
    use = cc["AMT_BALANCE"] / cc["AMT_CREDIT_LIMIT_ACTUAL"].replace(0, np.nan)
    out["cc_utilisation_mean"] = use.groupby(cc[ID]).mean()
    out["cc_dpd_max"] = cc.groupby(ID)["SK_DPD"].max()
    out["cc_drawings_mean"] = cc.groupby(ID)["AMT_DRAWINGS_CURRENT"].mean()
    late = (ins["DAYS_ENTRY_PAYMENT"] - ins["DAYS_INSTALMENT"]).gt(0)
    out["inst_late_share"] = late.groupby(ins[ID]).mean()
    out["inst_partial_share"] = (ins["AMT_PAYMENT"] < ins["AMT_INSTALMENT"]).groupby(ins[ID]).mean()
    return pd.DataFrame(out).rename_axis(ID).reset_index()


def _auc(y: np.ndarray, x: np.ndarray) -> float:
    ok = ~np.isnan(x)
    if ok.sum() < 50 or len(np.unique(y[ok])) < 2:
        return float("nan")
    return float(roc_auc_score(y[ok], x[ok]))


def signal_table(train: pd.DataFrame, agg: pd.DataFrame, real: dict) -> pd.DataFrame:
    """Per aggregate: defined share, AUC vs TARGET and Spearman with the ext mean, both sides."""
    merged = train[[ID, "TARGET", "EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"]].merge(
        agg, on=ID, how="left")
    ext = merged[["EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"]].mean(axis=1).to_numpy()
    y = merged["TARGET"].to_numpy()
    rows = []
    for column in agg.columns.drop(ID):
        x = merged[column].to_numpy(dtype=float)
        ok = ~np.isnan(x) & ~np.isnan(ext)
        rho = spearmanr(x[ok], ext[ok]).statistic if ok.sum() > 50 else np.nan
        r = real.get(column, {})
        rows.append({"aggregate": column, "defined": np.mean(~np.isnan(x)),
                     "defined_real": r.get("defined_share", np.nan),
                     "auc": _auc(y, x), "auc_real": r.get("auc", np.nan),
                     "spearman_ext": rho,
                     "spearman_ext_real": r.get("spearman_with_ext_source_mean", np.nan)})
    return pd.DataFrame(rows)


def lightgbm_gain(train: pd.DataFrame, agg: pd.DataFrame, seed: int = 0) -> tuple[float, float]:
    """Out-of-fold AUC of a plain LightGBM without and with the aggregates (same 5 folds).

    One thread per model: on a shared 2-core machine LightGBM's threads contend and a fit takes
    five times longer."""
    import lightgbm as lgb

    base = train.drop(columns=["TARGET"]).copy()
    for column in [c for c in base.columns if base[c].dtype == object]:
        base[column] = base[column].astype("category").cat.codes  # plain codes: fast, enough here
    y = train["TARGET"].to_numpy()
    with_agg = base.merge(agg, on=ID, how="left")
    base = base.drop(columns=[ID])
    with_agg = with_agg.drop(columns=[ID])
    folds = list(StratifiedKFold(5, shuffle=True, random_state=seed).split(base, y))
    scores = []
    for frame in (base, with_agg):
        oof = np.zeros(len(y))
        for fit, hold in folds:
            model = lgb.LGBMClassifier(n_estimators=300, learning_rate=0.05, num_leaves=15,
                                       subsample=0.8, subsample_freq=1, colsample_bytree=0.8,
                                       random_state=seed, verbose=-1, n_jobs=1)
            model.fit(frame.iloc[fit], y[fit])
            oof[hold] = model.predict_proba(frame.iloc[hold])[:, 1]
        scores.append(float(roc_auc_score(y, oof)))
    return scores[0], scores[1]


def structure(data: Path, profile: dict) -> pd.DataFrame:
    """Rows per client and shares of clients with none, over every client with records."""
    folder = data / RECORDS_DIR
    ids = pd.concat([pd.read_parquet(data / f, columns=[ID]) for f in
                     ("application_train.parquet", "application_test.parquet")])[ID]
    n = len(ids)
    full = profile["meta"]["full_kaggle_reference_detail"]
    clients = full["clients_in_application_train_and_test"]
    rows = []
    for name in TABLE_NAMES:
        table = ds.dataset(folder / TABLES[name].file)
        count = table.count_rows()
        real = full[name]["rows"]
        if name == "bureau_balance":
            real = full[name]["rows_of_credits_present_in_bureau"]
            with_any = np.nan
        else:
            col = table.to_table(columns=[ID]).column(ID).to_numpy()
            with_any = len(np.unique(col)) / n
        real_with = full[name].get("clients", np.nan) / clients
        rows.append({"table": name, "rows": count, "rows_per_client": count / n,
                     "rows_per_client_real": real / clients, "share_none": 1 - with_any,
                     "share_none_real": 1 - real_with})
    return pd.DataFrame(rows)


def categories(frames: dict[str, pd.DataFrame], profile: dict) -> pd.DataFrame:
    """Key category shares, generated vs real."""
    keys = [("bureau", "CREDIT_ACTIVE"), ("bureau", "CREDIT_TYPE"), ("bureau_balance", "STATUS"),
            ("previous_application", "NAME_CONTRACT_STATUS"),
            ("previous_application", "NAME_CONTRACT_TYPE"),
            ("previous_application", "CODE_REJECT_REASON"),
            ("POS_CASH_balance", "NAME_CONTRACT_STATUS"),
            ("credit_card_balance", "NAME_CONTRACT_STATUS")]
    rows = []
    for table, column in keys:
        shares = frames[table][column].value_counts(normalize=True)
        real = profile["tables"][table]["columns"][column]["levels"]
        for level in list(real)[:6]:
            rows.append({"table": table, "column": column, "level": level,
                         "share": float(shares.get(level, 0.0)), "share_real": real[level]})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--clients", type=int, default=60_000,
                        help="labelled clients for the signal checks (first by id); default 60000")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", force=True)
    pd.set_option("display.width", 160)
    profile = json.loads(args.profile.read_text())
    train = pd.read_parquet(args.data / "application_train.parquet")
    train = train.sort_values(ID).head(args.clients).reset_index(drop=True)
    frames = read_records(args.data, train[ID].to_numpy())
    logger.info("rows per client (all clients):\n%s",
                structure(args.data, profile).round(4).to_string(index=False))
    logger.info("category shares:\n%s", categories(frames, profile).round(4).to_string(index=False))
    agg = aggregates(frames)
    real = profile["aggregates_on_labelled_clients"]
    logger.info("aggregates on %d labelled clients:\n%s", len(train),
                signal_table(train, agg, real).round(4).to_string(index=False))
    without, with_ = lightgbm_gain(train, agg)
    logger.info("LightGBM 5-fold OOF AUC (300 trees, lr 0.05, 15 leaves): application only %.4f, "
                "with record aggregates %.4f, gain %+.4f", without, with_, with_ - without)
    try:
        from credit_dashboard.model.record_features import aggregate_frames
    except ImportError:
        return 0
    product = aggregate_frames(frames)
    without, with_ = lightgbm_gain(train, product)
    logger.info("with the product's CR_* features (%d): %.4f vs %.4f, gain %+.4f",
                product.shape[1] - 1, with_, without, with_ - without)
    return 0


if __name__ == "__main__":
    sys.exit(main())
