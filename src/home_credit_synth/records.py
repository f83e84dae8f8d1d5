"""What the lender's files say about the client: region, dates on record, contact details, external
scores, social circle and credit-bureau enquiries."""

from __future__ import annotations

import numpy as np

from home_credit_synth import parameters
from home_credit_synth.draft import Draft
from home_credit_synth.marginals import (
    QUANTILE_PROBS_PHONE,
    TEST,
    column_from_score,
    draw_flag,
    from_quantiles,
    missing_fraction,
    quantile_knots,
    ranks,
)
from home_credit_synth.person import DAYS_PER_YEAR, MIN_WORKING_AGE_YEARS

#: Shares of region ratings 1 / 2 / 3 (solved from the real mean 2.049 and std 0.505).
_RATING_SHARES = (0.104, 0.743, 0.153)
#: Kaggle has a fixed list of regions: each client's relative population is one of them.
_N_REGIONS = 81
#: EXT_SOURCE_3 comes from a provider with a fixed grid of about 850 values.
_EXT3_GRID_SIZE = 850


def draw_records(d: Draft) -> None:
    _region(d)
    _dates(d)
    _contact_and_addresses(d)
    _external_scores(d)
    _social_circle(d)
    _bureau(d)


def _region(d: Draft) -> None:
    region = d.traits["region"]
    grid = np.unique(
        np.round(
            from_quantiles(
                np.linspace(0.0, 1.0, _N_REGIONS),
                quantile_knots("REGION_POPULATION_RELATIVE", "train"),
            ),
            6,
        )
    )
    # Relative population only loosely follows the region's standing (small rich towns exist).
    population_score = 0.5 * region + 0.87 * d.rng.standard_normal(d.n)
    population = column_from_score(population_score, "REGION_POPULATION_RELATIVE", d.split)
    idx = np.clip(np.searchsorted(grid, population), 0, len(grid) - 1)
    d.columns["REGION_POPULATION_RELATIVE"] = grid[idx]
    # Rating 1 = best region (the big cities), 3 = worst; mostly set by the region itself.
    rating_score = -0.8 * region + 0.6 * d.rng.standard_normal(d.n)
    cut = np.quantile(rating_score, np.cumsum(_RATING_SHARES)[:-1])
    rating = 1 + np.searchsorted(cut, rating_score)
    # The rating taking the city into account differs for a few clients, by one step.
    step = np.where(d.rng.random(d.n) < 0.07, np.where(d.rng.random(d.n) < 0.5, -1, 1), 0)
    with_city = np.clip(rating + step, 1, 3)
    d.columns["REGION_RATING_CLIENT"] = rating.astype(np.int64)
    d.columns["REGION_RATING_CLIENT_W_CITY"] = with_city.astype(np.int64)


def _dates(d: Draft) -> None:
    days_birth = d.columns["DAYS_BIRTH"]
    registration = np.round(
        column_from_score(-d.traits["registration"], "DAYS_REGISTRATION", d.split)
    )
    d.columns["DAYS_REGISTRATION"] = np.maximum(registration, days_birth).astype(float)
    id_publish = np.round(column_from_score(-d.traits["id_publish"], "DAYS_ID_PUBLISH", d.split))
    d.columns["DAYS_ID_PUBLISH"] = np.maximum(
        id_publish, days_birth + np.round(14 * DAYS_PER_YEAR)
    ).astype(np.int64)
    # About one client in eight changed phone on the application day (DAYS_LAST_PHONE_CHANGE = 0).
    knots = quantile_knots("DAYS_LAST_PHONE_CHANGE", d.split)
    phone_knots = (*knots[:6], 0.0, 0.0)
    phone = np.round(from_quantiles(ranks(-d.traits["phone"]), phone_knots, QUANTILE_PROBS_PHONE))
    phone = np.maximum(phone, days_birth + np.round(MIN_WORKING_AGE_YEARS * DAYS_PER_YEAR))
    d.columns["DAYS_LAST_PHONE_CHANGE"] = phone.astype(float)


