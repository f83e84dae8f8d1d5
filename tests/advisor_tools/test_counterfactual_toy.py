"""The counterfactual search on the toy model, whose answer can be checked exactly: a monotone
logistic model in the loan's ratios, so "smallest" and "none within the limits" are decidable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from credit_dashboard.i18n import use_language
from credit_dashboard.services.counterfactual import (
    CHANGEABLE,
    MAX_CHANGE,
    PATHS,
    STEP,
    Counterfactual,
    row_counterfactual,
)

from .conftest import synthetic_clients
from .toy_model import ToyCreditModel


class _Watching:
    """The toy model, keeping every row the search asks it to score."""

    def __init__(self, model: ToyCreditModel) -> None:
        self.model = model
        self.decision_threshold = model.decision_threshold
        self.seen: list[pd.DataFrame] = []

    def default_probability(self, raw: pd.DataFrame) -> np.ndarray:
        self.seen.append(raw.copy())
        return self.model.default_probability(raw)


def _refused_rows(model: ToyCreditModel, n: int = 400) -> pd.DataFrame:
    clients = synthetic_clients(n, seed=5, with_target=False)
    p = model.default_probability(clients)
    return clients[p >= model.decision_threshold].reset_index(drop=True)


def test_the_search_never_touches_anything_but_the_loan(toy_model) -> None:
    rows = _refused_rows(toy_model)
    assert len(rows) > 10
    for i in range(10):
        row = rows.iloc[[i]]
        watching = _Watching(toy_model)
        answer = row_counterfactual(watching, row)
        assert answer is not None
        assert watching.seen, "the search scored nothing"
        others = [c for c in row.columns if c not in CHANGEABLE]
        for frame in watching.seen:  # every candidate row, not only the one returned
            expected = pd.concat([row[others]] * len(frame), ignore_index=True)
            pd.testing.assert_frame_equal(frame[others].reset_index(drop=True), expected)


def test_found_changes_are_granted_and_no_smaller_grid_change_is(toy_model) -> None:
    rows = _refused_rows(toy_model)
    found = 0
    for i in range(len(rows)):
        row = rows.iloc[[i]]
        answer = row_counterfactual(toy_model, row)
        assert answer is not None
        if not answer.found:
            continue
        found += 1
        changed = row.copy()
        for column, value in answer.changes.items():
            changed[column] = value
        assert toy_model.default_probability(changed)[0] < toy_model.decision_threshold
        assert answer.default_probability == pytest.approx(
            toy_model.default_probability(changed)[0])
        # No path grants at a grid level below the change found (rounding only enlarges it).
        credit, annuity, goods = (float(row[c].iloc[0]) for c in CHANGEABLE)
        below = [m for m in np.arange(1, 21) * STEP if m < answer.change - STEP]
        trials = []
        for m in below:
            for credit_f, annuity_f, goods_f in PATHS.values():
                new_credit, new_annuity = credit * credit_f(m), annuity * annuity_f(m)
                new_goods = goods * goods_f(m)
                if new_goods > 1.5 * new_credit:
                    continue  # outside the what-if's rules: never proposed
                if new_credit / new_annuity > max(60, credit / annuity):
                    continue
                trial = row.copy()
                trial["AMT_CREDIT"], trial["AMT_ANNUITY"] = new_credit, new_annuity
                trial["AMT_GOODS_PRICE"] = new_goods
                trials.append(trial)
        if trials:  # scored in one call: the same rows, a fraction of the time
            scores = toy_model.default_probability(pd.concat(trials, ignore_index=True))
            assert (scores >= toy_model.decision_threshold).all()
    assert found >= 1


def test_a_refusal_no_loan_change_can_turn_gets_why(toy_model) -> None:
    # External scores at their worst, many children (a toy model's term, never a real one's) and
    # a modest loan: the risk is not the loan's, so no change of its terms can turn it.
    row = synthetic_clients(1, seed=3, with_target=False)
    row["EXT_SOURCE_2"], row["EXT_SOURCE_3"] = 0.0, 0.0
    row["AMT_INCOME_TOTAL"] = 300_000.0
    row["AMT_CREDIT"], row["AMT_ANNUITY"], row["AMT_GOODS_PRICE"] = 100_000.0, 5_000.0, 90_000.0
    row["CNT_CHILDREN"], row["CNT_FAM_MEMBERS"] = 20, 22.0
    assert toy_model.default_probability(row)[0] >= toy_model.decision_threshold
    answer = row_counterfactual(toy_model, row)
    assert isinstance(answer, Counterfactual)
    assert answer.changes is None and answer.default_probability is None
    assert answer.to_dict() == {"changes": None, "why": answer.why}
    assert "No change of the loan within these limits" in answer.why
    assert f"{round((1 - MAX_CHANGE) * 100)}%" in answer.why
    with use_language("en"):
        assert answer.why_text() == answer.why
        assert answer.change_phrases() == []


def test_a_granted_row_gets_none(toy_model) -> None:
    clients = synthetic_clients(200, seed=9, with_target=False)
    granted = clients[toy_model.default_probability(clients) < toy_model.decision_threshold]
    assert len(granted)
    assert row_counterfactual(toy_model, granted.iloc[[0]]) is None


def test_no_credit_amount_is_said(toy_model) -> None:
    rows = _refused_rows(toy_model)
    row = rows.iloc[[0]].copy()
    row["AMT_CREDIT"] = np.nan
    row["AMT_ANNUITY"] = 90_000.0  # keeps the toy model's ratios finite and the row refused

    class _Refusing(_Watching):
        def default_probability(self, raw: pd.DataFrame) -> np.ndarray:
            return np.ones(len(raw))

    answer = row_counterfactual(_Refusing(toy_model), row)
    assert answer is not None and answer.changes is None and answer.why_key == "no_credit"


def test_the_words_of_a_change(toy_model) -> None:
    answer = Counterfactual(
        changes={"AMT_CREDIT": 720_000.0, "AMT_ANNUITY": 32_000.0}, default_probability=0.087,
        why=None, decision_threshold=0.091,
        original={"AMT_CREDIT": 900_000.0, "AMT_ANNUITY": 40_000.0}, goods_price=800_000.0,
        path="smaller_loan", change=0.2,
    )
    assert answer.to_dict() == {"changes": {"AMT_CREDIT": 720_000.0, "AMT_ANNUITY": 32_000.0},
                                "default_probability": 0.087}
    assert answer.down_payment == 80_000.0
    with use_language("en"):
        assert answer.change_phrases() == ["a credit of €720,000 instead of €900,000",
                                           "repayments (annuity) of €32,000 instead of €40,000"]
    with use_language("fr"):
        phrases = answer.change_phrases()
    assert [p.replace("\u202f", " ").replace("\xa0", " ") for p in phrases] == [
        "un crédit de 720 000 € au lieu de 900 000 €",
        "des mensualités de 32 000 € au lieu de 40 000 €",
    ]  # French words once the catalogue holds them (tmp_i18n/counterfactual_notice.po)
