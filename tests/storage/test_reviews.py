"""Human review of a decision on SQLite and PostgreSQL: the applicant's request, the outcome by
somebody else, one open review at a time, the list with ages, and nothing ever updated."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from credit_dashboard.storage.decisions import (
    REVIEW_DUE_DAYS,
    DecisionStore,
    DecisionValidationError,
    Review,
    UnknownRecordError,
    review_as_dict,
)

STATEMENT = "My salary rose in March; the income on file is last year's."


def _decision(store: DecisionStore, client_id: int = 100001, user: str = "alice"):
    return store.record(client_id, "refuse", user=user, model_version="v1",
                        default_probability=0.6, decision_threshold=0.3,
                        inputs={"AMT_INCOME_TOTAL": 90000.0}, reasons=["Income"])


def test_request_then_outcome(store: DecisionStore) -> None:
    decision = _decision(store)
    review = store.request_review(decision.id, statement=f"  {STATEMENT} ", user="alice")
    assert review.is_open and review.outcome is None
    assert (review.decision_id, review.client_id) == (decision.id, 100001)
    assert review.statement == STATEMENT and review.requested_by == "alice"
    assert review.requested_at.endswith("+00:00")
    assert store.get_review(review.id) == review
    assert store.reviews(open_only=True) == [review]

    closed = store.record_review_outcome(
        review.id, outcome=" Reversed ", reason="Payslips of March seen", user="bob",
        corrected_inputs={"AMT_INCOME_TOTAL": 120000.0}, rescored_probability=0.21,
        rescored_model_version="v1",
    )
    assert not closed.is_open and closed.outcome == "reversed"
    assert closed.outcome_reason == "Payslips of March seen" and closed.reviewed_by == "bob"
    assert closed.corrected_inputs == {"AMT_INCOME_TOTAL": 120000.0}
    assert closed.rescored_probability == 0.21 and closed.rescored_model_version == "v1"
    assert store.get_review(review.id) == closed
    assert store.reviews(open_only=True) == []
    assert store.reviews() == [closed]
    assert store.decision_reviews(decision.id) == [closed]
    # The decision itself is untouched: the log keeps both, and the chain vouches for all three.
    assert store.get(decision.id) == decision
    assert store.verify_chain().ok


def test_nobody_reviews_their_own_decision(store: DecisionStore) -> None:
    decision = _decision(store, user="alice")
    review = store.request_review(decision.id, statement=STATEMENT, user="carol")
    for same in ("alice", " ALICE "):
        with pytest.raises(DecisionValidationError) as err:
            store.record_review_outcome(review.id, outcome="upheld", reason="Looks right",
                                        user=same)
        assert err.value.field == "user"
        assert "nobody reviews their own decision" in str(err.value)
    assert store.get_review(review.id).is_open
    # The one who recorded the request (not the decider) may review it.
    assert store.record_review_outcome(review.id, outcome="upheld", reason="Looks right",
                                       user="carol").outcome == "upheld"


def test_one_open_review_per_decision(store: DecisionStore) -> None:
    decision = _decision(store)
    other = _decision(store, client_id=100002)
    first = store.request_review(decision.id, statement=STATEMENT, user="alice")
    with pytest.raises(DecisionValidationError) as err:
        store.request_review(decision.id, statement="Another request", user="alice")
    assert err.value.field == "decision_id" and f"#{first.id}" in str(err.value)
    # Another decision's review is independent.
    store.request_review(other.id, statement=STATEMENT, user="alice")
    store.record_review_outcome(first.id, outcome="upheld", reason="Income not proven",
                                user="bob")
    # Once closed, the applicant may ask again (new evidence): a new review, the old one kept.
    second = store.request_review(decision.id, statement="Here are the payslips", user="alice")
    assert second.id != first.id and second.is_open
    assert [r.id for r in store.decision_reviews(decision.id)] == [first.id, second.id]
    assert [r.client_id for r in store.reviews(open_only=True)] == [100002, 100001]  # oldest first
    assert [r.id for r in store.reviews(client_id=100001)] == [first.id, second.id]


def test_an_outcome_only_for_an_open_review(store: DecisionStore) -> None:
    review = store.request_review(_decision(store).id, statement=STATEMENT, user="alice")
    store.record_review_outcome(review.id, outcome="upheld", reason="Income not proven",
                                user="bob")
    with pytest.raises(DecisionValidationError) as err:
        store.record_review_outcome(review.id, outcome="reversed", reason="Changed my mind",
                                    user="dave")
    assert err.value.field == "review_id" and "closed" in str(err.value)
    assert store.get_review(review.id).outcome == "upheld"


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("outcome", {"outcome": "maybe"}),
        ("outcome", {"outcome": None}),
        ("reason", {"reason": "ok"}),
        ("reason", {"reason": ""}),
        ("reason", {"reason": "x" * 5000}),
        ("user", {"user": "  "}),
        ("rescored_probability", {"rescored_probability": 1.5,
                                  "rescored_model_version": "v1"}),
        ("rescored_model_version", {"rescored_probability": 0.2}),
        ("rescored_probability", {"rescored_model_version": "v1"}),
        ("corrected_inputs", {"corrected_inputs": {"AMT_CREDIT": float("inf")}}),
        ("review_id", {"review_id": 0}),
    ],
)
def test_invalid_outcomes_name_the_field(store: DecisionStore, field: str, kwargs: dict) -> None:
    review = store.request_review(_decision(store).id, statement=STATEMENT, user="alice")
    args = {"review_id": review.id, "outcome": "upheld", "reason": "Income not proven",
            "user": "bob"}
    args.update(kwargs)
    with pytest.raises(DecisionValidationError) as err:
        store.record_review_outcome(args.pop("review_id"), **args)
    assert err.value.field == field
    assert store.get_review(review.id).is_open


@pytest.mark.parametrize(
    ("statement", "message"),
    [("", "required"), ("   ", "required"), ("no", "at least 5"), ("x" * 4001, "at most 4000")],
)
def test_the_applicants_statement_is_required(
    store: DecisionStore, statement: str, message: str
) -> None:
    decision = _decision(store)
    with pytest.raises(DecisionValidationError) as err:
        store.request_review(decision.id, statement=statement, user="alice")
    assert err.value.field == "statement" and message in str(err.value)
    assert store.reviews() == []


def test_unknown_ids_are_named(store: DecisionStore) -> None:
    with pytest.raises(UnknownRecordError, match="no decision has the id 404"):
        store.get(404)
    with pytest.raises(UnknownRecordError, match="no decision has the id 404"):
        store.request_review(404, statement=STATEMENT, user="alice")
    with pytest.raises(UnknownRecordError, match="no review has the id 77"):
        store.get_review(77)
    with pytest.raises(UnknownRecordError, match="no review has the id 77"):
        store.record_review_outcome(77, outcome="upheld", reason="Income not proven", user="b")
    assert isinstance(UnknownRecordError("x"), LookupError)
    assert store.verify_chain().records == 0  # nothing half-written


def test_age_and_overdue() -> None:
    now = datetime.now(UTC)  # `overdue` reads the clock
    old = (now - timedelta(days=REVIEW_DUE_DAYS, hours=1)).isoformat(timespec="milliseconds")
    recent = (now - timedelta(days=2)).isoformat(timespec="milliseconds")
    overdue = Review(1, 1, 100001, STATEMENT, "alice", old)
    fresh = Review(2, 2, 100002, STATEMENT, "alice", recent)
    closed = Review(3, 3, 100003, STATEMENT, "alice", old, outcome="upheld",
                    outcome_reason="Income not proven", reviewed_by="bob", reviewed_at=recent)
    assert overdue.age_days(now) == pytest.approx(REVIEW_DUE_DAYS + 1 / 24, abs=1e-6)
    assert overdue.overdue and not fresh.overdue and not closed.overdue
    assert fresh.age_days(now) == pytest.approx(2.0)
    assert closed.age_days(now) == pytest.approx(REVIEW_DUE_DAYS + 1 / 24 - 2)  # time to decide
    as_dict = review_as_dict(overdue, now)
    assert as_dict["overdue"] is True and as_dict["is_open"] is True
    json.dumps(as_dict)  # JSON-ready


def test_reviews_are_insert_only(store: DecisionStore) -> None:
    """No code path of the store updates or deletes a record: the source says so."""
    import inspect
    import re

    from credit_dashboard.storage import decisions

    source = inspect.getsource(decisions)
    assert ".insert()" in source  # the pattern below would see a table's statement
    assert not re.search(r"\.(update|delete)\(\)", source)
    assert not re.search(r"\b(UPDATE|DELETE)\s", source)
