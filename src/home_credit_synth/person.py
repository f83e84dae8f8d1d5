"""Who the client is: age, gender, family, education, work, income, car and home ownership."""

from __future__ import annotations

import numpy as np

from credit_dashboard.storage import schema
from credit_dashboard.storage.schema import DAYS_PER_YEAR
from home_credit_synth import parameters
from home_credit_synth.draft import Draft
from home_credit_synth.marginals import (
    TEST,
    TRAIN,
    column_from_score,
    draw_flag,
    draw_levels_tilted,
    from_quantiles,
    level_shares,
    missing_fraction,
    quantile_knots,
    ranks,
    snap,
    solve_shift,
    standing_tilt,
    to_text,
)

#: Kaggle's history (307,511 rows) has 4 'XNA' genders and 2 'Unknown' family statuses.
_XNA_GENDER_SHARE = 4 / 307_511
_UNKNOWN_FAMILY_SHARE = 2 / 307_511
#: Nobody in the data started their current job before this age.
MIN_WORKING_AGE_YEARS = 16


def draw_person(d: Draft) -> None:
    """Fill the person's columns, in an order where each depends only on earlier ones."""
    _age_and_gender(d)
    _income_type_and_employment(d)
    _family(d)
    _education_and_housing(d)
    _income(d)
    _car_and_realty(d)


def _age_and_gender(d: Draft) -> None:
    # Higher "age" trait = older = more negative DAYS_BIRTH.
    days_birth = np.round(column_from_score(-d.traits["age"], "DAYS_BIRTH", d.split))
    d.columns["DAYS_BIRTH"] = days_birth.astype(np.int64)
    d.facts["age_years"] = -days_birth / DAYS_PER_YEAR
    standing = d.traits["standing"]
    gender = draw_levels_tilted(
        d.rng, level_shares("CODE_GENDER", d.split), standing_tilt("CODE_GENDER", standing)
    )
    if d.split == TRAIN:
        # Kaggle's history has 4 clients with gender 'XNA' (not recorded); keep that quirk.
        gender[d.rng.random(d.n) < _XNA_GENDER_SHARE] = schema.CATEGORY_LEVELS["CODE_GENDER"].index(
            "XNA"
        )
    d.columns["CODE_GENDER"] = to_text(gender, "CODE_GENDER")
    d.facts["male"] = (gender == schema.CATEGORY_LEVELS["CODE_GENDER"].index("M")).astype(float)


