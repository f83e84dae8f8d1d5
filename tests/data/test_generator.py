"""The generated data: Kaggle's exact schema, the real data's structure, signal and drift."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from credit_dashboard.config import APPLICANTS_TABLE, TRAIN_TABLE, TRUE_PD_TABLE
from credit_dashboard.storage import schema
from home_credit_synth.generator import generate

# Kaggle's application_train.csv header, written out independently of the schema module.
KAGGLE_TRAIN_COLUMNS = [
    "SK_ID_CURR",
    "TARGET",
    "NAME_CONTRACT_TYPE",
    "CODE_GENDER",
    "FLAG_OWN_CAR",
    "FLAG_OWN_REALTY",
    "CNT_CHILDREN",
    "AMT_INCOME_TOTAL",
    "AMT_CREDIT",
    "AMT_ANNUITY",
    "AMT_GOODS_PRICE",
    "NAME_TYPE_SUITE",
    "NAME_INCOME_TYPE",
    "NAME_EDUCATION_TYPE",
    "NAME_FAMILY_STATUS",
    "NAME_HOUSING_TYPE",
    "REGION_POPULATION_RELATIVE",
    "DAYS_BIRTH",
    "DAYS_EMPLOYED",
    "DAYS_REGISTRATION",
    "DAYS_ID_PUBLISH",
    "OWN_CAR_AGE",
    "FLAG_MOBIL",
    "FLAG_EMP_PHONE",
    "FLAG_WORK_PHONE",
    "FLAG_CONT_MOBILE",
    "FLAG_PHONE",
    "FLAG_EMAIL",
    "OCCUPATION_TYPE",
    "CNT_FAM_MEMBERS",
    "REGION_RATING_CLIENT",
    "REGION_RATING_CLIENT_W_CITY",
    "WEEKDAY_APPR_PROCESS_START",
    "HOUR_APPR_PROCESS_START",
    "REG_REGION_NOT_LIVE_REGION",
    "REG_REGION_NOT_WORK_REGION",
    "LIVE_REGION_NOT_WORK_REGION",
    "REG_CITY_NOT_LIVE_CITY",
    "REG_CITY_NOT_WORK_CITY",
    "LIVE_CITY_NOT_WORK_CITY",
    "ORGANIZATION_TYPE",
    "EXT_SOURCE_1",
    "EXT_SOURCE_2",
    "EXT_SOURCE_3",
    "APARTMENTS_AVG",
    "BASEMENTAREA_AVG",
    "YEARS_BEGINEXPLUATATION_AVG",
    "YEARS_BUILD_AVG",
    "COMMONAREA_AVG",
    "ELEVATORS_AVG",
    "ENTRANCES_AVG",
    "FLOORSMAX_AVG",
    "FLOORSMIN_AVG",
    "LANDAREA_AVG",
    "LIVINGAPARTMENTS_AVG",
    "LIVINGAREA_AVG",
    "NONLIVINGAPARTMENTS_AVG",
    "NONLIVINGAREA_AVG",
    "APARTMENTS_MODE",
    "BASEMENTAREA_MODE",
    "YEARS_BEGINEXPLUATATION_MODE",
    "YEARS_BUILD_MODE",
    "COMMONAREA_MODE",
    "ELEVATORS_MODE",
    "ENTRANCES_MODE",
    "FLOORSMAX_MODE",
    "FLOORSMIN_MODE",
    "LANDAREA_MODE",
    "LIVINGAPARTMENTS_MODE",
    "LIVINGAREA_MODE",
    "NONLIVINGAPARTMENTS_MODE",
    "NONLIVINGAREA_MODE",
    "APARTMENTS_MEDI",
    "BASEMENTAREA_MEDI",
    "YEARS_BEGINEXPLUATATION_MEDI",
    "YEARS_BUILD_MEDI",
    "COMMONAREA_MEDI",
    "ELEVATORS_MEDI",
    "ENTRANCES_MEDI",
    "FLOORSMAX_MEDI",
    "FLOORSMIN_MEDI",
    "LANDAREA_MEDI",
    "LIVINGAPARTMENTS_MEDI",
    "LIVINGAREA_MEDI",
    "NONLIVINGAPARTMENTS_MEDI",
    "NONLIVINGAREA_MEDI",
    "FONDKAPREMONT_MODE",
    "HOUSETYPE_MODE",
    "TOTALAREA_MODE",
    "WALLSMATERIAL_MODE",
    "EMERGENCYSTATE_MODE",
    "OBS_30_CNT_SOCIAL_CIRCLE",
    "DEF_30_CNT_SOCIAL_CIRCLE",
    "OBS_60_CNT_SOCIAL_CIRCLE",
    "DEF_60_CNT_SOCIAL_CIRCLE",
    "DAYS_LAST_PHONE_CHANGE",
    "FLAG_DOCUMENT_2",
    "FLAG_DOCUMENT_3",
    "FLAG_DOCUMENT_4",
    "FLAG_DOCUMENT_5",
    "FLAG_DOCUMENT_6",
    "FLAG_DOCUMENT_7",
    "FLAG_DOCUMENT_8",
    "FLAG_DOCUMENT_9",
    "FLAG_DOCUMENT_10",
    "FLAG_DOCUMENT_11",
    "FLAG_DOCUMENT_12",
    "FLAG_DOCUMENT_13",
    "FLAG_DOCUMENT_14",
    "FLAG_DOCUMENT_15",
    "FLAG_DOCUMENT_16",
    "FLAG_DOCUMENT_17",
    "FLAG_DOCUMENT_18",
    "FLAG_DOCUMENT_19",
    "FLAG_DOCUMENT_20",
    "FLAG_DOCUMENT_21",
    "AMT_REQ_CREDIT_BUREAU_HOUR",
    "AMT_REQ_CREDIT_BUREAU_DAY",
    "AMT_REQ_CREDIT_BUREAU_WEEK",
    "AMT_REQ_CREDIT_BUREAU_MON",
    "AMT_REQ_CREDIT_BUREAU_QRT",
    "AMT_REQ_CREDIT_BUREAU_YEAR",
]

N_TRAIN, N_TEST, SEED = 40_000, 8_000, 11
HOUSING = [c for c in KAGGLE_TRAIN_COLUMNS[44:91]]
BUREAU = [c for c in KAGGLE_TRAIN_COLUMNS if c.startswith("AMT_REQ_CREDIT_BUREAU_")]


@pytest.fixture(scope="module")
def data():
    return generate(n_train=N_TRAIN, n_test=N_TEST, seed=SEED)


@pytest.fixture(scope="module")
def train(data) -> pd.DataFrame:
    return data.train


@pytest.fixture(scope="module")
def test(data) -> pd.DataFrame:
    return data.test


def _strength(values: pd.Series, target: pd.Series) -> float:
    keep = values.notna()
    auc = roc_auc_score(target[keep], values[keep])
    return max(auc, 1 - auc)


def test_columns_are_kaggles(train, test):
    assert len(KAGGLE_TRAIN_COLUMNS) == 122
    assert list(train.columns) == KAGGLE_TRAIN_COLUMNS
    assert list(test.columns) == [c for c in KAGGLE_TRAIN_COLUMNS if c != "TARGET"]
    assert list(schema.TRAIN_COLUMNS) == KAGGLE_TRAIN_COLUMNS
    assert len(train) == N_TRAIN and len(test) == N_TEST


def test_dtypes_and_levels(train, test):
    for frame in (train, test):
        for column in frame.columns:
            assert str(frame[column].dtype) == schema.pandas_dtype(column), column
        for column, levels in schema.CATEGORY_LEVELS.items():
            assert set(frame[column].dropna()) <= set(levels), column
    # A few dtypes Kaggle's CSV gives, spelled out.
    expected = {
        "SK_ID_CURR": "int64",
        "DAYS_BIRTH": "int64",
        "AMT_CREDIT": "float64",
        "CNT_FAM_MEMBERS": "float64",
        "DAYS_REGISTRATION": "float64",
        "NAME_CONTRACT_TYPE": "object",
        "FLAG_MOBIL": "int64",
        "OWN_CAR_AGE": "float64",
    }
    assert {c: str(train[c].dtype) for c in expected} == expected


def test_default_rate(train, data):
    rate = train["TARGET"].mean()
    tolerance = 4 * np.sqrt(0.0807 * 0.9193 / N_TRAIN)  # binomial noise at this size
    assert abs(rate - 0.0807) < max(tolerance, 0.003)
    true_pd = data.true_pd
    history = true_pd[true_pd["SPLIT"] == "train"]
    assert abs(history["TRUE_DEFAULT_PROBABILITY"].mean() - 0.0807) < 1e-4
    assert len(true_pd) == N_TRAIN + N_TEST
    assert true_pd["TRUE_DEFAULT_PROBABILITY"].between(0, 1).all()
    assert set(true_pd["SPLIT"]) == {"train", "test"}


def test_ids_disjoint_sorted_in_kaggle_range(train, test):
    ids = np.concatenate([train["SK_ID_CURR"], test["SK_ID_CURR"]])
    assert len(np.unique(ids)) == len(ids)
    assert train["SK_ID_CURR"].is_monotonic_increasing
    assert ids.min() >= 100_002 and ids.max() <= 456_255


def test_employment_anomaly(train, test):
    for frame in (train, test):
        anomaly = frame["DAYS_EMPLOYED"] == 365243
        assert (anomaly == (frame["ORGANIZATION_TYPE"] == "XNA")).all()
        assert (frame.loc[anomaly, "NAME_INCOME_TYPE"] == "Pensioner").mean() > 0.99
        assert (frame.loc[~anomaly, "DAYS_EMPLOYED"] < 0).all()
        assert (frame.loc[anomaly, "FLAG_EMP_PHONE"] == 0).all()
    anomaly = train["DAYS_EMPLOYED"] == 365243
    assert 0.16 < anomaly.mean() < 0.21
    assert train.loc[anomaly, "TARGET"].mean() < train.loc[~anomaly, "TARGET"].mean()


def test_housing_block(train):
    housing = train[HOUSING]
    assert len(HOUSING) == 47 and HOUSING[-1] == "EMERGENCYSTATE_MODE"
    all_missing = housing.isna().all(axis=1)
    assert 0.45 < all_missing.mean() < 0.50
    any_missing = housing.isna().any(axis=1)
    # Beyond the block, statistics rarer in the register are missing more often.
    assert train["COMMONAREA_AVG"].isna().mean() > 0.65
    assert (train["COMMONAREA_AVG"].isna() >= all_missing).all()
    assert any_missing.mean() > all_missing.mean()
    # _AVG / _MEDI / _MODE describe the same building.
    for base in ("APARTMENTS", "FLOORSMAX", "LIVINGAREA"):
        avg, medi, mode = (train[f"{base}_{s}"] for s in ("AVG", "MEDI", "MODE"))
        assert (avg.isna() == medi.isna()).all() and (avg.isna() == mode.isna()).all()
        assert avg.corr(medi, method="spearman") > 0.95
        assert avg.corr(mode, method="spearman") > 0.85
    assert train.loc[all_missing, "TARGET"].mean() > train.loc[~all_missing, "TARGET"].mean()


def _on_grid(values: pd.Series, step: float) -> pd.Series:
    """Whether each value is a multiple of ``step`` once written with Kaggle's 4 decimals."""
    return (values - (values / step).round() * step).round(4).abs() < 1.5e-4


