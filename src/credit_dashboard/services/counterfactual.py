"""What would change a refusal: the smallest change of the loan that the served model would grant.

The EU Court (C-203/22) wants an explanation that lets the applicant understand what change in
their data would have led to another result, and the Consumer Credit Directive (Art. 18) a
meaningful explanation of an automated assessment. Only what the applicant chooses may change: the
loan's terms, never who they are (income, job, family, address, ...) nor their credit records
(the client's ``CR_*`` features are kept as they are):

- the credit amount (``AMT_CREDIT``);
- the goods price and the down payment (``AMT_GOODS_PRICE``): kept when the applicant borrows less
  for the same goods (the difference is paid as a down payment), or lowered with the credit
  (cheaper goods);
- the repayments, i.e. the duration (``AMT_ANNUITY``): a longer duration is a smaller annuity for
  the same credit. A shorter duration (larger repayments) is never proposed to an applicant refused
  on risk.

**Paths.** Every change moves the amounts down by a share ``m`` along one of five paths, in this
order of preference:

1. a smaller loan, same duration, same goods: credit and annuity x (1 - m) (a down payment);
2. a smaller loan for cheaper goods: credit, annuity and goods price x (1 - m);
3. a longer duration: annuity x (1 - m), same credit;
4. a smaller loan over a longer duration: credit x (1 - m/2), annuity x (1 - m), same goods;
5. the same for cheaper goods: credit and goods price x (1 - m/2), annuity x (1 - m).

**Smallest** is the smallest ``m``: the largest relative change of any of the three amounts. At
equal ``m`` the order above decides (borrowing less keeps the duration the applicant chose, the
goods before cheaper goods, combinations last).

**Limits** (:data:`MAX_CHANGE`, :data:`MAX_REPAYMENTS`): ``m`` at most 50 % (at least half the
credit and half the repayment asked for: beyond that it is another loan, not this application);
the credit at most :data:`MAX_REPAYMENTS` (60) annuities, i.e. five years of monthly repayments,
the longest term of usual consumer loans (credit / annuity counts repayments without interest, so
the real duration is somewhat longer; an applicant already past it gets no longer duration); and
the what-if's own rules (``services.whatif.rules``): the goods at most 1.5 x the credit (a down
payment of at most a third of the price), the annuity below the credit, positive amounts.

**Search.** Every path is scored on a grid of ``m`` every 2.5 % in one call of the served model
(about a hundred rows, the cost of a few single scores); the smallest ``m`` whose row is granted
is refined along its path (two rounds of nine rows, ``whatif.flip.nearest_flip``). The amounts
are then rounded down to three significant digits (900 000 -> 720 000, 32 345 -> 32 300: what a
person reads and types), which only enlarges the change. The rounded edits go through the
what-if's :func:`~credit_dashboard.services.whatif.rules.apply_edits` (the row the what-if panel
would build from the same values) and are **re-scored once more** by the caller's scoring (the
probability the page and the API show for that exact row); only a row granted there is returned.
A candidate that fails after rounding is replaced by its grid point, then by the next granted
grid row. Tree models are not monotone: the first grant met going outwards is returned, not
every one.

Public: :func:`client_counterfactual`, :func:`record_counterfactual` (both None for a granted
client), and :func:`row_counterfactual` for any model with ``default_probability`` (tests use a
toy model). :class:`Counterfactual` carries English ``why`` for the API and translated words for
pages (:meth:`Counterfactual.why_text`, :meth:`Counterfactual.change_phrases`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from credit_dashboard.i18n import N_, format_amount, format_percent, use_language
from credit_dashboard.i18n import gettext as _
from credit_dashboard.model.cost import REFUSE, is_refused
from credit_dashboard.model.record_features import is_record_feature
from credit_dashboard.services.scoring import NO_RECORDS, ClientResult, ScoringService
from credit_dashboard.services.whatif.flip import nearest_flip
from credit_dashboard.services.whatif.rescoring import RiskModel
from credit_dashboard.services.whatif.rules import apply_edits, rules_hold
from credit_dashboard.storage.schema import ID_COLUMN, is_missing, pandas_dtype

logger = logging.getLogger(__name__)

CREDIT, ANNUITY, GOODS = "AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE"
#: The only columns a counterfactual may change: the loan's terms.
CHANGEABLE: tuple[str, ...] = (CREDIT, ANNUITY, GOODS)

#: The largest relative change of any amount (at least half the credit and repayment asked for).
MAX_CHANGE = 0.5
#: A longer duration stops at this many annuities for the credit (five years, monthly).
MAX_REPAYMENTS = 60
#: Grid step of ``m``, and the refinement's points and rounds along the chosen path.
STEP = 0.025
REFINE_POINTS = 9
REFINE_ROUNDS = 2
#: Significant digits kept when rounding a proposed amount (720 000, 32 300, 4 560).
SIGNIFICANT_DIGITS = 3
#: Granted grid rows tried (after the first) when a rounded candidate is refused on re-scoring.
MAX_TRIES = 4

#: Path -> (credit factor, annuity factor, goods factor) as functions of ``m``, in preference order.
PATHS: dict[str, tuple[Callable[[float], float], Callable[[float], float],
                       Callable[[float], float]]] = {
    "smaller_loan": (lambda m: 1 - m, lambda m: 1 - m, lambda m: 1.0),
    "cheaper_goods": (lambda m: 1 - m, lambda m: 1 - m, lambda m: 1 - m),
    "longer_duration": (lambda m: 1.0, lambda m: 1 - m, lambda m: 1.0),
    "smaller_and_longer": (lambda m: 1 - m / 2, lambda m: 1 - m, lambda m: 1.0),
    "cheaper_and_longer": (lambda m: 1 - m / 2, lambda m: 1 - m, lambda m: 1 - m / 2),
}

_WHY_NO_CHANGE = N_(
    "No change of the loan within these limits would turn the refusal into a grant: a credit "
    "amount down to {share} of the amount requested (with the same duration, a down payment or "
    "cheaper goods), or a longer duration of up to {repayments} monthly repayments."
)
_WHY_NO_CREDIT = N_(
    "The application gives no credit amount, so no change of the loan can be proposed."
)
_WHY = {"no_change": _WHY_NO_CHANGE, "no_credit": _WHY_NO_CREDIT}


@dataclass(frozen=True)
class Counterfactual:
    """The smallest change of the loan the served model grants, or why there is none.

    ``changes`` maps Kaggle column names to the new amounts (only the columns that change);
    ``default_probability`` is the probability of the changed row as the scoring service computes
    it (below ``decision_threshold``). When none was found, ``changes`` and the probability are
    None and ``why`` says why (English, for the API; :meth:`why_text` in the reader's language).
    """

    changes: dict[str, float] | None
    default_probability: float | None
    why: str | None
    decision_threshold: float
    #: The applicant's current amounts of the changed columns (for "720 000, now 900 000").
    original: dict[str, float] = field(default_factory=dict)
    #: The goods price of the application when kept (the down payment is read against it).
    goods_price: float | None = None
    #: Which path of :data:`PATHS` found it (None when none did), and the change ``m``.
    path: str | None = None
    change: float | None = None
    #: Key of the reason in ``_WHY`` (None when a change was found).
    why_key: str | None = None

    @property
    def found(self) -> bool:
        return self.changes is not None

    def to_dict(self) -> dict[str, Any]:
        """The API's ``counterfactual``: ``{"changes": {...}, "default_probability": p}`` or
        ``{"changes": None, "why": "..."}``."""
        if self.changes is None:
            return {"changes": None, "why": self.why}
        return {
            "changes": {k: float(v) for k, v in self.changes.items()},
            "default_probability": float(self.default_probability or 0.0),
        }

    def why_text(self) -> str | None:
        """Why no change was proposed, in the current language (None when one was)."""
        return None if self.why_key is None else _why(self.why_key)

    def change_phrases(self) -> list[str]:
        """Each change in words of the current language: "a credit of 720 000 € instead of
        900 000 €", in the order credit, repayments, goods price."""
        if self.changes is None:
            return []
        words = {
            CREDIT: _("a credit of {new} instead of {old}"),
            ANNUITY: _("repayments (annuity) of {new} instead of {old}"),
            GOODS: _("goods priced {new} instead of {old}"),
        }
        return [
            words[column].format(new=format_amount(self.changes[column]),
                                 old=format_amount(self.original[column]))
            for column in CHANGEABLE if column in self.changes
        ]

    @property
    def down_payment(self) -> float | None:
        """What the applicant pays of the goods price themselves when the credit falls below it
        (None when the goods price is not kept or the credit still covers it)."""
        if self.changes is None or self.goods_price is None or GOODS in self.changes:
            return None
        credit = self.changes.get(CREDIT)
        if credit is None or credit >= self.goods_price:
            return None
        return self.goods_price - credit


def _why(key: str) -> str:
    return _(_WHY[key]).format(share=format_percent(1 - MAX_CHANGE, 0),
                               repayments=MAX_REPAYMENTS)


def _not_found(key: str, threshold: float) -> Counterfactual:
    with use_language("en"):
        english = _why(key)
    return Counterfactual(None, None, english, threshold, why_key=key)


def readable(value: float) -> float:
    """``value`` rounded down to :data:`SIGNIFICANT_DIGITS` significant digits (at least whole
    units): 723 456 -> 723 000, 32 345 -> 32 300. Down, because every proposed amount is a
    reduction and rounding must only enlarge it."""
    if value <= 0:
        raise ValueError(f"counterfactual: amounts are positive, got {value}")
    step = 10.0 ** max(math.floor(math.log10(value)) - SIGNIFICANT_DIGITS + 1, 0)
    return float(math.floor(value / step + 1e-9) * step)


def _current(row: pd.DataFrame, column: str) -> float | None:
    value = row[column].iloc[0] if column in row.columns else None
    return None if is_missing(value) else float(value)


@dataclass(frozen=True)
class _Loan:
    """The applicant's amounts, and which paths make sense for them."""

    credit: float
    annuity: float | None
    goods: float | None

    def paths(self) -> list[str]:
        usable = []
        for name in PATHS:
            if self.annuity is None and name != "smaller_loan":
                continue  # without an annuity only the credit can move
            if self.goods is None and name.startswith("cheaper"):
                continue
            usable.append(name)
        return usable

    def edits(self, path: str, m: float) -> dict[str, float]:
        """The raw amounts on ``path`` at change ``m`` (only the columns that move)."""
        credit_f, annuity_f, goods_f = PATHS[path]
        out: dict[str, float] = {}
        if credit_f(m) != 1.0:
            out[CREDIT] = self.credit * credit_f(m)
        if self.annuity is not None and annuity_f(m) != 1.0:
            out[ANNUITY] = self.annuity * annuity_f(m)
        if self.goods is not None and goods_f(m) != 1.0:
            out[GOODS] = self.goods * goods_f(m)
        return out

    def allowed(self, edits: Mapping[str, float]) -> bool:
        """The duration cap: at most :data:`MAX_REPAYMENTS` annuities, unless not lengthened."""
        if self.annuity is None or ANNUITY not in edits:
            return True
        credit = edits.get(CREDIT, self.credit)
        before = self.credit / self.annuity
        after = credit / edits[ANNUITY]
        return after <= before * (1 + 1e-9) or after <= MAX_REPAYMENTS


def _candidates(row: pd.DataFrame, edits: list[dict[str, float]]) -> pd.DataFrame:
    """One copy of ``row`` per edit set, the edits written in (Kaggle dtypes), in one frame."""
    frame = row.iloc[np.zeros(len(edits), dtype=int)].reset_index(drop=True)
    for column in CHANGEABLE:
        current = row[column].iloc[0]
        values = [e.get(column, current) for e in edits]
        frame[column] = pd.Series(values, dtype=pandas_dtype(column))
    return frame


def row_counterfactual(
    model: RiskModel,
    row: pd.DataFrame,
    rescore: Callable[[pd.DataFrame], float] | None = None,
) -> Counterfactual | None:
    """The smallest change of the loan in ``row`` (one raw Kaggle row, ``CR_*`` beside it when the
    model reads them) that ``model`` grants; None when ``row`` is granted already.

    ``rescore`` gives the probability of the final row as shown to the reader (the scoring
    service's); by default ``model.default_probability``. The module docstring says which
    changes, in which order and within which limits.
    """
    if len(row) != 1:
        raise ValueError(f"counterfactual: expected one client row, got {len(row)}")
    threshold = float(model.decision_threshold)
    if not bool(is_refused(model.default_probability(row)[0], threshold)):
        return None
    check = rescore or (lambda r: float(model.default_probability(r)[0]))
    credit = _current(row, CREDIT)
    if credit is None or credit <= 0:
        return _not_found("no_credit", threshold)
    annuity = _current(row, ANNUITY)
    loan = _Loan(credit, annuity if annuity and annuity > 0 else None, _current(row, GOODS))

    def probabilities(edit_sets: list[dict[str, float]]) -> np.ndarray:
        """Probability per edit set; NaN where the what-if's rules or the limits refuse it."""
        out = np.full(len(edit_sets), np.nan)
        if not edit_sets:
            return out
        frame = _candidates(row, edit_sets)
        valid = rules_hold(frame, CHANGEABLE) & np.array([loan.allowed(e) for e in edit_sets])
        if valid.any():
            out[valid] = model.default_probability(frame[valid])
        return out

    def granted(p: np.ndarray) -> np.ndarray:
        return ~np.isnan(p) & ~is_refused(np.nan_to_num(p, nan=1.0), threshold)

    paths = loan.paths()
    levels = np.round(np.arange(1, round(MAX_CHANGE / STEP) + 1) * STEP, 10)
    grid = [(m, path) for m in levels for path in paths]  # smallest m first, then preference
    hits = np.flatnonzero(granted(probabilities([loan.edits(p, m) for m, p in grid])))
    tries = 0
    for index in hits:
        if tries > MAX_TRIES:
            break
        tries += 1
        m_hit, path = grid[int(index)]
        refined = _refine(loan, path, float(m_hit), probabilities, granted)
        for m in dict.fromkeys((refined, float(m_hit))):  # the refined point, then the grid's
            found = _checked(row, loan, path, m, check, threshold)
            if found is not None:
                return found
    if tries:
        logger.warning("counterfactual: %d granted grid rows, none held once rounded and "
                       "re-scored", tries)
    return _not_found("no_change", threshold)


def _refine(loan: _Loan, path: str, m_hit: float,
            probabilities: Callable[[list[dict[str, float]]], np.ndarray],
            granted: Callable[[np.ndarray], np.ndarray]) -> float:
    """The smallest ``m`` on ``path`` between the previous grid step and ``m_hit`` still granted."""
    start = max(m_hit - STEP, 0.0)
    found = nearest_flip(
        lambda ms: probabilities([loan.edits(path, float(m)) for m in ms]),
        granted, start, m_hit, REFINE_POINTS, REFINE_ROUNDS,
    )
    return m_hit if found is None else max(found[0], 1e-6)


def _checked(row: pd.DataFrame, loan: _Loan, path: str, m: float,
             check: Callable[[pd.DataFrame], float], threshold: float) -> Counterfactual | None:
    """The rounded changes at ``m`` on ``path``, if the what-if's rules accept them and the
    re-scored row is granted; else None."""
    raw = loan.edits(path, m)
    if not raw:
        return None
    changes = {column: readable(value) for column, value in raw.items()}
    if not loan.allowed(changes):
        return None
    edited = apply_edits(row, changes)
    if not edited.ok or edited.row is None:
        return None
    probability = check(edited.row)
    if bool(is_refused(probability, threshold)):
        return None
    original = {column: float(row[column].iloc[0]) for column in changes}
    keeps_goods = GOODS not in changes and loan.goods is not None
    achieved = max(abs(1 - changes[c] / original[c]) for c in changes)
    return Counterfactual(
        changes=changes,
        default_probability=float(probability),
        why=None,
        decision_threshold=threshold,
        original=original,
        goods_price=loan.goods if keeps_goods else None,
        path=path,
        change=float(achieved),
    )


# -- the scoring service's clients and records ---------------------------------------------------


def _cache_key(version: str, client_id: int) -> str:
    return f"counterfactual/{version}/{client_id}"


def client_counterfactual(
    scoring: ScoringService, client_id: int, *, result: ClientResult | None = None
) -> Counterfactual | None:
    """The counterfactual of a stored applicant (None when granted), cached per model version.

    ``result``: the client's score when the caller has it (saves a cache look-up). Every
    candidate keeps the client's other columns and credit-record features as scored; the final
    row is re-scored with :meth:`ScoringService.score_record`, the page's and the API's scoring.
    """
    served = scoring.served  # one version for the search, the key and the check
    scored = result or scoring.score_client(client_id)
    if scored.decision != REFUSE:
        return None
    key = _cache_key(served.version, int(client_id))
    cache = scoring.cache
    if cache is not None:
        cached = cache.get(key)
        if cached is not None:
            return cached
    row = scoring.applicant_row(client_id)
    found = row_counterfactual(served.model, row, _service_check(scoring))
    if cache is not None and found is not None:
        cache.set(key, found)
    return found


def record_counterfactual(
    scoring: ScoringService,
    record: Mapping[str, object],
    aggregates: pd.DataFrame | None = None,
    *,
    result: ClientResult | None = None,
) -> Counterfactual | None:
    """The counterfactual of a raw application (``POST /api/score``; None when granted).

    ``record`` and ``aggregates`` as :meth:`ScoringService.score_record` takes them: the record's
    fields with the client's ``CR_*`` features (or none: the client has no records), kept as they
    are in every candidate.
    """
    served = scoring.served
    scored = result or scoring.score_record(record, aggregates=aggregates)
    if scored.decision != REFUSE:
        return None
    row = _record_row(served.model.input_columns, record, aggregates)
    return row_counterfactual(served.model, row, _service_check(scoring))


def _service_check(scoring: ScoringService) -> Callable[[pd.DataFrame], float]:
    """The probability of a candidate row as the page and the API would show it."""
    return lambda row: scoring.score_record(row).default_probability


def _record_row(columns: list[str], record: Mapping[str, object],
                aggregates: pd.DataFrame | None) -> pd.DataFrame:
    """The record as one raw row with the columns the model reads (and the three amounts), the
    client's ``CR_*`` features beside it as ``score_record`` sets them."""
    values = dict(record)
    if aggregates is not None and len(aggregates):
        values.update(aggregates.iloc[0].drop(labels=[ID_COLUMN], errors="ignore").to_dict())
    elif not any(is_record_feature(str(k)) for k in values):
        values.update(NO_RECORDS)
    wanted = list(dict.fromkeys([*columns, *CHANGEABLE]))
    data: dict[str, pd.Series] = {}
    for column in wanted:
        value = values.get(column)
        dtype = pandas_dtype(column)
        if dtype == "object":
            data[column] = pd.Series([None if is_missing(value) else str(value)], dtype=object)
        else:
            data[column] = pd.Series([np.nan if is_missing(value) else float(value)],  # type: ignore[arg-type]
                                     dtype="float64")
    return pd.DataFrame(data)
