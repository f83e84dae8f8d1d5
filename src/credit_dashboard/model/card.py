"""Pieces of the model card that describe the data, the environment and the threshold choice."""

from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from credit_dashboard.config import TRUE_PD_TABLE
from credit_dashboard.model.artifact import sha256_file
from credit_dashboard.model.cost import COST_FN, COST_FP, cost_curve
from credit_dashboard.storage.schema import ID_COLUMN

LIBRARIES = (
    "numpy", "pandas", "scikit-learn", "lightgbm", "imbalanced-learn", "shap", "evidently",
    "joblib", "scipy",
)

#: On calibrated probabilities, refusing pays off exactly when 10·p > 1·(1-p), i.e. p > 1/11.
BAYES_THRESHOLD = COST_FP / (COST_FP + COST_FN)


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def data_fingerprint(
    train_path: Path, train: pd.DataFrame, applicants_path: Path, applicants: pd.DataFrame,
    target_rate: float,
) -> dict:
    """Enough to tell later which files trained this model (hash of the bytes, row counts)."""
    return {
        "train_path": str(train_path),
        "train_rows": int(len(train)),
        "train_sha256": sha256_file(train_path),
        "applicants_path": str(applicants_path),
        "applicants_rows": int(len(applicants)),
        "applicants_sha256": sha256_file(applicants_path),
        "target_rate": float(target_rate),
    }


def bayes_reference(train_path: Path, ids: pd.Series, y_true: np.ndarray) -> dict | None:
    """AUC and cost of the generator's true default probability on the held-out rows, if known.

    Only a generated data set ships ``true_default_probability.parquet`` beside its training table;
    it gives the best AUC any model could reach on these rows, the yardstick for ours.
    """
    path = Path(train_path).parent / TRUE_PD_TABLE
    if not path.is_file():
        return None
    truth = pd.read_parquet(path, columns=[ID_COLUMN, "TRUE_DEFAULT_PROBABILITY"])
    merged = pd.DataFrame({ID_COLUMN: np.asarray(ids), "y": y_true}).merge(
        truth, on=ID_COLUMN, how="left"
    )
    if merged["TRUE_DEFAULT_PROBABILITY"].isna().any():
        return None  # the file belongs to another data set
    p = merged["TRUE_DEFAULT_PROBABILITY"].to_numpy()
    return {
        "roc_auc": float(roc_auc_score(merged["y"], p)),
        "normalised_cost": float(cost_curve(merged["y"], p, np.array([BAYES_THRESHOLD]))[0]),
        "source": str(path),
    }


def threshold_summary(threshold: float, y_oof: np.ndarray, p_oof: np.ndarray) -> dict:
    """Where the chosen threshold sits relative to the theoretical 1/11, in figures and words."""
    at_bayes, at_chosen = cost_curve(y_oof, p_oof, np.array([BAYES_THRESHOLD, threshold]))
    text = (
        f"On calibrated probabilities the cost-optimal rule is to refuse above 1/11 = "
        f"{BAYES_THRESHOLD:.3f}; the minimum of 10·FN + FP on out-of-fold predictions is at "
        f"{threshold:.3f}. Normalised OOF cost there is {at_chosen:.4f} against {at_bayes:.4f} "
        f"at 1/11"
    )
    gap = abs(threshold - BAYES_THRESHOLD)
    relative = (at_bayes - at_chosen) / max(at_chosen, 1e-12)
    if gap <= 0.02:
        text += " - consistent with a well-calibrated model."
    else:
        text += (
            f" ({relative:.1%} apart). The gap comes from the cost curve being flat around its "
            "minimum (many thresholds cost almost the same, so the empirical minimum moves with "
            "sampling noise) and from residual miscalibration at those probabilities (see the "
            "reliability table)."
        )
    return {
        "oof_normalised_cost": float(at_chosen),
        "oof_normalised_cost_at_one_eleventh": float(at_bayes),
        "note": text,
    }
