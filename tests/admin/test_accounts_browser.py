"""The accounts page in headless Chromium, signed in as an admin: add an analyst (its password
shown once), change its role, delete it; axe-core clean in French and English; the language switch
on the navigation shows both languages, the current one marked.

Run with ``pytest --headless tests/admin``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from security.conftest import PASSWORD
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"


def _sign_in(dash_duo, base: str, name: str, language: str = "en") -> None:
    driver = dash_duo.driver
    driver.get(f"{base}/language/{language}?next=/login")
    dash_duo.wait_for_element("#username", timeout=20)
    driver.find_element(By.ID, "username").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def _open_accounts(dash_duo, app, language: str = "en") -> None:
    """Start the app, sign in as the admin in ``language``, open the accounts page."""
    dash_duo.start_server(app, navigate=False)
    base = dash_duo.server.url.rstrip("/")
    dash_duo.driver.set_window_size(1400, 1100)
    _sign_in(dash_duo, base, "admin", language)
    dash_duo.wait_for_element("#advisor-header", timeout=30)
    dash_duo.driver.get(f"{base}/admin/accounts")
    dash_duo.wait_for_element("#accounts-table table", timeout=30)


def _row(dash_duo, name: str):
    rows = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#accounts-table tbody tr")
    return next((r for r in rows if r.find_element(By.TAG_NAME, "th").text.startswith(name)), None)


def _shot(dash_duo, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def test_admin_adds_an_analyst_changes_its_role_and_deletes_it(
    dash_duo, admin_app, users_file, axe_violations
) -> None:
    _open_accounts(dash_duo, admin_app)
    driver = dash_duo.driver
    assert [r.find_element(By.TAG_NAME, "th").text for r in
            driver.find_elements(By.CSS_SELECTOR, "#accounts-table tbody tr")] == [
        "admin (you)", "advisor", "analyst"]
    assert axe_violations() == []

    driver.find_element(By.ID, "accounts-new-name").send_keys("marie.dupont")
    Select(driver.find_element(By.ID, "accounts-new-role")).select_by_value("analyst")
    driver.find_element(By.ID, "accounts-add").click()
    secret = dash_duo.wait_for_element("#accounts-password", timeout=20)
    password = secret.get_attribute("value")
    assert len(password) >= 20 and secret.get_attribute("readonly")
    assert "shown only this once" in driver.find_element(By.ID, "accounts-message").text
    # The form is reset, so a second click cannot add the account twice.
    assert driver.find_element(By.ID, "accounts-new-name").get_attribute("value") == ""
    assert Select(driver.find_element(By.ID, "accounts-new-role")).first_selected_option.text == (
        "Advisor")
    stored = json.loads(users_file.read_text())["users"]["marie.dupont"]
    assert stored["role"] == "analyst" and password not in users_file.read_text()
    _shot(dash_duo, "admin_accounts_password_once")
    assert axe_violations() == []

    row = _row(dash_duo, "marie.dupont")
    assert row is not None and "not recorded" not in row.text  # its creation date is shown
    Select(row.find_element(By.TAG_NAME, "select")).select_by_value("advisor")
    row.find_element(By.XPATH, ".//button[contains(., 'Change role')]").click()
    dash_duo.wait_for_contains_text(
        "#accounts-message", "marie.dupont now has the role Advisor", timeout=20)
    # The password was shown once: the next change replaced it.
    assert not driver.find_elements(By.ID, "accounts-password")
    assert json.loads(users_file.read_text())["users"]["marie.dupont"]["role"] == "advisor"

    _row(dash_duo, "marie.dupont").find_element(
        By.XPATH, ".//button[contains(., 'Delete')]").click()
    driver.switch_to.alert.accept()  # "Delete the account marie.dupont? ..."
    dash_duo.wait_for_contains_text("#accounts-message", "marie.dupont is deleted", timeout=20)
    assert _row(dash_duo, "marie.dupont") is None
    assert "marie.dupont" not in json.loads(users_file.read_text())["users"]
    assert dash_duo.get_logs() == []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_accounts_page_and_language_switch_pass_axe(
    dash_duo, admin_app, axe_violations, language
) -> None:
    _open_accounts(dash_duo, admin_app, language)
    driver = dash_duo.driver
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == language
    heading = {"fr": "Comptes et clés d'API", "en": "Accounts and API keys"}[language]
    assert driver.find_element(By.TAG_NAME, "h1").text == heading
    switch = driver.find_element(By.CSS_SELECTOR, ".language-switch")
    current = switch.find_element(By.CSS_SELECTOR, "[aria-current=true]")
    assert current.get_attribute("lang") == language
    assert current.text.split()[0] == language.upper()  # then the name, for screen readers
    other = "en" if language == "fr" else "fr"
    link = switch.find_element(By.CSS_SELECTOR, f"a[lang={other}]")
    assert link.text.split()[0] == other.upper()
    _shot(dash_duo, f"admin_accounts_{language}")
    assert axe_violations() == []
    link.click()
    dash_duo.wait_for_element(f".language-switch [aria-current=true][lang={other}]", timeout=20)
    assert "/admin/accounts" in driver.current_url  # back on the same page, other language
