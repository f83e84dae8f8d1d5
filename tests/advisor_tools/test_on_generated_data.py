"""The advisor tools on the project's generated Kaggle-schema data (session fixture)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from credit_dashboard.config import APPLICANTS_TABLE, TRAIN_TABLE
from credit_dashboard.services.neighbours import NeighbourIndex
from credit_dashboard.services.whatif import EDITABLE_INPUTS, apply_edits, display_values


@pytest.fixture(scope="module")
def history(small_data_dir: Path) -> pd.DataFrame:
    return pd.read_parquet(small_data_dir / TRAIN_TABLE)


@pytest.fixture(scope="module")
def applicants(small_data_dir: Path) -> pd.DataFrame:
    return pd.read_parquet(small_data_dir / APPLICANTS_TABLE)


def test_every_generated_client_passes_its_own_values(history: pd.DataFrame) -> None:
    for position in range(0, len(history), 23):
        row = history.iloc[[position]]
        check = apply_edits(row, display_values(row, EDITABLE_INPUTS))
        assert check.ok and check.changed == (), (position, check.errors)


def test_generated_data_respects_the_cross_field_rules(history: pd.DataFrame) -> None:
    # The rules must describe real files: an advisor editing one field of a real client should
    # not be blocked by a rule the data itself breaks.
    annuity = history.dropna(subset=["AMT_ANNUITY"])
    assert (annuity["AMT_ANNUITY"] < annuity["AMT_CREDIT"]).all()
    goods = history.dropna(subset=["AMT_GOODS_PRICE"])
    assert (goods["AMT_GOODS_PRICE"] <= 1.5 * goods["AMT_CREDIT"]).all()
    assert (history["CNT_FAM_MEMBERS"] >= history["CNT_CHILDREN"] + 1).all()


def test_neighbours_of_applicants_match_brute_force(
    history: pd.DataFrame, applicants: pd.DataFrame
) -> None:
    index = NeighbourIndex(history)
    for position in range(0, len(applicants), 150):
        client = applicants.iloc[[position]]
        answer = index.query(client, k=10)
        query = index.space.transform(client)[0].astype("float64")
        distances = np.sqrt(((index.points.astype("float64") - query) ** 2).sum(axis=1))
        expected = np.sort(distances)[:10]
        np.testing.assert_allclose(answer.neighbours["distance"], expected, rtol=1e-5, atol=1e-6)
        assert set(answer.neighbours["SK_ID_CURR"]) <= set(history["SK_ID_CURR"])
    assert answer.population_default_rate == pytest.approx(history["TARGET"].mean())
