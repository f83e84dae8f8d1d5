"""The generator's parameter files: installed beside the package, loaded whole, consistent."""

from __future__ import annotations

import json
from importlib import resources

from credit_dashboard.storage import schema
from home_credit_synth import parameters
from home_credit_synth.calibrate.params_io import ABOUT


def _raw(name: str) -> dict:
    path = resources.files("home_credit_synth").joinpath("params", name)
    return json.loads(path.read_text("utf-8"))


def test_every_file_loads_and_says_what_it_holds():
    for name in (parameters.MARGINALS_FILE, parameters.HOUSING_GRIDS_FILE,
                 parameters.RISK_COEFFICIENTS_FILE):  # fmt: skip
        raw = _raw(name)
        assert raw["_about"] == ABOUT[name]
        loaded = parameters.load(name)
        assert "_about" not in loaded and set(loaded) == set(raw) - {"_about"}


def test_loaded_values_are_the_files_values():
    raw = _raw(parameters.MARGINALS_FILE)
    assert raw["target_rate"] == parameters.TARGET_RATE
    assert parameters.QUANTILES["AMT_INCOME_TOTAL"] == tuple(raw["quantiles"]["AMT_INCOME_TOTAL"])
    assert parameters.LEVELS["CODE_GENDER"]["M"] == tuple(raw["levels"]["CODE_GENDER"]["M"])
    risk = _raw(parameters.RISK_COEFFICIENTS_FILE)
    assert risk["coefficients"] == parameters.COEFFICIENTS
    housing = _raw(parameters.HOUSING_GRIDS_FILE)
    assert parameters.HOUSING_GRID["FLOORSMAX_AVG"] == tuple(housing["grid"]["FLOORSMAX_AVG"])


def test_tables_cover_the_schema():
    quantile_count = len(parameters.QUANTILE_PROBS)
    assert all(len(knots) == quantile_count for knots in parameters.QUANTILES.values())
    assert all(list(k) == sorted(k) for k in parameters.QUANTILES.values())
    assert set(parameters.APPLICANT_ANCHORS) == set(parameters.QUANTILES)
    for column in schema.CATEGORICAL_COLUMNS:
        assert list(parameters.LEVELS[column]) == list(schema.CATEGORY_LEVELS[column]), column
    for column, offsets in parameters.LEVEL_LOG_ODDS.items():
        assert set(offsets) <= set(schema.CATEGORY_LEVELS[column]), column
    for column, shares in parameters.HOUSING_COUNT_LEVELS.items():
        assert abs(sum(shares) - 1.0) < 0.01 and column in parameters.HOUSING_GRID
