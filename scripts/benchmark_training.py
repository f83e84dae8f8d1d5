"""Training benchmark: the default model (what run.sh trains, ``--quick``) and the full run, timed
stage by stage, each against the plain baseline on the same held-out rows.

    python scripts/benchmark_training.py                      # data/ (307,511 rows by default)
    python scripts/benchmark_training.py --rows 15000         # 15,000 generated rows
    python scripts/benchmark_training.py --train PATH --applicants PATH --modes quick
    python scripts/benchmark_training.py --time-budget 600    # both modes within 600 s each

Prints, per mode, the wall and CPU seconds of every stage next to the time the budget gave it,
the held-out AUC and cost of the shipped model and of the baseline, then the full - default AUC
gap. The machine's load average is printed before and after (other work skews wall times; CPU
seconds much less). Asserts nothing. Artifacts go to a temporary folder (kept with --keep).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import credit_dashboard.model  # noqa: F401  (sets OpenMP's wait policy before LightGBM loads)
from credit_dashboard.config import APPLICANTS_TABLE, TRAIN_TABLE, get_settings
from credit_dashboard.model.training import TrainConfig, train


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def _generated(rows: int, seed: int, root: Path) -> tuple[Path, Path]:
    """A generated history of ``rows`` rows (and a fifth as many applicants) under ``root``."""
    from home_credit_synth.generator import write_dataset

    out = root / f"data-{rows}"
    write_dataset(out, n_train=rows, n_test=max(rows // 5, 500), seed=seed)
    return out / TRAIN_TABLE, out / APPLICANTS_TABLE


def _report(mode: str, seconds: float, cpu: float, card: dict) -> None:
    budget = card["time_budget"]
    print(f"{mode:5s}: {seconds:6.0f} s wall, {cpu:6.0f} s CPU (budget {budget['seconds']:.0f} s, "
          f"{'within' if budget['within_budget'] else 'OVER'}), {card['final_fit']['rows']} rows, "
          f"shipped {card['chosen']['model']}/{card['chosen']['imbalance']} "
          f"({card['final_fit']['trees']} trees), threshold {card['decision_threshold']:.4f}")
    print(f"       {'stage':<11s} {'wall s':>7s} {'CPU s':>7s} {'given s':>8s} {'deadline':>9s}")
    for name, stage in budget["stages"].items():
        print(f"       {name:<11s} {stage['wall_seconds']:7.1f} {stage['cpu_seconds']:7.1f} "
              f"{stage['planned_seconds']:8.0f} {stage['deadline_seconds']:9.0f}")
        for note in stage.get("notes", []):
            print(f"         - {note}")
    search = card["search"]
    if search.get("trials"):
        print(f"       search: {search['completed']} trials completed, {search['pruned']} pruned, "
              f"{search['rows']} rows, {search['seconds']:.0f} s given")
    holdout, baseline = card["holdout"], card["baseline"]
    print(f"       held-out ({holdout['rows']} rows): AUC {holdout['roc_auc']:.4f} vs baseline "
          f"{baseline['roc_auc']:.4f} ({holdout['roc_auc'] - baseline['roc_auc']:+.4f}); "
          f"normalised cost {holdout['normalised_cost']:.4f} vs "
          f"{baseline['normalised_cost']:.4f} "
          f"({holdout['normalised_cost'] - baseline['normalised_cost']:+.4f})")
    cv, base_cv = card["candidate"]["cv"], card["baseline"]["cv"]
    print(f"       CV ({cv['folds']} folds, {cv['rows']} rows): AUC {cv['roc_auc']:.4f} vs "
          f"{base_cv['roc_auc']:.4f}; cost {cv['normalised_cost']:.4f} vs "
          f"{base_cv['normalised_cost']:.4f}"
          + (f"; Bayes AUC {card['bayes_auc']:.4f}" if card.get("bayes_auc") else ""))


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=Path, default=settings.train_path)
    parser.add_argument("--applicants", type=Path, default=settings.applicants_path)
    parser.add_argument("--rows", type=int, default=None,
                        help="train on this many generated rows instead of --train/--applicants")
    parser.add_argument("--seed", type=int, default=42, help="seed of the generated rows")
    parser.add_argument("--modes", nargs="+", choices=("quick", "full"), default=["quick", "full"])
    parser.add_argument("--time-budget", type=float, default=None,
                        help="seconds per run (default: 180 quick, 900 full)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="keep the artifacts under DIR")
    parser.add_argument("--verbose", action="store_true", help="log every training step")
    args = parser.parse_args(argv)
    if args.rows is not None and args.rows < 1000:
        parser.error("--rows must be at least 1000 (the folds need enough defaulters)")
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        stream=sys.stdout, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    root = args.keep or Path(tempfile.mkdtemp(prefix="benchmark-training-"))
    train_path, applicants_path = args.train, args.applicants
    if args.rows is not None:
        train_path, applicants_path = _generated(args.rows, args.seed, root)
    print(f"{train_path}: {_load()}")
    results = {}
    for mode in args.modes:
        tick, cpu = time.perf_counter(), time.process_time()
        result = train(TrainConfig(train_path=train_path, applicants_path=applicants_path,
                                   out_dir=root / mode, quick=mode == "quick", n_jobs=args.jobs,
                                   time_budget=args.time_budget))
        results[mode] = result.card
        _report(mode, time.perf_counter() - tick, time.process_time() - cpu, result.card)
        print(f"       {_load()}")
    if {"quick", "full"} <= set(results):
        gap = results["full"]["holdout"]["roc_auc"] - results["quick"]["holdout"]["roc_auc"]
        print(f"full - default held-out AUC on the same rows: {gap:+.4f}")
    print(f"artifacts in {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
