"""The stored per-client features: written whole, read one client at a time or all at once."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from credit_dashboard.storage.credit_records.feature_file import (
    FeatureFile,
    feature_folder,
    write_features,
)


def _features(ids: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"SK_ID_CURR": ids,
                         "CR_A": [float(i) / 10 for i in ids],
                         "CR_B": [np.nan if i % 2 else float(i) for i in ids]})


def test_few_and_many_clients_read_the_same_rows(tmp_path: Path) -> None:
    ids = list(range(1000, 1400, 3))[::-1]  # written unsorted: stored sorted
    folder = write_features(tmp_path, _features(ids), "sig1")
    file = FeatureFile(folder)
    assert file.columns == ("CR_A", "CR_B") and file.bounds == (1000, 1399)
    wanted = np.array([999, 1000, 1003, 1004, 1399, 5000])  # absent ones are left out
    few = file.rows(wanted)
    assert few["SK_ID_CURR"].tolist() == [1000, 1003, 1399]
    assert few["CR_A"].tolist() == [100.0, 100.3, 139.9]
    assert np.isnan(few.loc[1, "CR_B"]) and few.loc[0, "CR_B"] == 1000.0
    many = file.rows(np.arange(900, 1500))  # above the one-pread-per-client size
    assert len(many) == len(ids)
    pd.testing.assert_frame_equal(many[many.SK_ID_CURR.isin(wanted)].reset_index(drop=True),
                                  few)
    pd.testing.assert_frame_equal(file.frame(), many)


def test_a_newer_signature_replaces_the_older_and_a_rewrite_is_whole(tmp_path: Path) -> None:
    write_features(tmp_path, _features([1, 2]), "old")
    write_features(tmp_path, _features([1, 2, 3]), "new")
    assert [p.name for p in tmp_path.iterdir()] == ["features.new"]
    write_features(tmp_path, _features([4]), "new")
    assert FeatureFile(feature_folder(tmp_path, "new")).frame()["SK_ID_CURR"].tolist() == [4]
    assert [p.name for p in tmp_path.iterdir()] == ["features.new"]  # nothing hidden left


def test_bad_input_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="appears twice"):
        write_features(tmp_path, _features([1, 1]), "sig")
    with pytest.raises(ValueError, match="not a feature signature"):
        write_features(tmp_path, _features([1]), "../elsewhere")
    assert list(tmp_path.iterdir()) == []


def test_a_truncated_file_is_named(tmp_path: Path) -> None:
    folder = write_features(tmp_path, _features([1, 2, 3]), "sig")
    np.save(folder / "values.npy", np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"values.*for 3 clients and 2 features"):
        FeatureFile(folder)


def test_a_forked_child_reads_with_its_own_descriptors(tmp_path: Path) -> None:
    file = FeatureFile(write_features(tmp_path, _features([5, 6, 7]), "sig"))
    assert file.rows(np.array([6]))["CR_A"].tolist() == [0.6]
    pid = os.fork()
    if pid == 0:
        ok = file.rows(np.array([7]))["CR_A"].tolist() == [0.7] and file._pid == os.getpid()
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert file.rows(np.array([5]))["CR_A"].tolist() == [0.5]
