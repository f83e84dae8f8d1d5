"""derive_params: a small made-up profile in, a marginals.json the generator can load out."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

import pytest

from home_credit_synth import parameters
from home_credit_synth.calibrate import derive_params

TEMPLATE = {
    "_about": "test template",
    "target_rate": 0.08, "sample_target_rate": 0.08,
    "quantile_probs": [0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0],
    "quantiles": {"AMT_CREDIT": [1, 2, 3, 4, 5, 6, 7, 8.0, 9]},
    "applicant_anchors": {"AMT_CREDIT": [2.5, 5, 8]},
    "binary_rates": {"FLAG_PHONE": 0.25},
    "missing": {"EXT_SOURCE_1": [0.5, 0.4]},
    "levels": {"CODE_GENDER": {
        "F": [0.6, 0.6, 0.07], "M": [0.4, 0.4, 0.1], "XNA": [0.0, 0.0, 0.08]}},
    "univariate_auc": {"AMT_CREDIT": 0.47},
    "rate_when_missing": {"EXT_SOURCE_1": [0.09, 0.07]},
    "housing_block_missing": [0.47, 0.45],
    "employment_anomaly": {"share": [0.18, 0.19], "rate": [0.05, 0.09]},
    "days_employed_max_employed": -11,
    "phone_changed_today": 0.12,
}  # fmt: skip

PROFILE = {
    "meta": {"target_rate": 0.1, "target_rate_full_kaggle_reference": 0.09},
    "columns": {
        "AMT_CREDIT": {
            "missing_frac": 0.0, "test_missing_frac": 0.0, "min": 45000, "p1": 76410.0,
            "p5": 135000, "p25": 270000, "p50": 508500, "p75": 808650, "p95": 1350000,
            "p99": 1823242.5, "max": 4050000, "test_p1": 62554.5, "test_p50": 450000,
            "test_p99": 1864152, "univariate_auc": 0.4321,
        },
        "FLAG_PHONE": {"mean": 0.31234},
        "EXT_SOURCE_1": {"missing_frac": 0.61, "test_missing_frac": 0.33},
        "CODE_GENDER": {
            "missing_frac": 0.0,
            "levels_top30": [
                {"level": "F", "count": 700, "freq": 0.7, "target_rate": 0.07},
                {"level": "M", "count": 300, "freq": 0.3, "target_rate": 0.13},
            ],
            "test_levels_freq_top10": {"F": 0.65, "M": 0.35},
        },
    },
    "anomalies": {
        "DAYS_EMPLOYED_365243": {"frac": 0.2, "test_frac": 0.21, "target_rate": 0.04,
                                 "target_rate_other": 0.1},
        "DAYS_EMPLOYED_max_excluding_365243": -7,
        "DAYS_LAST_PHONE_CHANGE_eq_0_frac": 0.14,
    },
}  # fmt: skip


def _run(tmp_path: Path, profile: dict) -> tuple[int, Path]:
    profile_path = tmp_path / "profile.json"
    profile_path.write_text(json.dumps(profile))
    template_path = tmp_path / "template.json"
    template_path.write_text(json.dumps(TEMPLATE))
    out = tmp_path / "params"
    code = derive_params.main(["--profile", str(profile_path), "--out", str(out),
                               "--template", str(template_path)])
    return code, out


def test_derived_file_carries_the_profile_and_loads(tmp_path, monkeypatch, caplog):
    caplog.set_level("INFO")
    code, out = _run(tmp_path, PROFILE)
    assert code == 0
    # The written file sits next to the packaged housing/risk files and loads through parameters.
    packaged = resources.files("home_credit_synth").joinpath("params")
    for name in (parameters.HOUSING_GRIDS_FILE, parameters.RISK_COEFFICIENTS_FILE):
        shutil.copy(Path(str(packaged.joinpath(name))), out / name)
    monkeypatch.setattr(parameters.resources, "files", lambda _package: tmp_path)
    loaded = parameters.load(parameters.MARGINALS_FILE)

    assert loaded["target_rate"] == 0.09 and loaded["sample_target_rate"] == 0.1
    # Percentiles at 6 significant digits, typed like the committed values.
    assert loaded["quantiles"]["AMT_CREDIT"] == (
        45000, 76410, 135000, 270000, 508500, 808650, 1350000, 1823240.0, 4050000)
    assert loaded["applicant_anchors"]["AMT_CREDIT"] == (62554.5, 450000, 1864152)
    assert loaded["binary_rates"]["FLAG_PHONE"] == 0.31234
    assert loaded["missing"]["EXT_SOURCE_1"] == (0.61, 0.33)
    assert loaded["univariate_auc"]["AMT_CREDIT"] == 0.4321
    gender = loaded["levels"]["CODE_GENDER"]
    assert list(gender) == ["F", "M", "XNA"]
    assert gender["F"][:2] == (0.7, 0.65) and gender["M"][:2] == (0.3, 0.35)
    # Rates shrunk toward the sample rate with 300 prior rows; an unseen level gets that rate.
    assert gender["F"][2] == 0.079
    assert gender["XNA"] == (0.0, 0.0, 0.1)
    assert loaded["employment_anomaly"] == {"share": (0.2, 0.21), "rate": (0.04, 0.1)}
    assert loaded["days_employed_max_employed"] == -7
    # Not in a profile: carried over unchanged.
    assert loaded["rate_when_missing"] == {"EXT_SOURCE_1": (0.09, 0.07)}
    assert loaded["housing_block_missing"] == (0.47, 0.45)
    assert loaded["quantile_probs"] == tuple(TEMPLATE["quantile_probs"])
    # The comparison table names the changed values with both sides.
    assert "FLAG_PHONE" in caplog.text and "0.25" in caplog.text and "0.31234" in caplog.text


def test_values_within_profile_rounding_keep_the_committed_digits():
    assert derive_params.rounded_like(0.0016331, 0.0016332) == 0.0016332
    assert derive_params.rounded_like(0.0017, 0.0016332) == 0.0017
    assert derive_params.significant(-24419.54, -24419.5) == -24419.5
    assert derive_params.anchor(1864152, 1864150) == 1864152


def test_profile_without_a_needed_column_is_refused_and_writes_nothing(tmp_path, caplog):
    broken = json.loads(json.dumps(PROFILE))
    del broken["columns"]["FLAG_PHONE"]
    code, out = _run(tmp_path, broken)
    assert code == 2
    assert not (out / parameters.MARGINALS_FILE).exists()
    assert "FLAG_PHONE" in caplog.text


def test_packaged_marginals_are_what_the_module_uses():
    committed = derive_params.committed_marginals()
    assert committed["quantiles"].keys() == parameters.QUANTILES.keys()
    with pytest.raises(derive_params.ProfileError):
        derive_params.derive({"meta": {}}, committed)
