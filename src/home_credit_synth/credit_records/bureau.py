"""``bureau`` (credits at other lenders) and ``bureau_balance`` (their monthly status).

A riskier client (facet scores of :mod:`behaviour`) opened credits more recently, owes more of
them, and has more late months; an older one has more credits. Each credit's dates follow from its
opening day and planned duration: closed credits have a factual end date and ``C`` months after
it, active ones a planned end that may lie in the future (Kaggle's positive
``DAYS_CREDIT_ENDDATE``). About 45 % of the credits have monthly statuses, as in the full files.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from credit_dashboard.storage.credit_records.schema import (
    BUREAU,
    BUREAU_BALANCE,
    BUREAU_BALANCE_STATUSES,
)
from home_credit_synth.credit_records.behaviour import BEHAVIOUR
from home_credit_synth.credit_records.common import (
    DAYS_PER_MONTH,
    OLDEST_MONTH,
    PARAMS,
    draw_codes,
    from_quantiles,
    levels,
    missing,
    mix,
    quantiles,
    segments,
    text,
    threshold,
    to_table,
    uniform_from,
    with_missing,
)

_T = "bureau"
_ROWS = PARAMS["rows_per_client"]
_ACTIVE = list(levels(_T, "CREDIT_ACTIVE"))  # Closed, Active, Sold, Bad debt
_TYPES = levels(_T, "CREDIT_TYPE")
_CARD_TYPE = list(_TYPES).index("Credit card")
#: Share of late months' statuses 1..5 (bureau_balance's shares among late months).
_LATE_STATUS = [levels("bureau_balance", "STATUS")[s] for s in "12345"]
#: Credit counts: a client with any credit has 1 + Poisson(gamma-mixed mean) credits.
_COUNT_SHAPE = 1.6


def client_counts(rng: np.random.Generator, scores: dict[str, np.ndarray]) -> np.ndarray:
    """Credits per client: none for a share of thin-file clients (younger, riskier)."""
    n = len(scores["risk"])
    spec = _ROWS["bureau"]
    none_score = (0.6 * scores["presence"] - 0.5 * scores["activity"]
                  + np.sqrt(0.39) * rng.standard_normal(n))
    none = none_score > threshold(spec["share_none"])
    mean_extra = spec["mean_if_any"] - 1.0
    lam = mean_extra * rng.gamma(_COUNT_SHAPE, 1.0 / _COUNT_SHAPE, n)
    lam = lam * np.exp(0.3 * scores["activity"] - 0.08)
    counts = 1 + rng.poisson(lam)
    return np.where(none, 0, counts)


def draw_bureau(
    rng: np.random.Generator,
    client_ids: np.ndarray,
    scores: dict[str, np.ndarray],
    first_bureau_id: int,
) -> tuple[pa.Table, pa.Table]:
    """The bureau rows (client order) and their monthly statuses (credit order)."""
    counts = client_counts(rng, scores)
    owner, _ = segments(counts)
    m = len(owner)
    sk_bureau = first_bureau_id + np.arange(m, dtype=np.int64)

    # Opening day: riskier clients borrowed more recently.
    recency = mix(rng, scores["recency"], owner, BEHAVIOUR["credit_recency_weight"])
    days_credit = np.round(from_quantiles(uniform_from(recency), quantiles(_T, "DAYS_CREDIT")))
    days_credit = np.minimum(days_credit, 0.0)
    credit_type = draw_codes(rng, m, _TYPES)
    is_card = credit_type == _CARD_TYPE
    # Planned duration (days): cards run long, consumer credits a year or two.
    duration = np.exp(rng.normal(6.2, 0.85, m)) + np.where(is_card, 600.0, 0.0)
    end_planned = days_credit + np.round(duration)
    debt_score = mix(rng, scores["debt"], owner, 0.7)
    # Active: the planned end is still to come (or, for a riskier client, it passed unpaid).
    overdue_active = (end_planned <= 0) & (debt_score > threshold(0.05))
    active = (end_planned > 0) | overdue_active
    state = np.where(active, 1, 0)
    late = mix(rng, scores["bureau_late"], owner, 0.75)
    sold = (~active) & (late > threshold(0.012))
    state[sold] = 2
    state[(state == 2) & (rng.random(m) < 0.003)] = 3
    closed_like = state != 1
    end_fact = np.where(
        closed_like,
        np.minimum(np.maximum(end_planned + np.round(rng.normal(-60, 120, m)), days_credit), -1),
        np.nan,
    )
    enddate = with_missing(rng, end_planned, missing(_T, "DAYS_CREDIT_ENDDATE"))

    amount = from_quantiles(rng.random(m), quantiles(_T, "AMT_CREDIT_SUM"))
    amount = np.round(amount, 2)
    # Share still owed: elapsed share of the planned term, more for riskier clients.
    elapsed = np.clip(-days_credit / np.maximum(end_planned - days_credit, 1.0), 0.0, 1.0)
    owed = np.clip((1.0 - elapsed) * np.exp(0.45 * debt_score) + 0.05 * debt_score, 0.0, 1.2)
    owed = np.where(is_card, uniform_from(1.1 * debt_score) * 0.9, owed)
    debt = np.where(active, np.round(amount * owed, 2), 0.0)
    debt = np.where(overdue_active, np.round(amount * np.clip(0.2 + 0.2 * debt_score, 0.05, 1), 2),
                    debt)
    debt = with_missing(rng, debt, missing(_T, "AMT_CREDIT_SUM_DEBT"))
    limit = np.where(is_card & active,
                     np.round(np.maximum(amount - np.nan_to_num(debt), 0), 2), 0.0)
    limit = with_missing(rng, limit, missing(_T, "AMT_CREDIT_SUM_LIMIT"))

    late_now = active & (late > threshold(0.015))
    day_overdue = np.where(late_now, np.round(np.exp(rng.normal(3.3, 1.2, m))), 0).astype(np.int64)
    sum_overdue = np.where(late_now & (rng.random(m) < 0.6),
                           np.round(np.nan_to_num(debt) * rng.uniform(0.02, 0.3, m), 2), 0.0)
    ever_late = late > threshold(0.11)
    max_overdue = np.where(ever_late, np.round(amount * rng.uniform(0.005, 0.15, m), 2), 0.0)
    max_overdue = np.maximum(max_overdue, sum_overdue)
    max_overdue = with_missing(rng, max_overdue, missing(_T, "AMT_CREDIT_MAX_OVERDUE"))
    prolong = np.minimum(rng.poisson(0.0044, m), 9)
    update = np.where(
        active,
        -np.round(rng.exponential(25.0, m)),
        np.minimum(np.nan_to_num(end_fact, nan=-1.0) + np.round(rng.exponential(40.0, m)), 0.0),
    )
    update = np.clip(update, days_credit, 0).astype(np.int64)
    annuity_present = rng.random(m) >= missing(_T, "AMT_ANNUITY")
    annuity_zero = rng.random(m) < 0.58
    annuity = np.where(annuity_zero, 0.0,
                       np.round(amount / np.maximum(duration / DAYS_PER_MONTH, 1.0), 2))
    annuity = np.where(annuity_present, annuity, np.nan)

    bureau = to_table(BUREAU, {
        "SK_ID_CURR": client_ids[owner],
        "SK_ID_BUREAU": sk_bureau,
        "CREDIT_ACTIVE": text(state, _ACTIVE),
        "CREDIT_CURRENCY": text(draw_codes(rng, m, levels(_T, "CREDIT_CURRENCY")),
                                list(levels(_T, "CREDIT_CURRENCY"))),
        "DAYS_CREDIT": days_credit,
        "CREDIT_DAY_OVERDUE": day_overdue,
        "DAYS_CREDIT_ENDDATE": enddate,
        "DAYS_ENDDATE_FACT": end_fact,
        "AMT_CREDIT_MAX_OVERDUE": max_overdue,
        "CNT_CREDIT_PROLONG": prolong,
        "AMT_CREDIT_SUM": amount,
        "AMT_CREDIT_SUM_DEBT": debt,
        "AMT_CREDIT_SUM_LIMIT": limit,
        "AMT_CREDIT_SUM_OVERDUE": sum_overdue,
        "CREDIT_TYPE": text(credit_type, list(_TYPES)),
        "DAYS_CREDIT_UPDATE": update,
        "AMT_ANNUITY": annuity,
    })  # fmt: skip
    balance = _draw_balance(rng, sk_bureau, days_credit, end_fact, late, state)
    return bureau, balance


def _draw_balance(
    rng: np.random.Generator,
    sk_bureau: np.ndarray,
    days_credit: np.ndarray,
    end_fact: np.ndarray,
    late: np.ndarray,
    state: np.ndarray,
) -> pa.Table:
    """Monthly statuses for about 45 % of the credits, from the opening month to the last report:
    ``C`` after closing, ``X`` unknown, ``0`` on time, ``1``-``5`` late (riskier credits more)."""
    m = len(sk_bureau)
    spec = _ROWS["bureau_balance"]
    has_months = rng.random(m) < spec["share_of_credits_with_months"]
    first = np.maximum(np.floor(days_credit / DAYS_PER_MONTH), OLDEST_MONTH).astype(np.int64)
    # Reports stop at the application month for most credits, earlier for some.
    last = np.where(rng.random(m) < 0.6, 0, -np.minimum(rng.geometric(0.05, m), -first))
    last = np.maximum(last, first)
    counts = np.where(has_months, last - first + 1, 0)
    owner, rank = segments(counts)
    months = last[owner] - rank  # newest first, as Kaggle lists them
    closed_month = np.where(np.isnan(end_fact), 1,
                            np.floor(np.nan_to_num(end_fact) / DAYS_PER_MONTH))
    status = np.full(len(owner), 2, dtype=np.int64)  # "0"
    status[months > closed_month[owner]] = 0  # "C"
    # Unknown months: some credits report mostly X, the rest rarely.
    x_rate = np.where(rng.random(m) < 0.35, 0.62, 0.02)
    unknown = rng.random(len(owner)) < x_rate[owner]
    status[unknown] = 1
    base = BEHAVIOUR["late_month_rate"]
    late_rate = np.clip(base * np.exp(BEHAVIOUR["late_month_slope"] * late), 0.0, 0.6)
    late_rate = np.where(state >= 2, np.maximum(late_rate, 0.3), late_rate)
    is_late = (status == 2) & (rng.random(len(owner)) < late_rate[owner])
    status[is_late] = 3 + draw_codes(rng, int(is_late.sum()), _LATE_STATUS)
    return to_table(BUREAU_BALANCE, {
        "SK_ID_BUREAU": sk_bureau[owner],
        "MONTHS_BALANCE": months,
        "STATUS": text(status, BUREAU_BALANCE_STATUSES),
    })  # fmt: skip
