"""Issue 19, section 4, in headless Chromium: the review sequence as people do it.

An advisor records a refusal and the applicant's request for a review, with the applicant's
statement; the analyst page is not the advisor's; an admin who took a decision is refused when
reviewing it (through the panel, with the message); an analyst sees the open review with its
age, re-scores with a corrected income, records "reversed" with a reason; the advisor's history
shows the decision and the review's outcome. The panel's main path in French too. Screenshots go
to ``tests/screenshots/reviews_panel_{en,fr}.png``.

Run with ``pytest --headless tests/security/test_review_browser.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from credit_dashboard.config import Settings
from credit_dashboard.web.decisions_shown import shown_record
from credit_dashboard.web.pages.advisor.components import decision as panel
from credit_dashboard.web.pages.analyst.components import reviews

from .conftest import PASSWORD, write_users

pytestmark = pytest.mark.browser

TIMEOUT = 30
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
STATEMENT = "My income is 3,500 a month, not what was entered: I send my payslips."
INCOME_FIELD = reviews.EDIT["AMT_INCOME_TOTAL"]


@pytest.fixture()
def review_app(small_data_dir: Path, small_artifacts_dir: Path, auth_env: Path, monkeypatch):
    """The real app behind its logins, one account per role, its own decision log."""
    from credit_dashboard.web.app import create_app

    write_users(auth_env, {name: PASSWORD for name in ("advisor", "analyst", "admin")})
    monkeypatch.setenv("CREDIT_DECISIONS_DB", str(auth_env.parent / "decisions.sqlite3"))
    return create_app(Settings(data_dir=small_data_dir, artifacts_dir=small_artifacts_dir))


def _refused(services, count: int) -> list[str]:
    scoring = services.scoring
    found = [i for i in scoring.search_ids("1", 400)
             if scoring.score_client(i).decision == "refuse"]
    assert len(found) >= count
    return found[:count]


def _sign_in(dash_duo, name: str, language: str = "en") -> None:
    driver = dash_duo.driver
    driver.delete_all_cookies()  # the previous person leaves
    base = dash_duo.server.url.rstrip("/")
    driver.get(f"{base}/language/{language}?next=/login")
    dash_duo.wait_for_element("#username", timeout=TIMEOUT)
    driver.find_element(By.ID, "username").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    dash_duo.wait_for_element("#advisor-header", timeout=TIMEOUT)


def _open(dash_duo, path: str) -> None:
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + path)


def _click(dash_duo, element) -> None:
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element)
    element.click()


def _radio(dash_duo, group: str, value: str) -> None:
    _click(dash_duo, dash_duo.driver.find_element(
        By.XPATH, f"//*[@id='{group}']//input[@value='{value}']/following-sibling::label"))


def _record_refusal_and_request(dash_duo, client: str) -> None:
    """On the advisor page: refuse ``client``, then record the applicant's request."""
    _open(dash_duo, f"/?client={client}")
    dash_duo.wait_for_contains_text(f"#{panel.MESSAGE}", "recommends", TIMEOUT)
    _radio(dash_duo, panel.CHOICE, "refuse")
    _click(dash_duo, dash_duo.find_element(f"#{panel.SUBMIT}"))
    dash_duo.wait_for_contains_text(f"#{panel.RECORDED}", f"for client {client}", TIMEOUT)
    dash_duo.wait_for_contains_text(f"#{panel.REVIEW_ABOUT}", "latest decision", TIMEOUT)
    dash_duo.find_element(f"#{panel.REVIEW_STATEMENT}").send_keys(STATEMENT)
    _click(dash_duo, dash_duo.find_element(f"#{panel.REVIEW_SUBMIT}"))
    dash_duo.wait_for_contains_text(f"#{panel.REVIEW_RECORDED}", f"client {client}", TIMEOUT)
    dash_duo.wait_for_contains_text(f"#{panel.HISTORY_TABLE}", "open for 0 days", TIMEOUT)
    assert dash_duo.find_element(f"#{panel.REVIEW_STATEMENT}").get_attribute("value") == ""


def _choose_review(dash_duo, review_id: int) -> None:
    dash_duo.wait_for_element(f"#{reviews.CHOICE}", timeout=TIMEOUT)
    Select(dash_duo.find_element(f"#{reviews.CHOICE}")).select_by_value(str(review_id))
    dash_duo.wait_for_element(
        f"#{reviews.DETAIL_BODY}[data-review='{review_id}']", timeout=TIMEOUT)


def _correct_income(dash_duo, income: str) -> None:
    field = dash_duo.find_element(f"#{INCOME_FIELD}")
    _click(dash_duo, field)
    field.clear()
    field.send_keys(income)
    _click(dash_duo, dash_duo.find_element(f"#{reviews.RESCORE}"))


