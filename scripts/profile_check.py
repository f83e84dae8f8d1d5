"""Developer tool: compare a generated data set with the real data's statistical profile.

    .venv/bin/python scripts/profile_check.py --profile PATH/home_credit_profile.json --data data

Prints, for the most important columns, generated vs real missing fraction, median and univariate
AUC (raw value as score on non-missing rows, as in the profile), then category default rates,
missing-block facts, applicant drift and the Bayes AUC of the true default probability. Never
imported by the product: the profile is a reference file outside the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from credit_dashboard.config import APPLICANTS_TABLE, TRAIN_TABLE, TRUE_PD_TABLE
from credit_dashboard.storage import schema


def univariate_auc(values: pd.Series, target: pd.Series) -> float:
    keep = values.notna()
    if keep.sum() < 10 or target[keep].nunique() < 2 or values[keep].nunique() < 2:
        return float("nan")
    return float(roc_auc_score(target[keep], values[keep]))


def top_columns_table(
    profile: dict, train: pd.DataFrame, test: pd.DataFrame, k: int = 10
) -> pd.DataFrame:
    rows = []
    for entry in profile["top20_numeric_by_auc_strength"][:k]:
        col = entry["feature"]
        real = profile["columns"][col]
        rows.append(
            {
                "column": col,
                "missing_real": real["missing_frac"],
                "missing_gen": round(float(train[col].isna().mean()), 4),
                "median_real": real["p50"],
                "median_gen": float(train[col].median()),
                "auc_real": real["univariate_auc"],
                "auc_gen": round(univariate_auc(train[col], train["TARGET"]), 4),
                "test_missing_real": real.get("test_missing_frac"),
                "test_missing_gen": round(float(test[col].isna().mean()), 4),
                "test_median_real": real.get("test_p50"),
                "test_median_gen": float(test[col].median()),
            }
        )
    return pd.DataFrame(rows)


def all_numeric_table(profile: dict, train: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for col, real in profile["columns"].items():
        if real["dtype"] != "numeric" or col in (schema.ID_COLUMN, schema.TARGET_COLUMN):
            continue
        gen = train[col]
        rows.append(
            {
                "column": col,
                "miss_real": real["missing_frac"],
                "miss_gen": round(float(gen.isna().mean()), 4),
                "p5_real": real["p5"], "p5_gen": gen.quantile(0.05),
                "p50_real": real["p50"], "p50_gen": gen.median(),
                "p95_real": real["p95"], "p95_gen": gen.quantile(0.95),
                "auc_real": real.get("univariate_auc"),
                "auc_gen": round(univariate_auc(gen, train["TARGET"]), 4),
            }
        )  # fmt: skip
    return pd.DataFrame(rows)


def category_table(profile: dict, train: pd.DataFrame, test: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for col in schema.CATEGORICAL_COLUMNS:
        real = profile["columns"][col]
        freq = train[col].value_counts(normalize=True, dropna=True)
        test_freq = test[col].value_counts(normalize=True, dropna=True)
        rate = train.groupby(col)["TARGET"].mean()
        present = 1 - real["missing_frac"]
        for level in real["levels_top30"][:8]:
            name = level["level"]
            rows.append(
                {
                    "column": col, "level": name,
                    "freq_real": round(level["freq"] / present, 4),
                    "freq_gen": round(float(freq.get(name, 0.0)), 4),
                    "rate_real": level["target_rate"],
                    "rate_gen": round(float(rate.get(name, np.nan)), 4),
                    "test_freq_real": real.get("test_levels_freq_top10", {}).get(name),
                    "test_freq_gen": round(float(test_freq.get(name, 0.0)), 4),
                }
            )  # fmt: skip
    return pd.DataFrame(rows)


def structure_facts(profile: dict, train: pd.DataFrame, test: pd.DataFrame) -> pd.DataFrame:
    housing_missing = train[list(schema.HOUSING_COLUMNS)].isna().all(axis=1)
    anomaly = train["DAYS_EMPLOYED"] == schema.DAYS_EMPLOYED_ANOMALY
    test_anomaly = test["DAYS_EMPLOYED"] == schema.DAYS_EMPLOYED_ANOMALY
    miss = profile["missingness"]
    an = profile["anomalies"]["DAYS_EMPLOYED_365243"]
    y = train["TARGET"]
    block = miss["housing_block_47_cols"]
    facts = [
        ("target rate", profile["meta"]["target_rate_full_kaggle_reference"], y.mean()),
        ("all housing missing", block["all_housing_missing_frac"], housing_missing.mean()),
        ("rate | no housing", block["target_rate_all_housing_missing"], y[housing_missing].mean()),
        ("rate | housing", block["target_rate_some_housing_present"], y[~housing_missing].mean()),
        ("DAYS_EMPLOYED=365243 share", an["frac"], anomaly.mean()),
        ("rate | 365243", an["target_rate"], y[anomaly].mean()),
        ("rate | employed", an["target_rate_other"], y[~anomaly].mean()),
        ("applicants 365243 share", an["test_frac"], test_anomaly.mean()),
    ]  # fmt: skip
    for col, d in miss["EXT_SOURCE"].items():
        m = train[col].isna()
        facts.append((f"rate | {col} missing", d["target_rate_when_missing"], y[m].mean()))
        facts.append((f"rate | {col} present", d["target_rate_when_present"], y[~m].mean()))
    return pd.DataFrame(facts, columns=["fact", "real", "generated"]).round(4)


def bayes_auc(data_dir: Path, train: pd.DataFrame) -> float | None:
    path = data_dir / TRUE_PD_TABLE
    if not path.exists():
        return None
    pd_table = pd.read_parquet(path)
    merged = train[[schema.ID_COLUMN, schema.TARGET_COLUMN]].merge(pd_table, on=schema.ID_COLUMN)
    return float(roc_auc_score(merged[schema.TARGET_COLUMN], merged["TRUE_DEFAULT_PROBABILITY"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--profile", type=Path, required=True, help="path of home_credit_profile.json"
    )
    parser.add_argument(
        "--data", type=Path, default=Path("data"), help="folder with the generated tables"
    )
    parser.add_argument(
        "--all", action="store_true", help="also print every numeric column and category level"
    )
    args = parser.parse_args(argv)

    profile = json.loads(args.profile.read_text())
    train = pd.read_parquet(args.data / TRAIN_TABLE)
    test = pd.read_parquet(args.data / APPLICANTS_TABLE)
    pd.set_option("display.width", 250, "display.max_columns", 30, "display.max_rows", 500)
    print(f"Generated: {len(train):,} history rows, {len(test):,} applicants, from {args.data}\n")
    print("Ten most important columns (real = Kaggle profile, gen = generated):")
    print(top_columns_table(profile, train, test).to_string(index=False))
    print("\nStructure:")
    print(structure_facts(profile, train, test).to_string(index=False))
    auc = bayes_auc(args.data, train)
    print(f"\nBayes AUC of the true default probability on the history: {auc:.4f}" if auc else "")
    if args.all:
        print("\nAll numeric columns:")
        print(all_numeric_table(profile, train).to_string(index=False))
        print("\nCategories (top levels):")
        print(category_table(profile, train, test).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
