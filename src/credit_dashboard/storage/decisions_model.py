"""What a decision is, and the checks it passes before the log stores it.

Kept apart from the store so that the rules (a reason is required against the model, shares
between 0 and 1, client ids are positive numbers) read in one place whatever database holds them.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, fields

from credit_dashboard.model.cost import decision_for

DECISIONS = ("grant", "refuse")
MAX_REASON_CHARS = 2000
MAX_USER_CHARS = 200
MAX_MODEL_VERSION_CHARS = 100
#: A reason must say something: "ok" or "." is not an explanation an auditor can read.
MIN_REASON_CHARS = 5


class DecisionStoreError(RuntimeError):
    """The decision log could not be read or written; the message names the database and why."""


class DecisionValidationError(ValueError):
    """A decision is incomplete or inconsistent; ``field`` names the input to correct."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Decision:
    """One recorded decision, as stored and exported (the CSV columns, in this order)."""

    id: int
    client_id: int
    decision: str
    model_decision: str
    reason: str
    user: str
    model_version: str
    default_probability: float
    decision_threshold: float
    recorded_at: str

    @property
    def against_model(self) -> bool:
        return self.decision != self.model_decision


EXPORT_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Decision))


def model_decision(default_probability: float, decision_threshold: float) -> str:
    """The decision the model recommends: the one rule of ``model.cost``, as the scoring uses."""
    return decision_for(default_probability, decision_threshold)


def _validated_client_id(client_id: object) -> int:
    if isinstance(client_id, bool):
        raise DecisionValidationError("client_id", "must be a client number, not a yes/no value")
    if isinstance(client_id, numbers.Integral):
        value = int(client_id)
    elif isinstance(client_id, str) and client_id.strip().isdigit():
        value = int(client_id.strip())
    else:
        raise DecisionValidationError("client_id", f"{client_id!r} is not a client number")
    if value <= 0:
        raise DecisionValidationError("client_id", f"{value} is not a valid client number")
    return value


def _validated_share(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise DecisionValidationError(name, f"{value!r} is not a number")
    number = float(value)
    if not math.isfinite(number) or not 0.0 <= number <= 1.0:
        raise DecisionValidationError(name, f"{number} is not between 0 and 1")
    return number


def _validated_text(name: str, value: object, max_chars: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DecisionValidationError(name, "is required")
    text = value.strip()
    if len(text) > max_chars:
        raise DecisionValidationError(name, f"is {len(text)} characters long (at most {max_chars})")
    return text


def _validated(**raw: object) -> dict[str, object]:
    decision = raw["decision"]
    if not isinstance(decision, str) or decision.strip().lower() not in DECISIONS:
        allowed = " or ".join(DECISIONS)
        raise DecisionValidationError("decision", f"{decision!r} is not {allowed}")
    decision = decision.strip().lower()
    probability = _validated_share("default_probability", raw["default_probability"])
    threshold = _validated_share("decision_threshold", raw["decision_threshold"])
    recommended = model_decision(probability, threshold)
    reason = raw["reason"] if raw["reason"] is not None else ""
    if not isinstance(reason, str):
        raise DecisionValidationError("reason", "must be text")
    reason = reason.strip()
    if len(reason) > MAX_REASON_CHARS:
        raise DecisionValidationError(
            "reason", f"is {len(reason)} characters long (at most {MAX_REASON_CHARS})"
        )
    if decision != recommended and len(reason) < MIN_REASON_CHARS:
        raise DecisionValidationError(
            "reason",
            f"a reason is required when the decision ({decision}) goes against the model "
            f"({recommended}): say why in at least {MIN_REASON_CHARS} characters",
        )
    return {
        "client_id": _validated_client_id(raw["client_id"]),
        "decision": decision,
        "model_decision": recommended,
        "reason": reason,
        "user": _validated_text("user", raw["user"], MAX_USER_CHARS),
        "model_version": _validated_text(
            "model_version", raw["model_version"], MAX_MODEL_VERSION_CHARS
        ),
        "default_probability": probability,
        "decision_threshold": threshold,
    }


def _spreadsheet_safe(value: object) -> object:
    """Text a spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe.

    Auditors open the export in a spreadsheet, and a reason typed as ``=HYPERLINK(...)`` must
    stay text there (CSV injection). The database keeps exactly what was typed.
    """
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def decision_as_dict(decision: Decision) -> dict[str, object]:
    """A decision as a plain dict (for JSON or a table), with the override flag."""
    out = asdict(decision)
    out["against_model"] = decision.against_model
    return out
