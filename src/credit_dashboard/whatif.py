"""What-if simulation: change a few inputs an advisor can negotiate, re-score, compare.

Only inputs a client or an advisor could actually change are editable (amounts, employment,
household, contract): never the external scores, ids or anything the bureau reports. Which of them
the panel shows is decided by the model's global importance, so the panel offers the levers that
move the score.

Re-scoring replaces raw values in the client's raw Kaggle row and sends the whole row through the
model pipeline, so every derived feature (credit / income, payment rate, ...) is recomputed by the
same code that trained the model; nothing derived is ever patched by hand.

Values are exchanged in the advisor's units: money as typed, years employed in years (Kaggle stores
negative days, with 365243 meaning "not employed"), counts as whole numbers, categories as levels.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd

from credit_dashboard.data.schema import CATEGORY_LEVELS, DAYS_EMPLOYED_ANOMALY, pandas_dtype
from credit_dashboard.decisions import model_decision
from credit_dashboard.model.cost import REFUSE, is_refused

logger = logging.getLogger(__name__)

DAYS_PER_YEAR = 365.25
#: Amounts above this are typing errors, not clients (Kaggle's largest income is about 1.2e8).
MAX_AMOUNT = 1e9
#: Nobody works before this age, so years employed cannot exceed age minus this.
MIN_WORKING_AGE = 14
#: The goods bought may cost at most this multiple of the credit (the rest is a down payment).
MAX_GOODS_TO_CREDIT = 1.5
MAX_CHILDREN = 20
MAX_FAMILY = 30

Kind = Literal["amount", "years_employed", "count", "category"]


@dataclass(frozen=True)
class EditableInput:
    """A raw column an advisor may change, and how its value is typed."""

    column: str
    kind: Kind
    #: May the field be left empty (missing in Kaggle, or "not employed" for years employed)?
    optional: bool = False

    @property
    def levels(self) -> tuple[str, ...]:
        return CATEGORY_LEVELS.get(self.column, ())


#: The whitelist, in the order used when the model ranks two inputs equally.
EDITABLE_INPUTS: dict[str, EditableInput] = {
    spec.column: spec
    for spec in (
        EditableInput("AMT_CREDIT", "amount"),
        EditableInput("AMT_ANNUITY", "amount"),
        EditableInput("AMT_GOODS_PRICE", "amount", optional=True),
        EditableInput("AMT_INCOME_TOTAL", "amount"),
        EditableInput("DAYS_EMPLOYED", "years_employed", optional=True),
        EditableInput("NAME_CONTRACT_TYPE", "category"),
        EditableInput("NAME_FAMILY_STATUS", "category"),
        EditableInput("CNT_CHILDREN", "count"),
        EditableInput("CNT_FAM_MEMBERS", "count", optional=True),
        EditableInput("NAME_EDUCATION_TYPE", "category"),
        EditableInput("NAME_INCOME_TYPE", "category"),
        EditableInput("NAME_HOUSING_TYPE", "category"),
        EditableInput("OCCUPATION_TYPE", "category", optional=True),
        EditableInput("FLAG_OWN_CAR", "category"),
        EditableInput("FLAG_OWN_REALTY", "category"),
    )
}

#: Numeric inputs along which a threshold crossing can be searched.
SEARCHABLE_INPUTS: tuple[str, ...] = (
    "AMT_CREDIT",
    "AMT_ANNUITY",
    "AMT_GOODS_PRICE",
    "AMT_INCOME_TOTAL",
    "DAYS_EMPLOYED",
)

#: Words of engineered feature names -> the raw inputs they are computed from, so importance of
#: e.g. CREDIT_INCOME_RATIO counts for both the credit amount and the income.
_WORD_INPUTS: dict[str, tuple[str, ...]] = {
    "CREDIT": ("AMT_CREDIT",),
    "ANNUITY": ("AMT_ANNUITY",),
    "PAYMENT": ("AMT_ANNUITY", "AMT_CREDIT"),
    "GOODS": ("AMT_GOODS_PRICE",),
    "INCOME": ("AMT_INCOME_TOTAL",),
    "EMPLOYED": ("DAYS_EMPLOYED",),
    "EMPLOYMENT": ("DAYS_EMPLOYED",),
    "CHILDREN": ("CNT_CHILDREN",),
    "FAM": ("CNT_FAM_MEMBERS",),
    "FAMILY": ("CNT_FAM_MEMBERS",),
    "PERSON": ("CNT_FAM_MEMBERS",),
}


class RiskModel(Protocol):
    """What the what-if needs from ``CreditRiskModel``."""

    decision_threshold: float

    def default_probability(self, raw: pd.DataFrame) -> np.ndarray: ...

    def contributions(self, raw: pd.DataFrame) -> tuple[pd.DataFrame, float]: ...


# -- choosing the inputs --------------------------------------------------------------------------


def choose_inputs(
    global_importance: Sequence[Mapping[str, Any]] | Mapping[str, float], n: int = 8
) -> list[str]:
    """The ``n`` editable raw inputs that matter most to the model, most important first.

    ``global_importance`` is the model card's list of ``{feature, mean_abs_shap}`` (or a mapping
    feature -> importance). An engineered feature lends its importance to every editable input its
    name refers to (CREDIT_INCOME_RATIO -> credit amount and income); a raw input gets the largest
    importance among the features it feeds. Inputs the model ignores are left out.
    """
    if isinstance(global_importance, Mapping):
        items = list(global_importance.items())
    else:
        items = [(str(e["feature"]), float(e["mean_abs_shap"])) for e in global_importance]
    score: dict[str, float] = {}
    for feature, importance in items:
        for column in _inputs_of(feature):
            score[column] = max(score.get(column, 0.0), float(importance))
    order = list(EDITABLE_INPUTS)
    ranked = sorted(
        (c for c, s in score.items() if s > 0), key=lambda c: (-score[c], order.index(c))
    )
    return ranked[:n]


def _inputs_of(feature: str) -> tuple[str, ...]:
    if feature in EDITABLE_INPUTS:
        return (feature,)
    if feature in CATEGORY_LEVELS or feature.startswith(("AMT_REQ_", "EXT_SOURCE", "FLAG_DOC")):
        return ()
    words = feature.upper().split("_")
    found: list[str] = []
    for position, word in enumerate(words):
        nxt = words[position + 1] if position + 1 < len(words) else ""
        if word == "CREDIT" and nxt == "BUREAU":  # bureau enquiries are not the credit amount
            continue
        for column in _WORD_INPUTS.get(word, ()):
            if column not in found:
                found.append(column)
    return tuple(found)


# -- values in the advisor's units ----------------------------------------------------------------


def display_value(row: pd.DataFrame, column: str) -> float | int | str | None:
    """The client's value of an editable input, as the advisor types it (None when missing)."""
    spec = EDITABLE_INPUTS[column]
    value = row[column].iloc[0]
    if _missing(value):
        return None
    if spec.kind == "years_employed":
        days = float(value)
        return None if days == DAYS_EMPLOYED_ANOMALY else round(-days / DAYS_PER_YEAR, 1)
    if spec.kind == "count":
        return int(value)
    if spec.kind == "amount":
        return float(value)
    return str(value)


