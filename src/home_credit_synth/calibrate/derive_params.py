"""Recompute the profile-derived parts of ``marginals.json`` from a profile of real rows.

    python -m home_credit_synth.calibrate.derive_params --profile PATH/home_credit_profile.json \
        --out src/home_credit_synth/params

Reads a profile (the layout of ``home_credit_profile.json``), takes the committed
``marginals.json`` as the template (which columns and levels exist, their order, and every field
the profile cannot give), replaces the fields that map straight onto the profile, writes
``DIR/marginals.json`` and logs a comparison table (field, column, committed, derived) of every
value that changes. The package README lists which fields are derived, which are carried over,
and the rounding rules. ``housing_grids.json`` and ``risk_coefficients.json`` are not touched.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from home_credit_synth.calibrate.params_io import ABOUT, write_params
from home_credit_synth.parameters import MARGINALS_FILE, PARAMS_FOLDER, PARAMS_PACKAGE

logger = logging.getLogger(__name__)

#: Profile percentile keys, in the order of ``quantile_probs`` (0, .01, .05, .25, .5, .75, .95,
#: .99, 1).
QUANTILE_KEYS = ("min", "p1", "p5", "p25", "p50", "p75", "p95", "p99", "max")
#: Applicants' anchors (p1, p50, p99) in the profile's test-set keys.
ANCHOR_KEYS = ("test_p1", "test_p50", "test_p99")
#: Prior weight (rows) of the shrinkage of each level's default rate toward the sample rate.
LEVEL_PRIOR_ROWS = 300
#: Tolerance of :func:`within_profile_rounding` (absolute + relative to the committed value).
RATE_ABS_TOLERANCE = 1e-6
RATE_REL_TOLERANCE = 5e-4
#: Significant digits of percentiles and anchors (the committed files' rule).
QUANTILE_DIGITS = 6
#: Significant digits at least kept in a changed share or rate (the committed files' rule).
SHARE_DIGITS = 5
#: Decimals used for a value the committed file does not have yet.
DEFAULT_DECIMALS = 5


class ProfileError(ValueError):
    """The profile lacks a statistic the committed file needs."""


def decimals_of(value: float | int) -> int:
    """Decimal places the committed value was written with (``5e-05`` -> 5, ``1823240.0`` -> 1)."""
    exponent = Decimal(repr(value)).as_tuple().exponent
    return max(0, -int(exponent))


def within_profile_rounding(derived: float, committed: Any) -> bool:
    """Whether a share/rate (|value| < 1) differs from the committed one only by the profile's
    own rounding (it stores shares to 5-6 decimals; the committed file kept 4-5 significant
    digits): then the committed value stays, so a recalibration does not churn every line."""
    if isinstance(committed, bool) or not isinstance(committed, int | float):
        return False
    if abs(committed) >= 1:
        return False
    tolerance = RATE_ABS_TOLERANCE + RATE_REL_TOLERANCE * abs(committed)
    return abs(float(derived) - committed) <= tolerance


def significant(derived: float, committed: Any, digits: int = QUANTILE_DIGITS) -> float | int:
    """A percentile rounded to ``digits`` significant digits, typed like the committed value
    (``1823242.5`` -> ``1823240.0`` when the committed one is a float, ``-8245.84`` stays)."""
    value = float(derived)
    if value != 0:
        value = round(value, digits - 1 - math.floor(math.log10(abs(value))))
    if isinstance(committed, int) and not isinstance(committed, bool) and value.is_integer():
        return int(value)
    return value


def anchor(derived: float, committed: Any) -> float | int:
    """An applicants' percentile: six significant digits, but whole digits are never rounded
    away (``-10630.28`` -> ``-10630.3``, ``1864152`` stays); typed like the committed value."""
    value = float(derived)
    if value != 0:
        value = round(value, max(0, QUANTILE_DIGITS - 1 - math.floor(math.log10(abs(value)))))
    if isinstance(committed, int) and not isinstance(committed, bool) and value.is_integer():
        return int(value)
    return value


def rounded_like(derived: float, committed: Any) -> float | int:
    """``derived`` rounded to the committed value's decimals or 5 significant digits, whichever
    keeps more (an int stays an int); the committed value itself when the two agree within the
    profile's rounding."""
    if isinstance(committed, bool) or committed is None:
        return round(float(derived), DEFAULT_DECIMALS)
    if within_profile_rounding(derived, committed):
        return committed
    places = decimals_of(committed)
    if isinstance(committed, int):
        return int(round(float(derived)))
    value = float(derived)
    if value != 0:
        places = max(places, SHARE_DIGITS - 1 - math.floor(math.log10(abs(value))))
    return round(value, places)


