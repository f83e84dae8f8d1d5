"""What a decision and a review are, and the checks they pass before the log stores them.

Kept apart from the store so that the rules (a reason is required against the model, shares
between 0 and 1, client ids are positive numbers, an applicant's statement is required, nobody
reviews their own decision) read in one place whatever database holds them.
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from credit_dashboard.i18n import gettext as _
from credit_dashboard.model.cost import decision_for
from credit_dashboard.storage.decisions_chain import canonical_json, json_value, sha256_text

DECISIONS = ("grant", "refuse")
MAX_REASON_CHARS = 2000
MAX_USER_CHARS = 200
MAX_MODEL_VERSION_CHARS = 100
#: A reason must say something: "ok" or "." is not an explanation an auditor can read.
MIN_REASON_CHARS = 5
#: The applicant's own words: enough to say what they contest, short enough to read.
MIN_STATEMENT_CHARS = 5
MAX_STATEMENT_CHARS = 4000
REVIEW_OUTCOMES = ("upheld", "reversed")
#: A review still open after this many days is flagged overdue on the review list.
REVIEW_DUE_DAYS = 30
#: The stored copy of an input row (about 200 columns) is a few kB: this only stops abuse.
MAX_JSON_CHARS = 200_000
MAX_REASONS = 20
MAX_REASON_TEXT_CHARS = 500


class DecisionStoreError(RuntimeError):
    """The decision log could not be read or written; the message names the database and why."""


class UnknownRecordError(LookupError):
    """No decision (or review) has the id asked for; the message names it."""


class DecisionValidationError(ValueError):
    """A decision is incomplete or inconsistent; ``field`` names the input to correct."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Decision:
    """One recorded decision, as stored (with what is needed to replay it) and exported."""

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
    #: The input row as scored (raw Kaggle columns and the CR_* features the model saw), or None
    #: for a decision recorded without it (before the chain, or by a caller that had none).
    inputs: dict[str, object] | None = None
    #: The reasons shown to the applicant, most important first.
    reasons: tuple[str, ...] = ()
    #: The counterfactual shown (what would change the decision), or None.
    counterfactual: dict[str, object] | None = None
    #: sha256 of the canonical JSON of ``inputs`` (None without inputs).
    input_hash: str | None = None
    #: Place in the log's one global order, the previous record's hash and this record's own.
    chain_seq: int | None = None
    previous_hash: str | None = None
    record_hash: str | None = None
    #: Recorded before the chain existed (chained when the log was upgraded; no inputs kept).
    recorded_before_chain: bool = False

    @property
    def against_model(self) -> bool:
        return self.decision != self.model_decision


#: The CSV columns: the export's historical columns first, then what the chain added (the input
#: row itself stays in the database: its hash identifies it).
EXPORT_COLUMNS: tuple[str, ...] = (
    "id", "client_id", "decision", "model_decision", "reason", "user", "model_version",
    "default_probability", "decision_threshold", "recorded_at",
    "reasons", "counterfactual", "input_hash", "previous_hash", "record_hash",
)


@dataclass(frozen=True)
class Review:
    """An applicant's request for a human review of one decision, and its outcome once recorded.

    Stored as two insert-only records (the request, then the outcome): nothing is ever updated.
    """

    id: int
    decision_id: int
    client_id: int
    statement: str
    requested_by: str
    requested_at: str
    outcome: str | None = None
    outcome_reason: str | None = None
    reviewed_by: str | None = None
    reviewed_at: str | None = None
    corrected_inputs: dict[str, object] | None = None
    rescored_probability: float | None = None
    rescored_model_version: str | None = None

    @property
    def is_open(self) -> bool:
        return self.outcome is None

    def age_days(self, now: datetime | None = None) -> float:
        """Days since the request: until ``now`` while open, until the outcome once decided."""
        start = _parse_time(self.requested_at)
        if not self.is_open and self.reviewed_at:
            end = _parse_time(self.reviewed_at)
        else:
            end = now or datetime.now(UTC)
            if end.tzinfo is None:
                end = end.replace(tzinfo=UTC)
        return (end - start).total_seconds() / 86400.0

    @property
    def overdue(self) -> bool:
        """Open for longer than :data:`REVIEW_DUE_DAYS` (the list flags it)."""
        return self.is_open and self.age_days() > REVIEW_DUE_DAYS


def _parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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


def validated_json_object(name: str, value: object, *, required: bool = False) -> str | None:
    """A mapping as canonical JSON text (exact floats, None for missing), or None when absent.

    ``name`` is the field a :class:`DecisionValidationError` names (``inputs``...).
    """
    if value is None:
        if required:
            raise DecisionValidationError(name, "is required")
        return None
    if not isinstance(value, Mapping):
        raise DecisionValidationError(name, f"must be a mapping of names to values, not "
                                            f"{type(value).__name__}")
    try:
        text = canonical_json(json_value(value, name))
    except ValueError as exc:
        raise DecisionValidationError(name, str(exc)) from exc
    if len(text) > MAX_JSON_CHARS:
        raise DecisionValidationError(name, f"is {len(text)} characters of JSON (at most "
                                            f"{MAX_JSON_CHARS})")
    return text


