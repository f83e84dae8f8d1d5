"""The three pages in headless Chromium: search, shareable address, bad ids, comparisons, reports.

Run with ``pytest --headless tests/browser``. Each test ends with no browser console message.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.keys import Keys

from credit_dashboard.storage.schema import ID_COLUMN

pytestmark = pytest.mark.browser


def _applicant_ids(app) -> list[str]:
    services = app.server.config["CREDIT_SERVICES"]
    return [str(i) for i in services.applicants[ID_COLUMN].iloc[:50]]


def _start(dash_duo, app, path: str = "/") -> None:
    dash_duo.start_server(app)
    dash_duo.driver.set_window_size(1400, 1000)
    if path != "/":
        dash_duo.wait_for_page(f"{dash_duo.server_url}{path}")


def _wait_for_client(dash_duo, client_id: str) -> None:
    dash_duo.wait_for_text_to_equal("#advisor-header", f"Client {client_id}", timeout=20)
    dash_duo.wait_for_element("#score-gauge .indicatorlayer", timeout=20)
    dash_duo.wait_for_contains_text("#explanation-waterfall", "All together", timeout=20)


def _title(dash_duo, graph_id: str) -> str:
    return dash_duo.find_element(f"#{graph_id} .gtitle").text


def _scroll_to(dash_duo, element, block: str) -> None:
    dash_duo.driver.execute_script(
        f"arguments[0].scrollIntoView({{block: '{block}', behavior: 'instant'}});", element
    )


def _pick_other_option(dash_duo, dropdown_id: str, *avoid: str) -> str:
    """Open a dcc.Dropdown and click the first option whose text is not in ``avoid``."""
    dropdown = dash_duo.find_element(f"#{dropdown_id}")
    _scroll_to(dash_duo, dropdown, "center")
    dropdown.click()
    dash_duo.wait_for_element(".dash-dropdown-options .dash-dropdown-option")
    options = dash_duo.find_elements(".dash-dropdown-options .dash-dropdown-option")
    for option in options:
        if option.text and option.text not in avoid:
            text = option.text
            _scroll_to(dash_duo, option, "nearest")
            option.click()
            return text
    raise AssertionError(f"no other option in {dropdown_id}")


def test_search_shows_score_decision_and_explanation(dash_duo, dashboard, screenshot) -> None:
    client_id = _applicant_ids(dashboard)[3]
    _start(dash_duo, dashboard)
    dash_duo.wait_for_element("#search-input")
    search = dash_duo.find_element("#search-input")
    search.send_keys(client_id[:4])
    dash_duo.wait_for_element("#search-suggestions option", timeout=10)
    suggestions = dash_duo.find_elements("#search-suggestions option")
    assert 0 < len(suggestions) <= 10
    assert all(o.get_attribute("value").startswith(client_id[:4]) for o in suggestions)

    search.send_keys(client_id[4:] + Keys.ENTER)
    _wait_for_client(dash_duo, client_id)
    assert dash_duo.driver.current_url.endswith(f"/?client={client_id}")
    decision = dash_duo.find_element("#score-decision .decision").text
    assert decision.endswith("Grant") or decision.endswith("Refuse")
    assert "threshold" in dash_duo.find_element("#score-decision").text
    assert len(dash_duo.find_elements("#explanation-readings li")) > 0
    assert "Age" in dash_duo.find_element("#profile-card").text

    # The comparison follows the chosen feature.
    dash_duo.wait_for_element("#compare-graph .gtitle", timeout=20)
    before = _title(dash_duo, "compare-graph")
    _pick_other_option(dash_duo, "compare-feature", dash_duo.find_element("#compare-feature").text)
    dash_duo.wait_for_element("#compare-graph .gtitle")
    dash_duo._wait_for_callbacks()
    assert _title(dash_duo, "compare-graph") != before

    # The bivariate plot follows the chosen axes.
    dash_duo.wait_for_element("#compare-scatter-graph .gtitle", timeout=20)
    before = _title(dash_duo, "compare-scatter-graph")
    _pick_other_option(dash_duo, "compare-scatter-x",
                       dash_duo.find_element("#compare-scatter-x").text,
                       dash_duo.find_element("#compare-scatter-y").text)
    dash_duo._wait_for_callbacks()
    assert _title(dash_duo, "compare-scatter-graph") != before
    screenshot("advisor")
    assert dash_duo.get_logs() == []


def test_address_with_a_client_and_bad_ids(dash_duo, dashboard, screenshot) -> None:
    client_id = _applicant_ids(dashboard)[0]
    _start(dash_duo, dashboard, f"/?client={client_id}")
    _wait_for_client(dash_duo, client_id)

    for bad, expected in (
        ("abc", "digits only"),
        ("99999999999", "at most"),
        ("%3Cscript%3E", "markup"),
        ("123", "no applicant has the id 123"),
    ):
        dash_duo.wait_for_page(f"{dash_duo.server_url}/?client={bad}")
        dash_duo.wait_for_contains_text("#advisor-message", expected, timeout=10)
        assert not dash_duo.find_element("#advisor-results").is_displayed()
        if bad == "abc":
            dash_duo.wait_for_element("#page-content .js-plotly-plot .main-svg", timeout=20)
            screenshot("advisor-unknown-id")
    assert dash_duo.get_logs() == []


def test_back_and_forward_move_the_search_box_with_the_page(dash_duo, dashboard) -> None:
    first, second = _applicant_ids(dashboard)[1:3]
    _start(dash_duo, dashboard, f"/?client={first}")
    _wait_for_client(dash_duo, first)
    search = dash_duo.find_element("#search-input")
    assert search.get_attribute("value") == first

    search.send_keys(Keys.CONTROL, "a")
    search.send_keys(Keys.BACKSPACE)
    search.send_keys(second + Keys.ENTER)
    _wait_for_client(dash_duo, second)
    assert dash_duo.driver.current_url.endswith(f"/?client={second}")

    # Back: the address, the page and the search box all return to the first client.
    dash_duo.driver.back()
    _wait_for_client(dash_duo, first)
    dash_duo.wait_for_text_to_equal("#search-input", first, timeout=10)
    assert dash_duo.driver.current_url.endswith(f"/?client={first}")
    assert dash_duo.find_element("#search-input").get_attribute("value") == first

    # Forward: and on to the second again.
    dash_duo.driver.forward()
    _wait_for_client(dash_duo, second)
    dash_duo.wait_for_text_to_equal("#search-input", second, timeout=10)

    # Enter on a malformed id goes there too and says why nothing is shown; Back recovers.
    search = dash_duo.find_element("#search-input")
    search.send_keys(Keys.CONTROL, "a")
    search.send_keys(Keys.BACKSPACE)
    search.send_keys("abc" + Keys.ENTER)
    dash_duo.wait_for_contains_text("#advisor-message", "digits only", timeout=10)
    assert dash_duo.driver.current_url.endswith("/?client=abc")
    dash_duo.driver.back()
    _wait_for_client(dash_duo, second)
    dash_duo.wait_for_text_to_equal("#search-input", second, timeout=10)
    assert dash_duo.get_logs() == []


def test_analyst_and_model_pages(dash_duo, dashboard, screenshot) -> None:
    _start(dash_duo, dashboard, "/analyst")
    dash_duo.wait_for_contains_text("#drift-summary", "of the columns drifted", timeout=10)
    frame = dash_duo.find_element("#drift-report-frame")
    assert frame.get_attribute("src").endswith("/reports/drift")
    dash_duo.driver.switch_to.frame(frame)
    assert dash_duo.driver.find_element("tag name", "body").text.strip()
    dash_duo.driver.switch_to.default_content()
    screenshot("analyst")

    dash_duo.wait_for_page(f"{dash_duo.server_url}/model")
    dash_duo.wait_for_element("#cv-table", timeout=10)
    dash_duo.wait_for_contains_text("#page-content", "Business cost by threshold", timeout=20)
    # Five held-out curves (ROC, precision-recall, cost, calibration, confusion) and the fairness
    # chart; the versions' ROC comparison appears only once two versions are stored.
    assert len(dash_duo.find_elements("#page-content .js-plotly-plot")) == 6
    assert dash_duo.find_element("#model-fairness-chart .main-svg")
    assert not dash_duo.find_elements("#model-versions-roc")
    screenshot("model")
    assert dash_duo.get_logs() == []
