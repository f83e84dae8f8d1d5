"""Every page a person reads, rendered in headless Chromium in French and in English, carries no
text of the other language.

Babel does not extract a ``_()`` call written inside an f-string expression, and a text built from
English data (a sentence stored in the model card, a raw Kaggle value) never reaches the catalogue
at all: both stay English on French pages, and the catalogue's completeness test cannot see them.
This test reads what the browser shows instead.

The words of each language are learnt from the catalogue itself: an *English-only* word appears in
some English text the code marks and in no French translation ("held", "refused", "without"); a
*French-only* word the other way round. A line of the French rendering holding an English-only word
(or of the English rendering holding a French-only word) is a leak, named with its page.
"""

from __future__ import annotations

import re
import time
from functools import cache

import pytest
from babel.messages.pofile import read_po

from credit_dashboard import i18n
from credit_dashboard.config import Settings
from credit_dashboard.services.container import load_services

pytestmark = pytest.mark.browser

_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿœŒ]{3,}")
_PLACEHOLDER = re.compile(r"\{[^}]*\}|%\([^)]*\)[sd]")
#: Code a person types or reads as such, the same in both languages: commands, paths, options,
#: Kaggle column and table names (``NAME_TYPE_SUITE``, ``POS_CASH_balance``), words in capitals.
_CODE = re.compile(r"\S*[/_]\S*|--\S+|\S+\.py\b|\b[A-Z]{2,}\b")
#: Words that are the same in both languages' texts but the catalogue happens to use in one only
#: (names, units, technical terms a French analyst reads as such).
_NEUTRAL = frozenset({
    "auc", "roc", "lightgbm", "brier", "sha", "csv", "json", "api", "psi", "gini", "platt",
    "isotonic", "sigmoid", "evidently", "optuna", "shap", "kaggle", "home", "credit", "gbm",
    "pdf", "url", "id", "ids", "http", "https", "www", "xna", "prêt", "dépenser",
    # the language switch names each language in its own words; French law is cited by its name
    "english", "français", "code", "pénal", "consommation",
})


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(_CODE.sub(" ", _PLACEHOLDER.sub(" ", text)))}


@cache
def _vocabularies() -> tuple[frozenset[str], frozenset[str]]:
    """(English-only words, French-only words) of the product's own catalogue."""
    path = i18n.LOCALE_DIR / "fr" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale="fr")
    english: set[str] = set()
    french: set[str] = set()
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in ids:
            english |= _words(text)
        for text in strings:
            french |= _words(text or "")
    return frozenset(english - french - _NEUTRAL), frozenset(french - english - _NEUTRAL)


def _leaks(text: str, foreign: frozenset[str]) -> list[str]:
    return [
        f"{line.strip()!r} ({', '.join(sorted(_words(line) & foreign))})"
        for line in text.splitlines()
        if _words(line) & foreign
    ]


@pytest.fixture(scope="module")
def refused_client(small_data_dir, small_artifacts_dir) -> int:
    services = load_services(
        Settings(data_dir=small_data_dir, artifacts_dir=small_artifacts_dir), background=False
    )
    scoring = services.scoring
    for client_id in scoring.applicants["SK_ID_CURR"].head(400):
        if scoring.score_client(int(client_id)).decision == "refuse":
            return int(client_id)
    pytest.fail("no refused applicant among the first 400 of the test data")


def _page_text(dash_duo, path: str, ready: str) -> str:
    dash_duo.driver.get(f"{dash_duo.server_url}{path}")
    dash_duo.wait_for_element(ready, timeout=30)
    # Callbacks fill panels after the first paint: wait until the page's text stops changing.
    driver = dash_duo.driver
    previous, deadline = "", time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(0.5)
        text = driver.execute_script("return document.body.innerText")
        loading = driver.execute_script(
            'return document.querySelectorAll("[data-dash-is-loading]").length')
        if text == previous and not loading:
            return text
        previous = text
    pytest.fail(f"{path} kept changing for 30 s")


def test_each_page_and_the_notice_in_one_language(dash_duo, small_data_dir,
                                                  small_artifacts_dir, refused_client) -> None:
    from credit_dashboard.web.app import create_app

    english_only, french_only = _vocabularies()
    assert len(english_only) > 200 and len(french_only) > 200, "the catalogue looks empty"
    app = create_app(Settings(data_dir=small_data_dir, artifacts_dir=small_artifacts_dir),
                     with_auth=False, with_api=False)
    dash_duo.start_server(app)
    dash_duo.driver.set_window_size(1400, 1000)
    pages = [
        (f"/?client={refused_client}", "#reasons-list li"),
        ("/analyst", "#drift-summary"),
        ("/model", "#cv-table"),
        (f"/notice/{refused_client}", "#notice-reasons li"),
    ]
    leaks: list[str] = []
    checked = 0
    for language, foreign in (("fr", english_only), ("en", french_only)):
        dash_duo.driver.get(f"{dash_duo.server_url}/language/{language}?next=/analyst")
        for path, ready in pages:
            text = _page_text(dash_duo, path, ready)
            assert len(text) > 200, f"{path} ({language}) shows almost nothing"
            leaks += [f"[{language}] {path}: {leak}" for leak in _leaks(text, foreign)]
            checked += 1
    assert checked == 2 * len(pages)
    assert not leaks, f"{len(leaks)} line(s) in the other language:\n" + "\n".join(leaks[:40])
