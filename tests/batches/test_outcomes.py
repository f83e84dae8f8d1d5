"""Outcomes: all-or-nothing validation, and back-test figures equal to a direct computation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import brier_score_loss, roc_auc_score

from credit_dashboard.config import Settings
from credit_dashboard.services.backtesting import backtest
from credit_dashboard.services.ingest import IngestError, ingest_batch
from credit_dashboard.services.outcomes import ingest_outcomes
from credit_dashboard.storage.batches import BatchStore
from credit_dashboard.storage.schema import ID_COLUMN


def test_backtest_figures_match_sklearn() -> None:
    rng = np.random.default_rng(3)
    p = rng.uniform(0, 0.4, 500)
    y = (rng.uniform(size=500) < p).astype(int)
    threshold = 0.15
    figures = backtest(y, p, threshold)
    assert figures["roc_auc"] == pytest.approx(roc_auc_score(y, p))
    assert figures["brier"] == pytest.approx(brier_score_loss(y, p))
    refused = p >= threshold
    fn, fp = int(((y == 1) & ~refused).sum()), int(((y == 0) & refused).sum())
    assert figures["business_cost"] == 10 * fn + fp
    assert figures["normalised_cost"] == pytest.approx((10 * fn + fp) / 500)
    assert figures["granted_with_outcome"] == int((~refused).sum())
    order = np.argsort(p, kind="mergesort")
    first_decile = order[:50]
    assert figures["calibration"]["mean_predicted"][0] == pytest.approx(p[first_decile].mean())
    assert figures["calibration"]["observed_rate"][0] == pytest.approx(y[first_decile].mean())
    assert sum(figures["calibration"]["count"]) == 500
    assert backtest(np.zeros(5), p[:5], threshold)["roc_auc"] is None


def test_outcomes_validation_and_recorded_backtest(
    batch_settings: Settings, cut_batch, tmp_path: Path
) -> None:
    result = ingest_batch(cut_batch(0, 200, "b.parquet"), batch_settings, as_of="2025-01-31")
    store = BatchStore(batch_settings.data_dir)
    batch_id = result.record.batch_id
    ids = store.client_ids(batch_id)
    rng = np.random.default_rng(1)
    target = (rng.uniform(size=150) < 0.3).astype(int)
    good = pd.DataFrame({ID_COLUMN: ids[:150], "TARGET": target, "OUTCOME_DATE": "2025-07-31"})

    cases = {
        "unknown id": (good.assign(**{ID_COLUMN: np.r_[ids[:149], 999_999_999]}), "not clients"),
        "TARGET outside {0, 1}": (good.assign(TARGET=np.r_[target[:-1], 2]), "0 or 1"),
        "TARGET missing": (good.assign(TARGET=np.r_[target[:-1], np.nan]), "whole number"),
        "duplicated id": (good.assign(**{ID_COLUMN: np.r_[ids[:149], ids[0]]}), "more than once"),
        "bad date": (good.assign(OUTCOME_DATE="soon"), "YYYY-MM-DD"),
        "no TARGET column": (good.drop(columns=["TARGET"]), "missing column"),
    }
    version = store.index.version()
    for case, (frame, word) in cases.items():
        path = tmp_path / f"{case.replace(' ', '_')}.csv"
        frame.to_csv(path, index=False)
        with pytest.raises(IngestError, match=word):
            ingest_outcomes(path, store)
        assert store.index.version() == version and store.index.outcome_ids() == set(), case

    path = tmp_path / "outcomes.csv"
    good.to_csv(path, index=False)
    recorded = ingest_outcomes(path, store)
    assert recorded.recorded == 150 and recorded.batches == {batch_id: 150}
    with pytest.raises(IngestError, match="already have an outcome"):
        ingest_outcomes(path, store)

    stored = store.index.backtests()[batch_id]
    scores = store.read_scores(batch_id).set_index(ID_COLUMN).loc[ids[:150]]
    p = scores["default_probability"].to_numpy()
    assert stored["n_outcomes"] == 150
    assert stored["roc_auc"] == pytest.approx(roc_auc_score(target, p))
    assert stored["brier"] == pytest.approx(brier_score_loss(target, p))
    refused = p >= result.record.decision_threshold
    cost = 10 * int(((target == 1) & ~refused).sum()) + int(((target == 0) & refused).sum())
    assert stored["business_cost"] == cost
    segments = stored["segments"]["NAME_CONTRACT_TYPE"]
    assert sum(s["with_outcome"] for s in segments) == 150

    # A second file for the rest of the batch: the back-test now covers all 200 clients.
    rest = pd.DataFrame({ID_COLUMN: ids[150:], "TARGET": 0})
    rest.to_parquet(tmp_path / "rest.parquet", index=False)
    ingest_outcomes(tmp_path / "rest.parquet", store)
    assert store.index.backtests()[batch_id]["n_outcomes"] == 200
