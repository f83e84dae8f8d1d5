"""In headless Chromium: a refused client's reasons on the advisor page, then the printed notice.

Screenshots (tests/screenshots/reasons_*.png) are there to be looked at: the notice must read well
on paper.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from credit_dashboard.config import Settings
from credit_dashboard.i18n import use_language
from credit_dashboard.services.reasons import refusal_reasons

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"


def _save(dash_duo, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    driver = dash_duo.driver
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1400, min(int(height) + 150, 6000))
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def test_refused_client_reasons_then_notice(dash_duo, small_data_dir, small_artifacts_dir,
                                            scored_clients) -> None:
    from credit_dashboard.web.app import create_app

    app = create_app(Settings(data_dir=small_data_dir, artifacts_dir=small_artifacts_dir),
                     with_auth=False, with_api=False)
    refused = next(r for r in scored_clients if r.decision == "refuse")
    with use_language("en"):
        expected = [r.text for r in refusal_reasons(refused).reasons]
    assert expected

    dash_duo.start_server(app)
    dash_duo.driver.set_window_size(1400, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/?client={refused.client_id}")
    dash_duo.wait_for_element("#reasons-list li", timeout=30)
    shown = [li.text for li in dash_duo.find_elements("#reasons-list li")]
    assert len(shown) == len(expected)
    for text, reason in zip(shown, expected, strict=True):
        assert text.startswith(reason) and text.endswith(" points)")
    link = dash_duo.find_element("#reasons-notice-link")
    assert link.get_attribute("href").endswith(f"/notice/{refused.client_id}")
    # The analysts' table is folded away and built when its fold is opened.
    assert dash_duo.find_elements("#reasons-facts-table") == []
    dash_duo.find_element("#reasons-facts-toggle").click()
    dash_duo.wait_for_element("#reasons-facts-table", timeout=30)
    _save(dash_duo, "reasons_advisor_page")
    panel = dash_duo.find_element("#reasons-body").find_element("xpath", "../..")
    panel.screenshot(str(SCREENSHOTS / "reasons_panel.png"))
    assert dash_duo.get_logs() == []

    dash_duo.driver.get(link.get_attribute("href"))
    dash_duo.wait_for_element("#notice-reasons li", timeout=10)
    printed = [li.text for li in dash_duo.find_elements("#notice-reasons li")]
    assert printed == expected
    body = dash_duo.find_element("main").text
    assert str(refused.client_id) in body and "Decision: refused" in body
    _save(dash_duo, "reasons_notice")
    # As printed: the print stylesheet hides the button.
    dash_duo.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert not dash_duo.find_element("#notice-print").is_displayed()
    _save(dash_duo, "reasons_notice_print")


def _plain(text: str) -> str:
    """Spaces as typed: the French amounts' narrow and no-break spaces become plain ones."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_change_that_would_grant_a_refusal_on_the_page_and_notice(
        dash_duo, small_data_dir, small_artifacts_dir, reasons_services, scored_clients,
        language) -> None:
    """The advisor page shows, under the reasons, what would change the refusal, in the reader's
    language; the notice says the same. French words need tmp_i18n/counterfactual_notice.po in the
    catalogue."""
    from credit_dashboard.services.counterfactual import client_counterfactual
    from credit_dashboard.web.app import create_app

    app = create_app(Settings(data_dir=small_data_dir, artifacts_dir=small_artifacts_dir),
                     with_auth=False, with_api=False)
    client, found = next(
        (r.client_id, f) for r in scored_clients if r.decision == "refuse"
        and (f := client_counterfactual(reasons_services.scoring, r.client_id)).found)
    with use_language(language):
        phrases = [_plain(p) for p in found.change_phrases()]
    heading = {"en": "What would change the decision", "fr": "Ce qui changerait la décision"}

    dash_duo.start_server(app)
    dash_duo.driver.set_window_size(1400, 1000)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/language/{language}?next=/?client={client}")
    dash_duo.wait_for_element("#counterfactual-changes li", timeout=30)
    assert dash_duo.driver.find_element("css selector", "html").get_attribute("lang") == language
    shown = [_plain(li.text) for li in dash_duo.find_elements("#counterfactual-changes li")]
    assert shown == phrases
    # Amounts as the reader writes them: "€900,000" / "900 000 €".
    new = found.changes["AMT_CREDIT" if "AMT_CREDIT" in found.changes else "AMT_ANNUITY"]
    digits = f"{int(new):,}".replace(",", {"en": ",", "fr": " "}[language])
    written = {"en": f"€{digits}", "fr": f"{digits} €"}[language]
    assert any(written in text for text in shown), (written, shown)
    panel = dash_duo.find_element("#counterfactual-body").find_element("xpath", "../..")
    assert heading[language] in panel.text
    dash_duo.driver.execute_script("arguments[0].scrollIntoView();", panel)
    panel.screenshot(f"/tmp/counterfactual_panel_{language}.png")  # to look at, not kept
    assert dash_duo.get_logs() == []

    # Another client, then back: the panel follows the store (a granted client has no change).
    granted = next(r.client_id for r in scored_clients if r.decision == "grant")
    dash_duo.wait_for_page(f"{dash_duo.server_url}/?client={granted}")
    dash_duo.wait_for_text_to_equal("#counterfactual-body p", {
        "en": "Granted: nothing needs to change.",
        "fr": "Accordé : rien n'a besoin de changer."}[language], timeout=30)
    assert dash_duo.find_elements("#counterfactual-changes") == []

    dash_duo.driver.get(f"{dash_duo.server_url}/notice/{client}")
    dash_duo.wait_for_element("#notice-changes li", timeout=10)
    printed = [_plain(li.text) for li in dash_duo.find_elements("#notice-changes li")]
    assert printed == phrases
    body = dash_duo.find_element("main").text
    assert heading[language] in body and found.decision_threshold > 0
    assert dash_duo.find_element("#notice-review").text
    _save(dash_duo, f"reasons_notice_counterfactual_{language}")
