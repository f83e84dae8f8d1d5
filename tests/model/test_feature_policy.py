"""The feature policy: the reviewed file covers every feature once, a wrong file stops with one line
naming the feature, every pipeline a run fits (but the one measuring the policy's cost) leaves
the forbidden features out, a run whose shipped model would use one writes nothing, and the card
records the policy, its cost and the proxy check."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from credit_dashboard.config import APPLICANTS_TABLE, MODEL_CARD_FILE, TRAIN_TABLE
from credit_dashboard.model import training
from credit_dashboard.model.artifact import active_directory, load_model
from credit_dashboard.model.candidates import build_pipeline
from credit_dashboard.model.feature_policy import (
    DEFAULT_POLICY_PATH,
    ENGINEERED,
    EXCLUDED,
    FAIRNESS_ONLY,
    JUSTIFIED,
    RECORD,
    USED,
    FeaturePolicyError,
    check_fitted_features,
    known_features,
    load_policy,
)
from credit_dashboard.model.features import ENGINEERED_FEATURES, FEATURE_SOURCES, FeatureEngineer
from credit_dashboard.model.record_catalogue import RECORD_FEATURES, attach
from credit_dashboard.model.training import TrainConfig, train
from credit_dashboard.storage.schema import (
    HOUSING_COLUMNS,
    ID_COLUMN,
    TARGET_COLUMN,
    TRAIN_COLUMNS,
)

ROOT = Path(__file__).resolve().parents[2]
POLICY_TEXT = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")


def _train_main():
    spec = importlib.util.spec_from_file_location("script_train", ROOT / "scripts" / "train.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


# -- the reviewed file ----------------------------------------------------------------------------
def test_the_packaged_policy_lists_every_raw_column_and_engineered_feature_exactly_once():
    policy = load_policy()
    listed = [name for rule in policy.rules for name in rule.features]
    assert len(listed) == len(set(listed))
    raw = [c for c in TRAIN_COLUMNS if c not in (ID_COLUMN, TARGET_COLUMN)]
    assert set(listed) == set(raw) | set(ENGINEERED_FEATURES) | set(RECORD_FEATURES)
    assert len(listed) == len(raw) + len(ENGINEERED_FEATURES) + len(RECORD_FEATURES) == len(
        known_features())
    assert sum(policy.counts().values()) == len(listed)
    assert policy.sha256 == hashlib.sha256(DEFAULT_POLICY_PATH.read_bytes()).hexdigest()


def test_the_leads_decisions_are_in_the_file():
    policy = load_policy()
    assert policy.fairness_only == ("CODE_GENDER", "DAYS_BIRTH")
    for name in ("EMPLOYED_AGE_RATIO", "REGISTRATION_AGE_RATIO", "ID_PUBLISH_AGE_RATIO",
                 "PHONE_CHANGE_AGE_RATIO", "AGE_AT_LOAN_END", "NAME_FAMILY_STATUS",
                 "CNT_CHILDREN", "CHILDREN_RATIO", "REGION_POPULATION_RELATIVE",
                 "REGION_RATING_CLIENT", "REGION_RATING_CLIENT_W_CITY",
                 "REG_REGION_NOT_LIVE_REGION", "LIVE_CITY_NOT_WORK_CITY",
                 "ADDRESS_MISMATCH_COUNT", "OCCUPATION_TYPE", "ORGANIZATION_TYPE",
                 "NAME_EDUCATION_TYPE", "NAME_TYPE_SUITE", "WEEKDAY_APPR_PROCESS_START",
                 "HOUR_APPR_PROCESS_START", "FLAG_MOBIL", "FLAG_EMAIL", "CONTACT_FLAG_COUNT",
                 "FLAG_DOCUMENT_3", "DOCUMENT_COUNT", "DAYS_ID_PUBLISH", "DAYS_LAST_PHONE_CHANGE",
                 "DAYS_REGISTRATION", "OBS_30_CNT_SOCIAL_CIRCLE", "DEF_60_SOCIAL_RATIO",
                 *HOUSING_COLUMNS):
        assert policy.status(name) == EXCLUDED, name
    for name in ("CNT_FAM_MEMBERS", "INCOME_PER_PERSON", "ANNUITY_PER_PERSON",
                 "NAME_HOUSING_TYPE", "NAME_INCOME_TYPE", "FLAG_OWN_CAR", "OWN_CAR_AGE",
                 "FLAG_OWN_REALTY", "EXT_SOURCE_1", "EXT_SOURCE_WEIGHTED"):
        assert policy.status(name) == JUSTIFIED, name
    for name in ("AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY", "AMT_GOODS_PRICE",
                 "NAME_CONTRACT_TYPE", "CREDIT_INCOME_RATIO", "PAYMENT_RATE",
                 "CREDIT_GOODS_DIFFERENCE", "DAYS_EMPLOYED", "DAYS_EMPLOYED_ANOMALY",
                 "AMT_REQ_CREDIT_BUREAU_YEAR", "BUREAU_ENQUIRIES_RECENT", *RECORD_FEATURES):
        assert policy.status(name) == USED, name
    # Every engineered feature computed from a forbidden column is forbidden or justified.
    for name, sources in FEATURE_SOURCES.items():
        if any(not policy.allows(s) for s in sources):
            assert policy.status(name) in (EXCLUDED, FAIRNESS_ONLY, JUSTIFIED), name


def test_every_why_is_written_in_english_and_french():
    policy = load_policy()
    assert len(policy.rules) >= 10
    for rule in policy.rules:
        assert len(rule.why) > 20 and len(rule.why_fr) > 20, rule.features
        assert rule.why != rule.why_fr, rule.features
        assert policy.why(rule.features[0], "fr") == rule.why_fr
        assert policy.why(rule.features[0]) == rule.why


# -- a wrong file stops with one line naming the feature ------------------------------------------
def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _edited(old: str, new: str) -> str:
    assert POLICY_TEXT.count(old) == 1, old
    return POLICY_TEXT.replace(old, new)


BAD_POLICIES = {
    "listed twice": (_edited('features = ["DAYS_BIRTH"]',
                             'features = ["DAYS_BIRTH", "AMT_CREDIT"]'),
                     r"AMT_CREDIT is listed twice"),
    "unknown status": (_edited('status = "fairness_only"\nfeatures = ["DAYS_BIRTH"]',
                               'status = "maybe"\nfeatures = ["DAYS_BIRTH"]'),
                       r"unknown status 'maybe'"),
    "unknown feature": (_edited('features = ["DAYS_BIRTH"]',
                                'features = ["DAYS_BIRTH", "SHOE_SIZE"]'),
                        r"SHOE_SIZE is neither a column"),
    "used feature computed from age": (
        _edited('"PHONE_CHANGE_AGE_RATIO", "AGE_AT_LOAN_END"]', '"PHONE_CHANGE_AGE_RATIO"]')
        + '\n[[rule]]\nstatus = "used"\nfeatures = ["AGE_AT_LOAN_END"]\nwhy = "x"\nwhy_fr = "y"\n',
        r"AGE_AT_LOAN_END is 'used' but is computed from DAYS_BIRTH, which is 'fairness_only'"),
    "no french": (_edited('why_fr = "Le moment où la demande', 'why_de = "Le moment où la demande'),
                  r"unknown key\(s\) why_de"),
}


@pytest.mark.parametrize("case", list(BAD_POLICIES))
def test_a_wrong_policy_file_is_refused_with_one_line_naming_the_feature(case, tmp_path):
    text, message = BAD_POLICIES[case]
    with pytest.raises(FeaturePolicyError, match=message) as error:
        load_policy(_write(tmp_path, text))
    assert "\n" not in str(error.value) and str(tmp_path) in str(error.value)


def test_a_missing_feature_is_named(tmp_path):
    text = _edited('"FLAG_DOCUMENT_2", ', "")
    with pytest.raises(FeaturePolicyError, match=r"1 feature\(s\) without a status: "
                                                 r"FLAG_DOCUMENT_2 \("):
        load_policy(_write(tmp_path, text))


def test_a_justified_feature_may_come_from_a_forbidden_column(tmp_path):
    text = _edited('"PHONE_CHANGE_AGE_RATIO", "AGE_AT_LOAN_END"]', '"PHONE_CHANGE_AGE_RATIO"]') + (
        '\n[[rule]]\nstatus = "justified"\nfeatures = ["AGE_AT_LOAN_END"]\n'
        'why = "Test only."\nwhy_fr = "Test seulement."\n')
    policy = load_policy(_write(tmp_path, text))
    assert policy.status("AGE_AT_LOAN_END") == JUSTIFIED and not policy.allows("DAYS_BIRTH")


def test_a_policy_file_that_is_not_toml_is_refused(tmp_path):
    with pytest.raises(FeaturePolicyError, match="is not valid TOML"):
        load_policy(_write(tmp_path, "[[rule]\nstatus ="))
    with pytest.raises(FeaturePolicyError, match="cannot be read"):
        load_policy(tmp_path / "absent.toml")


# -- the feature step ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def with_records(history: pd.DataFrame) -> pd.DataFrame:
    """The generated history with every CR_* column beside it (counts 0, the rest missing: the
    policy works on names, the values do not matter here)."""
    return attach(history, None)


def test_the_feature_step_leaves_out_forbidden_raw_engineered_and_record_features(with_records):
    policy = load_policy()
    X, y = with_records.drop(columns=[TARGET_COLUMN]), with_records[TARGET_COLUMN]
    pipeline = build_pipeline("lightgbm", "none", seed=1, n_jobs=1,
                              params={"n_estimators": 20}, exclude=policy.model_inputs_forbidden)
    pipeline.fit(X, y)
    engineer = pipeline.steps[0][1]
    forbidden = set(policy.model_inputs_forbidden)
    assert not forbidden & set(engineer.feature_names_out_)
    assert not forbidden & set(engineer.input_columns_)
    assert {"CODE_GENDER", "DAYS_BIRTH", "AGE_AT_LOAN_END", "OCCUPATION_TYPE"} <= forbidden
    assert "PAYMENT_RATE" in engineer.feature_names_out_
    assert set(pipeline.steps[-1][1].feature_name_) == set(engineer.feature_names_out_)
    check_fitted_features(policy, engineer)  # no error
    # Rows without the forbidden columns score the same.
    rows = X.iloc[:30]
    pd.testing.assert_frame_equal(engineer.transform(rows.drop(columns=["CODE_GENDER",
                                                                         "DAYS_BIRTH"])),
                                  engineer.transform(rows))


def test_a_feature_step_fitted_without_the_policy_is_refused_naming_the_feature(with_records):
    policy = load_policy()
    engineer = FeatureEngineer().fit(with_records.drop(columns=[TARGET_COLUMN]),
                                     with_records[TARGET_COLUMN])
    with pytest.raises(FeaturePolicyError,
                       match=r"the fitted model \(its features\) would use (\w+), which is "
                             r"'(excluded|fairness_only)'") as error:
        check_fitted_features(policy, engineer)
    assert "\n" not in str(error.value)


def test_a_justified_feature_from_an_excluded_column_reads_it_but_never_shows_it(tmp_path,
                                                                                 with_records):
    text = _edited('"PHONE_CHANGE_AGE_RATIO", "AGE_AT_LOAN_END"]', '"PHONE_CHANGE_AGE_RATIO"]') + (
        '\n[[rule]]\nstatus = "justified"\nfeatures = ["AGE_AT_LOAN_END"]\n'
        'why = "Test only."\nwhy_fr = "Test seulement."\n')
    policy = load_policy(_write(tmp_path, text))
    engineer = FeatureEngineer(exclude=policy.model_inputs_forbidden).fit(
        with_records.drop(columns=[TARGET_COLUMN]), with_records[TARGET_COLUMN])
    assert engineer.hidden_inputs_ == ["DAYS_BIRTH"]
    assert "DAYS_BIRTH" in engineer.input_columns_
    assert "DAYS_BIRTH" not in engineer.feature_names_out_
    assert "AGE_AT_LOAN_END" in engineer.feature_names_out_
    check_fitted_features(policy, engineer)
    # Under the packaged policy the same fitted step is refused: it reads DAYS_BIRTH for a
    # feature that policy excludes.
    with pytest.raises(FeaturePolicyError, match="AGE_AT_LOAN_END"):
        check_fitted_features(load_policy(), engineer)


# -- training ------------------------------------------------------------------------------------
#: A stricter policy than the packaged one: also forbids a raw amount, an engineered ratio and
#: two credit-record features.
EXTRA_FORBIDDEN = ("AMT_GOODS_PRICE", "CREDIT_GOODS_RATIO", "CREDIT_GOODS_DIFFERENCE",
                   "PAYMENT_RATE", "CR_PREV_COUNT", "CR_INST_LATE_SHARE")


def _stricter(tmp_path: Path) -> Path:
    text = POLICY_TEXT
    for name in EXTRA_FORBIDDEN:
        text, n = re.subn(rf'"{name}"(, )?', "", text, count=1)
        assert n == 1, name
    text = text.replace(', ]', ']')
    text += ('\n[[rule]]\nstatus = "excluded"\nfeatures = ['
             + ", ".join(f'"{n}"' for n in EXTRA_FORBIDDEN)
             + ']\nwhy = "Left out for this test."\nwhy_fr = "Laissées de côté pour ce test."\n')
    return _write(tmp_path, text)


@pytest.fixture(scope="module")
def strict_run(small_data_dir: Path, tmp_path_factory) -> dict:
    """A quick run under the stricter policy, recording every feature step it fits."""
    folder = tmp_path_factory.mktemp("strict")
    policy_path = _stricter(folder)
    out = folder / "artifacts"
    fitted: list[FeatureEngineer] = []
    real_fit = FeatureEngineer.fit

    def recording_fit(self, X, y=None):
        fitted.append(self)
        return real_fit(self, X, y)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FeatureEngineer, "fit", recording_fit)
        result = train(TrainConfig(
            train_path=small_data_dir / TRAIN_TABLE,
            applicants_path=small_data_dir / APPLICANTS_TABLE, out_dir=out, folds=3, quick=True,
            seed=7, drift_sample_rows=300, shap_rows=200, feature_policy=policy_path))
    return {"card": result.card, "out": out, "policy": load_policy(policy_path),
            "fitted": fitted, "model": result.model}


def test_every_pipeline_of_a_run_follows_the_policy_but_the_cost_measurement(strict_run):
    policy, fitted = strict_run["policy"], strict_run["fitted"]
    forbidden = set(policy.model_inputs_forbidden)
    assert set(EXTRA_FORBIDDEN) <= forbidden
    unrestricted = [e for e in fitted if not e.exclude]
    restricted = [e for e in fitted if e.exclude]
    # The one fit without the policy: the cost measurement.
    assert len(unrestricted) == 1
    assert len(restricted) >= 3 + 3 + 2  # folds of the candidate and the baseline, the final fit
    saw_records = False
    for engineer in restricted:
        assert not forbidden & set(engineer.feature_names_out_), engineer.feature_names_out_
        assert not forbidden & set(engineer.input_columns_)
        saw_records |= any(c.startswith("CR_") for c in engineer.feature_names_out_)
    assert saw_records  # the with-records variant was fitted, without the forbidden CR_ columns
    # The measurement without the policy did use them.
    assert {"CODE_GENDER", "AMT_GOODS_PRICE"} <= set(unrestricted[0].feature_names_out_)


def test_the_shipped_model_and_its_card_follow_the_policy(strict_run):
    card, policy = strict_run["card"], strict_run["policy"]
    forbidden = set(policy.model_inputs_forbidden)
    model = load_model(strict_run["out"]).model
    assert not forbidden & set(model.input_columns)
    assert not forbidden & set(model.explained_features)
    assert not forbidden & set(card["input_schema"]["columns"])
    assert not forbidden & {row["feature"] for row in card["global_importance"]}
    stored = json.loads((active_directory(strict_run["out"]) / MODEL_CARD_FILE).read_text())
    section = stored["feature_policy"]
    assert section["sha256"] == policy.sha256 != load_policy().sha256
    assert section["packaged"] is False
    assert section["fairness_only"] == ["CODE_GENDER", "DAYS_BIRTH"]
    assert set(EXTRA_FORBIDDEN) <= set(section["excluded"])
    assert "NAME_INCOME_TYPE" in section["justified"]
    assert sum(len(r["features"]) for r in section["rules"]) == len(known_features())
    # The fairness figures are still computed on the gender groups.
    groups = {g["group"] for g in stored["fairness"]["attributes"]["CODE_GENDER"]["groups"]}
    assert {"F", "M"} <= groups


def test_the_card_measures_the_policys_cost_and_the_proxy_check(strict_run):
    section = strict_run["card"]["feature_policy"]
    cost, proxy = section["cost"], section["proxy_check"]
    holdout = strict_run["card"]["holdout"]
    assert cost["rows"] == holdout["rows"]
    # "With the policy" is the shipped model on its held-out rows.
    assert cost["auc_with_policy"] == pytest.approx(holdout["roc_auc"])
    for key in ("auc_with_policy", "auc_without_policy"):
        assert 0.5 < cost[key] < 1
    for key in ("cost_with_policy", "cost_without_policy"):
        assert 0 < cost[key] < 1  # 10·FN + FP per client at a cost-optimal threshold
    difference = cost["auc_difference"]
    assert difference["low"] <= difference["estimate"] <= difference["high"]
    assert difference["estimate"] == pytest.approx(cost["auc_with_policy"]
                                                   - cost["auc_without_policy"])
    assert cost["cost_difference"]["estimate"] == pytest.approx(
        cost["cost_with_policy"] - cost["cost_without_policy"])
    assert 0.4 < proxy["gender_auc"] < 1 and 0.4 < proxy["age_band_auc"] < 1
    assert proxy["rows"] == min(20_000, strict_run["card"]["split"]["fit_rows"])
    assert proxy["inputs"] == len(strict_run["model"].explained_features)
    stages = strict_run["card"]["time_budget"]["stages"]
    assert list(stages) == ["read", "search", "comparison", "holdout", "final_fit", "policy",
                            "reports"]
    assert stages["policy"]["wall_seconds"] > 0


def test_a_run_whose_model_would_use_a_forbidden_feature_writes_nothing(small_data_dir, tmp_path,
                                                                        monkeypatch, capsys):
    """The pipelines are built without the policy (a bug stand-in): the check of the fitted
    model stops the run, train.py exits 1 with one line naming the feature, nothing written."""
    monkeypatch.setattr(TrainConfig, "forbidden_inputs", property(lambda self: ()))
    out = tmp_path / "artifacts"
    code = _train_main()(["--train", str(small_data_dir / TRAIN_TABLE), "--applicants",
                          str(small_data_dir / APPLICANTS_TABLE), "--out", str(out), "--quick",
                          "--folds", "3", "--drift-rows", "200", "--no-credit-records"])
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert len(err.splitlines()) == 1, err
    assert re.match(r"error: the shipped model \(its features\) would use [A-Z_0-9]+, which is "
                    r"'(excluded|fairness_only)' in the feature policy .*; nothing written$", err)
    assert not (out / "versions").exists() or not any((out / "versions").iterdir())


def test_train_py_refuses_a_wrong_policy_file_before_any_work(small_data_dir, tmp_path, capsys):
    bad = _write(tmp_path, BAD_POLICIES["used feature computed from age"][0])
    out = tmp_path / "artifacts"
    code = _train_main()(["--train", str(small_data_dir / TRAIN_TABLE), "--applicants",
                          str(small_data_dir / APPLICANTS_TABLE), "--out", str(out), "--quick",
                          "--feature-policy", str(bad)])
    err = capsys.readouterr().err.strip()
    assert code == 1 and len(err.splitlines()) == 1
    assert "AGE_AT_LOAN_END is 'used' but is computed from DAYS_BIRTH" in err
    assert not (out / "versions").exists()


def test_the_default_small_model_has_no_forbidden_input(small_artifacts_dir):
    policy = load_policy()
    loaded = load_model(small_artifacts_dir)
    forbidden = set(policy.model_inputs_forbidden)
    assert not forbidden & set(loaded.model.input_columns)
    assert not forbidden & set(loaded.model.explained_features)
    check_fitted_features(policy, loaded.model.pipeline.steps[0][1])
    section = loaded.card["feature_policy"]
    assert section["sha256"] == policy.sha256 and section["packaged"] is True
    assert set(section["excluded"]) == set(policy.excluded)
    assert section["cost"]["auc_without_policy"] > 0.5
    assert section["proxy_check"]["gender_auc"] is not None


def test_known_features_say_what_each_name_is():
    kinds = known_features()
    assert kinds["AMT_CREDIT"] != kinds["PAYMENT_RATE"] == ENGINEERED
    assert kinds["CR_PREV_COUNT"] == RECORD
    assert training.TrainConfig(Path("a"), Path("b"), Path("c")).policy.path == DEFAULT_POLICY_PATH
