"""Who is signed in: the signed session, CSRF tokens for the forms, the failed-login throttle.

``_Auth`` is the state one server needs; the sign-in views and the guard share it.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque

from flask import session
from itsdangerous import BadSignature, URLSafeTimedSerializer

from credit_dashboard.web.auth.settings import AuthSettings
from credit_dashboard.web.auth.users import User, UserStore

MAX_FAILED_LOGINS = 10
FAILED_LOGIN_WINDOW_S = 15 * 60


class LoginThrottle:
    """Refuse sign-in attempts from an address after too many failures in a window."""

    def __init__(self, limit: int = MAX_FAILED_LOGINS, window_s: float = FAILED_LOGIN_WINDOW_S):
        self.limit, self.window_s = limit, window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, address: str) -> bool:
        with self._lock:
            times = self._failures.get(address)
            now = time.monotonic()
            while times and now - times[0] > self.window_s:
                times.popleft()
            return bool(times) and len(times) >= self.limit

    def record_failure(self, address: str) -> None:
        with self._lock:
            self._failures.setdefault(address, deque()).append(time.monotonic())

    def reset(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)


class _Auth:
    """The state one server needs: settings, users, the CSRF signer, the throttle."""

    def __init__(self, settings: AuthSettings, store: UserStore | None, secret: str) -> None:
        self.settings = settings
        self.store = store
        self.signer = URLSafeTimedSerializer(secret, salt="credit-dashboard-form")
        self.throttle = LoginThrottle()

    def form_token(self) -> str:
        nonce = session.get("form_nonce")
        if not nonce:
            nonce = session["form_nonce"] = secrets.token_urlsafe(16)
        return self.signer.dumps(nonce)

    def form_token_ok(self, token: str | None) -> bool:
        nonce = session.get("form_nonce")
        if not token or not nonce:
            return False
        try:
            return hmac.compare_digest(str(self.signer.loads(token, max_age=3600)), nonce)
        except BadSignature:
            return False

    def signed_in_user(self) -> User | None:
        if self.store is None:
            return None
        name, stamp = session.get("user"), session.get("stamp")
        if not isinstance(name, str) or not isinstance(stamp, str):
            return None
        user = self.store.user(name)
        if user is None or not hmac.compare_digest(user.stamp, stamp):
            return None
        return user
