"""PSI against a hand-computed example, and the status bands."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from credit_dashboard.services import monitoring


def test_numeric_psi_matches_a_hand_computation() -> None:
    # Reference 1..100: deciles at 10.9, 20.8, ..., 90.1 -> ten bins of 10 values each.
    reference = np.arange(1, 101, dtype=float)
    # Current: 20 values in the first bin, 0 in the second, 10 in each of the other eight.
    current = np.r_[np.linspace(1, 10, 20), np.arange(21, 101, dtype=float)]
    shares = np.array([20, 0, 10, 10, 10, 10, 10, 10, 10, 10], float) / 100
    expected = 0.1
    by_hand = (0.2 - 0.1) * math.log(0.2 / 0.1) + (1e-4 - 0.1) * math.log(1e-4 / 0.1)
    assert shares.sum() == pytest.approx(1.0)
    assert monitoring.numeric_psi(reference, current) == pytest.approx(by_hand, rel=1e-9)
    assert expected == pytest.approx(monitoring.numeric_shares(reference, monitoring.decile_edges(
        reference))[0])


def test_missing_values_are_a_bin_of_their_own() -> None:
    reference = np.r_[np.arange(90, dtype=float), [np.nan] * 10]  # 10 % missing
    current = np.r_[np.arange(70, dtype=float), [np.nan] * 30]  # 30 % missing
    shares_ref = monitoring.numeric_shares(reference, monitoring.decile_edges(reference))
    shares_cur = monitoring.numeric_shares(current, monitoring.decile_edges(reference))
    assert shares_ref[-1] == pytest.approx(0.1) and shares_cur[-1] == pytest.approx(0.3)
    assert monitoring.numeric_psi(reference, current) == pytest.approx(
        monitoring.psi_from_shares(shares_ref, shares_cur))
    assert monitoring.numeric_psi(reference, current) > (0.3 - 0.1) * math.log(3) - 1e-12


def test_categorical_psi_by_hand_and_identical_is_zero() -> None:
    reference = pd.Series(["a"] * 50 + ["b"] * 50)
    current = pd.Series(["a"] * 80 + ["b"] * 20)
    by_hand = (0.8 - 0.5) * math.log(0.8 / 0.5) + (0.2 - 0.5) * math.log(0.2 / 0.5)
    assert monitoring.feature_psi(reference, current) == pytest.approx(by_hand)
    assert monitoring.feature_psi(reference, reference.copy()) == pytest.approx(0.0)


@pytest.mark.parametrize(("value", "status"), [
    (0.0, "stable"), (0.099, "stable"), (0.1, "investigate"), (0.25, "investigate"),
    (0.2501, "shift"),
])
def test_status_bands(value: float, status: str) -> None:
    assert monitoring.psi_status(value) == status


def test_drift_column_cap_keeps_the_monitored_features_sources_first(monkeypatch) -> None:
    import numpy as np
    import pandas as pd

    from credit_dashboard.config import Settings
    from credit_dashboard.services.monitoring import Reference, drift_columns

    reference = Reference(raw=pd.DataFrame(), scores=np.zeros(0),
                          features=pd.DataFrame(columns=["PAYMENT_RATE", "EXT_SOURCE_2"]))
    columns = ["NAME_CONTRACT_TYPE", "AMT_CREDIT", "EXT_SOURCE_2", "AMT_ANNUITY", "FLAG_MOBIL"]
    assert drift_columns(reference, columns, 0) == columns
    assert drift_columns(reference, columns, 10) == columns
    # PAYMENT_RATE comes from the annuity and the credit; then EXT_SOURCE_2; table order kept.
    assert drift_columns(reference, columns, 3) == ["AMT_CREDIT", "EXT_SOURCE_2", "AMT_ANNUITY"]
    assert drift_columns(reference, columns, 4) == columns[:4]

    for text, expected in (("", 0), ("0", 0), ("12", 12), (" 5 ", 5)):
        monkeypatch.setenv("CREDIT_BATCH_DRIFT_COLUMNS", text)
        assert Settings().batch_drift_columns == expected, text
    monkeypatch.setenv("CREDIT_BATCH_DRIFT_COLUMNS", "abc")
    with pytest.raises(ValueError, match="CREDIT_BATCH_DRIFT_COLUMNS"):
        Settings()
