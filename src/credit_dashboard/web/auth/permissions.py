"""Enforce :mod:`roles` on each request: the route, the page, or the Dash callback asked for.

Runs in the guard once the caller is known, before any view, so a forbidden page, export, report,
API call or callback never runs at all. Refusals are 403: a plain page for a browser, JSON for
scripts and for Dash's own requests. Anything the tables do not name is refused to everyone but
admins and logged, so a route added without its line in ``roles.py`` fails closed.
"""

from __future__ import annotations

import json
import logging
from html import escape
from typing import Any

from flask import Response, jsonify, request

from credit_dashboard.i18n import gettext as _
from credit_dashboard.web.auth import roles

log = logging.getLogger("credit_dashboard.web.auth")

DASH_CALLBACK_PATH = "/_dash-update-component"


def _router_pathname(body: dict[str, Any]) -> str | None:
    """The page the router callback is asked to draw (its ``url.pathname`` input)."""
    for item in body.get("inputs") or []:
        if isinstance(item, dict) and (item.get("id"), item.get("property")) == ("url", "pathname"):
            value = item.get("value")
            return value if isinstance(value, str) else None
    return None


def callback_allowed(callback_map: dict[str, Any], body: object, role: str | None) -> str | None:
    """None when ``role`` may run the callback in ``body``, else why not (for the log).

    The ids come from the callback as registered, not from the body: a caller could list
    other ids in the body, but Dash runs the callback its ``output`` names.
    """
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        return "not a Dash callback request"
    key = body["output"]
    spec = callback_map.get(key)
    if spec is None:
        return f"no callback writes {key[:80]!r}"
    for name in roles.callback_ids(key, spec):
        access = roles.id_access(name)
        if access == roles.BY_PAGE:
            access = roles.page_access(_router_pathname(body))
        if access is None:
            log.error("callback id %r is not in web/auth/roles.py CALLBACKS: admins only", name)
        if not roles.allows(access, role):
            return f"callback on {name!r}"
    return None


def check(dash_app: Any, role: str | None) -> str | None:
    """None when ``role`` may have this request, else a short reason (logged, not shown)."""
    rule = request.url_rule
    if rule is None:
        return None  # no route: the 404 handlers answer, with nothing to protect
    access = roles.route_access(rule.rule, request.method)
    if access is None:
        log.error("route %s is not in web/auth/roles.py ROUTES: admins only", rule.rule)
    elif access == roles.BY_PAGE:
        access = roles.page_access(request.path)
    elif access == roles.BY_CALLBACK:
        if request.method != "POST":
            return None  # OPTIONS preflight: Flask answers it without running the callback
        if role == roles.ADMIN:
            return None
        callback_map = getattr(dash_app, "callback_map", None) or {}
        try:
            body = json.loads(request.get_data(cache=True) or b"null")
        except ValueError:
            return "a callback request that is not JSON"
        return callback_allowed(callback_map, body, role)
    return None if roles.allows(access, role) else f"{request.method} {rule.rule}"


def _wants_page() -> bool:
    return request.method == "GET" and not request.path.startswith(("/api/", "/_dash"))


def forbidden(role: str | None) -> Response:
    """403: a plain page for a browser, JSON for the API and Dash's requests."""
    message = _("Your role ({role}) may not open this.").format(role=role or "-")
    if _wants_page():
        from credit_dashboard.web.auth.views import html_page

        link = '<p><a href="/">{}</a></p>'.format(_("Go to the advisor page"))
        return html_page(_("Not allowed"), f"<p>{escape(message)}</p>{link}", 403)
    response = jsonify(error=message, role=role)
    response.status_code = 403
    return response