def test_housing_values_on_kaggles_grids(train, test):
    """The register's discreteness: 4 decimals, point masses at 0, counted statistics on grids.

    The expected figures are the real applicants' (application_test.csv).
    """
    for frame in (train, test):
        numeric = frame[[c for c in HOUSING if c in schema.NUMERIC_COLUMNS]]
        assert numeric.shape[1] == 43
        values = numeric.stack()
        assert ((values * 1e4 - (values * 1e4).round()).abs() < 1e-6).all()
        assert values.between(0, 1).all()
        # "None" recorded as exactly 0: no elevator, no land, no non-living area...
        for column, real_zeros in (("NONLIVINGAREA_MODE", 0.482), ("NONLIVINGAREA_AVG", 0.418),
                                   ("ELEVATORS_AVG", 0.572), ("LANDAREA_MODE", 0.145),
                                   ("BASEMENTAREA_AVG", 0.106), ("COMMONAREA_MODE", 0.105),
                                   ("NONLIVINGAPARTMENTS_MODE", 0.626)):  # fmt: skip
            present = frame[column].dropna()
            assert abs((present == 0).mean() - real_zeros) < 0.03, column
        # Floors come in 24ths, entrances in 29ths, elevators in 25ths: _MODE always on the grid,
        # _MEDI on the half grid (a median of two), _AVG mostly on the grid (a mean of a few).
        for base, step in (("FLOORSMAX", 1 / 24), ("FLOORSMIN", 1 / 24), ("ENTRANCES", 1 / 29),
                           ("ELEVATORS", 1 / 25)):  # fmt: skip
            avg, medi = frame[f"{base}_AVG"].dropna(), frame[f"{base}_MEDI"].dropna()
            assert _on_grid(medi, step / 2).all(), base
            assert 0.95 < _on_grid(medi, step).mean() < 0.995, base
            assert 0.88 < _on_grid(avg, step).mean() < 0.98, base
            if base != "ELEVATORS":  # whose _MODE grid is a slightly different step
                assert _on_grid(frame[f"{base}_MODE"].dropna(), step).all(), base
        # A few building heights hold most clients: 5- and 9-storey blocks.
        floors = frame["FLOORSMAX_MODE"].dropna().round(4).value_counts(normalize=True)
        assert abs(floors[0.1667] - 0.424) < 0.03 and abs(floors[0.3333] - 0.234) < 0.03
        assert frame["ELEVATORS_MODE"].nunique() <= 26 and frame["ENTRANCES_MODE"].nunique() <= 30
    # Still one building behind each statistic: taller buildings have more elevators.
    assert train["FLOORSMAX_AVG"].corr(train["ELEVATORS_AVG"], method="spearman") > 0.5


