"""Experiment tracking: every candidate, tuning trial and final model goes to ``runs.csv``.

The CSV needs nothing installed and is appended as runs finish, so an interrupted training still
leaves its history. When MLflow is installed (``pip install credit-dashboard[mlflow]``) *and*
enabled (``--mlflow`` or ``CREDIT_MLFLOW=1``), the same runs are logged to MLflow
(``MLFLOW_TRACKING_URI``, e.g. ``sqlite:///mlflow.db``; default ``./mlruns``) and the final model
files (``model.joblib`` + ``model_card.json``) are registered as a version of ``credit-risk``:
``mlflow.artifacts.download_artifacts("models:/credit-risk/<n>")`` gives back the very files the
app loads. MLflow stays optional, and a tracking failure is a warning, never a failed training.

The version is created from the run's artifact folder (``MlflowClient.create_model_version``):
``mlflow.register_model("runs:/...")`` accepts only MLflow-flavoured models since MLflow 3, and
the product's artifact is its own joblib file checked against the card's sha256.
"""

from __future__ import annotations

import csv
import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

logger = logging.getLogger(__name__)

RUNS_FILE = "runs.csv"
REGISTERED_MODEL = "credit-risk"
EXPERIMENT = "credit-risk-training"
#: Where a new experiment keeps its artifacts (files); default: MLflow's (./mlruns).
ARTIFACTS_ENV = "CREDIT_MLFLOW_ARTIFACTS"
RUN_FIELDS = (
    "session", "logged_at", "stage", "model", "imbalance", "roc_auc", "roc_auc_std", "accuracy",
    "recall", "f1", "normalised_cost", "threshold", "fit_seconds", "rows", "params",
)


def mlflow_requested(flag: bool) -> bool:
    """Enabled by the flag or by ``CREDIT_MLFLOW`` set to 1/true/yes/on."""
    env = os.environ.get("CREDIT_MLFLOW", "").strip().lower() in {"1", "true", "yes", "on"}
    return flag or env


class RunTracker:
    """Append-only log of runs (CSV, and MLflow when available and enabled)."""

    def __init__(self, out_dir: Path, *, use_mlflow: bool = False) -> None:
        self.path = Path(out_dir) / RUNS_FILE
        self.session = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.mlflow = None
        if use_mlflow:
            try:
                import mlflow
            except ImportError:
                logger.warning(
                    "MLflow tracking requested but mlflow is not installed "
                    "(pip install 'credit-dashboard[mlflow]'); logging to %s only", self.path
                )
            else:
                try:
                    _use_experiment(mlflow)
                    self.mlflow = mlflow
                except Exception as exc:  # a bad URI or a locked store: warn, train anyway
                    logger.warning("MLflow unavailable (%s); logging to %s only", exc, self.path)

    def log(self, stage: str, model: str, imbalance: str, metrics: dict, params: dict,
            rows: int) -> None:
        row = {
            "session": self.session,
            "logged_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "stage": stage,
            "model": model,
            "imbalance": imbalance,
            "rows": rows,
            "params": json.dumps(params, sort_keys=True, default=str),
            **{k: metrics.get(k) for k in RUN_FIELDS if k in metrics},
        }
        new_file = not self.path.exists()
        with open(self.path, "a", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=RUN_FIELDS, extrasaction="ignore")
            if new_file:
                writer.writeheader()
            writer.writerow(row)
        if self.mlflow is not None:
            self._log_mlflow(f"{stage}:{model}/{imbalance}", metrics, params, rows)

    def _log_mlflow(self, name: str, metrics: dict, params: dict, rows: int) -> None:
        numeric = {k: float(v) for k, v in metrics.items() if isinstance(v, int | float)}
        try:
            with self.mlflow.start_run(run_name=name):
                self.mlflow.log_params({**{k: str(v) for k, v in params.items()}, "rows": rows})
                self.mlflow.log_metrics(numeric)
        except Exception as exc:  # tracking must never break a training run
            logger.warning("MLflow logging of %s failed: %s", name, exc)

    def register_final(self, model_path: Path, card_path: Path, card: dict) -> str | None:
        """Log the final artifact files to MLflow and register them as a model version.

        Returns the registered version, or None (MLflow off, or a failure already warned about).
        """
        if self.mlflow is None:
            return None
        mlflow = self.mlflow
        try:
            with mlflow.start_run(run_name=f"final:{card['model_version']}") as run:
                mlflow.log_params({"model": card["chosen"]["model"],
                                   "imbalance": card["chosen"]["imbalance"]})
                mlflow.log_metrics({
                    "holdout_roc_auc": card["holdout"]["roc_auc"],
                    "holdout_normalised_cost": card["holdout"]["normalised_cost"],
                    "decision_threshold": card["decision_threshold"],
                })
                mlflow.log_artifact(str(model_path), artifact_path="artifact")
                mlflow.log_artifact(str(card_path), artifact_path="artifact")
                client = mlflow.MlflowClient()
                try:
                    client.get_registered_model(REGISTERED_MODEL)
                except mlflow.exceptions.MlflowException:
                    client.create_registered_model(REGISTERED_MODEL)
                version = client.create_model_version(
                    REGISTERED_MODEL, source=f"{run.info.artifact_uri}/artifact",
                    run_id=run.info.run_id,
                    description=f"model_version {card['model_version']}",
                )
            logger.info("MLflow: registered %s version %s", REGISTERED_MODEL, version.version)
            return str(version.version)
        except Exception as exc:
            logger.warning("MLflow registration failed: %s", exc)
        return None


def _use_experiment(mlflow) -> None:  # type: ignore[no-untyped-def]
    """The training experiment, created with ``$CREDIT_MLFLOW_ARTIFACTS`` as its artifact root."""
    if mlflow.get_experiment_by_name(EXPERIMENT) is None:
        location = os.environ.get(ARTIFACTS_ENV, "").strip()
        uri = Path(location).expanduser().resolve().as_uri() if location else None
        mlflow.create_experiment(EXPERIMENT, artifact_location=uri)
    mlflow.set_experiment(EXPERIMENT)
