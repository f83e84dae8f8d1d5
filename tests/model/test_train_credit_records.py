"""Training with credit records: from the data folder, from --credit-records DIR, or none.

The records here are hand-made (a bureau table for about half the clients, written through the
store as the importer and the generator do), so these tests do not depend on the generator's
tables. Every run records the columns each FeatureEngineer was fitted on, to check that the plain
baseline never reads a CR_* column while the chosen recipe does.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from credit_dashboard.config import APPLICANTS_TABLE, MODEL_CARD_FILE, MODEL_FILE, TRAIN_TABLE
from credit_dashboard.model.feature_groups import BASELINE_GROUPS
from credit_dashboard.model.features import FeatureEngineer
from credit_dashboard.model.record_features import RECORD_FEATURES, is_record_feature
from credit_dashboard.model.training import TrainConfig, train
from credit_dashboard.storage.credit_records.schema import RECORDS_DIR
from credit_dashboard.storage.credit_records.store import CreditRecordStore
from credit_dashboard.storage.schema import ID_COLUMN, TARGET_COLUMN

ROOT = Path(__file__).resolve().parents[2]


def _train_main():
    spec = importlib.util.spec_from_file_location("script_train", ROOT / "scripts" / "train.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def handmade_bureau(history: pd.DataFrame, applicants: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Credits at other lenders for about half the clients; defaulters carry more overdue debt,
    so the records hold some signal."""
    rng = np.random.default_rng(seed)
    ids = np.concatenate([history[ID_COLUMN].to_numpy(), applicants[ID_COLUMN].to_numpy()])
    target = np.concatenate([history[TARGET_COLUMN].to_numpy(), np.zeros(len(applicants))])
    chosen = rng.random(len(ids)) < 0.5
    owners = np.repeat(ids[chosen], 2)
    bad = np.repeat(target[chosen], 2) == 1
    n = len(owners)
    overdue = np.where(bad & (rng.random(n) < 0.6), rng.uniform(1e3, 5e4, n), 0.0)
    return pd.DataFrame({
        "SK_ID_CURR": owners.astype("int64"),
        "SK_ID_BUREAU": np.arange(5_000_000, 5_000_000 + n, dtype="int64"),
        "CREDIT_ACTIVE": np.where(rng.random(n) < 0.5, "Active", "Closed").astype(object),
        "CREDIT_CURRENCY": np.full(n, "currency 1", dtype=object),
        "DAYS_CREDIT": -rng.integers(30, 2500, n).astype("int64"),
        "CREDIT_DAY_OVERDUE": np.where(overdue > 0, rng.integers(1, 90, n), 0).astype("int64"),
        "DAYS_CREDIT_ENDDATE": rng.uniform(-1000, 1000, n),
        "DAYS_ENDDATE_FACT": np.full(n, np.nan),
        "AMT_CREDIT_MAX_OVERDUE": overdue,
        "CNT_CREDIT_PROLONG": np.zeros(n, dtype="int64"),
        "AMT_CREDIT_SUM": rng.uniform(1e4, 5e5, n),
        "AMT_CREDIT_SUM_DEBT": rng.uniform(0, 2e5, n),
        "AMT_CREDIT_SUM_LIMIT": np.zeros(n),
        "AMT_CREDIT_SUM_OVERDUE": overdue,
        "CREDIT_TYPE": np.full(n, "Consumer credit", dtype=object),
        "DAYS_CREDIT_UPDATE": -rng.integers(0, 30, n).astype("int64"),
        "AMT_ANNUITY": np.full(n, np.nan),
    })


@pytest.fixture(scope="module")
def data(small_data_dir: Path, tmp_path_factory) -> dict:
    """Two data folders with the session's application tables: one with a records store (the
    hand-made bureau), one without; and a folder of Kaggle files (bureau.csv)."""
    history = pd.read_parquet(small_data_dir / TRAIN_TABLE)
    applicants = pd.read_parquet(small_data_dir / APPLICANTS_TABLE)
    bureau = handmade_bureau(history, applicants)
    folders = {}
    for name in ("with_store", "plain"):
        folder = tmp_path_factory.mktemp(name)
        for table in (TRAIN_TABLE, APPLICANTS_TABLE):
            shutil.copy(small_data_dir / table, folder / table)
        folders[name] = folder
    CreditRecordStore(folders["with_store"] / RECORDS_DIR).write_base({"bureau": bureau})
    kaggle = tmp_path_factory.mktemp("kaggle_records")
    bureau.to_csv(kaggle / "bureau.csv", index=False)
    return {**folders, "kaggle": kaggle, "bureau": bureau, "history": history}


