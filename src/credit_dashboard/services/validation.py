"""Check what arrives from outside (a raw client record, a client number) before it meets the model.

Everything here is pure (no Flask, no files) so the JSON API, the search box and the URL share one
set of rules, and every rule is a plain function a test can call. A record either becomes a one-row
DataFrame in the Kaggle dtypes or a list of field-level problems, all of them at once, so the caller
fixes a request in one round trip instead of one error per attempt.

Messages never repeat the offending value in full (a hostile value could be long or carry markup);
they name the field and the problem. The range each field may take is ``plausibility``'s.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from credit_dashboard.i18n import gettext as _
from credit_dashboard.services.plausibility import MAX_CLIENT_ID_DIGITS, range_problem
from credit_dashboard.storage.schema import (
    CATEGORY_LEVELS,
    ID_COLUMN,
    INTEGER_COLUMNS,
    TARGET_COLUMN,
    TEST_COLUMNS,
    pandas_dtype,
)

#: Fields a record must carry. Kaggle stores the int64 columns with no missing value anywhere,
#: so the model has never seen them empty and an int64 column cannot hold NaN; without the credit
#: amount and the income there is nothing to score. Any other field may be left out (-> NaN).
REQUIRED_FIELDS: frozenset[str] = frozenset(
    (INTEGER_COLUMNS - {ID_COLUMN, TARGET_COLUMN}) | {"AMT_CREDIT", "AMT_INCOME_TOTAL"}
)

_ALLOWED_FIELDS = frozenset(TEST_COLUMNS)


@dataclass(frozen=True)
class FieldError:
    """One problem with one field of a record (``field`` is ``"(record)"`` for the whole body)."""

    field: str
    problem: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "problem": self.problem}


class RecordValidationError(ValueError):
    """A client record that cannot be scored; ``errors`` lists every problem found."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        summary = "; ".join(f"{e.field}: {e.problem}" for e in errors[:5])
        more = _(" (and {n} more)").format(n=len(errors) - 5) if len(errors) > 5 else ""
        super().__init__(
            _("the client record has {n} problem(s): {summary}").format(
                n=len(errors), summary=summary) + more
        )


class ClientIdError(ValueError):
    """A client number that cannot be looked up; the message is safe to show to the user."""


# --------------------------------------------------------------------------------------- client ids

_SQL_HINTS = re.compile(
    r"('|\"|;|--|/\*|\b(select|union|insert|update|delete|drop|or|and|where|from)\b)", re.IGNORECASE
)


def parse_client_id(text: object) -> int:
    """Turn a client number from a search box, a URL or a JSON body into an int, or say why not.

    Hostile-looking input gets a message saying what it looks like, so an advisor who pasted the
    wrong thing understands and an attacker learns nothing about the data.
    """
    if isinstance(text, bool):  # JSON true/false are ints in Python; never a client number
        raise ClientIdError(_("a client number must be digits, not true/false"))
    if isinstance(text, int):
        return _check_id_range(text)
    if not isinstance(text, str):
        raise ClientIdError(_("a client number must be digits"))
    value = text.strip()
    if not value:
        raise ClientIdError(_("enter a client number (digits only)"))
    if "<" in value or ">" in value:
        raise ClientIdError(_("a client number cannot contain markup (< or >)"))
    if ".." in value or "/" in value or "\\" in value:
        raise ClientIdError(_("a client number cannot contain a path such as ../"))
    if _SQL_HINTS.search(value):
        raise ClientIdError(_("a client number cannot contain a database query; use digits only"))
    if re.fullmatch(r"[+-]?[0-9]+", value, flags=re.ASCII) is None:
        raise ClientIdError(_("a client number must contain digits only (0-9)"))
    if value.startswith("-"):
        raise ClientIdError(_("a client number cannot be negative"))
    digits = value.lstrip("+")
    # Check the length before int(): Python refuses to parse very long digit strings anyway.
    if len(digits.lstrip("0")) > MAX_CLIENT_ID_DIGITS:
        raise ClientIdError(_too_many_digits())
    return _check_id_range(int(digits))


def _too_many_digits() -> str:
    return _("a client number has at most {digits} digits").format(digits=MAX_CLIENT_ID_DIGITS)


