"""What-if re-scoring and the threshold-crossing search, against an exactly explainable model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from credit_dashboard.services.whatif import apply_edits, compare, score_row, threshold_crossing

from .toy_model import ToyCreditModel


def _client(history: pd.DataFrame, model: ToyCreditModel, refused: bool) -> pd.DataFrame:
    """A client clearly on one side of the threshold, with a typical credit / income."""
    p = model.default_probability(history)
    ratio = history["AMT_CREDIT"] / history["AMT_INCOME_TOTAL"]
    if refused:
        mask = (p > model.decision_threshold * 1.2) & (p < model.decision_threshold * 1.6)
    else:
        mask = (p < model.decision_threshold * 0.8) & (p > model.decision_threshold * 0.5)
    mask &= ratio.between(2, 4) & history["AMT_GOODS_PRICE"].notna()
    return history[mask.to_numpy()].iloc[[0]]


def test_rescore_equals_the_model_on_the_modified_row(
    synthetic_history: pd.DataFrame, toy_model: ToyCreditModel
) -> None:
    original = _client(synthetic_history, toy_model, refused=True)
    before = original.copy()
    credit = float(original["AMT_CREDIT"].iloc[0])
    check = apply_edits(original, {"AMT_CREDIT": credit * 1.5})
    assert check.ok

    result = compare(toy_model, original, check.row, check.changed)

    assert result.original.default_probability == pytest.approx(
        toy_model.default_probability(original)[0], abs=1e-9
    )
    assert result.modified.default_probability == pytest.approx(
        toy_model.default_probability(check.row)[0], abs=1e-9
    )
    assert result.probability_change == pytest.approx(
        result.modified.default_probability - result.original.default_probability
    )
    assert result.probability_change != 0
    pd.testing.assert_frame_equal(original, before)  # the client's row is never modified
    # The ratios derived from the credit amount moved inside the pipeline; nothing else did.
    moved = set(result.contribution_changes["feature"])
    assert moved == {"CREDIT_INCOME_RATIO", "PAYMENT_RATE"}
    change = result.contribution_changes.set_index("feature")["change"]
    after = result.modified.contributions
    assert change["PAYMENT_RATE"] == pytest.approx(
        after["PAYMENT_RATE"] - result.original.contributions["PAYMENT_RATE"]
    )
    # Contributions add up to the new probability.
    logit = np.log(result.modified.default_probability / (1 - result.modified.default_probability))
    assert result.modified.base_value + after.sum() == pytest.approx(logit, abs=1e-9)


def test_decision_follows_the_threshold(
    synthetic_history: pd.DataFrame, toy_model: ToyCreditModel
) -> None:
    refused = score_row(toy_model, _client(synthetic_history, toy_model, refused=True))
    granted = score_row(toy_model, _client(synthetic_history, toy_model, refused=False))
    assert refused.decision == "refuse"
    assert refused.default_probability >= refused.decision_threshold
    assert granted.decision == "grant"
    assert granted.default_probability < granted.decision_threshold


def _decision_with(model: ToyCreditModel, row: pd.DataFrame, edits: dict) -> str:
    check = apply_edits(row, edits)
    assert check.ok, check.errors
    p = model.default_probability(check.row)[0]
    return "refuse" if p >= model.decision_threshold else "grant"


@pytest.mark.parametrize("refused", [True, False])
def test_crossing_on_credit_amount_really_flips_the_decision(
    synthetic_history: pd.DataFrame, toy_model: ToyCreditModel, refused: bool
) -> None:
    client = _client(synthetic_history, toy_model, refused)
    crossing = threshold_crossing(toy_model, client, "AMT_CREDIT")

    assert crossing.found, crossing
    assert crossing.original_decision == ("refuse" if refused else "grant")
    assert crossing.decision != crossing.original_decision
    assert _decision_with(toy_model, client, crossing.edits()) == crossing.decision
    # A smaller loan is offered with the same repayment rate: the annuity moves with the credit.
    rate = client["AMT_ANNUITY"].iloc[0] / client["AMT_CREDIT"].iloc[0]
    assert crossing.linked["AMT_ANNUITY"] == pytest.approx(crossing.value * rate, abs=0.06)
    original = float(client["AMT_CREDIT"].iloc[0])
    # A value an advisor would type (whole hundreds), and precise: the exact flip is at most one
    # rounding step plus one step of the last refinement away, towards the client.
    assert crossing.value % 100 == 0
    step = (crossing.high - crossing.low) / 32**3 + 100
    back = crossing.value + (step if crossing.value < original else -step)
    # It is the nearest flip: a dense scan from the current value to there meets no earlier one.
    scan = np.linspace(original, back, 150)
    edits = [{"AMT_CREDIT": v, "AMT_ANNUITY": round(v * rate, 1)} for v in scan]
    assert all(_decision_with(toy_model, client, e) == crossing.original_decision for e in edits)


def test_crossing_on_income_without_a_flip_in_range(
    synthetic_history: pd.DataFrame, toy_model: ToyCreditModel
) -> None:
    client = _client(synthetic_history, toy_model, refused=True)
    income = float(client["AMT_INCOME_TOTAL"].iloc[0])
    # Within 1 % of the current income the decision cannot move for this clear-cut client.
    crossing = threshold_crossing(
        toy_model, client, "AMT_INCOME_TOTAL", low=income * 0.99, high=income * 1.01
    )
    assert not crossing.found
    assert crossing.edits() == {}
    assert crossing.value is None and crossing.decision is None


def test_crossing_refuses_unsearchable_inputs(
    synthetic_history: pd.DataFrame, toy_model: ToyCreditModel
) -> None:
    client = synthetic_history.iloc[[0]]
    with pytest.raises(ValueError, match="cannot search along"):
        threshold_crossing(toy_model, client, "EXT_SOURCE_3")
    with pytest.raises(ValueError, match="empty search range"):
        threshold_crossing(toy_model, client, "AMT_CREDIT", low=5, high=5)
