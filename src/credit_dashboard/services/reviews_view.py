"""What the reviewers' panel and the decisions API compute about a review (issue 19, section 4).

An applicant's request for a human review is looked at by someone other than the person who
decided: they see what the model saw (the input row kept with the decision), the score, the
reasons and the counterfactual shown, the applicant's statement, and may re-score with corrected
data before recording "upheld" or "reversed". This module turns stored records into what the
panel draws and re-scores corrected data; the panel only lays it out.

Re-scoring never has code of its own: the panel's corrections go through the what-if's checks
(``services.whatif.apply_edits``, in the advisor's units), the API's through
``services.validation.validate_record`` (Kaggle's columns and units, as ``POST /api/score``), and
both are scored by ``ScoringService.score_record`` with the served model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from credit_dashboard.i18n import format_amount, format_number, format_percent
from credit_dashboard.i18n import gettext as _
from credit_dashboard.model.record_catalogue import is_record_feature
from credit_dashboard.services import validation, whatif
from credit_dashboard.services.counterfactual import record_counterfactual
from credit_dashboard.services.labels import feature_label, format_value
from credit_dashboard.services.reasons import refusal_reasons
from credit_dashboard.services.scoring import ClientResult, ScoringService, json_value
from credit_dashboard.storage.schema import ID_COLUMN, is_missing, pandas_dtype

#: The facts a reviewer may correct on the panel (the applicant's declared amounts and
#: employment: what a statement usually disputes), in the advisor's units of the what-if.
CORRECTABLE: tuple[str, ...] = (
    "AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE", "DAYS_EMPLOYED",
)
#: Closed reviews listed under the open ones.
CLOSED_SHOWN = 20
#: A statement in the list is cut to this many characters (the whole text is in the detail).
STATEMENT_PREVIEW = 80
#: Probabilities equal to this are the same score (a replay of the same inputs and model).
SAME_SCORE = 1e-9


class ReviewInputError(ValueError):
    """A correction that cannot be scored; ``errors`` maps each field to its problem."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


# ----------------------------------------------------------------------------- re-scoring


def inputs_frame(inputs: Mapping[str, object]) -> pd.DataFrame:
    """A stored input row as the one-row table the model and the what-if read (Kaggle dtypes;
    the ``CR_*`` features as numbers)."""
    data: dict[str, list[object]] = {}
    for column, value in inputs.items():
        dtype = pandas_dtype(column)
        if dtype == "object":
            data[column] = [None if is_missing(value) else str(value)]
        elif dtype == "int64" and not is_missing(value):
            data[column] = [int(value)]  # type: ignore[call-overload]
        else:
            data[column] = [math.nan if is_missing(value) else float(value)]  # type: ignore[arg-type]
    frame = pd.DataFrame(data)
    for column in frame.columns:
        if pandas_dtype(column) == "int64" and frame[column].notna().all():
            frame[column] = frame[column].astype("int64")
    return frame


def rescore_inputs(scoring: ScoringService, inputs: Mapping[str, object]) -> ClientResult:
    """The stored inputs scored now by the served model (a replay when it is the recorded one)."""
    return scoring.score_record(dict(inputs))


@dataclass(frozen=True)
class Rescored:
    """Corrected data scored with the served model."""

    #: Column -> raw Kaggle value, only the columns that differ from the stored inputs.
    corrected: dict[str, object]
    result: ClientResult


def rescore_corrected(
    scoring: ScoringService, inputs: Mapping[str, object], corrected: object
) -> Rescored:
    """Kaggle-column corrections (``POST /api/reviews/<id>/outcome``), merged into the stored
    inputs, checked like ``POST /api/score`` and scored; ``ReviewInputError`` names each field."""
    if not isinstance(corrected, Mapping) or not corrected:
        raise ReviewInputError(
            {"corrected": "expected a non-empty object of Kaggle column -> corrected value"})
    refused = {
        str(key)[:60]: "cannot be corrected: only the application's own columns can"
        for key in corrected
        if not isinstance(key, str) or key == ID_COLUMN or is_record_feature(key)
    }
    if refused:
        raise ReviewInputError(refused)
    application = {k: v for k, v in inputs.items() if not is_record_feature(k)}
    try:
        frame = validation.validate_record({**application, **corrected})
    except validation.RecordValidationError as exc:
        raise ReviewInputError({e.field: e.problem for e in exc.errors}) from exc
    row = {k: json_value(v) for k, v in frame.iloc[0].items()}
    records = {k: v for k, v in inputs.items() if is_record_feature(k)}
    changed = {k: row[k] for k in corrected if row.get(k) != json_value(inputs.get(k))}
    return Rescored(changed, scoring.score_record({**row, **records}))


@dataclass(frozen=True)
class PanelRescore:
    """The panel's corrections (advisor's units) checked by the what-if and scored."""

    #: Field -> message when a value is refused (then ``result`` is None).
    errors: dict[str, str]
    corrected: dict[str, object]
    result: ClientResult | None


def correctable_values(inputs: Mapping[str, object]) -> dict[str, Any]:
    """The stored values of :data:`CORRECTABLE` in the advisor's units (years employed...)."""
    row = inputs_frame(inputs)
    return whatif.display_values(row, [c for c in CORRECTABLE if c in row.columns])


def rescore_edits(
    scoring: ScoringService, inputs: Mapping[str, object], edits: Mapping[str, object]
) -> PanelRescore:
    """The reviewer's typed corrections applied to the stored row by the what-if's rules, and
    the corrected row scored by the served model (every derived feature recomputed)."""
    original = inputs_frame(inputs)
    check = whatif.apply_edits(original, edits)
    if not check.ok or check.row is None:
        return PanelRescore(check.errors, {}, None)
    corrected = {c: json_value(check.row[c].iloc[0]) for c in check.changed}
    return PanelRescore({}, corrected, scoring.score_record(check.row))


