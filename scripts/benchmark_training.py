"""Training benchmark: the default model (what run.sh trains, ``--quick``) and the full run, timed,
each against the plain baseline on the same held-out rows.

    python scripts/benchmark_training.py                      # data/ (307,511 rows by default)
    python scripts/benchmark_training.py --train PATH --applicants PATH --modes quick

Prints figures and asserts nothing. Artifacts go to a temporary folder (kept with --keep).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

import credit_dashboard.model  # noqa: F401  (sets OpenMP's wait policy before LightGBM loads)
from credit_dashboard.config import get_settings
from credit_dashboard.model.training import TrainConfig, train


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=Path, default=settings.train_path)
    parser.add_argument("--applicants", type=Path, default=settings.applicants_path)
    parser.add_argument("--modes", nargs="+", choices=("quick", "full"), default=["quick", "full"])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="keep the artifacts under DIR")
    parser.add_argument("--verbose", action="store_true", help="log every training step")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        stream=sys.stdout, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    root = args.keep or Path(tempfile.mkdtemp(prefix="benchmark-training-"))
    results = {}
    for mode in args.modes:
        tick = time.perf_counter()
        result = train(TrainConfig(train_path=args.train, applicants_path=args.applicants,
                                   out_dir=root / mode, quick=mode == "quick", n_jobs=args.jobs))
        seconds = time.perf_counter() - tick
        card = result.card
        results[mode] = card
        print(f"{mode:5s}: {seconds:6.0f} s, {card['final_fit']['rows']} rows, shipped "
              f"{card['chosen']['model']}/{card['chosen']['imbalance']} "
              f"({card['final_fit']['trees']} trees), threshold {card['decision_threshold']:.4f}")
        print(f"       held-out ({card['holdout']['rows']} rows): AUC "
              f"{card['holdout']['roc_auc']:.4f} vs baseline {card['baseline']['roc_auc']:.4f} "
              f"({card['holdout']['roc_auc'] - card['baseline']['roc_auc']:+.4f}); normalised "
              f"cost {card['holdout']['normalised_cost']:.4f} vs "
              f"{card['baseline']['normalised_cost']:.4f} "
              f"({card['holdout']['normalised_cost'] - card['baseline']['normalised_cost']:+.4f})")
        cv, base_cv = card["candidate"]["cv"], card["baseline"]["cv"]
        print(f"       CV ({cv['folds']} folds, {cv['rows']} rows): AUC {cv['roc_auc']:.4f} vs "
              f"{base_cv['roc_auc']:.4f}; cost {cv['normalised_cost']:.4f} vs "
              f"{base_cv['normalised_cost']:.4f}"
              + (f"; Bayes AUC {card['bayes_auc']:.4f}" if card.get("bayes_auc") else ""))
    if {"quick", "full"} <= set(results):
        gap = results["full"]["holdout"]["roc_auc"] - results["quick"]["holdout"]["roc_auc"]
        print(f"full - default held-out AUC: {gap:+.4f}")
    print(f"artifacts in {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
