"""Browser: upload a batch on the analyst page -> it appears in the charts and the list; a client of
that batch searched on the advisor page gets the gauge and the waterfall."""

from __future__ import annotations

import pandas as pd
import pytest
from selenium.webdriver.common.keys import Keys

from credit_dashboard.config import Settings
from credit_dashboard.storage.schema import ID_COLUMN


@pytest.fixture()
def batch_app(batch_settings: Settings):
    from credit_dashboard.web.app import create_app

    return create_app(batch_settings, with_auth=False, with_api=False)


def test_upload_then_charts_then_advisor_search(dash_duo, batch_app, cut_batch) -> None:
    path = cut_batch(0, 80, "upload_2025-05.csv")
    client_id = str(int(pd.read_csv(path)[ID_COLUMN].iloc[3]))
    dash_duo.start_server(batch_app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/analyst")
    dash_duo.wait_for_contains_text("#batch-monitoring-body", "No applicant batch", timeout=20)

    dash_duo.find_element("#batch-upload-as-of").send_keys("2025-05-31")
    dash_duo.find_element("#batch-upload-file input[type=file]").send_keys(str(path))
    dash_duo.wait_for_contains_text("#batch-upload-message", "stored", timeout=180)
    dash_duo.wait_for_element("#batch-monitoring-score-psi .xtick", timeout=30)
    assert "2025-05-31" in dash_duo.find_element("#batch-monitoring-score-psi").text
    assert "2025-05-31" in dash_duo.find_element("#batch-monitoring-refusals").text
    dash_duo.wait_for_element("#batch-monitoring-heatmap .hm", timeout=30)
    dash_duo.wait_for_contains_text("#batch-list-table", "2025-05-31", timeout=30)
    assert dash_duo.find_element("#batch-list-report-frame").get_attribute("src").endswith(
        "/reports/batches/" + dash_duo.find_element("#batch-list-table code").text)
    dash_duo.wait_for_element("#batch-portfolio-histogram .bars", timeout=30)

    # The same bytes again (under another name): refused with the script's message.
    again = path.with_name("again.csv")
    again.write_bytes(path.read_bytes())
    dash_duo.find_element("#batch-upload-file input[type=file]").send_keys(str(again))
    dash_duo.wait_for_contains_text("#batch-upload-message", "already ingested", timeout=60)
    assert len(dash_duo.find_elements("#batch-list-table tbody tr")) == 1

    dash_duo.wait_for_page(f"{dash_duo.server_url}/")
    search = dash_duo.wait_for_element("#search-input", timeout=20)
    search.send_keys(client_id + Keys.ENTER)
    dash_duo.wait_for_text_to_equal("#advisor-header", f"Client {client_id}", timeout=30)
    dash_duo.wait_for_element("#score-gauge .indicatorlayer", timeout=30)
    dash_duo.wait_for_contains_text("#explanation-waterfall", "All together", timeout=30)
    assert dash_duo.get_logs() == [], dash_duo.get_logs()
