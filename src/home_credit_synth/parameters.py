"""The generator's numbers, read once at import from the data files in ``params/``.

The numbers are data, not code, so a maintainer recalibrates by regenerating the files
(``python -m home_credit_synth.calibrate.derive_params``, see the package README) without touching
a module. Three files, each saying in its ``_about`` key what it holds:

- ``marginals.json``: the real data's per-column statistics (percentiles, missing fractions,
  category shares and default rates, univariate AUCs), derived from a profile of real rows;
- ``housing_grids.json``: the building columns' point masses and grids, derived from real
  applicant rows;
- ``risk_coefficients.json``: the true-risk model's coefficients (:mod:`home_credit_synth.risk`),
  tuned on generated data until its univariate AUCs and default rates meet ``marginals.json``.

Lists become tuples here (the tables are read-only facts).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

MARGINALS_FILE = "marginals.json"
HOUSING_GRIDS_FILE = "housing_grids.json"
RISK_COEFFICIENTS_FILE = "risk_coefficients.json"
PARAMS_PACKAGE = "home_credit_synth"
PARAMS_FOLDER = "params"


def _frozen(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return {k: _frozen(v) for k, v in value.items()}
    return value


def load(name: str) -> dict[str, Any]:
    """One parameter file as a dict (lists as tuples, without its ``_about`` note)."""
    text = resources.files(PARAMS_PACKAGE).joinpath(PARAMS_FOLDER, name).read_text("utf-8")
    content = json.loads(text)
    content.pop("_about", None)
    return _frozen(content)


_marginals = load(MARGINALS_FILE)
_housing = load(HOUSING_GRIDS_FILE)
_risk = load(RISK_COEFFICIENTS_FILE)

#: Default rate of the full Kaggle ``application_train`` (307,511 rows).
TARGET_RATE: float = _marginals["target_rate"]
#: Default rate of the profiled sample (the per-level rates are relative to it).
SAMPLE_TARGET_RATE: float = _marginals["sample_target_rate"]
#: Probabilities at which ``QUANTILES`` gives the history's values.
QUANTILE_PROBS: tuple[float, ...] = _marginals["quantile_probs"]
#: Numeric column -> the history values at ``QUANTILE_PROBS`` (min, p1 ... p99, max).
QUANTILES: dict[str, tuple[float, ...]] = _marginals["quantiles"]
#: Numeric column -> (p1, p50, p99) among the applicants (``application_test``): where they drift.
APPLICANT_ANCHORS: dict[str, tuple[float, float, float]] = _marginals["applicant_anchors"]
#: 0/1 column -> share of ones in the history.
BINARY_RATES: dict[str, float] = _marginals["binary_rates"]
#: Column -> (missing fraction in the history, among the applicants), for columns with gaps.
MISSING: dict[str, tuple[float, float]] = _marginals["missing"]
#: Text column -> level -> (share among non-missing in the history, among the applicants, default
#: rate shrunk toward SAMPLE_TARGET_RATE). Levels in ``schema`` order.
LEVELS: dict[str, dict[str, tuple[float, float, float]]] = _marginals["levels"]
#: Numeric column -> univariate ROC AUC of the raw value against TARGET on non-missing rows.
UNIVARIATE_AUC: dict[str, float] = _marginals["univariate_auc"]
#: Default rate when a column is missing vs present (missingness carries risk).
RATE_WHEN_MISSING: dict[str, tuple[float, float]] = _marginals["rate_when_missing"]
#: Share of rows with every housing column missing (history, applicants).
HOUSING_BLOCK_MISSING: tuple[float, float] = _marginals["housing_block_missing"]
#: DAYS_EMPLOYED = 365243 (not employed): share (history, applicants), default rate (with, without).
EMPLOYMENT_ANOMALY: dict[str, tuple[float, float]] = _marginals["employment_anomaly"]
#: Latest DAYS_EMPLOYED among employed clients (everyone else has the 365243 placeholder).
DAYS_EMPLOYED_MAX_EMPLOYED: int = _marginals["days_employed_max_employed"]
#: Share of DAYS_LAST_PHONE_CHANGE equal to 0 (phone changed on the application day).
PHONE_CHANGED_TODAY: float = _marginals["phone_changed_today"]

#: Housing column -> share of exact zeros among the rows that have a value.
HOUSING_ZERO_SHARE: dict[str, float] = _housing["zero_share"]
#: Housing column -> (grid step, share of non-zero values on whole steps, on whole or half steps).
HOUSING_GRID: dict[str, tuple[float, float, float]] = _housing["grid"]
#: Counted housing statistic -> share of the rows with a value at 0, 1, 2... grid steps.
HOUSING_COUNT_LEVELS: dict[str, tuple[float, ...]] = _housing["count_levels"]

#: Risk model: log-odds per standard deviation (traits) or per unit (flags, counts); + = riskier.
COEFFICIENTS: dict[str, float] = _risk["coefficients"]
#: Risk model: log-odds offset of each level (missing value: 0).
LEVEL_LOG_ODDS: dict[str, dict[str, float]] = _risk["level_log_odds"]