# ----------------------------------------------------------------------------- the lists


def decision_word(decision: str | None) -> str:
    return {"grant": _("grant"), "refuse": _("refuse")}.get(decision or "", decision or "–")


def outcome_word(outcome: str | None) -> str:
    return {"upheld": _("upheld"), "reversed": _("reversed")}.get(outcome or "", outcome or "–")


def short(text: str, limit: int = STATEMENT_PREVIEW) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class OpenRow:
    """One open review as the list shows it."""

    review_id: int
    decision_id: int
    client_id: int
    decision: str
    decided_by: str
    statement: str
    age_days: int
    overdue: bool


@dataclass(frozen=True)
class ClosedRow:
    """One closed review as the list shows it."""

    review_id: int
    client_id: int
    decision: str
    outcome: str
    reviewed_by: str
    reason: str
    reviewed_at: str


def open_rows(store: Any, now: datetime | None = None) -> list[OpenRow]:
    """Open reviews, oldest first, with the decision they contest (words translated)."""
    now = now or datetime.now(UTC)
    rows = []
    for review in store.reviews(open_only=True):
        decision = store.get(review.decision_id)
        rows.append(OpenRow(
            review.id, review.decision_id, review.client_id, decision_word(decision.decision),
            decision.user, short(review.statement), int(review.age_days(now)), review.overdue,
        ))
    return rows


def closed_rows(store: Any, limit: int = CLOSED_SHOWN) -> list[ClosedRow]:
    """The last ``limit`` closed reviews, most recently closed first."""
    closed = [r for r in store.reviews() if not r.is_open]
    closed.sort(key=lambda r: (r.reviewed_at or "", r.id), reverse=True)
    rows = []
    for review in closed[:limit]:
        decision = store.get(review.decision_id)
        rows.append(ClosedRow(
            review.id, review.client_id, decision_word(decision.decision),
            outcome_word(review.outcome), review.reviewed_by or "–",
            review.outcome_reason or "", (review.reviewed_at or "").replace("T", " ")[:16],
        ))
    return rows


# ----------------------------------------------------------------------------- one review


@dataclass(frozen=True)
class ReviewDetail:
    """Everything the reviewer reads before deciding, in the reader's language."""

    review: Any
    decision: Any
    #: (label, value) of each column the served model reads, from the stored row.
    inputs: tuple[tuple[str, str], ...]
    reasons: tuple[str, ...]
    #: True when the reasons and counterfactual are the stored English texts (the served model
    #: is another one), False when re-derived in the reader's language from the same inputs and
    #: model.
    reasons_as_recorded: bool
    counterfactual: str | None
    #: The stored inputs scored now by the served model, and whether it is the recorded score.
    replayed: ClientResult | None
    replay_matches: bool
    #: The panel's correctable values in the advisor's units.
    correctable: dict[str, Any]


def _input_rows(
    scoring: ScoringService, inputs: Mapping[str, object]
) -> tuple[tuple[str, str], ...]:
    read = [c for c in scoring.model.input_columns if c in inputs]
    return tuple((feature_label(c), format_value(c, inputs[c])) for c in read)


def counterfactual_text(counterfactual: Mapping[str, Any] | None) -> str | None:
    """The counterfactual shown, in words: the changes and the probability they give."""
    if not counterfactual:
        return None
    changes = counterfactual.get("changes")
    if not changes:
        why = counterfactual.get("why")
        return str(why) if why else _("No change within the applicant's reach would have "
                                      "granted it.")
    parts = [
        _("{label}: {value}").format(
            label=feature_label(column),
            value=format_amount(float(value)) if column.startswith("AMT_")
            else format_value(column, value))
        for column, value in changes.items()
    ]
    probability = counterfactual.get("default_probability")
    text = "; ".join(parts)
    if isinstance(probability, int | float):
        text += " " + _("(probability of default {p})").format(p=format_percent(probability))
    return text


def review_detail(scoring: ScoringService, store: Any, review_id: int) -> ReviewDetail:
    """One review with its decision, ready to draw (``UnknownRecordError`` for an unknown id)."""
    review = store.get_review(review_id)
    decision = store.get(review.decision_id)
    inputs = decision.inputs or {}
    replayed = None
    if inputs:
        replayed = rescore_inputs(scoring, inputs)
    matches = bool(
        replayed is not None
        and replayed.model_version == decision.model_version
        and abs(replayed.default_probability - decision.default_probability) <= SAME_SCORE
    )
    counterfactual = decision.counterfactual
    if matches and replayed is not None:
        # The same model on the same row: the reasons and counterfactual the advisor saw, in the
        # reader's words (the log keeps them in English).
        reasons = tuple(r.text for r in refusal_reasons(replayed).reasons)
        if counterfactual is not None:
            found = record_counterfactual(scoring, inputs, result=replayed)
            counterfactual = None if found is None else found.to_dict()
    else:
        reasons = tuple(decision.reasons or ())
    return ReviewDetail(
        review=review,
        decision=decision,
        inputs=_input_rows(scoring, inputs) if inputs else (),
        reasons=reasons,
        reasons_as_recorded=not matches,
        counterfactual=counterfactual_text(counterfactual),
        replayed=replayed,
        replay_matches=matches,
        correctable=correctable_values(inputs) if inputs else {},
    )


def field_text(column: str, value: object) -> str:
    """A correctable value as typed in its field, in the reader's number format: exact (a
    value sent back unchanged must read as unchanged), years employed to a tenth."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        number = float(value)
        digits = 1 if column == "DAYS_EMPLOYED" else (0 if number.is_integer() else 2)
        return format_number(number, digits)
    return str(value)
