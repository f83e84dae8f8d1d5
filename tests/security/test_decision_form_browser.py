"""Issue 10, section 2, in headless Chromium: the decision form does not carry over.

Exactly the issue's sequence: open client A, choose "Refuse", type a reason, search client B ->
the form is empty again; recording then records for B, and nothing for A.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.keys import Keys

from credit_dashboard.config import Settings
from credit_dashboard.web.pages.advisor.components import decision as panel
from credit_dashboard.web.pages.advisor.components import search

pytestmark = pytest.mark.browser

TIMEOUT = 30


@pytest.fixture
def form_app(small_data_dir: Path, small_artifacts_dir: Path, tmp_path: Path, monkeypatch):
    from credit_dashboard.web.app import create_app

    monkeypatch.setenv("CREDIT_DECISIONS_DB", str(tmp_path / "decisions.sqlite3"))
    settings = Settings(data_dir=small_data_dir, artifacts_dir=small_artifacts_dir)
    return create_app(settings, with_auth=False, with_api=False)


def _click(dash_duo, element) -> None:
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element
    )
    element.click()


def _choose(dash_duo, label: str) -> None:
    _click(dash_duo, dash_duo.driver.find_element(
        "xpath", f"//*[@id='{panel.CHOICE}']//label[normalize-space()='{label}']"
    ))


def _form(dash_duo) -> tuple[list[str], str]:
    """The checked choice(s) and the reason, as the browser has them."""
    driver = dash_duo.driver
    checked = driver.execute_script(
        f"return [...document.querySelectorAll('#{panel.CHOICE} input:checked')]"
        ".map(e => e.value)"
    )
    return checked, driver.execute_script(f"return document.getElementById('{panel.REASON}').value")


def test_the_form_is_reset_for_the_next_client_and_records_for_it(dash_duo, form_app) -> None:
    services = form_app.server.config["CREDIT_SERVICES"]
    first, second = (str(i) for i in services.scoring.search_ids("1", 2))
    dash_duo.start_server(form_app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/?client={first}")
    dash_duo.wait_for_contains_text(f"#{panel.MESSAGE}", "recommends", TIMEOUT)

    _choose(dash_duo, "Refuse")
    reason = dash_duo.find_element(f"#{panel.REASON}")
    reason.send_keys(f"Reason written for {first}")
    assert _form(dash_duo) == (["refuse"], f"Reason written for {first}")

    box = dash_duo.find_element(f"#{search.INPUT}")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.BACKSPACE)
    box.send_keys(second, Keys.ENTER)
    dash_duo.wait_for_contains_text("#advisor-header", f"Client {second}", TIMEOUT)
    dash_duo.wait_for_text_to_equal(f"#{panel.REASON}", "", TIMEOUT)
    assert _form(dash_duo) == ([], "")

    recommended = services.scoring.score_client(second).decision
    _choose(dash_duo, recommended.capitalize())
    dash_duo.find_element(f"#{panel.REASON}").send_keys(f"Checked for {second}")
    _click(dash_duo, dash_duo.find_element(f"#{panel.SUBMIT}"))
    dash_duo.wait_for_contains_text(f"#{panel.RECORDED}", f"for client {second}", TIMEOUT)
    store = services.decision_store
    assert [(d.decision, d.reason) for d in store.history(int(second))] == [
        (recommended, f"Checked for {second}")
    ]
    assert store.history(int(first)) == []
    assert dash_duo.get_logs() == []