def display_values(row: pd.DataFrame, columns: Iterable[str]) -> dict[str, Any]:
    return {c: display_value(row, c) for c in columns}


# -- validation -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EditCheck:
    """The outcome of checking the advisor's edits: a modified row, or messages per field."""

    #: The raw row with the edits applied (None when any edit is invalid).
    row: pd.DataFrame | None
    #: Field -> message, to show beside the field; empty when every edit is valid.
    errors: dict[str, str]
    #: The fields whose value differs from the client's real one.
    changed: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def apply_edits(original: pd.DataFrame, edits: Mapping[str, object]) -> EditCheck:
    """Check the edited values (advisor's units) and apply them to a copy of the raw row.

    Single-field rules (a number, not negative, a known level...) apply to every edited field;
    rules between fields (annuity below credit, ...) only when one of their fields was changed, so
    the client's real values always re-score as they are.
    """
    if len(original) != 1:
        raise ValueError(f"what-if: expected one client row, got {len(original)}")
    errors: dict[str, str] = {}
    raw_values: dict[str, object] = {}
    for column, typed in edits.items():
        spec = EDITABLE_INPUTS.get(column)
        if spec is None:
            errors[column] = "this input cannot be changed in a simulation"
            continue
        if _as_shown(typed, display_value(original, column)):
            # Compared in the advisor's units: the real value sent back (years rounded to a
            # tenth) must not move the raw value, nor be judged by rules it may predate.
            continue
        try:
            raw_values[column] = _to_raw(spec, typed, original)
        except ValueError as exc:
            errors[column] = str(exc)
    changed = tuple(c for c, v in raw_values.items() if not _same(v, original[c].iloc[0]))
    modified = original.copy()
    for column in changed:
        modified[column] = pd.Series(
            [raw_values[column]], index=modified.index, dtype=pandas_dtype(column)
        )
    for column, message in _cross_field_problems(modified, set(changed)).items():
        errors.setdefault(column, message)
    if errors:
        return EditCheck(None, errors, changed)
    return EditCheck(modified, {}, changed)


