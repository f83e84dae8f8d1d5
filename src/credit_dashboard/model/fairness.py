"""Fairness of the decisions on held-out clients, by gender and by age band (fairlearn).

Per group: count, observed default rate, refusal rate at the threshold, true-positive rate (share
of defaulters refused), false-positive rate (share of good payers refused) and AUC; plus fairlearn's
demographic-parity difference (largest gap in refusal rates) and equalized-odds difference (largest
gap in TPR or FPR). "Positive" is a refusal, as in the model: the refusal rate is fairlearn's
selection rate.

Why both, and the sentence in words: groups with more defaulters are refused more often even by a
model that treats every client of a given risk alike. So the refusal-rate gap is split into the
part the default rates explain (the refusal rates each group would have with the *overall* TPR
and FPR: ``TPR·d + FPR·(1 - d)`` for default rate ``d``) and the rest, which comes from the
model's error rates differing between groups.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from fairlearn.metrics import (
    MetricFrame,
    count,
    demographic_parity_difference,
    equalized_odds_difference,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import roc_auc_score

from credit_dashboard.storage.schema import days_to_years

#: Age bands of the fairness section: [lower, upper) in years.
AGE_BANDS: tuple[tuple[str, float, float], ...] = (
    ("< 30", 0.0, 30.0), ("30-45", 30.0, 45.0), ("45-60", 45.0, 60.0), (">= 60", 60.0, np.inf),
)
#: Groups smaller than this are reported but left out of the differences (a group of four clients,
#: like Kaggle's CODE_GENDER = "XNA", would otherwise decide them alone).
MIN_GROUP_ROWS = 30
PROTECTED_ATTRIBUTES = ("CODE_GENDER", "AGE_BAND")


def age_band(days_birth: pd.Series) -> pd.Series:
    """DAYS_BIRTH (negative days) -> the age band label of each client."""
    years = days_to_years(pd.to_numeric(days_birth, errors="coerce").to_numpy(dtype=np.float64))
    labels = np.full(len(years), "unknown", dtype=object)
    for name, low, high in AGE_BANDS:
        labels[(years >= low) & (years < high)] = name
    return pd.Series(labels, index=days_birth.index, name="AGE_BAND")


def _default_rate(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.mean(y_true))


def _safe_auc(y_true: np.ndarray, y_score: np.ndarray) -> float:
    return float(roc_auc_score(y_true, y_score)) if len(np.unique(y_true)) == 2 else float("nan")


def group_table(y: np.ndarray, probability: np.ndarray, refused: np.ndarray,
                groups: pd.Series) -> pd.DataFrame:
    """One row per group: count, default rate, refusal rate, TPR, FPR (fairlearn) and AUC."""
    decisions = MetricFrame(
        metrics={"count": count, "default_rate": _default_rate, "refusal_rate": selection_rate,
                 "tpr": true_positive_rate, "fpr": false_positive_rate},
        y_true=y, y_pred=refused.astype(int), sensitive_features=groups,
    )
    auc = MetricFrame(metrics={"roc_auc": _safe_auc}, y_true=y, y_pred=probability,
                      sensitive_features=groups)
    return decisions.by_group.join(auc.by_group)


def attribute_report(y: np.ndarray, probability: np.ndarray, threshold: float,
                     groups: pd.Series) -> dict:
    """The fairness figures of one attribute, and what they mean in words."""
    y = np.asarray(y).astype(int)
    probability = np.asarray(probability, dtype=np.float64)
    refused = probability >= threshold
    groups = pd.Series(np.asarray(groups, dtype=object), name=groups.name).fillna("unknown")
    table = group_table(y, probability, refused, groups)
    sizes = groups.value_counts()
    kept = groups.isin(sizes[sizes >= MIN_GROUP_ROWS].index).to_numpy()
    compared = groups[kept]
    differences = {"demographic_parity_difference": None, "equalized_odds_difference": None}
    if compared.nunique() >= 2:
        differences = {
            "demographic_parity_difference": float(demographic_parity_difference(
                y[kept], refused[kept].astype(int), sensitive_features=compared)),
            "equalized_odds_difference": float(equalized_odds_difference(
                y[kept], refused[kept].astype(int), sensitive_features=compared)),
        }
    overall_tpr = float(true_positive_rate(y, refused.astype(int)))
    overall_fpr = float(false_positive_rate(y, refused.astype(int)))
    positives = pd.Series(y).groupby(groups.to_numpy()).agg(["sum", "count"])
    rows = []
    for name, row in table.iterrows():
        # fairlearn reports 0 for a rate with no one to count; in the card it is undefined.
        defaulters = int(positives.loc[name, "sum"])
        payers = int(positives.loc[name, "count"]) - defaulters
        expected = overall_tpr * row["default_rate"] + overall_fpr * (1 - row["default_rate"])
        rows.append({"group": str(name), "count": int(row["count"]),
                     "default_rate": float(row["default_rate"]),
                     "refusal_rate": float(row["refusal_rate"]),
                     "tpr": float(row["tpr"]) if defaulters else float("nan"),
                     "fpr": float(row["fpr"]) if payers else float("nan"),
                     "roc_auc": float(row["roc_auc"]),
                     "refusal_rate_from_default_rate": float(expected),
                     "in_differences": bool(sizes.get(name, 0) >= MIN_GROUP_ROWS)})
    report = {"groups": rows, **differences}
    report["explanation"] = explain(str(groups.name), rows)
    return report


def gap_summary(rows: list[dict]) -> dict | None:
    """The figures behind the words: the most and least refused groups (of those large enough),
    the refusal-rate gap, the part of it the default rates explain, and the widest TPR and FPR
    gaps; None with fewer than two groups to compare. The model page words them in the reader's
    language from this same summary."""
    compared = [r for r in rows if r["in_differences"]]
    if len(compared) < 2:
        return None
    most = max(compared, key=lambda r: r["refusal_rate"])
    least = min(compared, key=lambda r: r["refusal_rate"])
    gap = most["refusal_rate"] - least["refusal_rate"]
    explained = most["refusal_rate_from_default_rate"] - least["refusal_rate_from_default_rate"]
    tpr = [r["tpr"] for r in compared if np.isfinite(r["tpr"])]
    fpr = [r["fpr"] for r in compared if np.isfinite(r["fpr"])]
    share = explained / gap if abs(gap) > 1e-9 else 1.0
    source = ("default_rates" if share >= 0.67 else "model" if share <= 0.33 else "both")
    return {"most": most, "least": least, "gap": gap,
            "default_gap": most["default_rate"] - least["default_rate"],
            "explained": explained, "source": source,
            "tpr_gap": max(tpr) - min(tpr) if tpr else 0.0,
            "fpr_gap": max(fpr) - min(fpr) if fpr else 0.0}


_SOURCES = {"default_rates": "mostly from the different default rates",
            "model": "mostly from the model",
            "both": "partly from the default rates, partly from the model"}


def explain(attribute: str, rows: list[dict]) -> str:
    """Which part of the refusal-rate gap the default rates explain, and which the model adds."""
    summary = gap_summary(rows)
    if summary is None:
        return f"{attribute}: fewer than two groups of {MIN_GROUP_ROWS} held-out clients; no gap."
    most, least = summary["most"], summary["least"]
    return (
        f"{attribute}: '{most['group']}' is refused most often ({most['refusal_rate']:.1%}) and "
        f"'{least['group']}' least ({least['refusal_rate']:.1%}), a gap of "
        f"{100 * summary['gap']:.1f} points. Their default rates differ by "
        f"{100 * summary['default_gap']:.1f} points; with the same true- and false-positive rates "
        f"in every group, these default rates alone would give a gap of "
        f"{100 * summary['explained']:.1f} points, so the gap comes {_SOURCES[summary['source']]}. "
        f"The model's own differences: true-positive rates differ by up to "
        f"{100 * summary['tpr_gap']:.1f} points and false-positive rates by up to "
        f"{100 * summary['fpr_gap']:.1f} points between groups (equalized odds)."
    )


def fairness_section(raw_rows: pd.DataFrame, y: np.ndarray, probability: np.ndarray,
                     threshold: float, excluded: tuple[str, ...]) -> dict:
    """The card's ``fairness`` section for the held-out clients ``raw_rows``."""
    attributes = {
        "CODE_GENDER": raw_rows["CODE_GENDER"].rename("CODE_GENDER"),
        "AGE_BAND": age_band(raw_rows["DAYS_BIRTH"]),
    }
    return {
        "rows": int(len(raw_rows)),
        "threshold": float(threshold),
        "positive": "refusal (refused = default_probability >= decision_threshold)",
        "excluded_features": list(excluded),
        "min_group_rows_in_differences": MIN_GROUP_ROWS,
        "attributes": {name: attribute_report(y, probability, threshold, groups)
                       for name, groups in attributes.items()},
    }