def _run(folder: Path, out: Path, **options) -> tuple[dict, list[tuple[tuple, list[str]]]]:
    """A quick run; returns the card and (feature groups, input columns) of every feature fit."""
    fits: list[tuple[tuple, list[str]]] = []
    real_fit = FeatureEngineer.fit

    def recording_fit(self, X, y=None):
        fits.append((tuple(self.groups), list(X.columns)))
        return real_fit(self, X, y)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FeatureEngineer, "fit", recording_fit)
        patch.delenv("CREDIT_TRAIN_TIME_BUDGET", raising=False)
        result = train(TrainConfig(
            train_path=folder / TRAIN_TABLE, applicants_path=folder / APPLICANTS_TABLE,
            out_dir=out, folds=3, quick=True, seed=7, drift_sample_rows=300, shap_rows=300,
            **options))
    return result.card, fits


def _reads_records(columns: list[str]) -> bool:
    return any(is_record_feature(c) for c in columns)


@pytest.fixture(scope="module")
def store_run(data, tmp_path_factory) -> tuple[dict, list]:
    return _run(data["with_store"], tmp_path_factory.mktemp("art_store"))


def test_records_in_the_data_folder_are_used_and_compared(store_run, data):
    card, fits = store_run
    section = card["credit_records"]
    assert section["used"] is True and section["origin"] == "data_folder"
    assert section["source"].endswith(RECORDS_DIR)
    assert section["tables"] == {"bureau": len(data["bureau"])}
    assert 0.3 < section["clients_with_records"]["history"] < 0.7
    assert set(section["features"]) == set(RECORD_FEATURES)
    for variant in ("application_only", "with_records", "baseline"):
        figures = section[variant]
        assert 0.5 < figures["holdout"]["roc_auc"] <= 1
        assert len(figures["cv"]["per_fold"]) == 3
        assert figures["cv"]["normalised_cost_mean"] > 0
    interval = section["comparison"]["auc_difference"]
    assert interval["low"] <= interval["estimate"] <= interval["high"]
    assert section["comparison"]["resamples"] == 1000
    assert section["winner"] in ("with_records", "application_only")
    decision = card["ship_decision"]
    assert decision["records"] == section["comparison"]
    assert decision["shipped"] == card["chosen"]["model"]
    assert decision["tuned_vs_baseline"]["winner"] == card["chosen"]["model"]
    assert "Paired bootstrap" in decision["rule"] and "tie" in decision["rule"]
    uses = any(is_record_feature(c) for c in card["input_schema"]["columns"])
    assert uses == section["in_shipped_model"] == decision["uses_credit_records"]
    rule = card["threshold_rule"]
    assert rule["kept"] in ("one_eleventh", "searched")
    assert card["decision_threshold"] == pytest.approx(rule["threshold"])
    assert len(rule["per_fold"]) == 4  # 3 development folds + the held-out part


def test_the_baseline_never_reads_the_records(store_run):
    _, fits = store_run
    baseline_fits = [cols for groups, cols in fits if groups == tuple(BASELINE_GROUPS)]
    others = [cols for groups, cols in fits if groups != tuple(BASELINE_GROUPS)]
    assert baseline_fits and not any(_reads_records(c) for c in baseline_fits)
    assert any(_reads_records(c) for c in others)  # the with-records variant
    assert any(not _reads_records(c) for c in others)  # the application-only variant


def test_no_credit_records_trains_on_the_application_table(data, tmp_path):
    card, fits = _run(data["with_store"], tmp_path / "art", use_credit_records=False)
    assert card["credit_records"]["used"] is False
    assert card["credit_records"]["origin"] == "disabled"
    assert not any(_reads_records(cols) for _, cols in fits)
    assert card["ship_decision"]["records"] is None
    assert card["threshold_rule"]["rule"]


def test_credit_records_folder_of_kaggle_files(data, tmp_path):
    card, fits = _run(data["plain"], tmp_path / "art", credit_records=data["kaggle"])
    section = card["credit_records"]
    assert section["used"] and section["origin"] == "credit_records_option"
    assert section["source"] == str(data["kaggle"])
    assert section["tables"] == {"bureau": len(data["bureau"])}
    assert any(_reads_records(cols) for _, cols in fits)


def test_no_store_and_no_option_says_none_found(data, tmp_path):
    from credit_dashboard.model.records_input import load_records

    records = load_records(data["plain"] / TRAIN_TABLE, None, True, np.array([1]))
    assert not records.used and records.origin == "none_found"


def test_a_bad_records_folder_stops_with_one_line_and_touches_nothing(data, tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    bureau = data["bureau"].copy()
    bureau.loc[0, "SK_ID_CURR"] = 999_999_999  # a client in neither table
    bureau.to_csv(bad / "bureau.csv", index=False)
    out = tmp_path / "artifacts"
    out.mkdir()
    (out / MODEL_FILE).write_bytes(b"previous model")
    (out / MODEL_CARD_FILE).write_text('{"artifact_sha256": "previous"}', encoding="utf-8")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    code = _train_main()(["--train", str(data["plain"] / TRAIN_TABLE), "--applicants",
                          str(data["plain"] / APPLICANTS_TABLE), "--out", str(out), "--quick",
                          "--folds", "3", "--credit-records", str(bad)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert "bureau" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_the_two_record_options_exclude_each_other(capsys):
    with pytest.raises(SystemExit):
        _train_main()(["--credit-records", "x", "--no-credit-records"])