def _to_raw(spec: EditableInput, typed: object, original: pd.DataFrame) -> object:
    """The raw Kaggle value for a typed value, or ValueError with the message for the field."""
    if _blank(typed):
        if not spec.optional:
            raise ValueError("required")
        if spec.kind == "years_employed":
            return DAYS_EMPLOYED_ANOMALY  # Kaggle's code for "not employed"
        return math.nan
    if spec.kind == "category":
        text = str(typed).strip()
        if text not in spec.levels:
            raise ValueError(f"unknown choice; expected one of {', '.join(spec.levels[:6])}...")
        return text
    number = parse_number(typed)
    if spec.kind == "amount":
        if number <= 0:
            raise ValueError("must be a positive amount")
        if number > MAX_AMOUNT:
            raise ValueError(f"must be at most {MAX_AMOUNT:,.0f}")
        return number
    if spec.kind == "count":
        if not number.is_integer():
            raise ValueError("must be a whole number")
        upper = MAX_CHILDREN if spec.column == "CNT_CHILDREN" else MAX_FAMILY
        lower = 1 if spec.column == "CNT_FAM_MEMBERS" else 0
        if not lower <= number <= upper:
            raise ValueError(f"must be between {lower} and {upper}")
        return int(number) if pandas_dtype(spec.column) == "int64" else float(number)
    # Years employed: at least zero, and not before the working age.
    if number < 0:
        raise ValueError("cannot be negative (leave empty for not employed)")
    age = -float(original["DAYS_BIRTH"].iloc[0]) / DAYS_PER_YEAR
    most = max(age - MIN_WORKING_AGE, 0.0)
    if number > most:
        raise ValueError(
            f"cannot exceed {most:.1f} years (age {age:.0f} minus {MIN_WORKING_AGE})"
        )
    return -int(round(number * DAYS_PER_YEAR))


#: Rules between two fields: (fields, holds(first, second), message about the two values).
_PAIR_RULES: tuple[tuple[tuple[str, str], Callable[[float, float], bool], str], ...] = (
    (
        ("AMT_ANNUITY", "AMT_CREDIT"),
        lambda annuity, credit: annuity < credit,
        "the annuity ({0:,.0f}) must be below the credit amount ({1:,.0f})",
    ),
    (
        ("AMT_GOODS_PRICE", "AMT_CREDIT"),
        lambda goods, credit: goods <= MAX_GOODS_TO_CREDIT * credit,
        f"the goods price ({{0:,.0f}}) cannot exceed {MAX_GOODS_TO_CREDIT:g} times the credit "
        "amount ({1:,.0f})",
    ),
    (
        ("CNT_FAM_MEMBERS", "CNT_CHILDREN"),
        lambda family, children: family >= children + 1,
        "the family size ({0:.0f}) must count the client and the {1:.0f} children",
    ),
)


