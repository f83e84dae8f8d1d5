"""The credit-history summary against hand-made records whose every figure is counted by hand.

One client (id 1) with rows in all six tables, laid out so each rule shows once: a bureau credit
with late months, one never late, one without monthly reports; an approved, a refused and a
cancelled application; instalments on time, late, partly paid, late *and* partly paid, unpaid, and
one outside the 24-month window; cash-loan and card months inside and outside it.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from credit_dashboard.i18n import use_language
from credit_dashboard.services.credit_history import COLUMNS_READ, TIMELINE_MONTHS, credit_history
from credit_dashboard.storage.credit_records.schema import TABLES

CLIENT = 1


def table(name: str, rows: list[dict]) -> pd.DataFrame:
    """Rows of ``name`` with every schema column (those not given are missing)."""
    spec = TABLES[name]
    frame = pd.DataFrame(rows, columns=list(spec.columns))
    for column, dtype in spec.columns.items():
        if dtype != "object" and not frame[column].isna().any():
            frame[column] = frame[column].astype(dtype)
        elif dtype == "float64":
            frame[column] = frame[column].astype("float64")
    return frame


def records() -> dict[str, pd.DataFrame]:
    b = {"SK_ID_CURR": CLIENT, "CREDIT_CURRENCY": "currency 1", "CREDIT_DAY_OVERDUE": 0,
         "CNT_CREDIT_PROLONG": 0, "DAYS_CREDIT_UPDATE": -5}
    p = {"SK_ID_CURR": CLIENT, "HOUR_APPR_PROCESS_START": 10, "NFLAG_LAST_APPL_IN_DAY": 1,
         "SELLERPLACE_AREA": 1}
    return {
        "bureau": table("bureau", [
            {**b, "SK_ID_BUREAU": 11, "CREDIT_ACTIVE": "Active", "CREDIT_TYPE": "Consumer credit",
             "DAYS_CREDIT": -400, "AMT_CREDIT_SUM": 100_000.0, "AMT_CREDIT_SUM_DEBT": 60_000.0,
             "AMT_CREDIT_SUM_OVERDUE": 0.0},
            {**b, "SK_ID_BUREAU": 12, "CREDIT_ACTIVE": "Closed", "CREDIT_TYPE": "Credit card",
             "DAYS_CREDIT": -1000, "AMT_CREDIT_SUM": 50_000.0, "AMT_CREDIT_SUM_DEBT": 0.0,
             "AMT_CREDIT_SUM_OVERDUE": 0.0},
            {**b, "SK_ID_BUREAU": 13, "CREDIT_ACTIVE": "Bad debt", "CREDIT_TYPE": "Microloan",
             "DAYS_CREDIT": -2000, "AMT_CREDIT_SUM": 10_000.0, "AMT_CREDIT_SUM_DEBT": 8_000.0,
             "AMT_CREDIT_SUM_OVERDUE": 3_000.0},
        ]),
        "bureau_balance": table("bureau_balance", [
            {"SK_ID_BUREAU": 11, "MONTHS_BALANCE": -1, "STATUS": "0"},
            {"SK_ID_BUREAU": 11, "MONTHS_BALANCE": -2, "STATUS": "1"},
            {"SK_ID_BUREAU": 11, "MONTHS_BALANCE": -3, "STATUS": "2"},
            {"SK_ID_BUREAU": 11, "MONTHS_BALANCE": -4, "STATUS": "X"},
            {"SK_ID_BUREAU": 12, "MONTHS_BALANCE": -10, "STATUS": "C"},
            {"SK_ID_BUREAU": 12, "MONTHS_BALANCE": -11, "STATUS": "0"},
            # another client's credit: not counted
            {"SK_ID_BUREAU": 99, "MONTHS_BALANCE": -1, "STATUS": "5"},
        ]),
        "previous_application": table("previous_application", [
            {**p, "SK_ID_PREV": 21, "NAME_CONTRACT_TYPE": "Cash loans",
             "NAME_CONTRACT_STATUS": "Approved", "AMT_APPLICATION": 20_000.0,
             "AMT_CREDIT": 22_000.0, "DAYS_DECISION": -100, "CODE_REJECT_REASON": "XAP"},
            {**p, "SK_ID_PREV": 22, "NAME_CONTRACT_TYPE": "Consumer loans",
             "NAME_CONTRACT_STATUS": "Refused", "AMT_APPLICATION": 5_000.0,
             "AMT_CREDIT": 5_000.0, "DAYS_DECISION": -50, "CODE_REJECT_REASON": "LIMIT"},
            {**p, "SK_ID_PREV": 23, "NAME_CONTRACT_TYPE": "Cash loans",
             "NAME_CONTRACT_STATUS": "Canceled", "AMT_APPLICATION": 9_000.0,
             "AMT_CREDIT": 0.0, "DAYS_DECISION": -700, "CODE_REJECT_REASON": "XAP"},
        ]),
        "installments_payments": table("installments_payments", [
            # month -1 (days -1..-30): on time, late
            _inst(21, 1, due=-10, paid_on=-12, due_amount=100, paid=100),
            _inst(21, 2, due=-10, paid_on=-5, due_amount=100, paid=100),
            # month -2: partly paid, late and partly paid, not paid at all
            _inst(21, 3, due=-40, paid_on=-40, due_amount=100, paid=50),
            _inst(21, 4, due=-40, paid_on=-30, due_amount=100, paid=50),
            _inst(21, 5, due=-45, paid_on=math.nan, due_amount=100, paid=math.nan),
            # month -27: outside the timeline, in the counts
            _inst(21, 6, due=-800, paid_on=-800, due_amount=100, paid=100),
        ]),
        "POS_CASH_balance": table("POS_CASH_balance", [
            _pos(21, -1, 0), _pos(21, -2, 5), _pos(24, -2, 12), _pos(21, -30, 40),
        ]),
        "credit_card_balance": table("credit_card_balance", [
            _card(31, -1, 300.0, 1000), _card(31, -2, 500.0, 1000), _card(32, -1, 200.0, 500),
        ]),
    }


def _inst(loan: int, number: int, due: float, paid_on: float, due_amount: float,
          paid: float) -> dict:
    return {"SK_ID_PREV": loan, "SK_ID_CURR": CLIENT, "NUM_INSTALMENT_VERSION": 1.0,
            "NUM_INSTALMENT_NUMBER": number, "DAYS_INSTALMENT": float(due),
            "DAYS_ENTRY_PAYMENT": float(paid_on), "AMT_INSTALMENT": float(due_amount),
            "AMT_PAYMENT": float(paid)}


def _pos(loan: int, month: int, dpd: int) -> dict:
    return {"SK_ID_PREV": loan, "SK_ID_CURR": CLIENT, "MONTHS_BALANCE": month,
            "CNT_INSTALMENT": 12.0, "CNT_INSTALMENT_FUTURE": 6.0,
            "NAME_CONTRACT_STATUS": "Active", "SK_DPD": dpd, "SK_DPD_DEF": 0}


def _card(loan: int, month: int, balance: float, limit: int) -> dict:
    return {"SK_ID_PREV": loan, "SK_ID_CURR": CLIENT, "MONTHS_BALANCE": month,
            "AMT_BALANCE": balance, "AMT_CREDIT_LIMIT_ACTUAL": limit, "CNT_DRAWINGS_CURRENT": 0,
            "NAME_CONTRACT_STATUS": "Active", "SK_DPD": 0, "SK_DPD_DEF": 0}


def empty_records() -> dict[str, pd.DataFrame]:
    return {name: table(name, []) for name in TABLES}


@pytest.fixture()
def english():
    with use_language("en") as language:
        yield language


def test_bureau_credits_one_line_each_most_recent_first(english) -> None:
    history = credit_history(CLIENT, records())
    assert [c.credit_id for c in history.bureau] == [11, 12, 13]
    first, closed, bad = history.bureau
    assert (first.state, first.amount, first.debt, first.overdue) == ("active", 1e5, 6e4, 0.0)
    # months -2 ("1") and -3 ("2") are late; "X" and "0" are not; worst band is "2"
    assert (first.months_late, first.worst_status, first.opened_days_ago) == (2, 2, 400)
    assert first.lateness_text() == "2 months late, worst: 31-60 days late"
    assert (closed.months_late, closed.worst_status) == (0, 0)
    assert closed.lateness_text() == "never late"
    assert (bad.state, bad.worst_status) == ("bad_debt", None)
    assert bad.lateness_text() == "no monthly report"
    assert [c.state_text() for c in history.bureau] == ["active", "closed", "bad debt"]


def test_earlier_applications_and_reject_category(english) -> None:
    history = credit_history(CLIENT, records())
    assert [a.application_id for a in history.applications] == [22, 21, 23]
    refused, approved, cancelled = history.applications
    assert (refused.state, refused.amount_asked, refused.amount_granted) == ("refused", 5e3, None)
    # the code LIMIT is never shown, only its plain category
    assert refused.reject_text() == "amount above the limit"
    assert (approved.amount_granted, approved.decided_days_ago, approved.reject_text()) == (
        22_000.0, 100, "")
    assert (cancelled.state, cancelled.amount_granted) == ("cancelled", None)


def test_counts_and_headline(english) -> None:
    history = credit_history(CLIENT, records())
    c = history.counts
    assert (c.bureau_credits, c.bureau_active) == (3, 1)
    assert c.bureau_debt == 60_000.0  # active credits only (the bad debt's 8,000 is not owed)
    assert c.bureau_overdue == 3_000.0
    assert (c.bureau_months_late, c.bureau_worst_status) == (2, 2)
    assert (c.applications, c.applications_approved, c.applications_refused) == (3, 1, 1)
    # 6 rows; late: rows 2 and 4; paid less than due: rows 3, 4 and the unpaid row 5
    assert (c.instalments, c.instalments_late, c.instalments_partly_paid) == (6, 2, 3)
    assert c.pos_max_days_past_due == 40
    # latest card month -1: 300 + 200 of 1000 + 500
    assert (c.card_balance, c.card_limit) == (500.0, 1500.0)
    assert c.card_use == pytest.approx(1 / 3)
    assert history.headline() == ("3 credits at other lenders, 1 active; 3 earlier applications, "
                                  "1 refused; 6 instalments, 2 late.")


def test_timeline_month_by_month() -> None:
    history = credit_history(CLIENT, records())
    months = {m.month: m for m in history.timeline}
    assert list(months) == list(range(-TIMELINE_MONTHS, 0))
    last, before = months[-1], months[-2]
    assert (last.on_time, last.late, last.partly_paid) == (1, 1, 0)
    # late-and-short counts once, as late; the unpaid one as partly paid
    assert (before.on_time, before.late, before.partly_paid) == (0, 1, 2)
    assert sum(m.on_time + m.late + m.partly_paid for m in history.timeline) == 5
    assert (last.pos_days_past_due, before.pos_days_past_due) == (0, 12)
    assert months[-3].pos_days_past_due is None
    assert (last.card_balance, last.card_limit) == (500.0, 1500.0)
    assert (before.card_balance, before.card_limit) == (500.0, 1000.0)
    assert months[-3].card_balance is None


def test_to_dict_is_compact_json() -> None:
    import json

    summary = credit_history(CLIENT, records()).to_dict()
    json.dumps(summary, allow_nan=False)
    assert summary["has_records"] is True
    assert summary["bureau"] == {"credits": 3, "active": 1, "debt": 60_000.0, "overdue": 3_000.0,
                                 "months_late": 2, "worst_status": 2}
    assert summary["applications"] == {"count": 3, "approved": 1, "refused": 1}
    assert summary["instalments"] == {"count": 6, "late": 2, "partly_paid": 3}
    assert summary["card"]["use"] == pytest.approx(1 / 3)
    assert set(summary["tables_with_rows"]) == set(TABLES)


def test_a_client_without_records_is_a_state_not_an_error(english) -> None:
    for frames in (empty_records(), {}):
        history = credit_history(7, frames)
        assert not history.has_records
        assert (history.bureau, history.applications, history.timeline) == ((), (), ())
        assert history.headline() == "No credit records for this client."
        summary = history.to_dict()
        assert summary["has_records"] is False and summary["card"]["use"] is None
        assert summary["instalments"] == {"count": 0, "late": 0, "partly_paid": 0}


def test_some_tables_only_leave_the_others_empty(english) -> None:
    full = records()
    history = credit_history(CLIENT, {"previous_application": full["previous_application"]})
    assert history.has_records and history.tables_with_rows == {"previous_application"}
    assert history.bureau == () and history.timeline == ()
    assert history.headline() == ("0 credits at other lenders; 3 earlier applications, "
                                  "1 refused; 0 instalments.")
    # A lender without an instalment table (a real sample): no "0 instalments", which would
    # read as "has never had one"; the API says which tables are held.
    partial = credit_history(CLIENT, {"previous_application": full["previous_application"]},
                             held=["bureau", "previous_application"])
    assert partial.headline() == ("0 credits at other lenders; 3 earlier applications, "
                                  "1 refused.")
    assert partial.to_dict()["tables_held"] == ["bureau", "previous_application"]
    # bureau_balance of credits the client has no bureau row for counts as nothing
    orphan = credit_history(CLIENT, {"bureau_balance": full["bureau_balance"]})
    assert not orphan.has_records
    # cards only: a timeline with card months and no instalments
    cards = credit_history(CLIENT, {"credit_card_balance": full["credit_card_balance"]})
    assert len(cards.timeline) == TIMELINE_MONTHS
    assert sum(m.on_time + m.late + m.partly_paid for m in cards.timeline) == 0


def test_the_panel_says_none_for_missing_sections(english) -> None:
    from credit_dashboard.web.pages.advisor.components import credit_history as panel

    full = records()
    view = panel.history_view(credit_history(CLIENT, {"bureau": full["bureau"]}))
    found = _by_id(view)
    assert found[panel.APPLICATIONS_TABLE].children == "None."
    assert found[panel.TIMELINE].children == "None."
    assert panel.BUREAU_TABLE in found and panel.EMPTY not in found
    empty = _by_id(panel.history_view(credit_history(CLIENT, {})))
    assert set(empty) == {panel.EMPTY}


def test_timeline_figure_is_valid_and_stacked(english) -> None:
    from credit_dashboard.web.pages.advisor.components import credit_history as panel

    graph = panel.timeline_graph(credit_history(CLIENT, records()))
    figure = go.Figure(graph.figure)  # validates every property
    names = [trace.name for trace in figure.data]
    assert names == ["paid on time", "paid late", "partly paid",
                     "cash and consumer loans: days past due", "card balance", "card limit"]
    assert figure.layout.barmode == "stack"
    assert list(figure.data[1].y[-2:]) == [1, 1]  # late in months -2 and -1
    assert figure.layout.xaxis3.title.text == "Months before the application"
    # no cash loans, no card: one row only
    only = panel.timeline_graph(credit_history(CLIENT, {
        "installments_payments": records()["installments_payments"]}))
    assert [t.name for t in go.Figure(only.figure).data] == ["paid on time", "paid late",
                                                             "partly paid"]


def test_the_store_gives_the_same_history(tmp_path: Path) -> None:
    """Written to Parquet and read back by id, the records summarise the same way."""
    from credit_dashboard.storage.credit_records.store import CreditRecordStore

    store = CreditRecordStore(tmp_path / "credit_records")
    store.write_base(records())
    assert store.available
    assert credit_history(CLIENT, store.client_records(CLIENT)) == credit_history(CLIENT,
                                                                                   records())
    assert not credit_history(2, store.client_records(2)).has_records
    # The panel decodes only the columns it reads, and says the same.
    assert credit_history(CLIENT, store.client_records(CLIENT, COLUMNS_READ)) == credit_history(
        CLIENT, records())


def _by_id(component) -> dict:
    """Every component with an id in a Dash tree, by id."""
    found = {}
    stack = [component]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
            continue
        if getattr(node, "id", None):
            found[node.id] = node
        children = getattr(node, "children", None)
        if children is not None and not isinstance(children, str):
            stack.append(children)
    return found


def test_numbers_are_plain_python() -> None:
    """No numpy scalars leak into the objects (they would not serialise everywhere)."""
    history = credit_history(np.int64(CLIENT), records())
    assert type(history.client_id) is int
    assert all(type(m.late) is int for m in history.timeline)


def test_nothing_to_chart_is_said_not_drawn(english) -> None:
    """A real file may hold loan months that were all on time and no instalment table: an empty
    chart would say nothing, so the panel says so in words (and draws as soon as one month
    is past due)."""
    from credit_dashboard.web.pages.advisor.components import credit_history as panel

    on_time = {"POS_CASH_balance": table("POS_CASH_balance", [_pos(21, -1, 0), _pos(21, -2, 0)])}
    shown = panel.timeline_graph(credit_history(CLIENT, on_time))
    assert shown.id == panel.TIMELINE and "Nothing to chart" in shown.children
    late = {"POS_CASH_balance": table("POS_CASH_balance", [_pos(21, -1, 0), _pos(21, -2, 9)])}
    graph = panel.timeline_graph(credit_history(CLIENT, late))
    assert [t.name for t in go.Figure(graph.figure).data] == [
        "cash and consumer loans: days past due"]
