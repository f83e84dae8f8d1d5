"""What-if simulation: change a few inputs an advisor can negotiate, re-score, compare.

Only inputs a client or an advisor could actually change are editable (amounts, employment,
household, contract): never the external scores, ids or anything the bureau reports. Which of them
the panel shows is decided by the model's global importance, so the panel offers the levers that
move the score.

Re-scoring replaces raw values in the client's raw Kaggle row and sends the whole row through the
model pipeline, so every derived feature (credit / income, payment rate, ...) is recomputed by the
same code that trained the model; nothing derived is ever patched by hand.

Values are exchanged in the advisor's units: money as typed, years employed in years (Kaggle stores
negative days, with 365243 meaning "not employed"), counts as whole numbers, categories as levels.

One module per job, in the order data flows through them:
``inputs`` (the editable whitelist, ranked by the model's importance), ``units`` (the client's raw
values in the advisor's units), ``rules`` (reading typed values, field and cross-field checks,
applying edits), ``rescoring`` (scoring a row, original vs simulated) and ``flip`` (the nearest
value of one input where the decision flips). This module re-exports what the page, the scripts
and the tests use, so they import from ``credit_dashboard.services.whatif`` alone.
"""

from __future__ import annotations

from credit_dashboard.services.whatif.flip import ThresholdCrossing, threshold_crossing
from credit_dashboard.services.whatif.inputs import (
    EDITABLE_INPUTS,
    SEARCHABLE_INPUTS,
    choose_inputs,
    read_by_model,
)
from credit_dashboard.services.whatif.rescoring import compare, contribution_changes, score_row
from credit_dashboard.services.whatif.rules import EditCheck, apply_edits, parse_number
from credit_dashboard.services.whatif.units import display_value, display_values

__all__ = [
    "EDITABLE_INPUTS",
    "SEARCHABLE_INPUTS",
    "EditCheck",
    "ThresholdCrossing",
    "apply_edits",
    "choose_inputs",
    "compare",
    "contribution_changes",
    "display_value",
    "display_values",
    "parse_number",
    "read_by_model",
    "score_row",
    "threshold_crossing",
]
