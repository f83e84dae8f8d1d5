"""Translations and locale-aware formatting, one place for every layer.

Visible text is written in English in the code and wrapped in :func:`gettext` (imported as ``_``);
the French (and English) wording lives in gettext catalogues under ``credit_dashboard/locale``
(``messages.po`` compiled to ``messages.mo``), extracted and compiled with Babel. The language of
the current request lives in a context variable, so pure services (no Flask) translate too: the web
layer sets it at the start of every request (:func:`use_language`), scripts and tests may set it
themselves, and anything else gets ``CREDIT_LANGUAGE`` (default ``fr``).

Numbers, percentages, amounts and dates follow the language through Babel (``5,2 %`` and
``12 636 €`` in French, ``5.2%`` and ``€12,636`` in English).
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel import Locale, dates, numbers, support

#: Languages the product speaks, the first being the fallback of last resort.
LANGUAGES: tuple[str, ...] = ("fr", "en")
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
CURRENCY = "EUR"

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "credit_language", default=None
)


def default_language() -> str:
    """``CREDIT_LANGUAGE`` when it names a language the product speaks, else French."""
    wanted = (os.environ.get("CREDIT_LANGUAGE") or "").strip().lower()[:2]
    return wanted if wanted in LANGUAGES else LANGUAGES[0]


def normalise_language(value: object) -> str | None:
    """``'fr-FR'`` -> ``'fr'``; None for anything the product does not speak."""
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def current_language() -> str:
    return _current.get() or default_language()


def set_language(language: str | None) -> contextvars.Token:
    """Set the language of the current context (a request, a script); returns the reset token."""
    return _current.set(normalise_language(language) or default_language())


@contextmanager
def use_language(language: str | None) -> Iterator[str]:
    """``with use_language("en"): ...`` - translate and format in that language inside the block."""
    token = set_language(language)
    try:
        yield current_language()
    finally:
        _current.reset(token)


@cache
def _translations(language: str) -> support.Translations | support.NullTranslations:
    return support.Translations.load(str(LOCALE_DIR), [language], DOMAIN)


def gettext(message: str) -> str:
    """``message`` in the current language (the English text itself when it has no translation)."""
    return _translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations(current_language()).ngettext(singular, plural, n)


def lazy_gettext(message: str) -> support.LazyProxy:
    """For module-level texts: translated when shown, in the language of that moment."""
    return support.LazyProxy(gettext, message, enable_cache=False)


def N_(message: str) -> str:
    """Marks a text for the catalogue without translating it now (tables built at import time);
    translate it where it is shown, with ``_(text)``."""
    return message


_ = gettext


def _locale() -> Locale:
    return _parsed_locale(current_language())


# Parsing a locale or a number pattern costs more than formatting with it, and a client's page
# formats a few hundred numbers: both are parsed once.
@cache
def _parsed_locale(language: str) -> Locale:
    return Locale.parse(language)


@cache
def _number_pattern(digits: int) -> numbers.NumberPattern:
    return numbers.parse_pattern("#,##0" + ("." + "0" * digits if digits > 0 else ""))


def format_number(value: float, digits: int = 0) -> str:
    """``12 636`` (fr) / ``12,636`` (en); ``digits`` decimals exactly."""
    # What numbers.format_decimal(value, format=pattern, locale=...) does, with parsed inputs.
    return _number_pattern(max(int(digits), 0)).apply(value, _locale())


def format_percent(share: float, digits: int = 1) -> str:
    """A share in [0, 1] as a percentage: ``5,2 %`` (fr) / ``5.2%`` (en)."""
    pattern = _locale().percent_formats[None].pattern.replace(
        "#,##0", "#,##0" + ("." + "0" * digits if digits > 0 else ""), 1
    )
    return numbers.format_percent(share, format=pattern, locale=_locale())


def format_amount(value: float, digits: int = 0) -> str:
    """An amount in euros: ``12 636 €`` (fr) / ``€12,636`` (en); ``digits`` decimals exactly."""
    pattern = _locale().currency_formats["standard"].pattern.split(";")[0]
    pattern = pattern.replace(".00", "." + "0" * digits if digits > 0 else "")
    return numbers.format_currency(
        value, CURRENCY, format=pattern, locale=_locale(), currency_digits=False
    )


def format_date(value: date | datetime, form: str = "medium") -> str:
    """``1 déc. 2026`` (fr) / ``Dec 1, 2026`` (en)."""
    return dates.format_date(value, format=form, locale=_locale())


def format_datetime(value: datetime, form: str = "medium") -> str:
    """``7 déc. 2026, 15:57:42`` (fr) / ``Dec 7, 2026, 3:57:42 PM`` (en), in ``value``'s zone."""
    return dates.format_datetime(value, format=form, locale=_locale())
