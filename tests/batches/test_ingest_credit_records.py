"""A batch with its clients' credit records: validated with the batch, stored with it
all-or-nothing (a failure in either leaves neither), and joined before scoring when the model
uses record features."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from record_frames import record_table

from credit_dashboard.config import Settings
from credit_dashboard.model.record_features import PREFIX, SIGNATURE
from credit_dashboard.services import ingest as ingest_module
from credit_dashboard.services.ingest import IngestError, ingest_batch, scoring_frame
from credit_dashboard.services.ingest_manifest import ingest_manifest
from credit_dashboard.storage.batches import BatchStore
from credit_dashboard.storage.credit_records.schema import RECORDS_DIR
from credit_dashboard.storage.credit_records.store import CreditRecordStore
from credit_dashboard.storage.schema import ID_COLUMN


def batch_records(ids: list[int], loan_base: int = 9_000_000) -> dict[str, pd.DataFrame]:
    """Records of the first two clients of ``ids``; the second has a POS loan absent from
    previous_application (kept)."""
    a, b = ids[0], ids[1]
    return {
        "bureau": record_table("bureau", 2, SK_ID_CURR=[a, b],
                         SK_ID_BUREAU=[loan_base + 1, loan_base + 2]),
        "bureau_balance": record_table("bureau_balance", 2, SK_ID_BUREAU=[loan_base + 1] * 2,
                                 MONTHS_BALANCE=[0, -1], STATUS=["0", "5"]),
        "previous_application": record_table("previous_application", 1, SK_ID_PREV=[loan_base + 10],
                                       SK_ID_CURR=[a]),
        "POS_CASH_balance": record_table("POS_CASH_balance", 2,
                                   SK_ID_PREV=[loan_base + 10, loan_base + 11],
                                   SK_ID_CURR=[a, b]),
    }


def write_dir(directory: Path, frames: dict[str, pd.DataFrame]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        frame.to_csv(directory / f"{name}.csv", index=False)
    return directory


def _ids(path: Path) -> list[int]:
    return pd.read_csv(path)[ID_COLUMN].tolist() if path.suffix == ".csv" else (
        pd.read_parquet(path)[ID_COLUMN].tolist())


def test_batch_with_records_is_stored_and_scored_with_them(
        batch_settings: Settings, cut_batch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        ingest_main) -> None:
    batch = cut_batch(0, 120, "b1.csv")
    ids = _ids(batch)
    records = write_dir(tmp_path / "records", batch_records(ids))
    scored: list[pd.DataFrame] = []
    real_score = ingest_module.score_batch

    def spy(model: object, frame: pd.DataFrame, version: str):
        scored.append(frame)
        return real_score(model, frame, version)

    # The session's model has no record features; say it has, to see what it would score.
    monkeypatch.setattr(ingest_module, "score_batch", spy)
    monkeypatch.setattr(ingest_module, "uses_records", lambda model: True)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = ingest_main([str(batch), "--credit-records", str(records), "--as-of",
                            "2025-01-31", "--data-dir", str(batch_settings.data_dir),
                            "--artifacts-dir", str(batch_settings.artifacts_dir)])
    assert code == 0, err.getvalue()
    [record] = BatchStore(batch_settings.data_dir).batches()
    store = CreditRecordStore(batch_settings.data_dir / RECORDS_DIR)
    assert store.parts() == [record.batch_id]
    assert store.aggregates_current(SIGNATURE)
    part = store.root / "batches" / record.batch_id
    assert (part / f"features.{SIGNATURE}" / "values.npy").is_file()
    first = store.client_records(ids[0])
    assert len(first["bureau"]) == 1 and len(first["bureau_balance"]) == 2
    assert len(store.client_records(ids[1])["POS_CASH_balance"]) == 1  # loan not in prev: kept

    [frame] = scored
    features = [c for c in frame.columns if c.startswith(PREFIX)]
    assert features and frame[ID_COLUMN].tolist() == ids
    with_records = frame.set_index(ID_COLUMN).loc[ids[:2], features]
    without = frame.set_index(ID_COLUMN).loc[ids[2:], features]
    assert (with_records.fillna(0) != 0).any(axis=1).all()
    # Clients without records all get the same no-records values.
    assert (without.nunique(dropna=False) <= 1).all()


def test_scoring_frame_joins_only_for_a_record_model() -> None:
    applicants = pd.DataFrame({ID_COLUMN: [1, 2], "AMT_CREDIT": [1.0, 2.0]})

    class Plain:
        input_columns = ["AMT_CREDIT"]

    class WithRecords:
        input_columns = ["AMT_CREDIT", f"{PREFIX}X"]

    assert scoring_frame(Plain(), applicants, None) is applicants
    joined = scoring_frame(WithRecords(), applicants, None)
    assert len(joined) == 2 and any(c.startswith(PREFIX) for c in joined.columns)


def _files(settings: Settings, tree_bytes) -> dict[str, bytes]:
    """The data folder's files, without the history reference the monitoring caches once per
    model version (built by the first ingest that gets that far, kept whatever follows)."""
    return {k: v for k, v in tree_bytes(settings.data_dir).items()
            if not k.startswith("batch_store/reference-")}


def _nothing_written(settings: Settings, before: dict[str, bytes], tree_bytes) -> None:
    assert BatchStore(settings.data_dir).batches() == []
    assert CreditRecordStore(settings.data_dir / RECORDS_DIR).parts() == []
    assert _files(settings, tree_bytes) == before


def test_bad_records_refuse_the_batch_and_store_nothing(
        batch_settings: Settings, cut_batch, tmp_path: Path, session_applicants: pd.DataFrame,
        tree_bytes) -> None:
    batch = cut_batch(200, 40, "b2.parquet")
    ids = _ids(batch)
    BatchStore(batch_settings.data_dir)  # the index exists before the snapshot
    before = _files(batch_settings, tree_bytes)
    outsider = int(session_applicants[ID_COLUMN].iloc[0])  # an applicant, not of this batch
    cases: dict[str, tuple[dict[str, pd.DataFrame], str]] = {}
    frames = batch_records(ids)
    frames["bureau"].loc[1, "SK_ID_CURR"] = outsider
    cases["client not in the batch"] = (frames, f"bureau.csv: SK_ID_CURR {outsider} at row 2")
    frames = batch_records(ids)
    frames["bureau_balance"].loc[1, "SK_ID_BUREAU"] = 123
    cases["month of a credit not in the batch's bureau"] = (
        frames, "bureau_balance.csv: SK_ID_BUREAU 123 at row 2 (line 3) is not a credit")
    frames = batch_records(ids)
    frames["previous_application"]["AMT_CREDIT"] = frames["previous_application"][
        "AMT_CREDIT"].astype(object)
    frames["previous_application"].loc[0, "AMT_CREDIT"] = "lots"
    cases["bad value"] = (frames, "column AMT_CREDIT must be numeric, found 'lots'")
    for case, (frames, words) in cases.items():
        folder = write_dir(tmp_path / case.replace(" ", "_"), frames)
        with pytest.raises(IngestError) as caught:
            ingest_batch(batch, batch_settings, as_of="2025-02-28", credit_records=folder)
        message = str(caught.value)
        assert "\n" not in message and words in message, (case, message)
        _nothing_written(batch_settings, before, tree_bytes)


def test_a_failure_in_either_write_leaves_neither(
        batch_settings: Settings, cut_batch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        tree_bytes) -> None:
    batch = cut_batch(300, 40, "b3.parquet")
    records = write_dir(tmp_path / "records", batch_records(_ids(batch)))
    BatchStore(batch_settings.data_dir)
    before = _files(batch_settings, tree_bytes)

    def broken_commit(self: BatchStore, staging: Path, record: object) -> Path:
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(BatchStore, "commit", broken_commit)
        with pytest.raises(OSError, match="disk full"):
            ingest_batch(batch, batch_settings, as_of="2025-03-31", credit_records=records)
    _nothing_written(batch_settings, before, tree_bytes)

    def broken_part(self: CreditRecordStore, part: str, frames: object,
                    **kwargs: object) -> Path:
        raise OSError("no space for records")

    with monkeypatch.context() as patch:
        patch.setattr(CreditRecordStore, "write_part", broken_part)
        with pytest.raises(OSError, match="no space"):
            ingest_batch(batch, batch_settings, as_of="2025-03-31", credit_records=records)
    _nothing_written(batch_settings, before, tree_bytes)

    # A part left by a killed ingest (no committed batch) is swept by the next ingest, which
    # stores its own.
    store = CreditRecordStore(batch_settings.data_dir / RECORDS_DIR)
    store.write_part("2025-01-31-deadbeef", batch_records(_ids(batch), loan_base=7_000_000))
    result = ingest_batch(batch, batch_settings, as_of="2025-03-31", credit_records=records)
    assert store.parts() == [result.record.batch_id]


def test_manifest_entries_carry_their_records(
        batch_settings: Settings, cut_batch, tmp_path: Path) -> None:
    folder = batch_settings.data_dir / "batches"
    folder.mkdir()
    first = cut_batch(400, 40, "batch_2025-01.parquet")
    second = cut_batch(440, 40, "batch_2025-02.parquet")
    write_dir(folder / "credit_records" / "2025-01", batch_records(_ids(first)))
    for path in (first, second):
        path.rename(folder / path.name)
    (folder / "manifest.json").write_text(json.dumps({"batches": [
        {"file": first.name, "as_of": "2025-01-31", "rows": 40, "outcomes": None,
         "credit_records": "credit_records/2025-01"},
        {"file": second.name, "as_of": "2025-02-28", "rows": 40, "outcomes": None},
    ]}))
    run = ingest_manifest(folder / "manifest.json", batch_settings)
    assert len(run.ingested) == 2
    store = CreditRecordStore(batch_settings.data_dir / RECORDS_DIR)
    assert store.parts() == [run.ingested[0]]
    # A loan of a stored batch may not be given to another client by a later batch.
    third = cut_batch(480, 40, "b4.parquet")
    stolen = batch_records(_ids(third))
    with pytest.raises(IngestError, match="SK_ID_BUREAU 9000001 at row 1 .*belongs to SK_ID_CURR"):
        ingest_batch(third, batch_settings, as_of="2025-03-31",
                     credit_records=write_dir(tmp_path / "stolen", stolen))


def test_a_loan_already_stored_under_another_client_refuses_the_batch(
        batch_settings: Settings, cut_batch, tmp_path: Path, session_applicants: pd.DataFrame,
        tree_bytes) -> None:
    """The store is asked only for the batch's own loans; a clash with a stored one is found."""
    batch = cut_batch(200, 40, "b4.parquet")
    others = [int(i) for i in session_applicants[ID_COLUMN].iloc[:2]]  # not of this batch
    store = CreditRecordStore(batch_settings.data_dir / RECORDS_DIR)
    store.write_base(batch_records(others, loan_base=8_000_000))
    BatchStore(batch_settings.data_dir)
    before = _files(batch_settings, tree_bytes)
    folder = write_dir(tmp_path / "clash", batch_records(_ids(batch), loan_base=8_000_000))
    clash = r"SK_ID_BUREAU 8000001 .* but to \d+ in the stored credit records"
    with pytest.raises(IngestError, match=clash):
        ingest_batch(batch, batch_settings, as_of="2025-02-28", credit_records=folder)
    _nothing_written(batch_settings, before, tree_bytes)
    fresh = write_dir(tmp_path / "fresh", batch_records(_ids(batch), loan_base=6_000_000))
    result = ingest_batch(batch, batch_settings, as_of="2025-02-28", credit_records=fresh)
    assert store.parts() == [result.record.batch_id]