def _column(profile: dict, name: str) -> dict:
    try:
        return profile["columns"][name]
    except KeyError:
        raise ProfileError(f"the profile has no column {name!r}") from None


def _stat(profile: dict, name: str, key: str) -> float:
    entry = _column(profile, name)
    if key not in entry:
        raise ProfileError(f"the profile's column {name!r} has no {key!r}")
    return entry[key]


def level_shares(
    profile: dict, column: str, levels: list[str], sample_rate: float
) -> dict[str, tuple[float, float, float]]:
    """Level -> (history share among non-missing, applicants' share, shrunk default rate).

    The profile lists only the top 30 history levels and top 10 applicant levels: the history
    remainder is split evenly over the unlisted levels (default rate: the sample rate), and the
    applicants' remainder over their unlisted levels in proportion to the history shares.
    """
    entry = _column(profile, column)
    present = 1.0 - float(entry.get("missing_frac", 0.0))
    listed = {item["level"]: item for item in entry.get("levels_top30", [])}
    history: dict[str, float] = {}
    rates: dict[str, float] = {}
    for level in levels:
        item = listed.get(level)
        if item is not None:
            history[level] = item["freq"] / present if present > 0 else 0.0
            rates[level] = shrunk_rate(item["count"], item["target_rate"], sample_rate)
    unlisted = [level for level in levels if level not in history]
    rest = max(0.0, 1.0 - sum(history.values()))
    for level in unlisted:
        history[level] = rest / len(unlisted)
        rates[level] = sample_rate
    test = entry.get("test_levels_freq_top10", {})
    applicants = {level: float(test[level]) for level in levels if level in test}
    others = [level for level in levels if level not in applicants]
    rest = max(0.0, 1.0 - sum(applicants.values()))
    weight = sum(history[level] for level in others)
    for level in others:
        applicants[level] = rest * history[level] / weight if weight > 0 else 0.0
    return {level: (history[level], applicants[level], rates[level]) for level in levels}


def shrunk_rate(count: int, rate: float, prior_rate: float, prior_rows: int = LEVEL_PRIOR_ROWS):
    """Level default rate pulled toward the sample rate (small levels are noisy)."""
    return (count * rate + prior_rows * prior_rate) / (count + prior_rows)