def _cross_field_problems(row: pd.DataFrame, changed: set[str]) -> dict[str, str]:
    """Rules between fields, each reported on a changed field of the pair."""
    problems: dict[str, str] = {}
    values = row.iloc[0]
    for pair, holds, message in _PAIR_RULES:
        if not changed & set(pair):
            continue
        first, second = values.get(pair[0]), values.get(pair[1])
        if _missing(first) or _missing(second) or holds(float(first), float(second)):
            continue
        column = pair[0] if pair[0] in changed else pair[1]
        problems.setdefault(column, message.format(float(first), float(second)))
    return problems


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_number(typed: object) -> float:
    """A number from what the advisor typed: "250000", "250 000", "250,000", "1234,5"."""
    if isinstance(typed, bool):
        raise ValueError("must be a number")
    if isinstance(typed, int | float | np.number):
        number = float(typed)
    else:
        text = str(typed).strip()
        if len(text) > 40:
            raise ValueError("must be a number")
        text = re.sub(r"[\s\u00a0\u202f_']", "", text)
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        elif "," in text and "." not in text:
            text = text.replace(",", ".")  # a decimal comma, as typed in France
        try:
            number = float(text)
        except ValueError:
            raise ValueError("must be a number") from None
    if not math.isfinite(number):
        raise ValueError("must be a finite number")
    return number


def _as_shown(typed: object, shown: object) -> bool:
    """Is the typed value the one the panel showed for the client (nothing edited)?"""
    if _blank(typed) or shown is None:
        return _blank(typed) and shown is None
    if isinstance(shown, str):
        return str(typed).strip() == shown
    try:
        return math.isclose(parse_number(typed), float(shown), rel_tol=0, abs_tol=1e-9)
    except ValueError:
        return False


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or _missing(value)


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _same(a: object, b: object) -> bool:
    if _missing(a) and _missing(b):
        return True
    if _missing(a) or _missing(b):
        return False
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-9)  # type: ignore[arg-type]


# -- re-scoring and comparison --------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    """One row scored: probability, decision and the log-odds contributions behind them."""

    default_probability: float
    decision: str
    decision_threshold: float
    base_value: float
    #: Log-odds per explained feature (same names as the model card's importance).
    contributions: pd.Series


def score_row(model: RiskModel, row: pd.DataFrame) -> Score:
    """Score one raw row, with its explanation.

    The probability is computed from the explanation (base + sum of contributions), as the
    scoring service does, so the what-if's "original" equals the score shown on the page.
    """
    contributions, base = model.contributions(row)
    parts = contributions.iloc[0].astype("float64")
    probability = 1.0 / (1.0 + math.exp(-(float(base) + float(parts.sum()))))
    threshold = float(model.decision_threshold)
    return Score(probability, model_decision(probability, threshold), threshold, float(base), parts)


@dataclass(frozen=True)
class Comparison:
    """Original vs modified: what the change does to the score and why."""

    original: Score
    modified: Score
    changed: tuple[str, ...]
    #: feature, original, modified, change (log-odds), the largest changes first.
    contribution_changes: pd.DataFrame

    @property
    def probability_change(self) -> float:
        return self.modified.default_probability - self.original.default_probability

    @property
    def decision_changed(self) -> bool:
        return self.modified.decision != self.original.decision


