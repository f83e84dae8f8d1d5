"""``previous_application`` and the balances of the loans it led to: ``POS_CASH_balance``,
``installments_payments`` and ``credit_card_balance``.

Every earlier application is approved, refused, cancelled or left unused; riskier clients
(:mod:`behaviour`) are refused more often and applied more recently. Approved cash and consumer
loans have monthly POS/cash balances and instalments (late and partial ones for riskier clients),
a client's latest approved revolving loan may have a card with its monthly balances (riskier clients
use more of the limit and draw more). As in Kaggle, a share of balance loans has no application
row (about 4.5 % of POS loans, 12 % of cards).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from credit_dashboard.storage.credit_records.schema import (
    CREDIT_CARD_BALANCE,
    DAYS_PLACEHOLDER,
    INSTALLMENTS_PAYMENTS,
    POS_CASH_BALANCE,
    PREVIOUS_APPLICATION,
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
)

_T = "previous_application"
_ROWS = PARAMS["rows_per_client"]
_PLACEHOLDER_SHARE = PARAMS["placeholder_share"]
CASH, CONSUMER, REVOLVING, XNA_TYPE = range(4)  # NAME_CONTRACT_TYPE level order
APPROVED, CANCELED, REFUSED, UNUSED = range(4)  # NAME_CONTRACT_STATUS level order
_CONTRACT_TYPES = list(levels(_T, "NAME_CONTRACT_TYPE"))
_STATUSES = list(levels(_T, "NAME_CONTRACT_STATUS"))
_REJECT = list(levels(_T, "CODE_REJECT_REASON"))
_REFUSAL_REASONS = [r for r in _REJECT if r not in ("XAP", "CLIENT")]
#: Loan terms (months) of cash and consumer loans and their shares.
_CASH_TERMS = (np.array([6, 10, 12, 18, 24, 30, 36, 48, 60]),
               np.array([.08, .05, .22, .08, .2, .04, .15, .1, .08]))
_CONSUMER_TERMS = (np.array([4, 6, 8, 10, 12, 18, 24, 36]),
                   np.array([.06, .18, .07, .2, .27, .08, .11, .03]))
_COUNT_SHAPE = 1.4


@dataclass
class Previous:
    """What the balance tables need from the previous applications (one entry per application)."""

    owner: np.ndarray
    sk_prev: np.ndarray
    contract_type: np.ndarray
    status: np.ndarray
    decision: np.ndarray
    credit: np.ndarray
    annuity: np.ndarray
    terms: np.ndarray
    first_due: np.ndarray
    #: The loan's actual last due day (NaN while it runs).
    last_due: np.ndarray


def _counts(rng: np.random.Generator, scores: dict[str, np.ndarray]) -> np.ndarray:
    n = len(scores["risk"])
    spec = _ROWS["previous_application"]
    none_score = (0.3 * scores["presence"] - 0.4 * scores["activity"]
                  + np.sqrt(0.75) * rng.standard_normal(n))
    lam = (spec["mean_if_any"] - 1.0) * rng.gamma(_COUNT_SHAPE, 1.0 / _COUNT_SHAPE, n)
    lam = lam * np.exp(0.25 * scores["activity"] - 0.03)
    return np.where(none_score > threshold(spec["share_none"]), 0, 1 + rng.poisson(lam))


def _pick(rng: np.random.Generator, values: np.ndarray, shares: np.ndarray, n: int) -> np.ndarray:
    return values[draw_codes(rng, n, list(shares))]


def _subset_codes(rng: np.random.Generator, table: str, column: str, keep: list[str], n: int
                  ) -> np.ndarray:
    """Codes (in the column's full level list) drawn among ``keep`` only, in their shares."""
    all_levels = levels(table, column)
    names = list(all_levels)
    idx = np.array([names.index(k) for k in keep])
    return idx[draw_codes(rng, n, [all_levels[k] for k in keep])]


def draw_previous(
    rng: np.random.Generator,
    client_ids: np.ndarray,
    scores: dict[str, np.ndarray],
    first_prev_id: int,
) -> tuple[dict[str, pa.Table], int]:
    """The four tables for a chunk of clients (client order) and the number of SK_ID_PREV used."""
    counts = _counts(rng, scores)
    owner, rank = segments(counts)
    m = len(owner)
    sk_prev = first_prev_id + np.arange(m, dtype=np.int64)
    recency = mix(rng, scores["recency"], owner, BEHAVIOUR["decision_recency_weight"])
    decision = np.minimum(np.round(from_quantiles(uniform_from(recency),
                                                  quantiles(_T, "DAYS_DECISION"))), -1.0)
    ctype = draw_codes(rng, m, levels(_T, "NAME_CONTRACT_TYPE"))
    # A client's first application is usually the loan that made them a client.
    first = (rank == 0) & (rng.random(m) < BEHAVIOUR["first_application_loan_share"])
    ctype = np.where(first & (ctype == XNA_TYPE), CASH, ctype)
    # The other applications take the remaining refusals and cancellations.
    others = 1.0 - first.mean() if m else 1.0
    refused_score = mix(rng, scores["refused"], owner, BEHAVIOUR["refusal_weight"])
    status_shares = levels(_T, "NAME_CONTRACT_STATUS")
    refused = refused_score > threshold(min(status_shares["Refused"] / others, 0.9))
    u = rng.random(m)
    consumer = ctype == CONSUMER
    canceled = np.where(consumer, u < 0.02 / others, u < 0.415 / others) | (ctype == XNA_TYPE)
    unused = ~canceled & np.where(consumer, u > 1 - 0.035 / others, u > 1 - 0.0083 / others)
    status = np.select([refused, canceled, unused], [REFUSED, CANCELED, UNUSED], APPROVED)
    status = np.where(first, APPROVED, status)
    refused &= ~first
    canceled &= ~first

    reject = np.zeros(m, dtype=np.int64)  # XAP
    reject[status == UNUSED] = _REJECT.index("CLIENT")
    n_ref = int(refused.sum())
    reject[refused] = np.array([_REJECT.index(r) for r in _REFUSAL_REASONS])[
        draw_codes(rng, n_ref, [levels(_T, "CODE_REJECT_REASON")[r] for r in _REFUSAL_REASONS])
    ]

    revolving = ctype == REVOLVING
    cash = ctype == CASH
    credit = np.where(cash, np.exp(rng.normal(12.45, 0.75, m)),
                      np.exp(rng.normal(10.9, 0.85, m)))
    credit = np.where(revolving, 22_500.0 * rng.integers(2, 21, m), np.round(credit / 4.5) * 4.5)
    credit = np.where(status == CANCELED, 0.0, np.clip(credit, 0.0, 4.05e6))
    ratio = np.where(cash, rng.uniform(0.78, 1.0, m), rng.uniform(0.88, 1.02, m))
    application = np.round(credit * ratio, 1)
    application = np.where(revolving & (rng.random(m) < 0.55), 0.0, application)
    application = np.where(revolving & (application > 0), credit, application)
    goods = np.where(application > 0, application, np.nan)

    no_terms = (status == CANCELED) | ((status == REFUSED) & (rng.random(m) < 0.2))
    terms = np.where(cash, _pick(rng, *_CASH_TERMS, m), _pick(rng, *_CONSUMER_TERMS, m))
    terms = np.where(revolving, 0, terms).astype(float)
    terms[no_terms] = np.nan
    monthly = rng.uniform(0.012, 0.03, m)
    annuity = np.where(terms > 0, credit * (1 + monthly * terms) / np.maximum(terms, 1), np.nan)
    annuity = np.where(revolving & ~no_terms, np.round(credit * rng.choice([0.0, 0.05], m), 2),
                       np.round(annuity, 3))
    down_present = (consumer & ~canceled) | (rng.random(m) < 0.02)
    down_present &= ~np.isnan(goods)
    down_rate = np.where(rng.random(m) < 0.52, 0.0, rng.beta(1.6, 9.0, m))
    down_rate = np.where(down_present, np.round(down_rate, 6), np.nan)
    down_amount = np.round(down_rate * np.nan_to_num(goods), 2)
    down_amount = np.where(down_present, down_amount, np.nan)
    interest = rng.random(m) >= missing(_T, "RATE_INTEREST_PRIMARY")

    # Dates of approved loans (a few approved rows have none, as in Kaggle).
    dated = (status == APPROVED) & (rng.random(m) < 0.96)
    first_drawing = np.where(rng.random(m) < _PLACEHOLDER_SHARE["DAYS_FIRST_DRAWING"],
                             DAYS_PLACEHOLDER, np.minimum(decision + rng.integers(0, 20, m), -1))
    first_due = decision + rng.integers(10, 40, m)
    first_due = np.where((first_due > -1) | (revolving & (rng.random(m) < 0.35)),
                         DAYS_PLACEHOLDER, first_due)
    started = first_due != DAYS_PLACEHOLDER
    last_first = first_due + 30.0 * (np.nan_to_num(terms, nan=1.0) - 1)
    last_first = np.where(~started | revolving, DAYS_PLACEHOLDER, last_first)
    # Loans repaid early end between their first and planned last due date.
    planned = last_first != DAYS_PLACEHOLDER
    early = planned & (rng.random(m) < BEHAVIOUR["early_repayment_share"])
    last_due = np.where(early, first_due + np.round(rng.uniform(0.3, 0.95, m)
                                                     * (last_first - first_due)), last_first)
    last_due = np.where(planned & (last_due < 0), last_due, DAYS_PLACEHOLDER)
    last_due = np.where(revolving & started & (rng.random(m) < 0.7),
                        np.minimum(first_due + rng.integers(100, 1500, m), -1), last_due)
    termination = np.where(last_due == DAYS_PLACEHOLDER, DAYS_PLACEHOLDER,
                           np.minimum(last_due + rng.integers(0, 30, m), -1))
    insured = (rng.random(m) < 0.338).astype(float)

    def dated_only(x: np.ndarray) -> np.ndarray:
        return np.where(dated, x, np.nan).astype(float)

    goods_cat = np.where(consumer & ~canceled,
                         _subset_codes(rng, _T, "NAME_GOODS_CATEGORY",
                                       list(levels(_T, "NAME_GOODS_CATEGORY"))[1:], m), 0)
    industry = np.where(consumer & ~canceled,
                        _subset_codes(rng, _T, "NAME_SELLER_INDUSTRY",
                                      list(levels(_T, "NAME_SELLER_INDUSTRY"))[1:], m), 0)
    purpose_names = list(levels(_T, "NAME_CASH_LOAN_PURPOSE"))
    purpose = np.where(cash, np.where(rng.random(m) < 0.91, 1, _subset_codes(
        rng, _T, "NAME_CASH_LOAN_PURPOSE", purpose_names[2:], m)), 0)
    purpose = np.where(ctype == XNA_TYPE, 1, purpose)
    portfolio = np.select([canceled, consumer, cash, revolving], [2, 0, 1, 3], 2)
    portfolio = np.where(consumer & ~canceled & (rng.random(m) < 0.0005), 4, portfolio)
    product_type = np.where(consumer | canceled, 0, np.where(rng.random(m) < 0.757, 1, 2))
    yield_group = np.where(no_terms | revolving | (ctype == XNA_TYPE), 0,
                           _subset_codes(rng, _T, "NAME_YIELD_GROUP",
                                         list(levels(_T, "NAME_YIELD_GROUP"))[1:], m))
    combos = list(levels(_T, "PRODUCT_COMBINATION"))
    combo = np.zeros(m, dtype=np.int64)
    for kind, prefix in ((CASH, "Cash"), (CONSUMER, "POS"), (REVOLVING, "Card")):
        sel = ctype == kind
        combo[sel] = _subset_codes(rng, _T, "PRODUCT_COMBINATION",
                                   [c for c in combos if c.startswith(prefix)], int(sel.sum()))
    suite = draw_codes(rng, m, levels(_T, "NAME_TYPE_SUITE"))

    def cat(column: str, codes: np.ndarray | None = None, mask: np.ndarray | None = None
            ) -> pa.Array:
        names = list(levels(_T, column))
        if codes is None:
            codes = draw_codes(rng, m, levels(_T, column))
        return text(codes, names, mask)

    previous = to_table(PREVIOUS_APPLICATION, {
        "SK_ID_PREV": sk_prev,
        "SK_ID_CURR": client_ids[owner],
        "NAME_CONTRACT_TYPE": text(ctype, _CONTRACT_TYPES),
        "AMT_ANNUITY": annuity,
        "AMT_APPLICATION": application,
        "AMT_CREDIT": credit,
        "AMT_DOWN_PAYMENT": down_amount,
        "AMT_GOODS_PRICE": goods,
        "WEEKDAY_APPR_PROCESS_START": cat("WEEKDAY_APPR_PROCESS_START"),
        "HOUR_APPR_PROCESS_START": np.round(from_quantiles(
            rng.random(m), quantiles(_T, "HOUR_APPR_PROCESS_START"))).astype(np.int64),
        "FLAG_LAST_APPL_PER_CONTRACT": cat("FLAG_LAST_APPL_PER_CONTRACT"),
        "NFLAG_LAST_APPL_IN_DAY": (rng.random(m) < 0.9967).astype(np.int64),
        "RATE_DOWN_PAYMENT": down_rate,
        "RATE_INTEREST_PRIMARY": np.where(interest, from_quantiles(
            rng.random(m), quantiles(_T, "RATE_INTEREST_PRIMARY")), np.nan),
        "RATE_INTEREST_PRIVILEGED": np.where(interest, from_quantiles(
            rng.random(m), quantiles(_T, "RATE_INTEREST_PRIVILEGED")), np.nan),
        "NAME_CASH_LOAN_PURPOSE": text(purpose, purpose_names),
        "NAME_CONTRACT_STATUS": text(status, _STATUSES),
        "DAYS_DECISION": decision.astype(np.int64),
        "NAME_PAYMENT_TYPE": cat("NAME_PAYMENT_TYPE"),
        "CODE_REJECT_REASON": text(reject, _REJECT),
        "NAME_TYPE_SUITE": cat("NAME_TYPE_SUITE", suite,
                               rng.random(m) < missing(_T, "NAME_TYPE_SUITE")),
        "NAME_CLIENT_TYPE": cat("NAME_CLIENT_TYPE"),
        "NAME_GOODS_CATEGORY": cat("NAME_GOODS_CATEGORY", goods_cat),
        "NAME_PORTFOLIO": cat("NAME_PORTFOLIO", portfolio),
        "NAME_PRODUCT_TYPE": cat("NAME_PRODUCT_TYPE", product_type),
        "CHANNEL_TYPE": cat("CHANNEL_TYPE"),
        "SELLERPLACE_AREA": np.where(consumer, np.round(np.exp(rng.normal(4.5, 2.0, m))), -1
                                     ).astype(np.int64),
        "NAME_SELLER_INDUSTRY": cat("NAME_SELLER_INDUSTRY", industry),
        "CNT_PAYMENT": terms,
        "NAME_YIELD_GROUP": cat("NAME_YIELD_GROUP", yield_group),
        "PRODUCT_COMBINATION": cat("PRODUCT_COMBINATION", combo, ctype == XNA_TYPE),
        "DAYS_FIRST_DRAWING": dated_only(first_drawing),
        "DAYS_FIRST_DUE": dated_only(first_due),
        "DAYS_LAST_DUE_1ST_VERSION": dated_only(last_first),
        "DAYS_LAST_DUE": dated_only(last_due),
        "DAYS_TERMINATION": dated_only(termination),
        "NFLAG_INSURED_ON_APPROVAL": dated_only(insured),
    })  # fmt: skip
    prev = Previous(owner, sk_prev, ctype, status, decision, credit, annuity, terms,
                    np.where(dated & started, first_due, np.nan),
                    np.where(last_due == DAYS_PLACEHOLDER, np.nan, last_due))
    next_id = first_prev_id + m
    loans, next_id = _pos_loans(rng, prev, scores, next_id)
    tables = {
        PREVIOUS_APPLICATION.name: previous,
        POS_CASH_BALANCE.name: _pos_table(rng, loans, client_ids, scores),
        INSTALLMENTS_PAYMENTS.name: _instalments(rng, loans, client_ids, scores),
    }
    card, next_id = _cards(rng, prev, client_ids, scores, next_id)
    tables[CREDIT_CARD_BALANCE.name] = card
    return tables, next_id - first_prev_id


@dataclass
class _Loans:
    owner: np.ndarray
    sk_prev: np.ndarray
    first_due: np.ndarray
    terms: np.ndarray
    annuity: np.ndarray
    last_due: np.ndarray


def _absent_owners(rng: np.random.Generator, n_clients: int, per_client: float) -> np.ndarray:
    """Clients of the loans that have balances but no application row (sorted)."""
    extra = rng.poisson(per_client, n_clients)
    return np.repeat(np.arange(n_clients), extra)


def _pos_loans(rng: np.random.Generator, prev: Previous, scores: dict[str, np.ndarray],
               next_id: int) -> tuple[_Loans, int]:
    """Approved, started cash and consumer loans, plus loans absent from the applications."""
    sel = ((prev.status == APPROVED) & np.isin(prev.contract_type, (CASH, CONSUMER))
           & ~np.isnan(prev.first_due) & (prev.terms > 0))
    n_clients = len(scores["risk"])
    owner_abs = _absent_owners(rng, n_clients, BEHAVIOUR["pos_absent_per_client"])
    k = len(owner_abs)
    days = np.minimum(np.round(from_quantiles(rng.random(k), quantiles(_T, "DAYS_DECISION"))), -40)
    terms_abs = _pick(rng, *_CASH_TERMS, k).astype(float)
    annuity_abs = np.round(from_quantiles(rng.random(k),
                                          quantiles("installments_payments", "AMT_INSTALMENT")), 3)
    owner = np.concatenate([prev.owner[sel], owner_abs])
    order = np.argsort(owner, kind="stable")
    loans = _Loans(
        owner=owner[order],
        sk_prev=np.concatenate([prev.sk_prev[sel], next_id + np.arange(k)])[order],
        first_due=np.concatenate([prev.first_due[sel], days + 30])[order],
        terms=np.concatenate([prev.terms[sel], terms_abs])[order],
        annuity=np.concatenate([prev.annuity[sel], annuity_abs])[order],
        last_due=np.concatenate([prev.last_due[sel], np.where(
            rng.random(k) < 0.6, days + 30 * terms_abs, np.nan)])[order],
    )
    return loans, next_id + k


def _pos_table(rng: np.random.Generator, loans: _Loans, client_ids: np.ndarray,
               scores: dict[str, np.ndarray]) -> pa.Table:
    """Monthly rows from the loan's first month to the application (or to its completion)."""
    n = len(loans.owner)
    start = np.maximum(np.floor((loans.first_due - 30) / DAYS_PER_MONTH), OLDEST_MONTH)
    end_day = np.where(np.isnan(loans.last_due), loans.first_due + 30 * (loans.terms - 1),
                       loans.last_due)
    done = end_day < -31
    end = np.where(done, np.floor(end_day / DAYS_PER_MONTH) + 1, -1)
    end = np.clip(end, start, -1).astype(np.int64)
    start = start.astype(np.int64)
    counts = end - start + 1
    row_loan, rank = segments(counts)
    months = end[row_loan] - rank  # newest first
    age = months - start[row_loan]  # months since the loan's first month
    terms = loans.terms[row_loan]
    future = np.clip(terms - age, 0, None)
    status = np.zeros(len(row_loan), dtype=np.int64)  # Active
    last_row = rank == 0
    status[last_row & done[row_loan]] = 1  # Completed
    signed = (age == 0) & (counts[row_loan] > 1) & (rng.random(len(row_loan)) < 0.08)
    status[signed] = 2
    rare = rng.random(len(row_loan)) < 0.0022
    status[rare] = 3 + draw_codes(rng, int(rare.sum()), [0.0008, 0.0006, 0.0005, 0.0003])
    # Days past due: an episode for some loans (riskier clients more), a few never recover.
    late = mix(rng, scores["instalment_late"], loans.owner, 0.6)
    episode = late > threshold(BEHAVIOUR["pos_episode_share"])
    ep_start = (rng.random(n) * counts).astype(np.int64)
    stuck = episode & (rng.random(n) < 0.15)
    ep_len = np.where(stuck, 10_000, rng.geometric(0.55, n))
    j = age - ep_start[row_loan]
    in_episode = episode[row_loan] & (j >= 0) & (j < ep_len[row_loan])
    dpd = np.where(in_episode, (j + 1) * 30 - rng.integers(0, 26, len(row_loan)), 0)
    dpd = np.maximum(dpd, 0)
    serious = stuck | (rng.random(n) < 0.05)
    dpd_def = np.where(serious[row_loan], dpd, np.minimum(dpd, rng.integers(0, 2, len(row_loan))))
    no_count = rng.random(n) < missing("POS_CASH_balance", "CNT_INSTALMENT")
    cnt = np.where(no_count[row_loan], np.nan, terms)
    names = list(levels("POS_CASH_balance", "NAME_CONTRACT_STATUS"))
    return to_table(POS_CASH_BALANCE, {
        "SK_ID_PREV": loans.sk_prev[row_loan],
        "SK_ID_CURR": client_ids[loans.owner[row_loan]],
        "MONTHS_BALANCE": months,
        "CNT_INSTALMENT": cnt,
        "CNT_INSTALMENT_FUTURE": np.where(np.isnan(cnt), np.nan, future),
        "NAME_CONTRACT_STATUS": text(status, names),
        "SK_DPD": dpd,
        "SK_DPD_DEF": dpd_def,
    })  # fmt: skip


def _instalments(rng: np.random.Generator, loans: _Loans, client_ids: np.ndarray,
                 scores: dict[str, np.ndarray]) -> pa.Table:
    """Every instalment due before the application; late, partial and split payments."""
    n = len(loans.owner)
    last = np.minimum(np.nan_to_num(loans.last_due, nan=-1.0), -1.0)
    due_count = np.clip(np.floor((last - loans.first_due) / 30) + 1, 0, loans.terms)
    due_count = due_count.astype(np.int64)
    inst_loan, inst_rank = segments(due_count)
    k = len(inst_loan)
    due_day = loans.first_due[inst_loan] + 30.0 * inst_rank
    amount = np.where(np.isnan(loans.annuity[inst_loan]), 0.0, loans.annuity[inst_loan])
    late_score = mix(rng, scores["instalment_late"], loans.owner, 0.7)
    late_rate = np.clip(BEHAVIOUR["instalment_late_rate"]
                        * np.exp(BEHAVIOUR["instalment_late_slope"] * late_score), 0, 0.9)
    is_late = rng.random(k) < late_rate[inst_loan]
    delay = np.where(is_late, np.ceil(np.exp(rng.normal(1.45, 1.15, k))),
                     -np.round(rng.exponential(7.0, k)))
    partial = rng.random(k) < np.clip(0.4 * late_rate[inst_loan], 0, 0.5)
    u = rng.random(k)
    split_share = BEHAVIOUR["instalment_split_share"]
    split = u < split_share
    rows = 1 + split.astype(np.int64) + (u < split_share**2)
    row_inst, row_rank = segments(rows)
    second = row_rank >= 1
    share = rng.uniform(0.2, 0.8, k)
    parts = rows[row_inst]
    rest = (1 - share[row_inst]) / np.maximum(parts - 1, 1)
    paid_share = np.where(split[row_inst], np.where(second, rest, share[row_inst]), 1.0)
    paid_share = np.where(partial[row_inst] & ~split[row_inst],
                          rng.uniform(0.05, 0.95, len(row_inst)), paid_share)
    entry = due_day[row_inst] + delay[row_inst] + np.where(second, rng.integers(1, 40,
                                                                                len(row_inst)), 0)
    entry = np.minimum(entry, -1.0)
    payment = np.round(amount[row_inst] * paid_share, 3)
    gone = rng.random(len(row_inst)) < 0.0001
    version_base = (rng.random(n) >= 0.28).astype(float)
    change_at = np.where(rng.random(n) < 0.12, rng.integers(1, 24, n), 10_000)
    version = version_base[inst_loan] + (inst_rank >= change_at[inst_loan])
    row_loan = inst_loan[row_inst]
    return to_table(INSTALLMENTS_PAYMENTS, {
        "SK_ID_PREV": loans.sk_prev[row_loan],
        "SK_ID_CURR": client_ids[loans.owner[row_loan]],
        "NUM_INSTALMENT_VERSION": version[row_inst],
        "NUM_INSTALMENT_NUMBER": (inst_rank + 1)[row_inst],
        "DAYS_INSTALMENT": due_day[row_inst],
        "DAYS_ENTRY_PAYMENT": np.where(gone, np.nan, entry),
        "AMT_INSTALMENT": amount[row_inst],
        "AMT_PAYMENT": np.where(gone, np.nan, payment),
    })  # fmt: skip


def _cards(rng: np.random.Generator, prev: Previous, client_ids: np.ndarray,
           scores: dict[str, np.ndarray], next_id: int) -> tuple[pa.Table, int]:
    """A card for part of the clients' latest approved revolving loan, plus cards absent from
    the applications; monthly balances from the card's first month to the application."""
    sel = np.flatnonzero((prev.status == APPROVED) & (prev.contract_type == REVOLVING))
    # The earliest decision per client: sort by (client, -decision), keep each client's last.
    order = sel[np.lexsort((-prev.decision[sel], prev.owner[sel]))]
    last = np.r_[prev.owner[order][1:] != prev.owner[order][:-1], True] if len(order) else order
    latest = order[last.astype(bool)] if len(order) else order
    latest = latest[rng.random(len(latest)) < BEHAVIOUR["card_share_of_latest_revolving"]]
    n_clients = len(scores["risk"])
    owner_abs = _absent_owners(rng, n_clients, BEHAVIOUR["card_absent_per_client"])
    k = len(owner_abs)
    owner = np.concatenate([prev.owner[latest], owner_abs])
    loan_order = np.argsort(owner, kind="stable")
    owner = owner[loan_order]
    sk = np.concatenate([prev.sk_prev[latest], next_id + np.arange(k)])[loan_order]
    opened = np.concatenate([prev.decision[latest], np.round(from_quantiles(
        rng.random(k), quantiles(_T, "DAYS_DECISION")))])[loan_order]
    limit = np.concatenate([prev.credit[latest], 22_500.0 * rng.integers(0, 21, k)])[loan_order]
    n = len(owner)
    start = np.clip(np.floor(opened / DAYS_PER_MONTH), OLDEST_MONTH, -1).astype(np.int64)
    completed = rng.random(n) < 0.1
    end = np.where(completed, np.maximum(start, -rng.integers(1, 30, n)), -1).astype(np.int64)
    end = np.maximum(end, start)
    counts = end - start + 1
    row, rank = segments(counts)
    r = len(row)
    months = end[row] - rank
    age = months - start[row]
    use = uniform_from(mix(rng, scores["card_use"], owner, BEHAVIOUR["card_use_weight"]))
    level = np.clip(1.5 * use - 0.45, 0.0, 1.0)
    active_month = rng.random(r) < np.clip(0.25 + level[row], 0, 0.97)
    util = np.clip(level[row] + rng.normal(0, 0.08, r), 0.0, 1.08) * active_month
    status = np.zeros(r, dtype=np.int64)  # Active
    closing = completed[row] & (rank < 3)
    status[closing] = 1  # Completed
    util[closing] = 0.0
    lim = limit[row]
    balance = np.round(lim * util, 3)
    draws = active_month & (rng.random(r) < np.clip(0.08 + 0.6 * level[row] ** 2, 0, 0.9))
    draw_amt = np.where(draws, np.round(lim * rng.uniform(0.02, 0.25, r), 2), 0.0)
    atm_share = np.where(rng.random(r) < 0.55, 1.0, 0.0)
    atm = np.round(draw_amt * atm_share, 2)
    pos = draw_amt - atm
    cnt_atm = np.where(atm > 0, rng.integers(1, 4, r), 0).astype(float)
    cnt_pos = np.where(pos > 0, rng.integers(1, 9, r), 0).astype(float)
    no_detail = rng.random(r) < missing("credit_card_balance", "AMT_DRAWINGS_ATM_CURRENT")
    no_detail &= ~draws
    min_reg = np.round(0.05 * balance, 3)
    payment = np.where(balance > 0, np.maximum(min_reg, np.round(
        balance * rng.uniform(0.03, 0.4, r) * (1.2 - level[row]), 2)), 0.0)
    no_payment = no_detail | (rng.random(r) < 0.01)
    no_regularity = rng.random(r) < missing("credit_card_balance", "AMT_INST_MIN_REGULARITY")
    dpd = np.where(rng.random(n) < 0.015, rng.integers(1, 120, n), 0)[row] * (rank < 2)
    names = list(levels("credit_card_balance", "NAME_CONTRACT_STATUS"))

    def detail(x: np.ndarray) -> np.ndarray:
        return np.where(no_detail, np.nan, x)

    table = to_table(CREDIT_CARD_BALANCE, {
        "SK_ID_PREV": sk[row],
        "SK_ID_CURR": client_ids[owner[row]],
        "MONTHS_BALANCE": months,
        "AMT_BALANCE": balance,
        "AMT_CREDIT_LIMIT_ACTUAL": np.round(lim).astype(np.int64),
        "AMT_DRAWINGS_ATM_CURRENT": detail(atm),
        "AMT_DRAWINGS_CURRENT": draw_amt,
        "AMT_DRAWINGS_OTHER_CURRENT": detail(np.zeros(r)),
        "AMT_DRAWINGS_POS_CURRENT": detail(pos),
        "AMT_INST_MIN_REGULARITY": np.where(no_regularity, np.nan, min_reg),
        "AMT_PAYMENT_CURRENT": np.where(no_payment, np.nan, payment),
        "AMT_PAYMENT_TOTAL_CURRENT": payment,
        "AMT_RECEIVABLE_PRINCIPAL": np.round(balance * 0.96, 3),
        "AMT_RECIVABLE": balance,
        "AMT_TOTAL_RECEIVABLE": balance,
        "CNT_DRAWINGS_ATM_CURRENT": detail(cnt_atm),
        "CNT_DRAWINGS_CURRENT": (cnt_atm + cnt_pos).astype(np.int64),
        "CNT_DRAWINGS_OTHER_CURRENT": detail(np.zeros(r)),
        "CNT_DRAWINGS_POS_CURRENT": detail(cnt_pos),
        "CNT_INSTALMENT_MATURE_CUM": np.where(no_regularity, np.nan, np.floor(age * 0.8)),
        "NAME_CONTRACT_STATUS": text(status, names),
        "SK_DPD": dpd,
        "SK_DPD_DEF": np.where(dpd > 90, 1, 0) * dpd // 30,
    })  # fmt: skip
    return table, next_id + k