def _contact_and_addresses(d: Draft) -> None:
    rates = parameters.BINARY_RATES
    n = d.n
    employed = ~d.facts["not_employed"]
    age = d.facts["age_years"]
    d.columns["FLAG_MOBIL"] = np.ones(n, dtype=np.int64)
    # The employer's phone is known exactly for the employed.
    d.columns["FLAG_EMP_PHONE"] = employed.astype(np.int64)
    work_phone = np.zeros(n, dtype=np.int64)
    work_phone[employed] = d.rng.random(employed.sum()) < rates["FLAG_WORK_PHONE"] / max(
        employed.mean(), 1e-9
    )
    d.columns["FLAG_WORK_PHONE"] = work_phone
    d.columns["FLAG_CONT_MOBILE"] = (d.rng.random(n) < rates["FLAG_CONT_MOBILE"]).astype(np.int64)
    d.columns["FLAG_PHONE"] = draw_flag(
        d.rng, 0.03 * (age - 40) + 0.15 * d.traits["standing"], rates["FLAG_PHONE"]
    )
    d.columns["FLAG_EMAIL"] = draw_flag(
        d.rng, -0.03 * (age - 40) + 0.8 * d.facts["higher_education"], rates["FLAG_EMAIL"]
    )

    # Registered address vs living address vs work address. Moving city is more common for the
    # young; a different region implies a different city; only the employed have a work address.
    standing = d.traits["standing"]
    reg_live_city = draw_flag(
        d.rng, -0.04 * (age - 40) - 0.2 * standing, rates["REG_CITY_NOT_LIVE_CITY"]
    ).astype(bool)
    reg_live_region = reg_live_city & (
        d.rng.random(n) < rates["REG_REGION_NOT_LIVE_REGION"] / rates["REG_CITY_NOT_LIVE_CITY"]
    )
    live_work_city = np.zeros(n, dtype=bool)
    live_work_city[employed] = draw_flag(
        d.rng,
        -0.1 * standing[employed],
        min(rates["LIVE_CITY_NOT_WORK_CITY"] / max(employed.mean(), 1e-9), 1.0),
    ).astype(bool)
    live_work_region = live_work_city & (
        d.rng.random(n) < rates["LIVE_REGION_NOT_WORK_REGION"] / rates["LIVE_CITY_NOT_WORK_CITY"]
    )
    reg_work_city = employed & (live_work_city ^ reg_live_city)
    reg_work_region = employed & (live_work_region ^ reg_live_region)
    d.columns["REG_REGION_NOT_LIVE_REGION"] = reg_live_region.astype(np.int64)
    d.columns["REG_REGION_NOT_WORK_REGION"] = reg_work_region.astype(np.int64)
    d.columns["LIVE_REGION_NOT_WORK_REGION"] = live_work_region.astype(np.int64)
    d.columns["REG_CITY_NOT_LIVE_CITY"] = reg_live_city.astype(np.int64)
    d.columns["REG_CITY_NOT_WORK_CITY"] = reg_work_city.astype(np.int64)
    d.columns["LIVE_CITY_NOT_WORK_CITY"] = live_work_city.astype(np.int64)


def _external_scores(d: Draft) -> None:
    for number in (1, 2, 3):
        column = f"EXT_SOURCE_{number}"
        shift = d.drift.rank_shift(column)
        values = column_from_score(d.traits[f"ext{number}"], column, d.split, shift)
        if number == 3:
            grid = np.round(
                from_quantiles(
                    np.linspace(0.0, 1.0, _EXT3_GRID_SIZE), quantile_knots(column, "train")
                ),
                6,
            )
            grid = np.unique(grid)
            idx = np.clip(np.searchsorted(grid, values), 0, len(grid) - 1)
            values = grid[idx]
        else:
            values = np.round(values, 6)
        missing = d.rng.random(d.n) < missing_fraction(column, d.split)
        values[missing] = np.nan
        d.columns[column] = values
        d.facts[f"{column}_missing"] = missing


def _social_circle(d: Draft) -> None:
    n = d.n
    # Observed acquaintances: overdispersed counts (most have none, a few know dozens).
    observed = d.rng.negative_binomial(0.45, 0.45 / (0.45 + 1.45), n)
    observed_60 = observed + (d.rng.random(n) < 0.01)
    # Acquaintances of clients with a weak standing default more often.
    defaulted_30 = d.rng.binomial(
        observed, 0.08 * np.exp(-0.3 * d.traits["standing"]).clip(0, 5) / 1.05
    )
    defaulted_60 = d.rng.binomial(defaulted_30, 0.72)
    missing = d.rng.random(n) < missing_fraction("OBS_30_CNT_SOCIAL_CIRCLE", d.split)
    for column, values in (
        ("OBS_30_CNT_SOCIAL_CIRCLE", observed),
        ("DEF_30_CNT_SOCIAL_CIRCLE", defaulted_30),
        ("OBS_60_CNT_SOCIAL_CIRCLE", observed_60),
        ("DEF_60_CNT_SOCIAL_CIRCLE", defaulted_60),
    ):
        out = values.astype(float)
        out[missing] = np.nan
        d.columns[column] = out
    d.facts["defaulted_30"] = np.where(missing, 0, defaulted_30)


#: Enquiries to the credit bureau in each window before the application: share of clients with
#: at least one, and the mean number of further enquiries among them (real shares of 0, 1, 2 ...).
_BUREAU_ENQUIRIES = {
    "HOUR": (0.006, 0.05),
    "DAY": (0.006, 0.1),
    "WEEK": (0.032, 0.05),
    "MON": (0.165, 0.45),
    "QRT": (0.19, 0.45),
    "YEAR": (0.731, 1.3),
}
#: Applicants' enquiries drift as in Kaggle's test set: almost none in the last month (p99 = 0),
#: more in the last quarter (p99 = 3) and year (median 2 instead of 1).
_BUREAU_ENQUIRIES_APPLICANTS = {
    **_BUREAU_ENQUIRIES,
    "MON": (0.008, 0.2),
    "QRT": (0.25, 0.6),
    "YEAR": (0.8, 1.7),
}


def _bureau(d: Draft) -> None:
    n = d.n
    missing = d.rng.random(n) < missing_fraction("AMT_REQ_CREDIT_BUREAU_YEAR", d.split)
    # A client's enquiry intensity is shared across windows.
    intensity = d.rng.gamma(1.6, 1 / 1.6, n)
    windows = _BUREAU_ENQUIRIES_APPLICANTS if d.split == TEST else _BUREAU_ENQUIRIES
    windows = d.drift.bureau_windows(windows)
    for window, (any_share, further) in windows.items():
        some = d.rng.random(n) < any_share
        values = np.where(some, 1 + d.rng.poisson(further * intensity), 0).astype(float)
        values[missing] = np.nan
        d.columns[f"AMT_REQ_CREDIT_BUREAU_{window}"] = values
    d.facts["bureau_year"] = np.where(missing, 0.0, d.columns["AMT_REQ_CREDIT_BUREAU_YEAR"])
