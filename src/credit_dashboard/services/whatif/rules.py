"""Reading the advisor's typed values and checking them, field by field and between fields.

An edit is accepted only if every field passes its own rule (a number, not negative, a known
level...) and the rules between fields still hold; the accepted values are written into a copy of
the client's raw Kaggle row, in Kaggle units.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from credit_dashboard.i18n import N_, format_number
from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.plausibility import MAX_AMOUNT
from credit_dashboard.services.whatif.inputs import EDITABLE_INPUTS, EditableInput
from credit_dashboard.services.whatif.units import display_value
from credit_dashboard.storage.schema import (
    DAYS_EMPLOYED_ANOMALY,
    days_to_years,
    is_missing,
    pandas_dtype,
    years_to_days,
)

#: Nobody works before this age, so years employed cannot exceed age minus this.
MIN_WORKING_AGE = 14
#: The goods bought may cost at most this multiple of the credit (the rest is a down payment).
MAX_GOODS_TO_CREDIT = 1.5
MAX_CHILDREN = 20
MAX_FAMILY = 30


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
            errors[column] = _("this input cannot be changed in a simulation")
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
            raise ValueError(_("required"))
        if spec.kind == "years_employed":
            return DAYS_EMPLOYED_ANOMALY  # Kaggle's code for "not employed"
        return math.nan
    if spec.kind == "category":
        text = str(typed).strip()
        if text not in spec.levels:
            raise ValueError(_("unknown choice; expected one of {levels}...").format(
                levels=", ".join(spec.levels[:6])))
        return text
    number = parse_number(typed)
    if spec.kind == "amount":
        if number <= 0:
            raise ValueError(_("must be a positive amount"))
        if number > MAX_AMOUNT:
            raise ValueError(_("must be at most {amount}").format(amount=format_number(MAX_AMOUNT)))
        return number
    if spec.kind == "count":
        if not number.is_integer():
            raise ValueError(_("must be a whole number"))
        upper = MAX_CHILDREN if spec.column == "CNT_CHILDREN" else MAX_FAMILY
        lower = 1 if spec.column == "CNT_FAM_MEMBERS" else 0
        if not lower <= number <= upper:
            raise ValueError(_("must be between {low} and {high}").format(low=lower, high=upper))
        return int(number) if pandas_dtype(spec.column) == "int64" else float(number)
    # Years employed: at least zero, and not before the working age.
    if number < 0:
        raise ValueError(_("cannot be negative (leave empty for not employed)"))
    age = days_to_years(float(original["DAYS_BIRTH"].iloc[0]))
    most = max(age - MIN_WORKING_AGE, 0.0)
    if number > most:
        raise ValueError(
            _("cannot exceed {most} years (age {age} minus {minimum})").format(
                most=format_number(most, 1), age=format_number(age), minimum=MIN_WORKING_AGE)
        )
    return years_to_days(number)


#: Rules between two fields: (fields, holds(first, second), message about the two values).
_PAIR_RULES: tuple[tuple[tuple[str, str], Callable[[float, float], bool], str], ...] = (
    (
        ("AMT_ANNUITY", "AMT_CREDIT"),
        lambda annuity, credit: annuity < credit,
        N_("the annuity ({0}) must be below the credit amount ({1})"),
    ),
    (
        ("AMT_GOODS_PRICE", "AMT_CREDIT"),
        lambda goods, credit: goods <= MAX_GOODS_TO_CREDIT * credit,
        N_("the goods price ({0}) cannot exceed {2} times the credit amount ({1})"),
    ),
    (
        ("CNT_FAM_MEMBERS", "CNT_CHILDREN"),
        lambda family, children: family >= children + 1,
        N_("the family size ({0}) must count the client and the {1} children"),
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
        if is_missing(first) or is_missing(second) or holds(float(first), float(second)):
            continue
        column = pair[0] if pair[0] in changed else pair[1]
        problems.setdefault(
            column,
            _(message).format(format_number(float(first)), format_number(float(second)),
                              format_number(MAX_GOODS_TO_CREDIT, 1)),
        )
    return problems


def rules_hold(frame: pd.DataFrame, changed: Iterable[str]) -> np.ndarray:
    """Row by row, whether candidate rows built in bulk (the counterfactual's grid) pass the rules
    :func:`apply_edits` applies to the amounts in ``changed``: a positive amount at most
    ``MAX_AMOUNT``, and every rule between two fields that involves one of them (a missing value
    passes, as in :func:`apply_edits`). The same table of rules, over whole columns, so a grid of
    a hundred rows costs one check instead of a hundred row copies.
    """
    columns = set(changed)
    unknown = [c for c in columns if EDITABLE_INPUTS.get(c) is None
               or EDITABLE_INPUTS[c].kind != "amount"]
    if unknown:
        raise ValueError(f"what-if: rules_hold checks amounts only, not {', '.join(unknown)}")
    ok = np.ones(len(frame), dtype=bool)
    for column in columns:
        values = frame[column].to_numpy(dtype="float64")
        ok &= np.isnan(values) | ((values > 0) & (values <= MAX_AMOUNT))
    for pair, holds, _message in _PAIR_RULES:
        if not columns & set(pair):
            continue
        first = frame[pair[0]].to_numpy(dtype="float64")
        second = frame[pair[1]].to_numpy(dtype="float64")
        with np.errstate(invalid="ignore"):
            ok &= np.isnan(first) | np.isnan(second) | np.asarray(holds(first, second))
    return ok


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_number(typed: object) -> float:
    """A number from what the advisor typed: "250000", "250 000", "250,000", "1234,5"."""
    if isinstance(typed, bool):
        raise ValueError(_("must be a number"))
    if isinstance(typed, int | float | np.number):
        number = float(typed)
    else:
        text = str(typed).strip()
        if len(text) > 40:
            raise ValueError(_("must be a number"))
        text = re.sub(r"[\s\u00a0\u202f_']", "", text)
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        elif "," in text and "." not in text:
            text = text.replace(",", ".")  # a decimal comma, as typed in France
        try:
            number = float(text)
        except ValueError:
            raise ValueError(_("must be a number")) from None
    if not math.isfinite(number):
        raise ValueError(_("must be a finite number"))
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
    return is_missing(value) or (isinstance(value, str) and not value.strip())


def _same(a: object, b: object) -> bool:
    if is_missing(a) and is_missing(b):
        return True
    if is_missing(a) or is_missing(b):
        return False
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-9)  # type: ignore[arg-type]
