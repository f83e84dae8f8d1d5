"""In headless Chromium: the credit-history panel for a client with records, then for a client
without, switched in the search box (the page stays; only the client store changes), in English
and in French.

The switch is the case that matters: Dash keeps what a component shows when only a store changes,
so a panel that forgot to reset would leave the first client's credits on screen. Screenshots go
to /tmp/shots/credit_history_<language>_*.png to be looked at.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from selenium.webdriver.common.keys import Keys

from credit_dashboard.storage.credit_records.schema import TABLES
from credit_dashboard.storage.schema import ID_COLUMN

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")


def _frame(name: str, rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(TABLES[name].columns))


def records_of(client: int) -> dict[str, pd.DataFrame]:
    """A client who borrows a lot: four bureau credits (one sold), three applications (one
    refused), a cash loan paid over two years with a bad patch, and a card used near its limit."""
    rng = np.random.default_rng(3)
    bureau = [
        (701, "Active", "Consumer credit", -420, 180_000.0, 95_000.0, 0.0),
        (702, "Active", "Credit card", -900, 40_000.0, 31_500.0, 2_400.0),
        (703, "Closed", "Car loan", -1800, 320_000.0, 0.0, 0.0),
        (704, "Sold", "Microloan", -2600, 15_000.0, 0.0, 0.0),
    ]
    balance = []
    for credit, months, late_at in ((701, 14, {3, 4}), (702, 30, {9}), (703, 40, set())):
        for m in range(1, months + 1):
            balance.append({"SK_ID_BUREAU": credit, "MONTHS_BALANCE": -m,
                            "STATUS": ("2" if m == 4 else "1") if m in late_at else "0"})
    instalments = []
    for n in range(1, 31):
        due = -30.0 * n + 12
        late = n in (5, 6, 7)
        short = n in (6, 11)
        instalments.append({
            "SK_ID_PREV": 801, ID_COLUMN: client, "NUM_INSTALMENT_VERSION": 1.0,
            "NUM_INSTALMENT_NUMBER": 31 - n, "DAYS_INSTALMENT": due,
            "DAYS_ENTRY_PAYMENT": due + (9 if late else -float(rng.integers(0, 6))),
            "AMT_INSTALMENT": 4_500.0, "AMT_PAYMENT": 2_000.0 if short else 4_500.0})
    pos = [{"SK_ID_PREV": 801, ID_COLUMN: client, "MONTHS_BALANCE": -m, "CNT_INSTALMENT": 36.0,
            "CNT_INSTALMENT_FUTURE": float(m + 6), "NAME_CONTRACT_STATUS": "Active",
            "SK_DPD": 9 if m in (5, 6, 7) else 0, "SK_DPD_DEF": 0} for m in range(1, 31)]
    cards = [{"SK_ID_PREV": 802, ID_COLUMN: client, "MONTHS_BALANCE": -m,
              "AMT_BALANCE": float(min(45_000, 1_500 * (20 - m))) if m < 20 else 0.0,
              "AMT_CREDIT_LIMIT_ACTUAL": 45_000 if m < 12 else 30_000, "CNT_DRAWINGS_CURRENT": 1,
              "NAME_CONTRACT_STATUS": "Active", "SK_DPD": 0, "SK_DPD_DEF": 0}
             for m in range(1, 19)]
    previous = [
        (801, "Cash loans", "Approved", 120_000.0, 135_000.0, -900, "XAP"),
        (802, "Revolving loans", "Approved", 45_000.0, 45_000.0, -560, "XAP"),
        (803, "Consumer loans", "Refused", 60_000.0, 60_000.0, -75, "SCO"),
    ]
    return {
        "bureau": _frame("bureau", [
            {ID_COLUMN: client, "SK_ID_BUREAU": b, "CREDIT_ACTIVE": state,
             "CREDIT_CURRENCY": "currency 1", "DAYS_CREDIT": days, "CREDIT_DAY_OVERDUE": 0,
             "CNT_CREDIT_PROLONG": 0, "AMT_CREDIT_SUM": amount, "AMT_CREDIT_SUM_DEBT": debt,
             "AMT_CREDIT_SUM_OVERDUE": overdue, "CREDIT_TYPE": kind, "DAYS_CREDIT_UPDATE": -3}
            for b, state, kind, days, amount, debt, overdue in bureau]),
        "bureau_balance": _frame("bureau_balance", balance),
        "previous_application": _frame("previous_application", [
            {"SK_ID_PREV": p, ID_COLUMN: client, "NAME_CONTRACT_TYPE": kind,
             "NAME_CONTRACT_STATUS": status, "AMT_APPLICATION": asked, "AMT_CREDIT": granted,
             "DAYS_DECISION": days, "CODE_REJECT_REASON": reason, "HOUR_APPR_PROCESS_START": 11,
             "NFLAG_LAST_APPL_IN_DAY": 1, "SELLERPLACE_AREA": 5}
            for p, kind, status, asked, granted, days, reason in previous]),
        "POS_CASH_balance": _frame("POS_CASH_balance", pos),
        "installments_payments": _frame("installments_payments", instalments),
        "credit_card_balance": _frame("credit_card_balance", cards),
    }


def _shot(dash_duo, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = dash_duo.driver.execute_script("return document.documentElement.scrollHeight")
    dash_duo.driver.set_window_size(1400, min(int(height) + 150, 6000))
    panel = dash_duo.find_element("#credit-history-body").find_element("xpath", "../..")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView();", panel)
    panel.screenshot(str(SHOTS / f"{name}.png"))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_records_then_a_client_without(dash_duo, dashboard, tmp_path, language) -> None:
    from credit_dashboard.storage.credit_records.store import CreditRecordStore

    services = dashboard.server.config["CREDIT_SERVICES"]
    ids = services.applicants[ID_COLUMN].astype(int).tolist()
    with_records, without = ids[0], ids[1]
    store = CreditRecordStore(tmp_path / "credit_records")
    store.write_base(records_of(with_records))
    services.credit_records = store  # this app's own store (a fresh app per test)

    dash_duo.start_server(dashboard)
    dash_duo.driver.set_window_size(1400, 1000)
    dash_duo.wait_for_page(
        f"{dash_duo.server_url}/language/{language}?next=/?client={with_records}")
    dash_duo.wait_for_element("#credit-history-bureau tbody tr", timeout=30)
    dash_duo.wait_for_element("#credit-history-timeline .plot-container", timeout=30)
    assert dash_duo.driver.find_element("css selector", "html").get_attribute("lang") == language
    bureau_rows = dash_duo.find_elements("#credit-history-bureau tbody tr")
    application_rows = dash_duo.find_elements("#credit-history-applications tbody tr")
    assert (len(bureau_rows), len(application_rows)) == (4, 3)
    headline = dash_duo.find_element("#credit-history-headline").text
    assert headline.startswith("4 ") and " 3 " in headline
    first_debt = bureau_rows[0].find_elements("css selector", "td")[3].text
    # amounts in the reader's language: "€95,000" / "95 000 €" (the browser's text turns the
    # no-break spaces into plain ones)
    shown = first_debt.replace("\u202f", " ").replace("\u00a0", " ")
    assert shown == {"en": "€95,000", "fr": "95 000 €"}[language]
    # the timeline: three instalment classes, days past due, card balance and limit
    traces = dash_duo.driver.execute_script(
        "return document.querySelector('#credit-history-timeline .js-plotly-plot')"
        ".data.length")
    assert traces == 6
    _shot(dash_duo, f"credit_history_{language}_with_records")

    search = dash_duo.find_element("#search-input")
    search.send_keys(Keys.CONTROL, "a")
    search.send_keys(Keys.BACKSPACE)
    search.send_keys(str(without) + Keys.ENTER)
    dash_duo.wait_for_element("#credit-history-empty", timeout=30)
    assert dash_duo.find_elements("#credit-history-bureau") == []
    assert dash_duo.find_elements("#credit-history-applications") == []
    assert dash_duo.find_elements("#credit-history-timeline") == []
    assert dash_duo.find_elements("#credit-history-headline") == []
    _shot(dash_duo, f"credit_history_{language}_without_records")

    # and back: the first client's records come back whole
    search.send_keys(Keys.CONTROL, "a")
    search.send_keys(Keys.BACKSPACE)
    search.send_keys(str(with_records) + Keys.ENTER)
    dash_duo.wait_for_element("#credit-history-bureau tbody tr", timeout=30)
    assert dash_duo.find_elements("#credit-history-empty") == []
    assert dash_duo.get_logs() == []


def test_without_a_store_the_panel_says_so(dash_duo, dashboard) -> None:
    services = dashboard.server.config["CREDIT_SERVICES"]
    services.credit_records = None
    dash_duo.start_server(dashboard)
    client = services.applicants[ID_COLUMN].iloc[0]
    dash_duo.wait_for_page(f"{dash_duo.server_url}/language/en?next=/?client={client}")
    dash_duo.wait_for_element("#credit-history-unavailable", timeout=30)
    assert "not available" in dash_duo.find_element("#credit-history-unavailable").text
