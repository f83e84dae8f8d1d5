"""What every response carries and leaves behind: security headers and one access-log line."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, g, request

access_log = logging.getLogger("credit_dashboard.access")

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def install_security_headers(server: Flask) -> None:
    """Headers every response carries; the drift report may be framed by our own pages only."""

    @server.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        csp = headers.get("Content-Security-Policy")
        if not csp:
            headers["Content-Security-Policy"] = "frame-ancestors 'self'"
        elif "frame-ancestors" not in csp:
            headers["Content-Security-Policy"] = csp + "; frame-ancestors 'self'"
        if request.path.startswith(("/api/", "/_dash-update-component", "/login")):
            headers["Cache-Control"] = "no-store"  # client data must not linger in caches
        return response


def _printable(text: str, limit: int = 200) -> str:
    """A path fit for one log line: no newlines or control characters from a hostile URL."""
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in text[:limit])
    return cleaned + ("..." if len(text) > limit else "")


def install_request_log(server: Flask) -> None:
    """One line per request: id, method, path, status, duration, user. Never bodies or queries."""

    @server.before_request
    def start_clock():
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @server.after_request
    def log_request(response):
        started = g.get("request_started")
        elapsed_ms = (time.perf_counter() - started) * 1000 if started else float("nan")
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers[REQUEST_ID_HEADER] = request_id
        access_log.info(
            "rid=%s %s %s %d %.1fms user=%s",
            request_id,
            request.method,
            _printable(request.path),
            response.status_code,
            elapsed_ms,
            g.get("user") or "-",
        )
        return response