def validated_reasons(value: object) -> str:
    """The reasons shown, as a canonical JSON list of texts."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
        raise DecisionValidationError("reasons", "must be a list of texts")
    texts = []
    for item in value:
        if not isinstance(item, str):
            raise DecisionValidationError("reasons", f"{item!r} is not a text")
        text = item.strip()
        if not text:
            raise DecisionValidationError("reasons", "an empty reason explains nothing")
        if len(text) > MAX_REASON_TEXT_CHARS:
            raise DecisionValidationError(
                "reasons", f"a reason is {len(text)} characters long (at most "
                           f"{MAX_REASON_TEXT_CHARS})")
        texts.append(text)
    if len(texts) > MAX_REASONS:
        raise DecisionValidationError("reasons", f"{len(texts)} reasons (at most {MAX_REASONS})")
    return canonical_json(texts)


def validated_replay_fields(
    inputs: object, reasons: object, counterfactual: object
) -> dict[str, object]:
    """The stored columns of what was shown: inputs (and their hash), reasons, counterfactual."""
    inputs_text = validated_json_object("inputs", inputs)
    return {
        "inputs": inputs_text,
        "input_hash": None if inputs_text is None else sha256_text(inputs_text),
        "reasons": validated_reasons(reasons),
        "counterfactual": validated_json_object("counterfactual", counterfactual),
    }


def validated_statement(statement: object) -> str:
    """The applicant's statement, stripped; the messages are shown to the advisor (translated)."""
    if not isinstance(statement, str) or not statement.strip():
        raise DecisionValidationError(
            "statement",
            _("the applicant's own statement is required: what they contest and why"))
    text = statement.strip()
    if len(text) < MIN_STATEMENT_CHARS:
        raise DecisionValidationError(
            "statement",
            _("the statement is {n} characters long: write the applicant's words (at least "
              "{min} characters)").format(n=len(text), min=MIN_STATEMENT_CHARS))
    if len(text) > MAX_STATEMENT_CHARS:
        raise DecisionValidationError(
            "statement",
            _("the statement is {n} characters long (at most {max})").format(
                n=len(text), max=MAX_STATEMENT_CHARS))
    return text


def validated_user(user: object) -> str:
    return _validated_text("user", user, MAX_USER_CHARS)


def same_person(a: str, b: str) -> bool:
    """User names compared as people would: case and surrounding spaces do not matter."""
    return a.strip().casefold() == b.strip().casefold()


def validated_outcome(
    *,
    outcome: object,
    reason: object,
    user: object,
    corrected_inputs: object,
    rescored_probability: object,
    rescored_model_version: object,
) -> dict[str, object]:
    """The columns of a review outcome, checked (who may review is the store's check)."""
    if not isinstance(outcome, str) or outcome.strip().lower() not in REVIEW_OUTCOMES:
        raise DecisionValidationError(
            "outcome", _("the outcome must be upheld or reversed, not {value}").format(
                value=repr(outcome)))
    if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON_CHARS:
        raise DecisionValidationError(
            "reason", _("the review's reason is required: say why in at least {min} "
                        "characters").format(min=MIN_REASON_CHARS))
    reason_text = reason.strip()
    if len(reason_text) > MAX_REASON_CHARS:
        raise DecisionValidationError(
            "reason", f"is {len(reason_text)} characters long (at most {MAX_REASON_CHARS})")
    probability = None
    version = None
    if rescored_probability is not None:
        probability = _validated_share("rescored_probability", rescored_probability)
        version = _validated_text("rescored_model_version", rescored_model_version,
                                  MAX_MODEL_VERSION_CHARS)
    elif rescored_model_version not in (None, ""):
        raise DecisionValidationError(
            "rescored_probability", "a model version without the probability it gave")
    return {
        "outcome": outcome.strip().lower(),
        "reason": reason_text,
        "reviewed_by": validated_user(user),
        "corrected_inputs": validated_json_object("corrected_inputs", corrected_inputs),
        "rescored_probability": probability,
        "rescored_model_version": version,
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
    """A decision as a plain dict (JSON-ready, inputs included), with the override flag."""
    out = asdict(decision)
    out["reasons"] = list(decision.reasons)
    out["against_model"] = decision.against_model
    return out


def review_as_dict(review: Review, now: datetime | None = None) -> dict[str, object]:
    """A review as a plain dict (JSON-ready): its state, age in days and overdue flag."""
    out = asdict(review)
    out["is_open"] = review.is_open
    out["age_days"] = round(review.age_days(now), 3)
    out["overdue"] = review.is_open and out["age_days"] > REVIEW_DUE_DAYS  # type: ignore[operator]
    return out


def json_or_none(text: object) -> dict[str, object] | None:
    """A stored JSON object column read back (None stays None)."""
    return None if text is None else json.loads(str(text))
