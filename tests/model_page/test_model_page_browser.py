"""The model page in headless Chromium, signed in as an admin: compare two versions, activate one
through the confirmation, see ``active.json`` change; axe-core clean with the admin's controls.

Run with ``pytest --headless tests/model_page``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from credit_dashboard.model.artifact import load_model
from credit_dashboard.web.pages.model.components import activation, feature_policy, versions

from .conftest import PASSWORD

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"


def _sign_in(dash_duo, base: str, name: str) -> None:
    driver = dash_duo.driver
    driver.get(f"{base}/language/en?next=/login")
    dash_duo.wait_for_element("#username", timeout=20)
    driver.find_element(By.ID, "username").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    dash_duo.wait_for_element("#advisor-header", timeout=30)


def test_admin_compares_two_versions_and_activates_one(dash_duo, model_app, page_versions,
                                                       axe_violations) -> None:
    v = page_versions
    dash_duo.start_server(model_app, navigate=False)
    base = dash_duo.server.url.rstrip("/")
    driver = dash_duo.driver
    driver.set_window_size(1400, 1100)
    _sign_in(dash_duo, base, "admin")
    driver.get(f"{base}/model")
    dash_duo.wait_for_element(f"#{versions.TABLE}", timeout=30)
    rows = driver.find_elements(By.CSS_SELECTOR, f"#{versions.TABLE} tbody tr")
    assert [r.find_element(By.TAG_NAME, "th").text for r in rows] == [v.older, v.trained]
    # The served version's feature policy: its short sha256 here and in the versions table
    # (the older card predates the policy).
    sha = load_model(v.artifacts).card["feature_policy"]["sha256"][:12]
    assert sha in driver.find_element(By.ID, feature_policy.SUMMARY).text
    assert "CODE_GENDER" in driver.find_element(By.ID, feature_policy.RULES["fairness_only"]).text
    cells = [r.find_elements(By.TAG_NAME, "td")[4].text for r in rows]
    assert cells == ["not recorded", sha]

    # Compare: the newer version first, the trained one second.
    Select(driver.find_element(By.ID, versions.FIRST)).select_by_value(v.older)
    Select(driver.find_element(By.ID, versions.SECOND)).select_by_value(v.trained)
    common = len(v.holdout(v.older))
    dash_duo.wait_for_contains_text(f"#{versions.RESULT}",
                                    f"Compared on the {common:,} held-out clients", timeout=30)
    heads = driver.find_elements(By.CSS_SELECTOR, f"#{versions.RESULT} thead th")
    assert [h.text for h in heads][1:] == [v.older, v.trained]
    dash_duo.wait_for_element("#model-versions-roc .plot-container", timeout=30)
    assert axe_violations() == []
    SCREENSHOTS.mkdir(exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1400, min(int(height) + 150, 6000))
    driver.save_screenshot(str(SCREENSHOTS / "model_page_admin.png"))

    # Activate the other version, through the confirmation.
    Select(driver.find_element(By.ID, activation.CHOICE)).select_by_value(v.older)
    driver.find_element(By.ID, activation.BUTTON).click()
    alert = WebDriverWait(driver, 20).until(expected_conditions.alert_is_present())
    assert v.older in alert.text
    alert.accept()
    dash_duo.wait_for_contains_text(f"#{activation.MESSAGE}",
                                    "every worker switches within 5 s", timeout=30)
    pointer = json.loads((v.artifacts / "active.json").read_text())
    assert pointer["version"] == v.older and pointer["previous"] == v.trained
    assert dash_duo.get_logs() == []
