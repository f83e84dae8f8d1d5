"""The printable refusal notice: lender, date, client, decision and the same reasons as the API."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from credit_dashboard.config import Settings
from credit_dashboard.i18n import use_language
from credit_dashboard.services.reasons import refusal_reasons


@pytest.fixture(scope="module")
def notice_client(small_data_dir: Path, small_artifacts_dir: Path):
    from credit_dashboard.web.app import create_app

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CREDIT_LENDER_NAME", "Prêt à dépenser SA")
        app = create_app(Settings(data_dir=small_data_dir, artifacts_dir=small_artifacts_dir),
                         with_auth=False, with_api=False)
    return app.server.test_client()


def _items(html: str) -> list[str]:
    listing = re.search(r'<ol id="notice-reasons">(.*?)</ol>', html, re.S)
    assert listing, "no list of reasons on the notice"
    return [unescape(x) for x in re.findall(r"<li>(.*?)</li>", listing.group(1), re.S)]


def test_notice_of_a_refused_client_lists_its_reasons(notice_client, scored_clients) -> None:
    refused = next(r for r in scored_clients if r.decision == "refuse")
    response = notice_client.get(f"/notice/{refused.client_id}",
                                 headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    with use_language("en"):
        expected = [r.text for r in refusal_reasons(refused).reasons]
    assert 1 <= len(expected) <= 4
    assert _items(html) == expected
    assert "Prêt à dépenser SA" in html
    assert str(refused.client_id) in html and "Decision: refused" in html
    assert "@media print" in html
    assert re.search(r"<dt>Date</dt><dd>\w+ \d{1,2}, \d{4}</dd>", html)
    assert response.headers["Cache-Control"] == "no-store"
    assert "script-src 'nonce-" in response.headers["Content-Security-Policy"]


def test_notice_of_a_granted_client_has_no_reasons(notice_client, scored_clients) -> None:
    granted = next(r for r in scored_clients if r.decision == "grant")
    html = notice_client.get(f"/notice/{granted.client_id}",
                             headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Decision: granted" in html and "notice-reasons" not in html


@pytest.mark.parametrize(("path", "status"), [("/notice/abc", 400), ("/notice/1", 404),
                                              ("/notice/%3Cscript%3E", 400)])
def test_bad_ids_get_a_plain_message(notice_client, path: str, status: int) -> None:
    response = notice_client.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert "No notice to print" in html and "<script>" not in html.split("<script nonce")[0]
