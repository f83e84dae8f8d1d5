"""The signed note of what the page showed (web/auth/shown.py)."""

from __future__ import annotations

from flask import Flask
from itsdangerous import URLSafeTimedSerializer

from credit_dashboard.web.auth import shown

A = shown.Shown(100008, "v1", 0.123456789012)


def app(secret: str = "one key") -> Flask:
    server = Flask("shown")
    server.secret_key = secret
    return server


def test_the_same_client_and_score_pass() -> None:
    with app().app_context():
        token = shown.sign(A)
        assert shown.read(token) == A
        assert shown.mismatch(token, A) is None


def test_another_client_a_changed_score_or_model_are_refused() -> None:
    with app().app_context():
        token = shown.sign(A)
        other = shown.mismatch(token, shown.Shown(100012, "v1", A.default_probability))
        assert "client 100008" in other and "client 100012" in other
        moved = shown.mismatch(token, shown.Shown(100008, "v1", A.default_probability + 1e-6))
        assert "has changed" in moved
        assert "has changed" in shown.mismatch(token, shown.Shown(100008, "v2", 0.123456789012))


def test_forged_missing_or_foreign_tokens_are_refused() -> None:
    with app().app_context():
        token = shown.sign(A)
    forged = URLSafeTimedSerializer("guessed key", salt=shown.SALT).dumps([100012, "v1", 0.5])
    with app().app_context():
        for bad in (None, "", 12, "not a token", token[:-2] + "xx", forged):
            assert shown.read(bad) is None
            assert "out of date" in shown.mismatch(bad, A)
    with app("another server's key").app_context():
        assert shown.read(token) is None
