"""Which language a request is served in, the switch in the navigation, and ``<html lang>``.

The choice, in order: the user's own (the switch sets a cookie, remembered for a year), else the
browser's ``Accept-Language``, else ``CREDIT_LANGUAGE`` (default French). It is set at the start of
every request (:func:`credit_dashboard.i18n.set_language`), so pages, callbacks, the API and the
pure services below them all translate and format in it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import dash
from dash import html
from flask import Flask, g, redirect, request

from credit_dashboard import i18n
from credit_dashboard.i18n import gettext as _

COOKIE = "credit_language"
COOKIE_MAX_AGE_S = 365 * 24 * 3600
#: ``/language/en?next=/model`` switches to English and goes back to the page.
SWITCH_PATH = "/language/"
#: The language's own name, as people look for it in a switch.
LANGUAGE_NAMES: dict[str, str] = {"fr": "Français", "en": "English"}


def choose_language(cookie: str | None, accept_language: Any, default: str) -> str:
    """The user's choice, else the browser's best match, else the default."""
    chosen = i18n.normalise_language(cookie)
    if chosen:
        return chosen
    if accept_language is not None:
        best = accept_language.best_match(i18n.LANGUAGES)
        if best:
            return best
    return default


def _safe_next(target: str | None, referrer: str | None = None, host: str | None = None) -> str:
    """Where to go back to: ``next`` when it is a path on this site, else the page the switch was
    clicked on (the Referer, when it is this host), else the advisor page. Never an open redirect.
    """
    if target:
        parts = urlsplit(target)
        if not (parts.scheme or parts.netloc) and target.startswith("/") and "//" not in target[:2]:
            return target
        return "/"
    if referrer and host:
        parts = urlsplit(referrer)
        if parts.netloc == host and parts.path.startswith("/"):
            path = parts.path if not parts.path.startswith(SWITCH_PATH) else "/"
            return path + (f"?{parts.query}" if parts.query else "")
    return "/"


def register(app: dash.Dash) -> None:
    """Choose the language per request, serve the switch, and say the language in ``<html>``."""
    server: Flask = app.server

    @server.before_request
    def _set_language() -> None:
        language = choose_language(
            request.cookies.get(COOKIE), request.accept_languages, i18n.default_language()
        )
        g.credit_language = language
        i18n.set_language(language)

    @server.route(f"{SWITCH_PATH}<code>")
    def _switch_language(code: str):
        language = i18n.normalise_language(code) or i18n.default_language()
        back = _safe_next(request.args.get("next"), request.referrer, request.host)
        response = redirect(back, code=303)
        response.set_cookie(
            COOKIE, language, max_age=COOKIE_MAX_AGE_S, httponly=True, samesite="Lax",
            secure=server.config.get("SESSION_COOKIE_SECURE", False),
        )
        return response

    original = app.interpolate_index

    def interpolate_index(**kwargs: Any) -> str:
        page = original(**kwargs)
        return page.replace("<html>", f'<html lang="{i18n.current_language()}">', 1)

    app.interpolate_index = interpolate_index  # type: ignore[method-assign]


def language_switch() -> html.Div:
    """The two languages as a small outlined button group, ``FR | EN``, on the dark navigation.

    The current language is filled (``aria-current``), the other one is a plain link (a full page
    load, works without JavaScript, remembered by the cookie). The short codes are what people
    look for in a navigation bar; each also carries the language's own name for screen readers.
    Colours live in ``assets/app.css`` (``.language-switch``): Bootstrap's faint navbar link
    colour, and ``text-light`` once tried here, are not what axe's colour-contrast rule accepts.
    """
    current = i18n.current_language()
    options = []
    for code in i18n.LANGUAGES:
        label = [html.Span(code.upper(), **{"aria-hidden": "true"}),
                 html.Span(LANGUAGE_NAMES[code], className="visually-hidden")]
        if code == current:
            options.append(html.Span(label, className="language-option language-current",
                                     lang=code, **{"aria-current": "true"}))
        else:
            options.append(html.A(label, href=f"{SWITCH_PATH}{code}", lang=code, hrefLang=code,
                                  title=LANGUAGE_NAMES[code], className="language-option"))
    return html.Div(options, className="language-switch ms-auto", role="group",
                    **{"aria-label": _("Language")})
