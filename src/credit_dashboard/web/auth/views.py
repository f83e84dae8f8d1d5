"""The sign-in and sign-out pages: self-contained HTML, CSRF-checked forms, safe redirects."""

from __future__ import annotations

import logging
from html import escape

from flask import Blueprint, Response, make_response, redirect, request, session

from credit_dashboard import i18n
from credit_dashboard.i18n import gettext as _
from credit_dashboard.web.auth.ratelimit import LOGIN_BODY_LIMIT
from credit_dashboard.web.auth.sessions import _Auth
from credit_dashboard.web.language import LANGUAGE_NAMES

# The one logger name of all the logins, as before the split (why: see guard.py).
log = logging.getLogger("credit_dashboard.web.auth")


_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Prêt à dépenser — {title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; background: #f4f6f8; margin: 0; }}
main {{ max-width: 22rem; margin: 12vh auto; background: #fff; padding: 2rem;
        border-radius: .5rem; box-shadow: 0 1px 4px rgba(0,0,0,.15); }}
h1 {{ font-size: 1.3rem; margin-top: 0; }}
label {{ display: block; margin: .8rem 0 .3rem; }}
input[type=text], input[type=password] {{ width: 100%; padding: .5rem; box-sizing: border-box; }}
button {{ margin-top: 1.2rem; width: 100%; padding: .6rem; background: #1f4e79; color: #fff;
          border: 0; border-radius: .3rem; font-size: 1rem; cursor: pointer; }}
.error {{ color: #a40000; background: #fdecea; padding: .5rem; border-radius: .3rem; }}
nav {{ text-align: right; font-size: .9rem; }}
nav a {{ color: #1f4e79; margin-left: .8rem; }}
</style></head>
<body><main><nav aria-label="{language_label}">{languages}</nav><h1>{title}</h1>{body}</main>
</body></html>"""
_PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def html_page(title: str, body: str, status: int = 200) -> Response:
    """A self-contained page (inline style, no script), so signing in needs no other file."""
    current = i18n.current_language()
    languages = " ".join(
        f'<a href="/language/{code}" lang="{code}"'
        + (' aria-current="true"' if code == current else "")
        + f">{escape(name)}</a>"
        for code, name in LANGUAGE_NAMES.items()
    )
    response = make_response(
        _PAGE.format(title=escape(title), body=body, lang=current, languages=languages,
                     language_label=escape(_("Language"))),
        status,
    )
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Content-Security-Policy"] = _PAGE_CSP
    return response


def _safe_next(target: str | None) -> str:
    """Only a path on this server: never ``//evil.example`` or ``https://...`` (open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ch in target for ch in "\r\n\\") or len(target) > 512:
        return "/"
    return target


def _login_form(auth: _Auth, next_path: str, error: str = "", status: int = 200):
    message = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    # Outside the f-string: Babel's extractor does not look inside f-strings on Python 3.11.
    user_label, password_label, sign_in = _("User name"), _("Password"), _("Sign in")
    body = f"""{message}
<form method="post" action="/login" autocomplete="on">
<input type="hidden" name="csrf_token" value="{escape(auth.form_token())}">
<input type="hidden" name="next" value="{escape(next_path)}">
<label for="username">{escape(user_label)}</label>
<input type="text" id="username" name="username" autocomplete="username" required autofocus>
<label for="password">{escape(password_label)}</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">{escape(sign_in)}</button>
</form>"""
    return html_page(sign_in, body, status)


def too_many_sign_ins(auth: _Auth) -> Response:
    """The sign-in form again, with a 429: the account or this address failed too often."""
    return _login_form(
        auth, _safe_next(request.values.get("next")),
        _("Too many failed attempts. Try again later."), 429,
    )


def _blueprint(auth: _Auth, limit_failures=lambda view: view) -> Blueprint:  # type: ignore[no-untyped-def]
    """The sign-in and sign-out routes; ``limit_failures`` wraps the sign-in view (rate limits)."""
    bp = Blueprint("auth", __name__)

    @bp.route("/login", methods=["GET", "POST"])
    @limit_failures
    def login():
        next_path = _safe_next(request.values.get("next"))
        if auth.settings.disabled:
            return redirect(next_path)
        if request.method == "GET":
            if auth.signed_in_user() is not None:
                return redirect(next_path)
            return _login_form(auth, next_path)
        request.max_content_length = LOGIN_BODY_LIMIT
        address = request.remote_addr or "?"
        if not auth.form_token_ok(request.form.get("csrf_token")):
            return _login_form(auth, next_path, _("The form expired. Please sign in again."), 400)
        user = auth.store.check_password(  # type: ignore[union-attr]
            request.form.get("username", ""), request.form.get("password", "")
        )
        if user is None:  # a 401 is what the rate limits count (ratelimit.failed_sign_in)
            log.info("failed sign-in from %s", address)
            return _login_form(auth, next_path, _("Incorrect user name or password."), 401)
        session.clear()  # a fresh session: nothing from before the sign-in carries over
        session.permanent = True
        session.update(user=user.name, stamp=user.stamp)
        log.info("user %s signed in", user.name)
        return redirect(next_path)

    @bp.route("/logout", methods=["GET", "POST"])
    def logout():
        if request.method == "POST" and auth.form_token_ok(request.form.get("csrf_token")):
            session.clear()
            return redirect("/login")
        # A GET only asks: signing out by a plain link would let any site sign advisors out.
        question, sign_out = _("Sign out of the dashboard?"), _("Sign out")
        body = f"""<form method="post" action="/logout">
<input type="hidden" name="csrf_token" value="{escape(auth.form_token())}">
<p>{escape(question)}</p>
<button type="submit">{escape(sign_out)}</button></form>"""
        return html_page(sign_out, body)

    return bp
