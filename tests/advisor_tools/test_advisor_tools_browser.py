"""The advisor-tools panels in headless Chromium: what-if, similar clients, decision log.

Run with ``pytest --headless``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from credit_dashboard.config import APPLICANTS_TABLE, Settings

pytestmark = pytest.mark.browser

TIMEOUT = 30


@pytest.fixture
def tools_app(small_data_dir: Path, small_artifacts_dir: Path, tmp_path: Path, monkeypatch):
    from credit_dashboard.web.app import create_app

    monkeypatch.setenv("CREDIT_DECISIONS_DB", str(tmp_path / "decisions.sqlite3"))
    settings = Settings(data_dir=small_data_dir, artifacts_dir=small_artifacts_dir)
    return create_app(settings, with_auth=False, with_api=False)


@pytest.fixture(scope="module")
def client_id(small_data_dir: Path) -> int:
    return int(pd.read_parquet(small_data_dir / APPLICANTS_TABLE)["SK_ID_CURR"].iloc[3])


def _field(dash_duo, column: str):
    return dash_duo.find_element(f'input[id*="whatif-input"][id*="{column}"]')


def _type(dash_duo, column: str, text: str) -> None:
    from selenium.webdriver.common.keys import Keys

    element = _field(dash_duo, column)
    element.send_keys(Keys.CONTROL, "a")
    element.send_keys(Keys.BACKSPACE)
    element.send_keys(text, Keys.ENTER)


def _click(dash_duo, element) -> None:
    # Scroll it to the middle of the window first, instantly: Bootstrap makes scrolling smooth,
    # and a click during the animation lands on whatever is passing under the pointer.
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element
    )
    element.click()


def _open_client(dash_duo, app, client_id: int) -> None:
    dash_duo.start_server(app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/?client={client_id}")
    dash_duo.wait_for_element("#whatif-unchanged", timeout=TIMEOUT)


def test_whatif_edit_invalid_and_reset(dash_duo, tools_app, client_id: int) -> None:
    _open_client(dash_duo, tools_app, client_id)
    services = tools_app.server.config["CREDIT_SERVICES"]
    row = services.scoring.applicant_row(client_id)
    credit = float(row["AMT_CREDIT"].iloc[0])
    assert float(_field(dash_duo, "AMT_CREDIT").get_attribute("value")) == credit

    # Edit a value: the new score, decision, gauge and waterfall appear beside the original.
    _type(dash_duo, "AMT_CREDIT", str(int(credit * 2)))
    dash_duo.wait_for_contains_text("#whatif-difference", "Probability of default", TIMEOUT)
    graphs = dash_duo.find_elements("#whatif-result .js-plotly-plot")
    assert len(graphs) == 4  # gauge + waterfall, original and simulated
    dash_duo.wait_for_contains_text("#whatif-result", "Simulated", TIMEOUT)

    # An invalid value: a message beside the field, and no re-score.
    _type(dash_duo, "AMT_CREDIT", "-5")
    dash_duo.wait_for_element("#whatif-invalid", timeout=TIMEOUT)
    feedback = dash_duo.find_element('div[id*="whatif-feedback"][id*="AMT_CREDIT"]')
    assert "positive" in feedback.text
    assert not dash_duo.find_elements("#whatif-difference")
    # Dash 4 puts the className on the input's container: the field is outlined in red.
    container = _field(dash_duo, "AMT_CREDIT").find_element("xpath", "..")
    assert "is-invalid" in container.get_attribute("class")

    # Reset: the client's real values come back and nothing is simulated.
    _click(dash_duo, dash_duo.find_element("#whatif-reset"))
    dash_duo.wait_for_element("#whatif-unchanged", timeout=TIMEOUT)
    assert float(_field(dash_duo, "AMT_CREDIT").get_attribute("value")) == credit
    assert dash_duo.find_element('div[id*="whatif-feedback"][id*="AMT_CREDIT"]').text == ""
    assert dash_duo.get_logs() == []


def test_similar_clients_are_listed(dash_duo, tools_app, client_id: int) -> None:
    _open_client(dash_duo, tools_app, client_id)
    dash_duo.wait_for_contains_text(
        "#similar-summary", "similar past clients defaulted", TIMEOUT
    )
    rows = dash_duo.find_elements("#similar-clients tbody tr")
    assert len(rows) == 10
    assert all(("repaid" in r.text) or ("defaulted" in r.text) for r in rows)


def test_recorded_decision_shows_in_the_history_after_reload(
    dash_duo, tools_app, client_id: int
) -> None:
    services = tools_app.server.config["CREDIT_SERVICES"]
    recommended = services.scoring.score_client(client_id).decision
    against = "Grant" if recommended == "refuse" else "Refuse"
    _open_client(dash_duo, tools_app, client_id)
    dash_duo.wait_for_contains_text("#decision-history", "No decision recorded yet", TIMEOUT)
    dash_duo.wait_for_contains_text("#decision-message", f"recommends to {recommended}", TIMEOUT)

    # Going against the model without a reason: a message beside the reason, nothing recorded.
    choice = dash_duo.driver.find_element(
        "xpath", f"//*[@id='decision-choice']//label[normalize-space()='{against}']"
    )
    _click(dash_duo, choice)
    _click(dash_duo, dash_duo.find_element("#decision-submit"))
    dash_duo.wait_for_contains_text(
        "#decision-reason-feedback", "A reason is required when", TIMEOUT
    )
    assert "No decision recorded yet" in dash_duo.find_element("#decision-history").text

    dash_duo.find_element("#decision-reason").send_keys("Browser test: guarantor provided")
    _click(dash_duo, dash_duo.find_element("#decision-submit"))
    dash_duo.wait_for_element("#decision-recorded", timeout=TIMEOUT)
    dash_duo.wait_for_contains_text("#decision-history-table", "guarantor provided", TIMEOUT)

    dash_duo.driver.refresh()
    dash_duo.wait_for_contains_text("#decision-history-table", "guarantor provided", TIMEOUT)
    history = dash_duo.find_element("#decision-history-table").text
    assert f"{against.lower()} (against the model)" in history


def _client_with_a_flip(services, applicants: pd.DataFrame) -> int:
    """A client whose decision flips along the panel's default search input (the 30 clients
    nearest the threshold are tried; the "stays" answer is tested without a browser)."""
    from credit_dashboard.services.whatif import SEARCHABLE_INPUTS, threshold_crossing

    model = services.scoring.model
    column = next(c for c in services.whatif_inputs if c in SEARCHABLE_INPUTS)
    head = applicants.head(400)
    gap = abs(model.default_probability(head) - model.decision_threshold)
    for position in gap.argsort()[:30]:
        row = head.iloc[[position]]
        if threshold_crossing(model, row, column).found:
            return int(row["SK_ID_CURR"].iloc[0])
    raise AssertionError(f"no client near the threshold flips along {column}")


def test_flip_search_answer_can_be_tried(dash_duo, tools_app, small_data_dir: Path) -> None:
    services = tools_app.server.config["CREDIT_SERVICES"]
    applicants = pd.read_parquet(small_data_dir / APPLICANTS_TABLE)
    client = _client_with_a_flip(services, applicants)
    _open_client(dash_duo, tools_app, client)
    _click(dash_duo, dash_duo.find_element("#whatif-flip-search"))
    dash_duo.wait_for_contains_text("#whatif-flip-result", "decision", TIMEOUT)
    answer = dash_duo.find_element("#whatif-flip-result").text
    assert "becomes" in answer
    # Trying the value fills the panel with it and re-scores: the decision really changes.
    _click(dash_duo, dash_duo.find_element("#whatif-flip-apply"))
    dash_duo.wait_for_contains_text("#whatif-difference", "the decision changes", TIMEOUT)
