"""What the client asks for: contract type, goods price, credit, annuity, and the application."""

from __future__ import annotations

import numpy as np

from credit_dashboard.storage import schema
from home_credit_synth import parameters
from home_credit_synth.draft import Draft
from home_credit_synth.marginals import (
    column_from_score,
    draw_flag,
    draw_levels,
    draw_levels_tilted,
    level_shares,
    missing_fraction,
    ranks,
    ranks_to_normal,
    snap,
    to_text,
)

#: Kaggle's amounts are whole multiples of 4.5 (a currency conversion): 406,597.5 or 24,700.5.
AMOUNT_UNIT = 4.5


def draw_loan(d: Draft) -> None:
    """Fill the contract, amount and application columns."""
    levels = schema.CATEGORY_LEVELS["NAME_CONTRACT_TYPE"]
    revolving_share = level_shares("NAME_CONTRACT_TYPE", d.split)[levels.index("Revolving loans")]
    revolving_share = d.drift.revolving_share(revolving_share)
    # Younger clients take the cards (revolving loans) more often.
    revolving = draw_flag(d.rng, -0.04 * (d.facts["age_years"] - 40), revolving_share).astype(bool)
    d.columns["NAME_CONTRACT_TYPE"] = np.where(revolving, "Revolving loans", "Cash loans").astype(
        object
    )
    d.facts["revolving"] = revolving
    _amounts(d, revolving)
    _application(d, revolving)


def _amounts(d: Draft, revolving: np.ndarray) -> None:
    n = d.n
    # Loan size follows the "credit" trait (itself tied to income); cards get smaller limits.
    score = d.traits["credit"] - 0.9 * revolving
    credit_wanted = column_from_score(score, "AMT_CREDIT", d.split)
    credit_wanted = credit_wanted * d.drift.value_scale("AMT_CREDIT")

    # Cash loans usually add insurance on top of the goods price (more on bigger loans); a few
    # have a down payment.
    kind = d.rng.random(n)
    size = (credit_wanted / 500_000.0) ** 0.25
    # Weaker clients are sold more insurance and steeper loans (the lender prices risk).
    standing = d.traits["standing"]
    insurance = np.exp(d.rng.normal(np.log(0.17), 0.45, n) - 0.2 * standing)
    insurance = np.minimum(insurance * size, 0.9)
    ratio = np.where(
        kind < 0.2, 1.0, np.where(kind < 0.26, d.rng.uniform(0.8, 1.0, n), 1.0 + insurance)
    )
    # The goods price is a round amount; the credit is computed from it, hence not round.
    goods = credit_wanted / ratio
    u = d.rng.random(n)
    big = goods >= 100_000
    goods = np.where(
        big & (u < 0.45),
        snap(goods, 45_000),
        np.where(big & (u < 0.8), snap(goods, 22_500), snap(goods, 4_500)),
    )
    goods = np.maximum(goods, 22_500.0)
    credit = snap(goods * ratio, AMOUNT_UNIT)

    # Revolving loans: a round credit limit, goods price equal to it (sometimes not recorded).
    limit = np.maximum(snap(credit_wanted[revolving], 22_500), 27_000.0)
    credit[revolving] = limit
    goods[revolving] = limit
    goods_missing_share = missing_fraction("AMT_GOODS_PRICE", "train") / max(revolving.mean(), 1e-9)
    goods[revolving & (d.rng.random(n) < goods_missing_share)] = np.nan

    # Annuity: the monthly payment. Its size follows the credit's (bigger loans run longer), drawn
    # from the real distribution, then kept within what an amortising loan of 6 to 60 months at
    # 1.2 to 2.8 % a month pays; cards pay a fixed 5 % (sometimes 10 %) of the limit.
    annuity_score = (
        0.85 * ranks_to_normal(ranks(credit)) + 0.45 * d.rng.standard_normal(n) - 0.1 * standing
    )
    annuity = column_from_score(annuity_score, "AMT_ANNUITY", d.split)
    annuity = annuity * d.drift.value_scale("AMT_ANNUITY")
    annuity = np.clip(annuity, credit * MIN_PAYMENT_SHARE, credit * MAX_PAYMENT_SHARE)
    annuity[revolving] = credit[revolving] * np.where(
        d.rng.random(revolving.sum()) < 0.8, 0.05, 0.1
    )
    annuity = np.maximum(snap(annuity, AMOUNT_UNIT), 1_615.5)
    annuity[d.rng.random(n) < missing_fraction("AMT_ANNUITY", d.split)] = np.nan

    d.columns["AMT_CREDIT"] = credit
    d.columns["AMT_GOODS_PRICE"] = goods
    d.columns["AMT_ANNUITY"] = annuity
    d.facts["credit_score"] = score
    d.facts["credit_goods_ratio"] = np.where(revolving, 1.0, ratio)