def compare(
    model: RiskModel,
    original: pd.DataFrame,
    modified: pd.DataFrame,
    changed: Sequence[str] = (),
    top_n: int = 5,
    original_score: Score | None = None,
) -> Comparison:
    """Re-score the modified row and set it against the original (scored once, then reusable)."""
    before = original_score if original_score is not None else score_row(model, original)
    after = score_row(model, modified)
    changes = contribution_changes(before.contributions, after.contributions, top_n)
    return Comparison(before, after, tuple(changed), changes)


def contribution_changes(
    before: Mapping[str, float] | pd.Series, after: Mapping[str, float] | pd.Series, top_n: int = 5
) -> pd.DataFrame:
    """The features whose contribution moved most: feature, original, modified, change.

    Log-odds, like the waterfall: changes add up to the change of the risk score. Features that
    did not move are left out (a what-if on the credit amount moves only what the credit feeds).
    """
    table = pd.DataFrame(
        {
            "original": pd.Series(before, dtype="float64"),
            "modified": pd.Series(after, dtype="float64"),
        }
    ).fillna(0.0)
    table["change"] = table["modified"] - table["original"]
    moved = table[table["change"].abs() > 1e-12]
    order = moved["change"].abs().sort_values(ascending=False, kind="stable").index
    return moved.loc[order].head(top_n).rename_axis("feature").reset_index()


# -- smallest change that flips the decision ------------------------------------------------------


@dataclass(frozen=True)
class ThresholdCrossing:
    """Where, along one input, the model's decision flips (``value`` None: not within the range)."""

    column: str
    #: Advisor's units (years for DAYS_EMPLOYED); None when the client has no value.
    original_value: float | None
    original_probability: float
    original_decision: str
    #: The nearest value where the decision is the other one (None when there is none).
    value: float | None
    probability: float | None
    decision: str | None
    low: float
    high: float
    #: Other inputs moved along (the annuity, scaled with the credit amount), at ``value``.
    linked: dict[str, float]

    @property
    def found(self) -> bool:
        return self.value is not None

    def edits(self) -> dict[str, float]:
        """The edits that reproduce the crossing (advisor's units), e.g. to fill the panel."""
        if self.value is None:
            return {}
        return {self.column: self.value, **self.linked}


def threshold_crossing(
    model: RiskModel,
    row: pd.DataFrame,
    column: str,
    *,
    low: float | None = None,
    high: float | None = None,
    scale_annuity: bool = True,
    points: int = 33,
    rounds: int = 3,
) -> ThresholdCrossing:
    """The value of ``column`` nearest the current one where the model's decision flips.

    Everything else stays as in ``row`` (the client's raw row, or the advisor's modified row),
    except that a change of credit amount scales the annuity with it when ``scale_annuity``
    (the same repayment rate, i.e. the same duration: how a smaller loan is actually offered).
    The range (advisor's units) defaults to 10 %-300 % of the current amount, or 0 to age - 14
    for years employed; values that break the validation rules are skipped.

    Search by refining grids over the real model: each round scores ``points`` rows in one batch
    (about the cost of a few single rows), then zooms into the interval where the decision first
    flips going outwards from the current value. Tree models are not monotone, so this finds the
    *nearest* crossing on each side and returns the nearer one, not every crossing.
    """
    if column not in SEARCHABLE_INPUTS:
        choices = ", ".join(SEARCHABLE_INPUTS)
        raise ValueError(f"what-if: cannot search along {column}; choose one of {choices}")
    current = display_value(row, column)
    lo, hi = _search_range(row, column, current, low, high)
    start = min(max(float(current), lo), hi) if current is not None else lo
    first = score_row(model, row)
    threshold = first.decision_threshold
    ratio = _annuity_ratio(row) if column == "AMT_CREDIT" and scale_annuity else None

    def edits_for(value: float) -> dict[str, float]:
        if ratio is None:
            return {column: value}
        return {column: value, "AMT_ANNUITY": round(value * ratio, 1)}

    def probabilities(values: np.ndarray) -> np.ndarray:
        """Probability at each value; NaN where the edited row breaks a validation rule."""
        checks = [apply_edits(row, edits_for(float(v))) for v in values]
        out = np.full(len(values), np.nan)
        valid = [i for i, check in enumerate(checks) if check.ok]
        if valid:
            batch = pd.concat([checks[i].row for i in valid], ignore_index=True)
            out[valid] = model.default_probability(batch)
        return out

    def flipped(p: np.ndarray) -> np.ndarray:
        return ~np.isnan(p) & (is_refused(p, threshold) != (first.decision == REFUSE))

    best: tuple[float, float] | None = None
    for end in (lo, hi):
        if end == start:
            continue
        found = _nearest_flip(probabilities, flipped, start, end, points, rounds)
        if found is not None and (best is None or abs(found[0] - start) < abs(best[0] - start)):
            best = found
    common = dict(
        column=column,
        original_value=current,
        original_probability=first.default_probability,
        original_decision=first.decision,
        low=lo,
        high=hi,
    )
    if best is None:
        return ThresholdCrossing(**common, value=None, probability=None, decision=None, linked={})
    value, probability = best
    # A value an advisor would type (whole hundreds, tenths of a year), rounded away from the
    # current value; kept only if the decision still flips there (trees are not monotone).
    nice = _rounded_away(value, start, 0.1 if column == "DAYS_EMPLOYED" else 100.0)
    nice_probability = probabilities(np.array([nice]))
    if flipped(nice_probability)[0]:
        value, probability = nice, float(nice_probability[0])
    linked = {k: v for k, v in edits_for(value).items() if k != column}
    return ThresholdCrossing(
        **common,
        value=value,
        probability=probability,
        decision=model_decision(probability, threshold),
        linked=linked,
    )


