"""What the client asks for: contract type, goods price, credit, annuity, and the application."""

from __future__ import annotations

import numpy as np

from credit_dashboard.data import calibration, schema
from credit_dashboard.data.draft import Draft
from credit_dashboard.data.marginals import (
    column_from_score,
    draw_flag,
    draw_levels,
    draw_levels_tilted,
    from_quantiles,
    level_shares,
    missing_fraction,
    ranks,
    snap,
    to_text,
)

#: Kaggle's amounts are whole multiples of 4.5 (a currency conversion): credit 406,597.5, annuity 24,700.5.
AMOUNT_UNIT = 4.5
#: Credit limits of revolving loans: round amounts, smaller than cash loans.
_REVOLVING_LIMIT_KNOTS = (
    27_000,
    45_000,
    67_500,
    135_000,
    225_000,
    337_500,
    675_000,
    900_000,
    1_350_000,
)
#: Loan terms in months and their shares among cash loans.
_TERMS = np.array([6, 10, 12, 18, 24, 30, 36, 42, 48, 54, 60])
_TERM_SHARES = np.array([0.02, 0.05, 0.14, 0.07, 0.20, 0.07, 0.21, 0.05, 0.09, 0.03, 0.07])


def draw_loan(d: Draft) -> None:
    """Fill the contract, amount and application columns."""
    levels = schema.CATEGORY_LEVELS["NAME_CONTRACT_TYPE"]
    revolving_share = level_shares("NAME_CONTRACT_TYPE", d.split)[levels.index("Revolving loans")]
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
    # The purchase size follows the "credit" trait, itself tied to income.
    score = d.traits["credit"]
    goods = column_from_score(score, "AMT_GOODS_PRICE", d.split)
    u = d.rng.random(n)
    big = goods >= 100_000
    goods = np.where(
        big & (u < 0.45),
        snap(goods, 45_000),
        np.where(big & (u < 0.8), snap(goods, 22_500), snap(goods, 4_500)),
    )
    goods = np.maximum(goods, 22_500.0)

    # Cash loans usually add insurance on top of the goods price; a few have a down payment.
    kind = d.rng.random(n)
    insurance = np.minimum(np.exp(d.rng.normal(np.log(0.13), 0.55, n)), 0.9)
    ratio = np.where(
        kind < 0.27, 1.0, np.where(kind < 0.35, d.rng.uniform(0.8, 1.0, n), 1.0 + insurance)
    )
    credit = snap(goods * ratio, AMOUNT_UNIT)

    # Revolving loans: a round credit limit, goods price equal to it (sometimes not recorded).
    limit = (
        from_quantiles(ranks(score[revolving]), _REVOLVING_LIMIT_KNOTS)
        if revolving.any()
        else np.array([])
    )
    limit = np.maximum(snap(limit, 22_500), 27_000)
    credit[revolving] = limit
    goods[revolving] = limit
    goods_missing = revolving & (
        d.rng.random(n) < missing_fraction("AMT_GOODS_PRICE", "train") / max(revolving.mean(), 1e-9)
    )
    goods[goods_missing] = np.nan

    # Annuity: an amortising monthly payment over a term at a consumer-credit rate; revolving
    # loans pay a fixed 5 % (sometimes 10 %) of the limit.
    term = _TERMS[draw_levels(d.rng, _TERM_SHARES, n)]
    monthly_rate = d.rng.uniform(0.012, 0.028, n)
    annuity = credit * monthly_rate / (1.0 - (1.0 + monthly_rate) ** (-term))
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
    d.facts["term_months"] = np.where(revolving, 20.0, term)


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
    rates = calibration.BINARY_RATES
    n = d.n
    # One main document per cash loan: most give document 3, pensioners document 6, some 8.
    not_employed = d.facts["not_employed"].astype(float)
    main_tilt = np.zeros((n, 4))
    main_tilt[:, 1] = 2.2 * not_employed - 0.8
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
