"""Signing in with headless Chromium in front of the real app, with its security headers on.

Run with ``pytest --headless tests/security``. Checks that the login page, the redirect back to a
shared client address, the Dash page behind the guard (its scripts, callbacks and figures under
``nosniff`` and ``frame-ancestors``) and signing out all work in a browser, without console errors.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from credit_dashboard.storage.schema import ID_COLUMN

from .conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_sign_in_lands_on_the_shared_client_then_sign_out(dash_duo, guarded_app) -> None:
    client_id = str(guarded_app.server.config["CREDIT_SERVICES"].applicants[ID_COLUMN].iloc[3])
    dash_duo.start_server(guarded_app, navigate=False)
    driver, base = dash_duo.driver, dash_duo.server.url.rstrip("/")
    driver.set_window_size(1400, 1000)

    driver.get(f"{base}/?client={client_id}")
    dash_duo.wait_for_element("#username", timeout=20)
    assert "/login" in driver.current_url
    driver.find_element(By.ID, "username").send_keys("advisor")
    driver.find_element(By.ID, "password").send_keys("wrong password")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    dash_duo.wait_for_contains_text(".error", "Incorrect user name or password.", timeout=20)
    # The refused attempt answers 401, which Chromium logs; nothing else may be logged.
    assert all("/login" in entry["message"] and "401" in entry["message"]
               for entry in dash_duo.get_logs())

    driver.find_element(By.ID, "username").send_keys("advisor")
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    dash_duo.wait_for_text_to_equal("#advisor-header", f"Client {client_id}", timeout=30)
    dash_duo.wait_for_element("#score-gauge .indicatorlayer", timeout=30)
    assert dash_duo.get_logs() == []

    driver.get(f"{base}/logout")
    dash_duo.wait_for_element("button[type=submit]", timeout=20).click()
    dash_duo.wait_for_element("#username", timeout=20)
    driver.get(f"{base}/")
    dash_duo.wait_for_element("#username", timeout=20)
    assert "/login" in driver.current_url