def test_bureau_block(train):
    missing = train[BUREAU].isna()
    assert len(BUREAU) == 6
    assert (missing.all(axis=1) == missing.any(axis=1)).all()
    assert 0.11 < missing.all(axis=1).mean() < 0.16


def test_ages_dates_and_signs(train, test):
    for frame in (train, test):
        age = -frame["DAYS_BIRTH"] / 365.25
        assert age.min() >= 20 and age.max() < 70
        for column in (
            "DAYS_BIRTH",
            "DAYS_REGISTRATION",
            "DAYS_ID_PUBLISH",
            "DAYS_LAST_PHONE_CHANGE",
        ):
            assert (frame[column] <= 0).all(), column
        employed = frame["DAYS_EMPLOYED"] != 365243
        started = frame.loc[employed, "DAYS_EMPLOYED"] - frame.loc[employed, "DAYS_BIRTH"]
        assert (started >= 14 * 365).all()  # nobody started work before 14
        assert (frame["DAYS_REGISTRATION"] >= frame["DAYS_BIRTH"]).all()
        assert (frame["FLAG_MOBIL"] == 1).all()
        gap = frame["REGION_RATING_CLIENT_W_CITY"] - frame["REGION_RATING_CLIENT"]
        assert gap.abs().max() <= 1
        assert frame["REGION_RATING_CLIENT"].isin([1, 2, 3]).all()