def _payment_share(monthly_rate: float, months: int) -> float:
    """Monthly payment of an amortising loan, per unit of credit."""
    return monthly_rate / (1.0 - (1.0 + monthly_rate) ** (-months))


#: Bounds of annuity / credit: 60 months at 1.2 % a month, 6 months at 2.8 % a month.
MIN_PAYMENT_SHARE = _payment_share(0.012, 60)
MAX_PAYMENT_SHARE = _payment_share(0.028, 6)


def _application(d: Draft, revolving: np.ndarray) -> None:
    n = d.n
    suite = draw_levels(d.rng, level_shares("NAME_TYPE_SUITE", d.split), n)
    suite_missing = d.rng.random(n) < missing_fraction("NAME_TYPE_SUITE", d.split)
    d.columns["NAME_TYPE_SUITE"] = to_text(suite, "NAME_TYPE_SUITE", suite_missing)
    weekday = draw_levels(d.rng, level_shares("WEEKDAY_APPR_PROCESS_START", d.split), n)
    d.columns["WEEKDAY_APPR_PROCESS_START"] = to_text(weekday, "WEEKDAY_APPR_PROCESS_START")
    # Big-city branches open later.
    hour_score = 0.45 * d.traits["region"] + d.rng.standard_normal(n)
    d.facts["hour_score"] = hour_score
    hour = np.round(column_from_score(hour_score, "HOUR_APPR_PROCESS_START", d.split))
    d.columns["HOUR_APPR_PROCESS_START"] = np.clip(hour, 0, 23).astype(np.int64)
    _documents(d, revolving)


def _documents(d: Draft, revolving: np.ndarray) -> None:
    rates = parameters.BINARY_RATES
    n = d.n
    # One main document per cash loan: most give document 3, pensioners document 6, some 8.
    not_employed = d.facts["not_employed"].astype(float)
    main_tilt = np.zeros((n, 4))
    main_tilt[:, 1] = 2.2 * not_employed - 0.8
    main_tilt[:, 0] = -0.3 * d.traits["standing"]
    cash = ~revolving
    shares = np.array(
        [rates["FLAG_DOCUMENT_3"], rates["FLAG_DOCUMENT_6"], rates["FLAG_DOCUMENT_8"], 0.0]
    )
    shares = shares / max(cash.mean(), 1e-9)
    shares[3] = max(1.0 - shares[:3].sum(), 0.005)
    main = np.full(n, 3)
    if cash.any():
        main[cash] = draw_levels_tilted(d.rng, shares / shares.sum(), main_tilt[cash])
    for code, column in enumerate(("FLAG_DOCUMENT_3", "FLAG_DOCUMENT_6", "FLAG_DOCUMENT_8")):
        d.columns[column] = (main == code).astype(np.int64)
    for i in range(2, 22):
        column = f"FLAG_DOCUMENT_{i}"
        if column not in d.columns:
            d.columns[column] = (d.rng.random(n) < rates[column]).astype(np.int64)