def _rounded_away(value: float, start: float, step: float) -> float:
    """``value`` rounded to a multiple of ``step``, on the side away from ``start``."""
    units = value / step
    rounded = math.ceil(units - 1e-9) if value >= start else math.floor(units + 1e-9)
    return round(rounded * step, 10)


def _annuity_ratio(row: pd.DataFrame) -> float | None:
    annuity, credit = row["AMT_ANNUITY"].iloc[0], row["AMT_CREDIT"].iloc[0]
    if _missing(annuity) or _missing(credit) or float(credit) <= 0:
        return None
    return float(annuity) / float(credit)


def _search_range(
    row: pd.DataFrame, column: str, current: float | None, low: float | None, high: float | None
) -> tuple[float, float]:
    if column == "DAYS_EMPLOYED":
        age = -float(row["DAYS_BIRTH"].iloc[0]) / DAYS_PER_YEAR
        default_lo, default_hi = 0.0, max(age - MIN_WORKING_AGE, 0.0)
    else:
        anchor = float(current) if current is not None else float(row["AMT_CREDIT"].iloc[0])
        default_lo, default_hi = 0.1 * anchor, 3.0 * anchor
    lo = default_lo if low is None else float(low)
    hi = default_hi if high is None else float(high)
    if not lo < hi:
        raise ValueError(f"what-if: empty search range [{lo}, {hi}] for {column}")
    return lo, hi


def _nearest_flip(
    probabilities: Callable[[np.ndarray], np.ndarray],
    flipped: Callable[[np.ndarray], np.ndarray],
    start: float,
    end: float,
    points: int,
    rounds: int,
) -> tuple[float, float] | None:
    """The first value going from ``start`` to ``end`` where the decision flips, refined."""
    best: tuple[float, float] | None = None
    for _ in range(rounds):
        # Ordered from ``start`` outwards, so the first flip met is the nearest one.
        grid = np.linspace(start, end, points)
        p = probabilities(grid)
        hits = np.flatnonzero(flipped(p))
        if hits.size == 0:
            return best
        i = int(hits[0])
        best = (float(grid[i]), float(p[i]))
        if i == 0:
            return best
        # The decision still holds (or the row is invalid) at grid[i - 1]: zoom in between.
        start, end = float(grid[i - 1]), float(grid[i])
    return best
