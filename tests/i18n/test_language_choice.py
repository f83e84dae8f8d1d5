"""The language of a request: the user's switch (remembered), else Accept-Language, else the
default; ``<html lang>`` says it; the switch never redirects off the site."""

from __future__ import annotations

import pytest

from credit_dashboard.config import Settings


@pytest.fixture(scope="module")
def client(small_data_dir, small_artifacts_dir):
    from credit_dashboard.web.app import create_app

    app = create_app(Settings(data_dir=small_data_dir, artifacts_dir=small_artifacts_dir),
                     with_auth=False, with_api=False)
    return app.server.test_client()


def _html_lang(response) -> str:
    text = response.get_data(as_text=True)
    start = text.index("<html")
    return text[start : text.index(">", start) + 1]


def test_accept_language_chooses_the_page_language(client, monkeypatch) -> None:
    monkeypatch.setenv("CREDIT_LANGUAGE", "fr")
    client.delete_cookie("credit_language")
    assert _html_lang(client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"})) == (
        '<html lang="en">'
    )
    assert _html_lang(client.get("/", headers={"Accept-Language": "fr-FR"})) == '<html lang="fr">'
    assert _html_lang(client.get("/", headers={"Accept-Language": "de-DE"})) == '<html lang="fr">'


def test_the_switch_is_remembered_and_beats_the_browser(client) -> None:
    response = client.get("/language/en?next=/model")
    assert response.status_code == 303 and response.headers["Location"].endswith("/model")
    assert "credit_language=en" in response.headers["Set-Cookie"]
    assert _html_lang(client.get("/", headers={"Accept-Language": "fr-FR"})) == '<html lang="en">'
    client.get("/language/fr")
    assert _html_lang(client.get("/", headers={"Accept-Language": "en"})) == '<html lang="fr">'


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_the_switch_never_leaves_the_site(client, target) -> None:
    response = client.get(f"/language/en?next={target}")
    assert response.status_code == 303
    assert response.headers["Location"] in ("/", "http://localhost/")