def test_amounts_consistent(train):
    cash = train["NAME_CONTRACT_TYPE"] == "Cash loans"
    ratio = (train["AMT_CREDIT"] / train["AMT_GOODS_PRICE"])[cash]
    assert ratio.between(0.75, 2.0).all()
    assert 1.03 < ratio.median() < 1.25  # insurance on top of the goods price
    revolving = ~cash & train["AMT_GOODS_PRICE"].notna()
    assert (train.loc[revolving, "AMT_GOODS_PRICE"] == train.loc[revolving, "AMT_CREDIT"]).all()
    share = (train["AMT_ANNUITY"] / train["AMT_CREDIT"]).dropna()
    # Between 60 months at 1.2 % a month and 6 months at 2.8 % a month.
    assert share.between(0.022, 0.185).all()
    assert 15 < (train["AMT_CREDIT"] / train["AMT_ANNUITY"]).median() < 26
    assert 400_000 < train["AMT_CREDIT"].median() < 600_000


def test_family(train):
    assert (train["CNT_FAM_MEMBERS"] >= train["CNT_CHILDREN"] + 1).all()
    assert 0.65 < (train["CNT_CHILDREN"] == 0).mean() < 0.75


def test_top_features_by_univariate_auc(train):
    numeric = [c for c in schema.NUMERIC_COLUMNS if c != "SK_ID_CURR" and train[c].nunique() > 1]
    strength = {c: _strength(train[c], train["TARGET"]) for c in numeric}
    ranked = sorted(strength, key=strength.get, reverse=True)
    assert set(ranked[:3]) == {"EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"}
    assert ranked[3] == "DAYS_BIRTH"
    for column, real in (("EXT_SOURCE_3", 0.688), ("EXT_SOURCE_2", 0.665), ("EXT_SOURCE_1", 0.671),
                         ("DAYS_BIRTH", 0.595)):  # fmt: skip
        assert abs(strength[column] - real) < 0.03, column
    # Higher external scores mean less default.
    keep = train["EXT_SOURCE_3"].notna()
    assert roc_auc_score(train.loc[keep, "TARGET"], train.loc[keep, "EXT_SOURCE_3"]) < 0.5


