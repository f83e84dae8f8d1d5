"""Writing parameter files in one stable layout, so a recalibration shows as a readable diff."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def dumps(obj: Any, indent: int = 0) -> str:
    """JSON with one key per line and every list of numbers on one line (tables stay compact)."""
    pad = " " * indent
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f'{pad} {json.dumps(str(k), ensure_ascii=False)}: {dumps(v, indent + 1)}'
                 for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list | tuple):
        return "[" + ", ".join(dumps(v, indent + 1) for v in obj) + "]"
    return json.dumps(obj, ensure_ascii=False)


def write_params(path: Path, about: str, content: dict[str, Any]) -> None:
    """Write ``{"_about": about, **content}`` atomically (a reader never sees half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(dumps({"_about": about, **content}) + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


#: What each parameter file holds, written as its ``_about`` note.
ABOUT: dict[str, str] = {
    "marginals.json": (
        "Per-column statistics of the real Home Credit data the generator reproduces: history "
        "percentiles (quantiles at quantile_probs), applicants' p1/p50/p99 (applicant_anchors), "
        "shares of ones (binary_rates), missing fractions (history, applicants), category shares "
        "(history, applicants) and default rates shrunk toward sample_target_rate (prior weight "
        "300 rows), univariate AUCs, default rates with a value missing/present, and anomalies. "
        "Derived by home_credit_synth.calibrate.derive_params from a profile of real rows."
    ),
    "housing_grids.json": (
        "Building columns as the register records them: share of exact zeros among rows with a "
        "value (zero_share), grid step and shares on whole / half steps (grid), and the shares of "
        "each whole count for floors, entrances and elevators (count_levels). Derived by "
        "home_credit_synth.calibrate.derive_params from real applicant rows."
    ),
    "risk_coefficients.json": (
        "The true-risk model (home_credit_synth.risk): log-odds per standard deviation or per "
        "unit (coefficients; + = riskier) and per category level (level_log_odds). Tuned by "
        "home_credit_synth.calibrate.tune_risk on generated history rows until each column's "
        "univariate AUC, each level's default rate and each missing-value default rate meet "
        "marginals.json."
    ),
}