def derive(profile: dict, committed: dict[str, Any]) -> tuple[dict[str, Any], list[tuple]]:
    """The new marginals content and the list of (field, column, committed, derived) changes.

    Columns and levels come from ``committed`` (the generator's schema); values from ``profile``.
    """
    out = json.loads(json.dumps(committed))
    out.pop("_about", None)
    changes: list[tuple] = []

    def put(field: str, label: str, old: Any, new: Any, target: dict, key: str) -> None:
        """Store ``new`` at ``target[key]``; record it under (field, label) when it changes."""
        if old != new:
            changes.append((field, label, old, new))
        target[key] = new

    meta = profile.get("meta", {})
    for field, key in (("target_rate", "target_rate_full_kaggle_reference"),
                       ("sample_target_rate", "target_rate")):
        if key not in meta:
            raise ProfileError(f"the profile's meta has no {key!r}")
        put(field, "-", out[field], rounded_like(meta[key], out[field]), out, field)
    sample_rate = meta["target_rate"]

    for column, old in committed["quantiles"].items():
        stats = [_stat(profile, column, k) for k in QUANTILE_KEYS]
        new = [significant(v, o) for v, o in zip(stats, old, strict=True)]
        put("quantiles", column, list(old), new, out["quantiles"], column)
    for column, old in committed["applicant_anchors"].items():
        new = [anchor(_stat(profile, column, k), o) for k, o in zip(ANCHOR_KEYS, old, strict=True)]
        put("applicant_anchors", column, list(old), new, out["applicant_anchors"], column)
    for column, old in committed["binary_rates"].items():
        put("binary_rates", column, old, rounded_like(_stat(profile, column, "mean"), old),
            out["binary_rates"], column)
    for column, old in committed["univariate_auc"].items():
        new = rounded_like(_stat(profile, column, "univariate_auc"), old)
        put("univariate_auc", column, old, new, out["univariate_auc"], column)
    for column, old in committed["missing"].items():
        keys = ("missing_frac", "test_missing_frac")
        new = [rounded_like(_stat(profile, column, k), o) for k, o in zip(keys, old, strict=True)]
        put("missing", column, list(old), new, out["missing"], column)
    for column, levels in committed["levels"].items():
        shares = level_shares(profile, column, list(levels), sample_rate)
        for level, old in levels.items():
            new = [rounded_like(v, o) for v, o in zip(shares[level], old, strict=True)]
            put("levels", f"{column}={level}", list(old), new, out["levels"][column], level)

    anomalies = profile.get("anomalies", {})
    employed = anomalies.get("DAYS_EMPLOYED_365243")
    if employed:
        old = committed["employment_anomaly"]
        new = {"share": [rounded_like(employed[k], o) for k, o in
                         zip(("frac", "test_frac"), old["share"], strict=True)],
               "rate": [rounded_like(employed[k], o) for k, o in
                        zip(("target_rate", "target_rate_other"), old["rate"], strict=True)]}
        for part in ("share", "rate"):
            put("employment_anomaly", part, list(old[part]), new[part],
                out["employment_anomaly"], part)
    if "DAYS_EMPLOYED_max_excluding_365243" in anomalies:
        put("days_employed_max_employed", "-", out["days_employed_max_employed"],
            int(anomalies["DAYS_EMPLOYED_max_excluding_365243"]), out,
            "days_employed_max_employed")
    if "DAYS_LAST_PHONE_CHANGE_eq_0_frac" in anomalies:
        put("phone_changed_today", "-", out["phone_changed_today"],
            rounded_like(anomalies["DAYS_LAST_PHONE_CHANGE_eq_0_frac"],
                         out["phone_changed_today"]), out, "phone_changed_today")
    return out, changes


def committed_marginals() -> dict[str, Any]:
    """The packaged ``marginals.json`` as plain JSON (lists, not tuples)."""
    folder = resources.files(PARAMS_PACKAGE).joinpath(PARAMS_FOLDER)
    return json.loads(folder.joinpath(MARGINALS_FILE).read_text("utf-8"))


def comparison_table(changes: list[tuple]) -> str:
    """Plain-text table of the changed values, one line each."""
    if not changes:
        return "no value changes: the committed marginals match the profile"
    lines = [f"{'field':<20} {'column':<40} {'committed':<40} derived"]
    lines += [f"{f:<20} {c:<40} {json.dumps(o):<40} {json.dumps(n)}" for f, c, o, n in changes]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", type=Path, required=True, help="profile JSON of real rows")
    parser.add_argument("--out", type=Path, required=True, help="folder to write marginals.json")
    parser.add_argument("--template", type=Path, default=None,
                        help="marginals.json to start from (default: the packaged one)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        profile = json.loads(args.profile.read_text("utf-8"))
        template = (json.loads(args.template.read_text("utf-8")) if args.template
                    else committed_marginals())
        content, changes = derive(profile, template)
    except (OSError, json.JSONDecodeError, ProfileError, KeyError, TypeError) as exc:
        logger.error("cannot derive marginals: %s", exc)
        return 2
    write_params(args.out / MARGINALS_FILE, ABOUT[MARGINALS_FILE], content)
    logger.info("%s", comparison_table(changes))
    logger.info("%d value(s) changed; wrote %s", len(changes), args.out / MARGINALS_FILE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