def test_missing_external_score_raises_risk(train):
    missing = train["EXT_SOURCE_3"].isna()
    assert train.loc[missing, "TARGET"].mean() > 1.1 * train.loc[~missing, "TARGET"].mean()


def test_bayes_auc_in_real_range(train, data):
    true_pd = data.true_pd.set_index("SK_ID_CURR")["TRUE_DEFAULT_PROBABILITY"]
    auc = roc_auc_score(train["TARGET"], true_pd.loc[train["SK_ID_CURR"]].to_numpy())
    assert 0.76 < auc < 0.83


def test_applicants_drift_like_real_ones(train, test):
    revolving_history = (train["NAME_CONTRACT_TYPE"] == "Revolving loans").mean()
    revolving_applicants = (test["NAME_CONTRACT_TYPE"] == "Revolving loans").mean()
    assert revolving_history > 0.08 and revolving_applicants < 0.02
    assert test["EXT_SOURCE_1"].isna().mean() < train["EXT_SOURCE_1"].isna().mean() - 0.1
    assert test["AMT_CREDIT"].median() < train["AMT_CREDIT"].median()


def test_deterministic_for_a_seed():
    first = generate(n_train=1500, n_test=300, seed=5)
    again = generate(n_train=1500, n_test=300, seed=5)
    other = generate(n_train=1500, n_test=300, seed=6)
    pd.testing.assert_frame_equal(first.train, again.train)
    pd.testing.assert_frame_equal(first.test, again.test)
    pd.testing.assert_frame_equal(first.true_pd, again.true_pd)
    assert not first.train.equals(other.train)
    assert not np.allclose(
        first.train["EXT_SOURCE_2"].fillna(0), other.train["EXT_SOURCE_2"].fillna(0)
    )


def test_rejects_empty_sizes():
    with pytest.raises(ValueError, match="positive"):
        generate(n_train=0, n_test=10)


def test_written_dataset(small_data_dir):
    train = pd.read_parquet(small_data_dir / TRAIN_TABLE)
    test = pd.read_parquet(small_data_dir / APPLICANTS_TABLE)
    true_pd = pd.read_parquet(small_data_dir / TRUE_PD_TABLE)
    assert list(train.columns) == KAGGLE_TRAIN_COLUMNS
    assert list(test.columns) == KAGGLE_TRAIN_COLUMNS[:1] + KAGGLE_TRAIN_COLUMNS[2:]
    assert {str(train[c].dtype) for c in schema.CATEGORICAL_COLUMNS} == {"object"}
    ids = set(train["SK_ID_CURR"]) | set(test["SK_ID_CURR"])
    assert set(true_pd["SK_ID_CURR"]) == ids
    assert not list(small_data_dir.glob("*.tmp"))