def _income_type_and_employment(d: Draft) -> None:
    levels = schema.CATEGORY_LEVELS["NAME_INCOME_TYPE"]
    shares = level_shares("NAME_INCOME_TYPE", d.split)
    pensioner_share = shares[levels.index("Pensioner")]
    # Pensioners are the old (women retire about five years earlier), plus a few on disability.
    age = d.facts["age_years"]
    retirement_odds = (age - 5.0 * (1 - d.facts["male"])) / 1.8
    shift = solve_shift(retirement_odds, pensioner_share)
    pensioner = d.rng.random(d.n) < 1.0 / (1.0 + np.exp(-(retirement_odds + shift)))
    others = shares.copy()
    others[levels.index("Pensioner")] = 0.0
    codes = draw_levels_tilted(
        d.rng, others, standing_tilt("NAME_INCOME_TYPE", d.traits["standing"])
    )
    codes[pensioner] = levels.index("Pensioner")
    d.columns["NAME_INCOME_TYPE"] = to_text(codes, "NAME_INCOME_TYPE")
    not_employed = pensioner | (codes == levels.index("Unemployed"))
    d.facts["not_employed"] = not_employed
    d.facts["pensioner"] = pensioner
    d.facts["state_servant"] = codes == levels.index("State servant")

    # DAYS_EMPLOYED: Kaggle's 365243 placeholder for the not employed; for the others the
    # real distribution conditional on being employed (the knots above the anomaly rescaled).
    knots = quantile_knots("DAYS_EMPLOYED", d.split)
    employed_share = 1.0 - parameters.EMPLOYMENT_ANOMALY["share"][0]
    probs = np.array([0.0, 0.01, 0.05, 0.25, 0.5, 0.75]) / employed_share
    employed_knots = np.append(knots[:6], parameters.DAYS_EMPLOYED_MAX_EMPLOYED)
    employed_probs = np.append(probs, 1.0)
    tenure = d.traits["tenure"]
    u = ranks(-tenure[~not_employed])
    days = from_quantiles(u, employed_knots, employed_probs)
    if d.split == TEST:
        # Applicants' employed median sits higher; scale their tenures by the median ratio.
        train_med, test_med = (
            parameters.QUANTILES["DAYS_EMPLOYED"][4],
            parameters.APPLICANT_ANCHORS["DAYS_EMPLOYED"][1],
        )
        days = days * (test_med / train_med)
    latest_start = d.columns["DAYS_BIRTH"][~not_employed] + MIN_WORKING_AGE_YEARS * DAYS_PER_YEAR
    days = np.minimum(np.maximum(days, latest_start), -1)
    days_employed = np.full(d.n, schema.DAYS_EMPLOYED_ANOMALY, dtype=np.int64)
    days_employed[~not_employed] = np.round(days).astype(np.int64)
    d.columns["DAYS_EMPLOYED"] = days_employed

    # Organisation: 'XNA' exactly for the not employed; state servants work for the state.
    org_levels = schema.CATEGORY_LEVELS["ORGANIZATION_TYPE"]
    org_shares = level_shares("ORGANIZATION_TYPE", d.split)
    org_shares[org_levels.index("XNA")] = 0.0
    tilt = np.zeros((d.n, len(org_levels)))
    for name in _STATE_EMPLOYERS:
        tilt[d.facts["state_servant"], org_levels.index(name)] = 2.5
    tilt[d.facts["state_servant"], org_levels.index("Self-employed")] = -5.0
    tilt += standing_tilt("ORGANIZATION_TYPE", d.traits["standing"])
    org = draw_levels_tilted(d.rng, org_shares, tilt)
    org[not_employed] = org_levels.index("XNA")
    d.columns["ORGANIZATION_TYPE"] = to_text(org, "ORGANIZATION_TYPE")

    # Occupation: missing for nearly every not-employed client, and for some others.
    occ_missing_total = missing_fraction("OCCUPATION_TYPE", d.split)
    extra = max(occ_missing_total - not_employed.mean(), 0.0) / max(1 - not_employed.mean(), 1e-9)
    occ_missing = not_employed | (d.rng.random(d.n) < extra)
    occ_levels = schema.CATEGORY_LEVELS["OCCUPATION_TYPE"]
    occ_tilt = np.zeros((d.n, len(occ_levels)))
    male = d.facts["male"]
    for name, weight in _OCCUPATION_GENDER_TILT.items():
        occ_tilt[:, occ_levels.index(name)] = weight * (male - 0.35)
    occ_tilt += standing_tilt("OCCUPATION_TYPE", d.traits["standing"])
    occ = draw_levels_tilted(d.rng, level_shares("OCCUPATION_TYPE", d.split), occ_tilt)
    d.columns["OCCUPATION_TYPE"] = to_text(occ, "OCCUPATION_TYPE", occ_missing)


_STATE_EMPLOYERS = (
    "Government", "School", "Medicine", "Kindergarten", "Military", "Police",
    "Security Ministries", "University", "Postal", "Emergency",
)  # fmt: skip

#: Log-odds tilt of an occupation for men (drivers and security staff are mostly men).
_OCCUPATION_GENDER_TILT = {
    "Drivers": 3.0, "Security staff": 1.5, "Laborers": 0.8, "High skill tech staff": 0.6,
    "Core staff": -0.8, "Sales staff": -0.8, "Medicine staff": -2.0, "Accountants": -2.0,
    "Cooking staff": -1.2, "Cleaning staff": -1.5, "Secretaries": -2.0, "HR staff": -1.5,
}  # fmt: skip


def _family(d: Draft) -> None:
    age = d.facts["age_years"]
    levels = schema.CATEGORY_LEVELS["NAME_FAMILY_STATUS"]
    tilt = np.zeros((d.n, len(levels)))
    tilt[:, levels.index("Widow")] = 0.09 * (age - 45)
    tilt[:, levels.index("Single / not married")] = -0.06 * (age - 40)
    tilt[:, levels.index("Civil marriage")] = -0.02 * (age - 40)
    tilt += standing_tilt("NAME_FAMILY_STATUS", d.traits["standing"])
    family = draw_levels_tilted(d.rng, level_shares("NAME_FAMILY_STATUS", d.split), tilt)
    if d.split == TRAIN:
        # ... and 2 with family status 'Unknown'.
        family[d.rng.random(d.n) < _UNKNOWN_FAMILY_SHARE] = levels.index("Unknown")
    d.columns["NAME_FAMILY_STATUS"] = to_text(family, "NAME_FAMILY_STATUS")
    couple = np.isin(family, [levels.index("Married"), levels.index("Civil marriage")])

    # Children: most likely between 30 and 45 and in couples; P(no child) as in the real data.
    bump = np.exp(-(((age - 37.0) / 10.0) ** 2)) * (1.0 + 1.2 * couple)
    zero_share = 0.70
    scale = _solve_poisson_scale(bump, zero_share)
    children = d.rng.poisson(scale * bump)
    children = np.minimum(children, 19)
    d.columns["CNT_CHILDREN"] = children.astype(np.int64)
    extended = d.rng.random(d.n) < 0.01
    d.columns["CNT_FAM_MEMBERS"] = (children + 1 + couple + extended).astype(float)
    d.facts["couple"] = couple


