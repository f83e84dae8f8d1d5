"""Latency of the advisor tools on real-size data: similar-client queries, what-if re-scores, the
threshold-crossing search and what would change a refusal (the counterfactual), per client
(p50 / p95 / max over a random sample of applicants).

    .venv/bin/python scripts/benchmark_advisor_tools.py --data data --artifacts artifacts \
        --clients 200

Measures what one click costs in the page: a neighbour query includes scoring the K neighbours;
a what-if re-score includes validating the edits, scoring and explaining the modified row through
``ScoringService.score_record`` and comparing contributions; a counterfactual is timed for every
refused client of the sample, with how many got one. ``measure()`` returns the figures for
other scripts (scripts/benchmark.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from credit_dashboard.config import TRAIN_TABLE, Settings
from credit_dashboard.services.container import load_services
from credit_dashboard.services.counterfactual import client_counterfactual
from credit_dashboard.services.neighbours import NeighbourIndex
from credit_dashboard.services.whatif import apply_edits, contribution_changes, threshold_crossing


def _summary(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {
        "n": int(ms.size),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "max_ms": round(float(ms.max()), 2),
    }


def measure(
    data_dir: Path,
    artifacts_dir: Path,
    n_clients: int = 200,
    n_searches: int = 50,
    seed: int = 0,
    score_history: bool = False,
) -> dict[str, object]:
    """Build what the page builds at start-up, then time per-client operations."""
    out: dict[str, object] = {}
    # The scoring service exactly as the app builds it (one LightGBM thread per row, the credit
    # records store and per-client features when the data has them).
    scoring = load_services(Settings(data_dir=data_dir, artifacts_dir=artifacts_dir),
                            background=False).scoring
    applicants = scoring.applicants
    history = pd.read_parquet(data_dir / TRAIN_TABLE)
    out["rows"] = {"applicants": len(applicants), "history": len(history)}
    model = scoring.model

    started = time.perf_counter()
    index = NeighbourIndex(history)
    out["neighbour_index_build_s"] = round(time.perf_counter() - started, 2)

    if score_history:
        # Would precomputing every history probability at start-up be affordable?
        started = time.perf_counter()
        model.default_probability(history)
        out["score_whole_history_s"] = round(time.perf_counter() - started, 2)

    rng = np.random.default_rng(seed)
    ids = rng.choice(applicants["SK_ID_CURR"].to_numpy(), size=n_clients, replace=False)
    neighbour_times, whatif_times, search_times, flips = [], [], [], 0
    counterfactual_times: list[float] = []
    changes_found = 0
    for position, client_id in enumerate(ids):
        row = scoring.applicant_row(int(client_id))
        original = scoring.score_client(int(client_id))

        started = time.perf_counter()
        index.query(row, k=10)
        neighbour_times.append(time.perf_counter() - started)

        credit = float(row["AMT_CREDIT"].iloc[0])
        annuity = row["AMT_ANNUITY"].iloc[0]
        edits: dict[str, object] = {"AMT_CREDIT": round(credit * 0.8, -2)}
        if not pd.isna(annuity):
            edits["AMT_ANNUITY"] = round(float(annuity) * 0.8, 1)
        started = time.perf_counter()
        check = apply_edits(row, edits)
        if check.ok:
            simulated = scoring.score_record(check.row)
            contribution_changes(
                {c.feature: c.contribution for c in original.contributions},
                {c.feature: c.contribution for c in simulated.contributions},
            )
            whatif_times.append(time.perf_counter() - started)

        if original.decision == "refuse":
            started = time.perf_counter()
            counterfactual = client_counterfactual(scoring, int(client_id))
            counterfactual_times.append(time.perf_counter() - started)
            changes_found += bool(counterfactual is not None and counterfactual.changes)

        if position < n_searches:
            started = time.perf_counter()
            found = threshold_crossing(model, row, "AMT_CREDIT")
            search_times.append(time.perf_counter() - started)
            flips += found.found
    out["neighbour_query"] = _summary(neighbour_times)
    out["whatif_rescore"] = _summary(whatif_times)
    out["threshold_search"] = {**_summary(search_times), "found_a_flip": flips}
    if counterfactual_times:
        out["counterfactual"] = {**_summary(counterfactual_times),
                                 "refused": len(counterfactual_times),
                                 "found_a_change": changes_found}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--artifacts", type=Path, default=Path("artifacts"))
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--searches", type=int, default=50, help="clients for the flip search")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--score-history", action="store_true", help="also time scoring the whole history once"
    )
    args = parser.parse_args(argv)
    figures = measure(
        args.data, args.artifacts, args.clients, args.searches, args.seed, args.score_history
    )
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
