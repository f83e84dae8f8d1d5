"""The batch's reasons are the advisor page's: the same facts, words, points and order for every
refused client, whichever language the CSV is asked in; granted clients get none."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd
import pytest

from credit_dashboard.config import Settings
from credit_dashboard.i18n import use_language
from credit_dashboard.services.batch_reasons import NO_REASONS, reason_texts, walk_changes
from credit_dashboard.services.grouped import format_points, probability_steps
from credit_dashboard.services.reasons import refusal_reasons
from credit_dashboard.storage.schema import ID_COLUMN


@pytest.fixture(scope="module")
def ingested(tmp_path_factory, small_data_dir, small_artifacts_dir, session_applicants):
    """A batch of 400 applicants (new ids) ingested, and the app's services serving it."""
    import os

    from credit_dashboard.config import APPLICANTS_TABLE, TRAIN_TABLE
    from credit_dashboard.services.batch_service import attach_batches
    from credit_dashboard.services.container import load_services
    from credit_dashboard.services.ingest import ingest_batch

    data = tmp_path_factory.mktemp("reasons-batch") / "data"
    data.mkdir()
    for name in (TRAIN_TABLE, APPLICANTS_TABLE):
        os.symlink(small_data_dir / name, data / name)
    settings = Settings(data_dir=data, artifacts_dir=small_artifacts_dir)
    frame = session_applicants.head(400).copy()
    frame[ID_COLUMN] += 7_000_000
    path = data.parent / "batch.parquet"
    frame.to_parquet(path, index=False)
    record = ingest_batch(path, settings, as_of="2025-04-30").record
    services = load_services(settings, background=False)
    batches = attach_batches(services, poll=False)
    batches.clients.refresh()
    return services, batches, record.batch_id


@pytest.mark.parametrize("language", ["en", "fr"])
def test_csv_reasons_are_the_advisor_page_reasons(ingested, language: str) -> None:
    services, batches, batch_id = ingested
    with use_language(language):
        rows = list(csv.DictReader(io.StringIO(batches.scores_csv(batch_id))))
        assert len(rows) == 400
        assert list(rows[0]) == [ID_COLUMN, "default_probability", "decision",
                                 "reason_1", "reason_2", "reason_3", "reason_4"]
        compared = 0
        for row in rows:
            result = services.scoring.score_client(int(row[ID_COLUMN]), use_cache=False)
            assert row["decision"] == result.decision
            assert float(row["default_probability"]) == pytest.approx(
                result.default_probability, abs=1e-6)
            given = [row[f"reason_{i}"] for i in range(1, 5) if row[f"reason_{i}"]]
            expected = [f"{r.text} ({format_points(r.probability_change)})"
                        for r in refusal_reasons(result).reasons]
            assert given == expected, row[ID_COLUMN]
            compared += result.decision == "refuse"
        assert compared >= 20  # enough refusals to mean something


def test_stored_reasons_carry_the_exact_points_and_log_odds(ingested) -> None:
    services, batches, batch_id = ingested
    scores = batches.store.read_scores(batch_id)
    refused = scores[scores["decision"] == "refuse"]
    assert len(refused) >= 20
    for client, spec in zip(refused[ID_COLUMN], refused["reasons"], strict=True):
        result = services.scoring.score_client(int(client), use_cache=False)
        stored = json.loads(spec)
        expected = refusal_reasons(result).reasons
        assert [s[0] for s in stored] == [r.group for r in expected]
        np.testing.assert_allclose([s[1] for s in stored],
                                   [r.probability_change for r in expected], atol=1e-12)
        np.testing.assert_allclose([s[2] for s in stored],
                                   [r.contribution for r in expected], atol=1e-12)
    granted = scores[scores["decision"] == "grant"]
    assert len(granted) and granted["reasons"].eq(NO_REASONS).all()
    assert reason_texts(NO_REASONS) == []


def test_vectorised_walk_equals_the_waterfall_walk() -> None:
    rng = np.random.default_rng(3)
    sums = rng.normal(0, 0.4, size=(50, 9))
    sums[:, 4] = 0.0  # ties at zero, ordered by column as by key
    base = -2.3
    probability = 1 / (1 + np.exp(-(base + sums.sum(axis=1))))
    changes = walk_changes(base, sums, probability)
    checked = 0
    for row in range(len(sums)):
        order = sorted(range(sums.shape[1]), key=lambda g: (-abs(sums[row, g]), g))
        steps = probability_steps(base, [sums[row, g] for g in order], probability[row])
        np.testing.assert_allclose(changes[row, order], steps, atol=1e-15)
        checked += 1
    assert checked == 50
    np.testing.assert_allclose(changes.sum(axis=1), probability - 1 / (1 + np.exp(-base)))


def test_batches_stored_with_sentences_still_download(ingested) -> None:
    """A batch scored before reasons were kept by fact: its stored sentences are given."""
    _services, batches, batch_id = ingested
    old = pd.DataFrame({ID_COLUMN: [1, 2], "default_probability": [0.3, 0.01],
                        "decision": ["refuse", "grant"], "reason_1": ["A is high", ""],
                        "reason_2": ["B is low", ""], "reason_3": ["", ""]})
    original = batches.store.read_scores
    batches.store.read_scores = lambda _id: old  # type: ignore[method-assign]
    try:
        rows = list(csv.reader(io.StringIO(batches.scores_csv(batch_id))))
    finally:
        batches.store.read_scores = original  # type: ignore[method-assign]
    assert rows[1] == ["1", "0.300000", "refuse", "A is high", "B is low", "", ""]
    assert rows[2] == ["2", "0.010000", "grant", "", "", "", ""]
