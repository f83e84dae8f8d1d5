"""An expired or revoked session sends the advisor to sign in, back to the same client afterwards.

The guard answers Dash's callbacks with 401 JSON; ``assets/session_expired.js`` turns that into a
visit to ``/login?next=<path and query>``. The browser test needs ``pytest --headless``.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from credit_dashboard.storage.schema import ID_COLUMN
from credit_dashboard.web import auth

from .conftest import PASSWORD, sign_in

SCRIPT = "/assets/session_expired.js"


def test_the_script_is_behind_the_login_and_the_sign_in_page_does_without_it(guarded_app) -> None:
    client = guarded_app.server.test_client()
    anonymous = client.get(SCRIPT)
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/login?next=")
    assert "<script" not in client.get("/login").get_data(as_text=True)

    assert sign_in(client, "advisor", PASSWORD).status_code == 302
    served = client.get(SCRIPT)
    assert served.status_code == 200
    assert "window.fetch" in served.get_data(as_text=True)
    assert SCRIPT in client.get("/").get_data(as_text=True)  # Dash links it on every page


def _sign_in(driver, password: str) -> None:
    driver.find_element(By.ID, "username").send_keys("advisor")
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def _expected_401(entry: dict) -> bool:
    """Chromium's line for the refused callback, e.g. ``.../_dash-update-component - Failed to
    load resource: the server responded with a status of 401 (UNAUTHORIZED)``."""
    message = entry["message"]
    return "/_dash-update-component" in message and "status of 401" in message


@pytest.mark.browser
@pytest.mark.parametrize("ending", ["cookie gone", "password changed"])
def test_a_callback_after_the_session_ends_goes_to_sign_in_and_back(
    dash_duo, guarded_app, auth_env: Path, ending: str
) -> None:
    applicants = guarded_app.server.config["CREDIT_SERVICES"].applicants[ID_COLUMN]
    shown, searched = str(applicants.iloc[3]), str(applicants.iloc[5])
    dash_duo.start_server(guarded_app, navigate=False)
    driver, base = dash_duo.driver, dash_duo.server.url.rstrip("/")
    driver.set_window_size(1400, 1000)

    driver.get(f"{base}/?client={shown}")
    dash_duo.wait_for_element("#username", timeout=20)
    _sign_in(driver, PASSWORD)
    dash_duo.wait_for_text_to_equal("#advisor-header", f"Client {shown}", timeout=30)
    dash_duo.wait_for_element("#score-gauge .indicatorlayer", timeout=30)
    assert dash_duo.get_logs() == []

    password = PASSWORD
    if ending == "cookie gone":
        driver.delete_cookie("credit_session")
    else:
        password = auth.add_user(auth_env, "advisor")  # a new password revokes open sessions
    # The first keystroke already asks for suggestions (a callback): on a slow machine the browser
    # can leave for the sign-in page before the whole id is typed, as it should.
    with contextlib.suppress(StaleElementReferenceException):
        dash_duo.find_element("#search-input").send_keys(searched + Keys.ENTER)

    dash_duo.wait_for_element("#username", timeout=20)
    address = urlsplit(driver.current_url)
    assert address.path == "/login"
    assert parse_qs(address.query)["next"] == [f"/?client={shown}"]
    logs = dash_duo.get_logs()
    assert any(_expected_401(entry) for entry in logs)
    assert [entry for entry in logs if not _expected_401(entry)] == []

    _sign_in(driver, password)
    dash_duo.wait_for_text_to_equal("#advisor-header", f"Client {shown}", timeout=30)
    assert urlsplit(driver.current_url).query == f"client={shown}"
    assert dash_duo.get_logs() == []
