"""The printable refusal notice: lender, date, client, decision and the same reasons as the API."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from credit_dashboard.config import Settings
from credit_dashboard.i18n import gettext as _
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


# --- the complete notice: model and person, reasons, what would change it, review, date, version


def _text(html: str) -> str:
    """The notice as a reader sees it: tags, style and script dropped, entities decoded."""
    body = re.sub(r"<style>.*?</style>|<script.*?</script>|<title>.*?</title>", "", html,
                  flags=re.S)
    body = re.sub(r"<[^>]+>", "\n", body)
    return "\n".join(line.strip() for line in unescape(body).splitlines() if line.strip())


@pytest.fixture(scope="module")
def refused_notices(notice_client, reasons_services, scored_clients) -> dict:
    """(client, counterfactual) -> the notice in English and in French, for a refusal with a
    change that would grant it and one without."""
    from credit_dashboard.services.counterfactual import client_counterfactual

    picked: dict[bool, tuple] = {}
    for result in scored_clients:
        if result.decision != "refuse":
            continue
        found = client_counterfactual(reasons_services.scoring, result.client_id)
        picked.setdefault(found.found, (result, found))
        if len(picked) == 2:
            break
    assert True in picked, "no refused client of the test data has a counterfactual"
    notices = {}
    for has_change, (result, found) in picked.items():
        pages = {}
        for language in ("en", "fr"):
            # The app sets the request's language in this thread (the test client's): the block
            # puts the suite's language back afterwards.
            with use_language("en"):
                response = notice_client.get(f"/notice/{result.client_id}",
                                             headers={"Accept-Language": language})
            assert response.status_code == 200
            pages[language] = response.get_data(as_text=True)
        notices[has_change] = (result, found, pages)
    return notices


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_notice_states_the_change_that_would_grant_it(refused_notices, language) -> None:
    from datetime import date, timedelta

    from credit_dashboard.i18n import format_date

    result, found, pages = refused_notices[True]
    html = pages[language]
    with use_language(language):
        phrases = found.change_phrases()
        how = _("A statistical credit-scoring model (version {version}) estimated the risk that "
                "the credit would not be repaid, from the information in your application and "
                "about your credit history. A person, your advisor, took the decision in view "
                "of it.").format(version=result.model_version)
        today = format_date(date.today(), "long")
        deadline = format_date(date.today() + timedelta(days=30), "long")
    listing = re.search(r'<ul id="notice-changes">(.*?)</ul>', html, re.S)
    assert listing, "the notice does not say what would change the decision"
    assert [unescape(x) for x in re.findall(r"<li>(.*?)</li>", listing.group(1))] == phrases
    text = _text(html)
    assert how in text  # a statistical model was used, and a person decided
    assert today in text and result.model_version in text
    review = re.search(r'<p id="notice-review">(.*?)</p>', html, re.S)
    assert review, "no way to ask for a review"
    review_text = unescape(review.group(1))
    assert str(result.client_id) in review_text and deadline in review_text and "30" in review_text


def test_a_notice_without_a_possible_change_says_so(refused_notices) -> None:
    if False not in refused_notices:
        pytest.skip("every refused client of the test data has a counterfactual")
    result, found, pages = refused_notices[False]
    with use_language("en"):
        assert found.why_text() in _text(pages["en"])
    assert found.why in _text(pages["en"])
    assert 'id="notice-changes"' not in pages["en"]


def _sentences(text: str) -> set[str]:
    """Pieces of running text: lines split at sentence ends and colons, those with words."""
    pieces = set()
    for line in text.splitlines():
        for piece in re.split(r"(?<=[.:;!?])\s+", line):
            if len(re.findall(r"[A-Za-zÀ-ÿ]{2,}", piece)) >= 2:
                pieces.add(piece.strip())
    return pieces


@pytest.mark.parametrize("has_change", [True, False])
def test_no_english_sentence_on_the_french_notice(refused_notices, has_change) -> None:
    """French texts only pass once tmp_i18n/counterfactual_notice.po is in the catalogue."""
    if has_change not in refused_notices:
        pytest.skip("the test data has no such refused client")
    result, _found, pages = refused_notices[has_change]
    french = _text(pages["fr"])
    same_in_both = {"Prêt à dépenser SA", str(result.client_id), result.model_version}
    leaks = []
    for sentence in _sentences(_text(pages["en"])):
        stripped = sentence
        for token in same_in_both:
            stripped = stripped.replace(token, "")
        if len(re.findall(r"[A-Za-z]{2,}", stripped)) < 2:
            continue  # numbers, the lender, the reference and the version read the same
        if sentence in french:
            leaks.append(sentence)
    assert not leaks, f"English on the French notice: {leaks}"
    assert '<html lang="fr">' in pages["fr"] and '<html lang="en">' in pages["en"]


def test_notice_texts_are_all_extracted() -> None:
    """No ``_()`` inside an f-string of the notice (Babel would not extract it): every text is
    translated first, then formatted."""
    import ast
    import inspect

    from credit_dashboard.web.pages.advisor import notice

    tree = ast.parse(inspect.getsource(notice))
    inside = [
        node.lineno
        for joined in ast.walk(tree) if isinstance(joined, ast.JoinedStr)
        for node in ast.walk(joined)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        and node.func.id in {"_", "gettext", "ngettext", "lazy_gettext"}
    ]
    assert not inside, f"_() inside an f-string at lines {inside} of notice.py"
