"""Who is signed in: the signed session and the CSRF tokens of the forms.

Failed sign-ins are counted by :mod:`ratelimit`.

``_Auth`` is the state one server needs; the sign-in views and the guard share it.
"""

from __future__ import annotations

import hmac
import secrets

from flask import session
from itsdangerous import BadSignature, URLSafeTimedSerializer

from credit_dashboard.web.auth.settings import AuthSettings
from credit_dashboard.web.auth.users import User, UserStore

#: Failed sign-ins per account within 15 minutes by default (``CREDIT_LOGIN_ACCOUNT_LIMIT``).
MAX_FAILED_LOGINS = 10


class _Auth:
    """The state one server needs: settings, users, the CSRF signer."""

    def __init__(self, settings: AuthSettings, store: UserStore | None, secret: str) -> None:
        self.settings = settings
        self.store = store
        self.signer = URLSafeTimedSerializer(secret, salt="credit-dashboard-form")

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
