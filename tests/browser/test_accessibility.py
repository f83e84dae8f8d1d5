"""Every page, as a person reaches it, passes axe-core's WCAG 2.1 A and AA rules.

axe-core is the standard engine (installed from npm by scripts/test.sh); any violation fails the
test with the rule and the elements it found. The sign-in page is checked in
``tests/security/test_browser_login.py`` (it needs the app behind its logins).
"""

from __future__ import annotations

import pytest

from credit_dashboard.storage.schema import ID_COLUMN

pytestmark = pytest.mark.browser


def _client_id(app) -> str:
    return str(app.server.config["CREDIT_SERVICES"].applicants[ID_COLUMN].iloc[0])


@pytest.mark.parametrize("language", ["fr", "en"])
def test_advisor_page_with_a_client_passes_axe(dash_duo, dashboard, axe_violations, language):
    dash_duo.start_server(dashboard)
    client = _client_id(dashboard)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/language/{language}?next=/?client={client}")
    dash_duo.wait_for_element("#score-gauge .indicatorlayer", timeout=30)
    dash_duo.wait_for_element("#explanation-waterfall .plot-container", timeout=30)
    assert dash_duo.driver.find_element("css selector", "html").get_attribute("lang") == language
    # The page reads in that language: headings, the decision and the navigation.
    expected = {"fr": ("Score et décision", "Conseiller", "Profil"),
                "en": ("Score and decision", "Advisor", "Profile")}[language]
    text = dash_duo.driver.find_element("css selector", "body").text
    for words in expected:
        assert words in text, words
    if language == "fr":
        assert "Score and decision" not in text
        english = [line for line in text.splitlines() if " the " in f" {line.lower()} "]
        assert not english, english
    assert axe_violations() == []


@pytest.mark.parametrize("path", ["/analyst", "/model"])
def test_analyst_and_model_pages_pass_axe(dash_duo, dashboard, axe_violations, path):
    dash_duo.start_server(dashboard)
    dash_duo.wait_for_page(f"{dash_duo.server_url}{path}")
    dash_duo.wait_for_element("main h1, main h2", timeout=30)
    assert axe_violations() == []
