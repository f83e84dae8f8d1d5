"""Every visible field of the advisor page and its panels is paired with a label, in the real page.

Screen readers announce a field with the label the browser pairs with it (``<label for=…>`` naming
the field's DOM id), so the check runs in headless Chromium on the rendered page, not on the Python
layout: pattern-matching ids only become their DOM string there. Run with ``pytest --headless``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from credit_dashboard.config import APPLICANTS_TABLE, Settings
from credit_dashboard.services.labels import feature_label

pytestmark = pytest.mark.browser

TIMEOUT = 30

# The controls a person can reach: inputs, selects, text areas, and Dash 4's dropdown trigger
# buttons (a dcc.Dropdown's id lands on its <button>; its inner read-only input is aria-hidden).
_FIELDS_JS = """
const selector = 'input:not([type=hidden]), select, textarea, button.dash-dropdown';
return Array.from(document.querySelectorAll(selector))
  .filter(e => (e.offsetWidth || e.offsetHeight) && e.getAttribute('aria-hidden') !== 'true')
  .map(e => ({
    id: e.id,
    aria: e.getAttribute('aria-label') || '',
    labels: Array.from(e.labels || []).map(l => l.textContent.trim()).filter(t => t),
    forIds: Array.from(e.labels || []).map(l => l.htmlFor),
  }));
"""


@pytest.fixture
def tools_app(small_data_dir: Path, small_artifacts_dir: Path, tmp_path: Path, monkeypatch):
    from credit_dashboard.web.app import create_app

    monkeypatch.setenv("CREDIT_DECISIONS_DB", str(tmp_path / "decisions.sqlite3"))
    settings = Settings(data_dir=small_data_dir, artifacts_dir=small_artifacts_dir)
    return create_app(settings, with_auth=False, with_api=False)


def test_every_visible_field_has_a_label_naming_its_dom_id(
    dash_duo, tools_app, small_data_dir: Path
) -> None:
    client_id = int(pd.read_parquet(small_data_dir / APPLICANTS_TABLE)["SK_ID_CURR"].iloc[3])
    dash_duo.start_server(tools_app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/?client={client_id}")
    dash_duo.wait_for_element("#whatif-unchanged", timeout=TIMEOUT)

    fields = dash_duo.driver.execute_script(_FIELDS_JS)
    unlabelled = [f for f in fields if not f["id"] or not (f["labels"] or f["aria"])]
    assert not unlabelled, f"fields without a label or aria-label: {unlabelled}"
    # A label pairs through its `for` naming the field's id exactly (not by wrapping it).
    for field in fields:
        if field["labels"]:
            assert field["id"] in field["forIds"], field

    by_id = {f["id"]: f for f in fields}
    for plain in ("search-input", "compare-feature", "compare-scatter-x", "compare-scatter-y",
                  "decision-reason"):
        assert plain in by_id, f"{plain} not found among the visible fields"
    whatif = {i: f for i, f in by_id.items() if '"type":"whatif-input"' in i}
    assert len(whatif) >= 4, sorted(by_id)
    credit = whatif['{"column":"AMT_CREDIT","type":"whatif-input"}']
    assert credit["labels"] == [feature_label("AMT_CREDIT")]
    flip = dash_duo.find_elements("#whatif-flip-column")
    if flip and flip[0].is_displayed():
        assert by_id["whatif-flip-column"]["labels"] == ["Field to search"]
