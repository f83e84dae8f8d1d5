"""The sign-in page in a browser: axe-core finds no WCAG 2.1 A/AA violation, and its language
switch (public, before any login) turns the page into French and back."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

pytestmark = pytest.mark.browser


def test_sign_in_page_passes_axe_and_switches_language(dash_duo, guarded_app, axe_violations):
    dash_duo.start_server(guarded_app, navigate=False)
    driver, base = dash_duo.driver, dash_duo.server.url.rstrip("/")
    driver.get(f"{base}/language/en")
    driver.get(f"{base}/login")
    dash_duo.wait_for_element("#username", timeout=20)
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert driver.find_element(By.TAG_NAME, "h1").text == "Sign in"
    assert axe_violations() == []

    driver.find_element(By.CSS_SELECTOR, 'nav a[lang="fr"]').click()
    dash_duo.wait_for_text_to_equal("h1", "Connexion", timeout=20)
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    assert "/login" in driver.current_url
    assert driver.find_element(By.CSS_SELECTOR, "label[for=password]").text == "Mot de passe"
    assert axe_violations() == []