def _shot(dash_duo, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    panel_element = dash_duo.find_element(f"#{reviews.PANEL}")
    dash_duo.driver.execute_script(
        "arguments[0].scrollIntoView({block: 'start', behavior: 'instant'});", panel_element)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def test_an_applicant_asks_a_reviewer_reverses_and_the_log_keeps_both(
    dash_duo, review_app
) -> None:
    services = review_app.server.config["CREDIT_SERVICES"]
    store = services.decision_store
    first, second = _refused(services, 2)
    dash_duo.start_server(review_app, navigate=False)
    dash_duo.driver.set_window_size(1400, 1300)

    # The advisor refuses, the applicant asks for a review in their own words.
    _sign_in(dash_duo, "advisor")
    _record_refusal_and_request(dash_duo, first)
    [asked] = store.reviews(client_id=int(first))
    assert asked.statement == STATEMENT and asked.requested_by == "advisor" and asked.is_open
    decided = store.get(asked.decision_id)
    assert decided.inputs == services.scoring.model_input(int(first)) and decided.reasons
    # The reviewers' page is not the advisor's.
    _open(dash_duo, "/analyst")
    dash_duo.wait_for_contains_text("body", "Not allowed", TIMEOUT)

    # An admin who took a decision cannot review it: the panel says so, nothing is recorded.
    _sign_in(dash_duo, "admin")
    _record_refusal_and_request(dash_duo, second)
    [own] = store.reviews(client_id=int(second))
    _open(dash_duo, "/analyst")
    _choose_review(dash_duo, own.id)
    _radio(dash_duo, reviews.OUTCOME, "upheld")
    dash_duo.find_element(f"#{reviews.REASON}").send_keys("I checked my own work again.")
    _click(dash_duo, dash_duo.find_element(f"#{reviews.RECORD}"))
    dash_duo.wait_for_contains_text(
        f"#{reviews.REFUSED}", "You took this decision (admin): you cannot review it", TIMEOUT)
    assert store.get_review(own.id).is_open

    # An analyst sees both open reviews with their age, re-scores and reverses the advisor's.
    _sign_in(dash_duo, "analyst")
    _open(dash_duo, "/analyst")
    dash_duo.wait_for_element(f"#{reviews.OPEN_TABLE}", timeout=TIMEOUT)
    rows = dash_duo.driver.find_elements(By.CSS_SELECTOR, f"#{reviews.OPEN_TABLE} tbody tr")
    assert [r.find_elements(By.TAG_NAME, "td")[0].text for r in rows] == [  # oldest first
        f"#{asked.id}", f"#{own.id}"]
    assert all(r.find_elements(By.TAG_NAME, "td")[5].text == "0 days" for r in rows)
    _choose_review(dash_duo, asked.id)
    detail = dash_duo.find_element(f"#{reviews.DETAIL}").text
    assert STATEMENT in detail and "What the model saw" in detail
    assert all(reason in detail for reason in decided.reasons)  # same model: same words
    income = float(decided.inputs["AMT_INCOME_TOTAL"]) * 5
    _correct_income(dash_duo, f"{income:.0f}")
    dash_duo.wait_for_contains_text(f"#{reviews.RESCORED}", "With the corrections", TIMEOUT)
    _radio(dash_duo, reviews.OUTCOME, "reversed")
    dash_duo.find_element(f"#{reviews.REASON}").send_keys("Payslips show a higher income.")
    _shot(dash_duo, "reviews_panel_en")
    _click(dash_duo, dash_duo.find_element(f"#{reviews.RECORD}"))
    dash_duo.wait_for_contains_text(f"#{reviews.RECORDED}", "reversed by analyst", TIMEOUT)
    dash_duo.wait_for_contains_text(f"#{reviews.CLOSED_TABLE}", "Payslips show", TIMEOUT)
    closed = store.get_review(asked.id)
    assert (closed.outcome, closed.reviewed_by) == ("reversed", "analyst")
    assert closed.corrected_inputs == {"AMT_INCOME_TOTAL": int(income)}
    expected = services.scoring.score_record({**decided.inputs, "AMT_INCOME_TOTAL": income})
    assert closed.rescored_probability == pytest.approx(expected.default_probability, abs=1e-12)

    # The advisor's history shows the decision and the review's outcome.
    _sign_in(dash_duo, "advisor")
    _open(dash_duo, f"/?client={first}")
    dash_duo.wait_for_contains_text(f"#{panel.HISTORY_TABLE}", "reversed by analyst", TIMEOUT)
    history = dash_duo.find_element(f"#{panel.HISTORY_TABLE}").text
    assert "refuse" in history and "Payslips show a higher income." in history
    logs = [e["message"] for e in dash_duo.get_logs()]
    assert all("/analyst" in m and "403" in m for m in logs), "\n".join(logs)


def test_the_reviewers_panel_in_french(dash_duo, review_app) -> None:
    services = review_app.server.config["CREDIT_SERVICES"]
    store, scoring = services.decision_store, services.scoring
    [client] = _refused(services, 1)
    result = scoring.score_client(client)
    with review_app.server.test_request_context("/"):
        served = shown_record(services, int(client))
    decided = store.record(int(client), "refuse", user="advisor",
                           model_version=result.model_version,
                           default_probability=result.default_probability,
                           decision_threshold=result.decision_threshold, inputs=served.inputs,
                           reasons=served.reasons, counterfactual=served.counterfactual)
    asked = store.request_review(decided.id, statement=STATEMENT, user="advisor")
    dash_duo.start_server(review_app, navigate=False)
    dash_duo.driver.set_window_size(1400, 1300)
    _sign_in(dash_duo, "analyst", "fr")
    _open(dash_duo, "/analyst")
    _choose_review(dash_duo, asked.id)
    assert "Ce que le modèle a vu" in dash_duo.find_element(f"#{reviews.DETAIL}").text
    shown_income = dash_duo.find_element(f"#{INCOME_FIELD}").get_attribute("value")
    assert "\u202f" in shown_income or "," in shown_income or shown_income.isdigit()
    _correct_income(dash_duo, "900 000")
    dash_duo.wait_for_contains_text(f"#{reviews.RESCORED}", "Avec les corrections", TIMEOUT)
    _radio(dash_duo, reviews.OUTCOME, "reversed")
    dash_duo.find_element(f"#{reviews.REASON}").send_keys("Les bulletins de paie le montrent.")
    _shot(dash_duo, "reviews_panel_fr")
    _click(dash_duo, dash_duo.find_element(f"#{reviews.RECORD}"))
    dash_duo.wait_for_contains_text(f"#{reviews.RECORDED}", "infirmée", TIMEOUT)
    assert store.get_review(asked.id).outcome == "reversed"
    assert dash_duo.get_logs() == []
