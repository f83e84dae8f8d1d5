"""Logins in front of every page, callback, asset, report and API call; headers; a request log.

Client files are personal financial data, so the server refuses everything to an anonymous visitor
except the sign-in page and ``/api/health``. Users, hashed passwords and hashed API keys live in a
JSON file outside the repository (``CREDIT_USERS_FILE``, default
``~/.config/credit-dashboard/users.json``), never in code. On the first run that file is created
with one account, ``advisor``, whose random password is logged once at WARNING and never again.

Environment:
- ``CREDIT_USERS_FILE``: the users file (created 0600 on first run when missing).
- ``CREDIT_SECRET_KEY``: the session signing key; otherwise ``secret_key`` beside the users file,
  generated once (0600) so every gunicorn worker signs sessions alike.
- ``CREDIT_COOKIE_SECURE=1``: mark the session cookie ``Secure`` (set it behind HTTPS).
- ``CREDIT_SESSION_HOURS``: how long a sign-in lasts (default 8).
- ``CREDIT_AUTH_DISABLED=1``: no logins, for local development only: refused at start-up unless
  ``CREDIT_HOST`` is a loopback address, and requests from any other address get 403.
- ``CREDIT_TRUSTED_PROXIES``, ``CREDIT_REDIS_URL``, ``CREDIT_RATELIMIT_DB``,
  ``CREDIT_API_RATE_LIMIT``, ``CREDIT_LOGIN_ACCOUNT_LIMIT``, ``CREDIT_LOGIN_ADDRESS_LIMIT``: see
  ``ratelimit``.

Admins manage accounts on the page ``/admin/accounts``, or with ``python -m
credit_dashboard.web.auth add-user NAME --role ROLE`` / ``add-api-key NAME --role ROLE`` /
``set-role`` / ``disable`` / ``enable`` / ``remove NAME`` / ``list`` (roles: ``advisor``,
``analyst``, ``admin``; what each may open is the table in ``roles``). The first run creates
``admin``.

One module per job: ``settings`` (the variables above), ``users`` (the users file: format, private
creation, first-run account, hashing, API keys and their roles, change detection, the lock),
``accounts`` (adding, changing and removing accounts and keys, the guard rails), ``sessions``
(signed sessions, CSRF tokens), ``roles`` (who may open which route, page and callback: the one
table to extend), ``permissions`` (enforcing it, 403s), ``ratelimit`` + ``sqlite_storage``
(failed sign-ins per account and address, API calls per key, counters shared by the workers),
``views`` (the sign-in and sign-out pages), ``headers`` (security headers and the access log),
``guard`` (the before-request guard and ``register``) and ``cli`` (the account commands). This
module re-exports what the app, the scripts and the tests use, so the app still registers the
extension as ``credit_dashboard.web.auth``.
"""

from __future__ import annotations

from credit_dashboard.web.auth.accounts import add_api_key, add_user
from credit_dashboard.web.auth.cli import _main
from credit_dashboard.web.auth.guard import (
    API_KEY_HEADER,
    current_role,
    current_user,
    may_open,
    may_use,
    register,
)
from credit_dashboard.web.auth.roles import ADMIN, ADVISOR, ANALYST, ROLES
from credit_dashboard.web.auth.sessions import MAX_FAILED_LOGINS

__all__ = [
    "ADMIN",
    "ADVISOR",
    "ANALYST",
    "API_KEY_HEADER",
    "MAX_FAILED_LOGINS",
    "ROLES",
    "_main",
    "add_api_key",
    "add_user",
    "current_role",
    "current_user",
    "may_open",
    "may_use",
    "register",
]
