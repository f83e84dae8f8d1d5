"""Train the credit-risk model and write everything the dashboard loads into the artifacts folder.

    python scripts/train.py                 # full run on data/ -> artifacts/ (budget 900 s)
    python scripts/train.py --quick         # the default model of run.sh: no search (budget 180 s)
    python scripts/train.py --time-budget 600       # the whole run within 10 minutes
    python scripts/train.py --feature-policy my_policy.toml   # another reviewed feature policy
    python scripts/train.py --train application_train.csv --applicants application_test.csv
    python scripts/train.py --credit-records kaggle/      # Kaggle's bureau.csv, ... in kaggle/
    python scripts/train.py --no-credit-records           # the application table alone

The run's stages (search, comparison of imbalance options, held-out evaluation, final fit,
reports) share one wall-clock budget (--time-budget, or CREDIT_TRAIN_TIME_BUDGET seconds); the
card's time_budget section records it and the time each stage took.
Credit records: the tables in <folder of --train>/credit_records/ when it holds some, or the
Kaggle files of --credit-records DIR; their CR_* features are attached to the history and the
applicants, and the chosen recipe is also fitted without them on the same folds and held-out rows.
The feature policy (default: the packaged src/credit_dashboard/model/feature_policy.toml) says
which features the model may use: its excluded and fairness-only features are never model inputs,
a run whose model would use one stops with one line and writes nothing, and the card records the
policy's sha256, what it costs (the shipped recipe once more without it, same held-out rows) and
how well the model's inputs predict gender and the age band (proxy check).
Every run also fits the plain baseline LightGBM (application columns only) on the same folds and
held-out rows. A richer model ships only when it beats the simpler one beyond the noise of a
paired bootstrap of the held-out rows (records vs application only, tuned vs baseline); the
threshold stays 1/11 unless the out-of-fold evidence for another one is clear. Writes a new version,
versions/<UTC time>-<sha12>/ (model.joblib, model_card.json, drift_report.html, drift_summary.json,
oof_predictions.parquet, holdout_predictions.parquet) and makes it the active one (active.json)
unless --no-activate; earlier versions are kept, an interrupted run leaves the active one in place.
Appends every run to runs.csv.
Exit code 0 on success, 1 on bad input (the message says which file and what is wrong), 130 when
interrupted.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

# Imported first on purpose: it sets OpenMP's wait policy before LightGBM is loaded.
import credit_dashboard.model  # noqa: F401
from credit_dashboard.config import get_settings
from credit_dashboard.model.artifact import ArtifactError
from credit_dashboard.model.feature_policy import DEFAULT_POLICY_PATH, FeaturePolicyError
from credit_dashboard.model.training import TrainConfig, TrainingInputError, train
from credit_dashboard.storage.loading import DataValidationError


class _HelpWithDefaults(
    argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter
):
    """Keep the examples' layout; show "(default: ...)" only where a default is worth reading."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    settings = get_settings()
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=_HelpWithDefaults,
    )
    parser.add_argument("--train", type=Path, default=settings.train_path,
                        help="labelled history: Kaggle application_train (.csv, .csv.gz, .parquet)")
    parser.add_argument("--applicants", type=Path, default=settings.applicants_path,
                        help="clients to score: Kaggle application_test (.csv, .csv.gz, .parquet)")
    parser.add_argument("--out", type=Path, default=settings.artifacts_dir,
                        help="output folder for the model, its card and the drift report")
    parser.add_argument("--folds", type=int, default=None,
                        help="stratified cross-validation folds (default: 5 up to 100000 "
                             "development rows, 3 above, 2 above in quick mode)")
    parser.add_argument("--time-budget", type=float, default=None,
                        help="wall-clock seconds for the whole run, shared by its stages "
                             "(default: CREDIT_TRAIN_TIME_BUDGET, else 900; 180 in quick mode)")
    parser.add_argument("--search-budget", type=int, default=None,
                        help="Optuna trials of the LightGBM search (default: 40, or as many as "
                             "its share of the time budget allows; none in quick mode)")
    parser.add_argument("--search-seconds", type=float, default=None,
                        help="cap on the search's seconds (default: its share of the budget)")
    parser.add_argument("--quick", action="store_true",
                        help="no search: the rule-based settings fitted on all rows (run.sh)")
    parser.add_argument("--feature-policy", type=Path, default=DEFAULT_POLICY_PATH,
                        metavar="TOML",
                        help="the feature policy to enforce (every raw column and engineered "
                             "feature with its status and why)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (splits, models)")
    parser.add_argument("--drift-rows", type=int, default=5000,
                        help="rows sampled from each table for the Evidently drift report")
    parser.add_argument("--drift-columns", type=int, default=None,
                        help="at most this many columns in the drift report, the model's most "
                             "important first (default: $CREDIT_TRAINING_DRIFT_COLUMNS, else all)")
    parser.add_argument("--tune-rows", type=int, default=None,
                        help="development rows the search runs on (default: 60000)")
    parser.add_argument("--holdout-share", type=float, default=0.2,
                        help="share of the history held out for the final evaluation")
    parser.add_argument("--jobs", type=int, default=2, help="threads for LightGBM/random forest")
    records = parser.add_mutually_exclusive_group()
    records.add_argument("--credit-records", type=Path, default=None, metavar="DIR",
                         help="folder of Kaggle's credit-record files (bureau.csv, "
                              "previous_application.parquet, ...) to train with (default: "
                              "<folder of --train>/credit_records/ when it holds tables)")
    records.add_argument("--no-credit-records", action="store_true",
                         help="train on the application table alone")
    parser.add_argument("--mlflow", action="store_true",
                        help="also log runs to MLflow and register the model (needs mlflow; "
                             "CREDIT_MLFLOW=1 does the same)")
    parser.add_argument("--no-activate", action="store_true",
                        help="store the new version without making it the one the app serves "
                             "(activate it later with scripts/activate_model.py VERSION)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                        format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    config = TrainConfig(
        train_path=args.train,
        applicants_path=args.applicants,
        out_dir=args.out,
        folds=args.folds,
        search_budget=args.search_budget,
        search_seconds=args.search_seconds,
        time_budget=args.time_budget,
        quick=args.quick,
        seed=args.seed,
        drift_sample_rows=args.drift_rows,
        **({} if args.drift_columns is None else {"drift_columns": args.drift_columns}),
        holdout_share=args.holdout_share,
        tune_rows=args.tune_rows,
        n_jobs=args.jobs,
        mlflow=args.mlflow,
        activate=not args.no_activate,
        feature_policy=args.feature_policy,
        credit_records=args.credit_records,
        use_credit_records=not args.no_credit_records,
    )
    try:
        result = train(config)
    except (DataValidationError, TrainingInputError, ArtifactError, FeaturePolicyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # e.g. an input file that does not exist or cannot be read
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: the previous artifact (if any) is untouched", file=sys.stderr)
        return 130
    card = result.card
    bayes = card.get("bayes_auc")
    holdout, baseline = card["holdout"], card["baseline"]
    print(
        f"model {card['model_version']} ({card['chosen']['model']}/{card['chosen']['imbalance']}"
        f", fitted on {card['final_fit']['rows']} rows) -> {result.out_dir}\n"
        f"  threshold {card['decision_threshold']:.4f}; held-out AUC {holdout['roc_auc']:.4f}"
        + (f" (Bayes AUC {bayes:.4f})" if bayes is not None else "")
        + f", normalised cost {holdout['normalised_cost']:.4f}, Brier {holdout['brier']:.4f}\n"
        f"  baseline on the same {baseline['rows']} held-out rows: AUC {baseline['roc_auc']:.4f}, "
        f"normalised cost {baseline['normalised_cost']:.4f}\n"
        f"  {card['chosen']['reason']}\n"
        + _records_line(card.get("credit_records") or {})
        + _policy_line(card.get("feature_policy") or {})
        + _threshold_line(card.get("threshold_rule") or {}) +
        f"  drift: {card['drift_share']:.1%} of columns; {result.seconds:.0f} s in total "
        f"(budget {card['time_budget']['seconds']:.0f} s: "
        + ", ".join(f"{name} {stage['wall_seconds']:.0f} s"
                    for name, stage in card["time_budget"]["stages"].items())
        + ")"
    )
    return 0


def _records_line(section: dict) -> str:
    """One line on the credit records: not used, or both variants' held-out figures."""
    if not section.get("used"):
        return f"  credit records: not used ({section.get('note', 'not recorded')})\n"
    app, rich = section["application_only"]["holdout"], section["with_records"]["holdout"]
    diff = section["comparison"]["auc_difference"]
    cost = section["comparison"]["cost_difference"]
    return (f"  credit records ({', '.join(section['tables'])}; "
            f"{section['clients_with_records']['history']:.0%} of the history): held-out AUC "
            f"{rich['roc_auc']:.4f} with vs {app['roc_auc']:.4f} without "
            f"[{diff['low']:+.4f}, {diff['high']:+.4f}], cost {rich['normalised_cost']:.4f} vs "
            f"{app['normalised_cost']:.4f} [{cost['low']:+.4f}, {cost['high']:+.4f}]; "
            f"{section['winner']} kept\n")


def _policy_line(section: dict) -> str:
    """One line on the feature policy: what it forbids, what it costs, the proxy check."""
    if not section:
        return ""
    cost, proxy = section.get("cost") or {}, section.get("proxy_check") or {}

    def auc(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    return (f"  feature policy {section['sha256'][:12]} ({len(section['excluded'])} excluded, "
            f"{len(section['fairness_only'])} fairness-only): held-out AUC "
            f"{cost['auc_with_policy']:.4f} with vs {cost['auc_without_policy']:.4f} without, "
            f"cost {cost['cost_with_policy']:.4f} vs {cost['cost_without_policy']:.4f}; proxy "
            f"AUC gender {auc(proxy.get('gender_auc'))}, age band "
            f"{auc(proxy.get('age_band_auc'))}\n")


def _threshold_line(rule: dict) -> str:
    if not rule:
        return ""
    return f"  threshold rule: {rule.get('reason', '')}\n"


if __name__ == "__main__":
    sys.exit(main())
