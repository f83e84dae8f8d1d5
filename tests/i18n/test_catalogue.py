"""The French catalogue covers every text the code marks for translation, and is compiled.

A text marked with ``_()``/``ngettext``/``lazy_gettext``/``N_`` that has no French translation, a
translation left "fuzzy", or a ``.mo`` older than its ``.po`` fails here, naming the texts.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from credit_dashboard import i18n
from credit_dashboard.model.features import ENGINEERED_FEATURES

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "credit_dashboard"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None}


def _marked_texts() -> set[str]:
    texts: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        if isinstance(message, tuple):  # (singular, plural): the catalogue keys on the singular
            texts.add(message[0])
        elif message:
            texts.add(message)
    return texts


def _french_catalogue():
    path = i18n.LOCALE_DIR / "fr" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle, locale="fr")


def test_every_marked_text_has_a_french_translation() -> None:
    texts = _marked_texts()
    assert len(texts) > 100, "the extraction found almost nothing: is the code still marked?"
    catalogue = _french_catalogue()
    missing = []
    for text in sorted(texts):
        entry = catalogue.get(text)
        translated = entry is not None and (
            all(entry.string) if isinstance(entry.string, tuple) else bool(entry.string)
        )
        if not translated or (entry is not None and entry.fuzzy):
            missing.append(text)
    assert not missing, f"{len(missing)} text(s) without a French translation: {missing[:20]}"


def test_engineered_feature_descriptions_are_translated() -> None:
    """Their descriptions are data (model.features), shown as labels through the catalogue."""
    catalogue = _french_catalogue()
    assert ENGINEERED_FEATURES
    missing = [
        d for d in ENGINEERED_FEATURES.values()
        if not (catalogue.get(d) and catalogue.get(d).string)
    ]
    assert not missing, f"engineered features without a French label: {missing}"


def test_compiled_catalogue_matches_its_source() -> None:
    """The app reads the .mo: it says what the .po says (scripts/translations.py compile)."""
    catalogue = _french_catalogue()
    checked = 0
    with i18n.use_language("fr"):
        for entry in catalogue:
            if not entry.id or entry.fuzzy or isinstance(entry.id, tuple) or not entry.string:
                continue
            assert i18n.gettext(entry.id) == entry.string, entry.id
            checked += 1
    assert checked > 100


def test_numbers_percentages_amounts_and_dates_follow_the_language() -> None:
    from datetime import date

    with i18n.use_language("fr"):
        assert i18n.format_percent(0.052) == "5,2\u00a0%"
        assert i18n.format_amount(12636) == "12\u202f636\u00a0€"
        assert i18n.format_number(1234.5, 1) == "1\u202f234,5"
        assert i18n.format_date(date(2026, 12, 1)) == "1 déc. 2026"
    with i18n.use_language("en"):
        assert i18n.format_percent(0.052) == "5.2%"
        assert i18n.format_amount(12636) == "€12,636"
        assert i18n.format_number(1234.5, 1) == "1,234.5"
        assert i18n.format_date(date(2026, 12, 1)) == "Dec 1, 2026"


def test_language_comes_from_the_environment_by_default(monkeypatch) -> None:
    monkeypatch.delenv("CREDIT_LANGUAGE", raising=False)
    assert i18n.default_language() == "fr"
    monkeypatch.setenv("CREDIT_LANGUAGE", "en-GB")
    assert i18n.default_language() == "en"
    monkeypatch.setenv("CREDIT_LANGUAGE", "klingon")
    assert i18n.default_language() == "fr"


def test_no_marked_text_hides_inside_an_f_string() -> None:
    """Babel cannot see ``_("...")`` inside an f-string (Python 3.11 tokenises it as one string):
    such a text would never reach the catalogue and would show in English to French advisors."""
    import re

    pattern = re.compile(r"""\{\s*(?:_|gettext|ngettext|lazy_gettext|N_)\(\s*["']""")
    offenders = []
    scanned = 0
    for path in PACKAGE.rglob("*.py"):
        scanned += 1
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert scanned > 50
    assert not offenders, f"move these _() calls out of their f-strings: {offenders}"