def _check_id_range(value: int) -> int:
    if value < 0:
        raise ClientIdError(_("a client number cannot be negative"))
    if value == 0:
        raise ClientIdError(_("a client number starts at 1"))
    if value >= 10**MAX_CLIENT_ID_DIGITS:
        raise ClientIdError(_too_many_digits())
    return value


# ------------------------------------------------------------------------------------------ records


def validate_record(
    raw: object, required: Iterable[str] = REQUIRED_FIELDS
) -> pd.DataFrame:
    """Check a raw client record (Kaggle column names -> JSON values) and return it as one row.

    The row carries every applicant column in Kaggle's order and dtypes (``SK_ID_CURR`` only when
    given); fields left out or sent as ``null`` become missing values. Raises
    ``RecordValidationError`` listing every problem when the record cannot be scored.
    """
    if not isinstance(raw, Mapping):
        kind = _("a list") if isinstance(raw, list) else type(raw).__name__
        raise RecordValidationError(
            [FieldError("(record)", _("expected a JSON object of field -> value, got {kind}")
                        .format(kind=kind))]
        )
    errors: list[FieldError] = []
    values: dict[str, object] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or key not in _ALLOWED_FIELDS:
            errors.append(FieldError(_safe_name(key), _unknown_field_problem(key)))
            continue
        problem = _check_value(key, value)
        if problem is not None:
            errors.append(FieldError(key, problem))
        elif value is not None:
            values[key] = value
    already_reported = {e.field for e in errors}
    for name in sorted(set(required) - set(values) - already_reported):
        errors.append(FieldError(name, _("required: the model has never seen it missing")))
    if errors:
        raise RecordValidationError(errors)
    return _to_frame(values)


def _unknown_field_problem(key: object) -> str:
    if key == TARGET_COLUMN:
        return "TARGET is the outcome the model predicts; it cannot be an input"
    return _("unknown field: not a column of Kaggle's application table")


def _safe_name(key: object) -> str:
    """A field name fit to echo back: printable, and short."""
    text = str(key)
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in text[:60])
    return cleaned + ("..." if len(text) > 60 else "")


def _check_value(column: str, value: object) -> str | None:
    """The problem with ``value`` for ``column``, or None when it is acceptable."""
    if value is None:
        return None
    if column in CATEGORY_LEVELS:
        return _check_category(column, value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _("expected a number, got {kind}").format(kind=_json_kind(value))
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN and Infinity are not values; leave the field out (or null) when it is unknown"
    if column in INTEGER_COLUMNS and not float(value).is_integer():
        return _("expected a whole number")
    return range_problem(column, float(value))


def _check_category(column: str, value: object) -> str | None:
    levels = CATEGORY_LEVELS[column]
    if not isinstance(value, str):
        return _("expected one of the text levels, got {kind}").format(kind=_json_kind(value))
    if value not in levels:
        shown = ", ".join(repr(level) for level in levels[:8])
        more = _(", ... ({n} levels)").format(n=len(levels)) if len(levels) > 8 else ""
        return _("unknown level; expected one of {levels}").format(levels=shown) + more
    return None




def _json_kind(value: object) -> str:
    if isinstance(value, bool):
        return _("true/false")
    if isinstance(value, str):
        return _("text")
    if isinstance(value, int | float):
        return _("a number")
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, Mapping):
        return _("an object")
    return type(value).__name__


def _to_frame(values: Mapping[str, object]) -> pd.DataFrame:
    """One row, every applicant column in Kaggle's order and dtype; absent fields missing."""
    columns = [c for c in TEST_COLUMNS if c != ID_COLUMN or c in values]
    # One numpy array per column: building the frame from Series is ten times slower.
    data: dict[str, np.ndarray] = {}
    for column in columns:
        dtype = pandas_dtype(column)
        value = values.get(column)
        if dtype == "object":
            # NaN, not None, for a missing level: what the table loader yields for an empty cell.
            data[column] = np.array([math.nan if value is None else value], dtype=object)
        elif dtype == "int64":
            data[column] = np.array([value], dtype=np.int64)
        else:
            data[column] = np.array([math.nan if value is None else value], dtype=np.float64)
    return pd.DataFrame(data, columns=columns, copy=False)
