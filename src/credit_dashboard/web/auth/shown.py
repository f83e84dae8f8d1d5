"""A signed note of what the server showed, so a later action can be checked against it.

Why: a Dash page keeps form values in the browser, and the browser sends them back with the
action. The decision form must record a decision for the client the advisor actually saw, with
the score they saw; the server cannot trust the browser's word for either. So when it draws a
client it also hands the page a token — client id, model version and probability, signed with the
session key (the same in every worker) — and the record action refuses a token that is forged,
stale, for another client, or for a score that has changed since.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context
from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "credit-dashboard-shown"
#: A page drawn longer ago than this must be reloaded before acting on it.
MAX_AGE_S = 12 * 3600
#: Probabilities are compared after a JSON round trip: equal to the last bits, nothing more.
TOLERANCE = 1e-12
# Logins not installed (tests, tools): a key for this process only.
_PROCESS_KEY = secrets.token_hex(32)


@dataclass(frozen=True)
class Shown:
    """What the page showed for one client."""

    client_id: int
    model_version: str
    default_probability: float


def _serializer() -> URLSafeTimedSerializer:
    key = current_app.secret_key if has_app_context() else None
    return URLSafeTimedSerializer(key or _PROCESS_KEY, salt=SALT)


def sign(shown: Shown) -> str:
    return _serializer().dumps(
        [shown.client_id, shown.model_version, shown.default_probability]
    )


def read(token: Any) -> Shown | None:
    """The note in ``token``, or None when it is missing, forged or older than MAX_AGE_S."""
    if not isinstance(token, str) or not token:
        return None
    try:
        client_id, version, probability = _serializer().loads(token, max_age=MAX_AGE_S)
    except (BadSignature, ValueError, TypeError):
        return None
    return Shown(int(client_id), str(version), float(probability))


def mismatch(token: Any, now: Shown) -> str | None:
    """Why an action on ``now`` (the client and score as they are) must be refused, or None.

    The reasons are plain sentences for the person who pressed the button.
    """
    from credit_dashboard.i18n import gettext as _

    seen = read(token)
    if seen is None:
        return _("This page is out of date: open the client again, then record.")
    if seen.client_id != now.client_id:
        return _(
            "The form was filled for client {seen} but client {now} is shown: nothing recorded. "
            "Check the client, then record again."
        ).format(seen=seen.client_id, now=now.client_id)
    changed = seen.model_version != now.model_version or not math.isclose(
        seen.default_probability, now.default_probability, rel_tol=0, abs_tol=TOLERANCE
    )
    if changed:
        return _(
            "The score of client {client} has changed since the page was drawn (model {model}): "
            "nothing recorded. Open the client again to see the new score."
        ).format(client=now.client_id, model=now.model_version)
    return None