def _solve_poisson_scale(bump: np.ndarray, zero_share: float) -> float:
    lo, hi = 0.0, 20.0
    for _ in range(50):
        mid = (lo + hi) / 2
        if np.exp(-mid * bump).mean() > zero_share:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _education_and_housing(d: Draft) -> None:
    levels = schema.CATEGORY_LEVELS["NAME_EDUCATION_TYPE"]
    tilt = np.zeros((d.n, len(levels)))
    tilt[:, levels.index("Higher education")] = 0.7 * d.traits["income"] + 0.3 * d.traits["ext2"]
    tilt[:, levels.index("Academic degree")] = 0.9 * d.traits["income"]
    tilt[:, levels.index("Lower secondary")] = -0.5 * d.traits["income"]
    tilt[:, levels.index("Incomplete higher")] = -0.05 * (d.facts["age_years"] - 40)
    tilt += standing_tilt("NAME_EDUCATION_TYPE", d.traits["standing"])
    education = draw_levels_tilted(d.rng, level_shares("NAME_EDUCATION_TYPE", d.split), tilt)
    d.columns["NAME_EDUCATION_TYPE"] = to_text(education, "NAME_EDUCATION_TYPE")
    d.facts["higher_education"] = (education == levels.index("Higher education")).astype(float)

    levels = schema.CATEGORY_LEVELS["NAME_HOUSING_TYPE"]
    tilt = np.zeros((d.n, len(levels)))
    tilt[:, levels.index("With parents")] = -0.12 * (d.facts["age_years"] - 30)
    tilt[:, levels.index("Rented apartment")] = -0.04 * (d.facts["age_years"] - 35)
    tilt += standing_tilt("NAME_HOUSING_TYPE", d.traits["standing"])
    housing = draw_levels_tilted(d.rng, level_shares("NAME_HOUSING_TYPE", d.split), tilt)
    d.columns["NAME_HOUSING_TYPE"] = to_text(housing, "NAME_HOUSING_TYPE")


def _income(d: Draft) -> None:
    # Men and graduates earn more, pensions are lower than wages.
    score = (
        d.traits["income"]
        + 0.35 * d.facts["male"]
        + 0.35 * d.facts["higher_education"]
        - 0.6 * d.facts["pensioner"]
    )
    d.facts["income_score"] = score
    income = column_from_score(score, "AMT_INCOME_TOTAL", d.split)
    income = income * d.drift.value_scale("AMT_INCOME_TOTAL")
    # Declared incomes are round: mostly multiples of 22,500 or 4,500.
    coarse = d.rng.random(d.n) < 0.55
    income = np.where(coarse & (income > 60_000), snap(income, 22_500), snap(income, 4_500))
    d.columns["AMT_INCOME_TOTAL"] = np.maximum(income, 4_500.0)


def _car_and_realty(d: Draft) -> None:
    car_odds = (
        1.1 * d.facts["male"]
        + 0.6 * d.facts["income_score"]
        - 0.02 * np.abs(d.facts["age_years"] - 40)
    )
    car_share = level_shares("FLAG_OWN_CAR", d.split)[
        schema.CATEGORY_LEVELS["FLAG_OWN_CAR"].index("Y")
    ]
    owns_car = draw_flag(d.rng, car_odds, car_share).astype(bool)
    d.columns["FLAG_OWN_CAR"] = np.where(owns_car, "Y", "N").astype(object)
    car_age = np.full(d.n, np.nan)
    car_age[owns_car] = np.round(
        column_from_score(d.traits["car"][owns_car], "OWN_CAR_AGE", d.split)
    )
    d.columns["OWN_CAR_AGE"] = car_age
    d.facts["owns_car"] = owns_car

    realty_odds = 0.03 * (d.facts["age_years"] - 40) + 0.3 * d.facts["couple"]
    realty_share = level_shares("FLAG_OWN_REALTY", d.split)[
        schema.CATEGORY_LEVELS["FLAG_OWN_REALTY"].index("Y")
    ]
    owns_realty = draw_flag(d.rng, realty_odds, realty_share).astype(bool)
    d.columns["FLAG_OWN_REALTY"] = np.where(owns_realty, "Y", "N").astype(object)
