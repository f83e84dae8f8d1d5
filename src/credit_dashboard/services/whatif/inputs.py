"""Which inputs the what-if offers: the editable whitelist, ranked by the model's importance.

Only inputs a client or an advisor could actually change are editable (amounts, employment,
household, contract): never the external scores, ids or anything the bureau reports. Which of them
the panel shows is decided by the model's global importance, so the panel offers the levers that
move the score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from credit_dashboard.model.record_catalogue import is_record_feature
from credit_dashboard.storage.schema import CATEGORY_LEVELS

Kind = Literal["amount", "years_employed", "count", "category"]


@dataclass(frozen=True)
class EditableInput:
    """A raw column an advisor may change, and how its value is typed."""

    column: str
    kind: Kind
    #: May the field be left empty (missing in Kaggle, or "not employed" for years employed)?
    optional: bool = False

    @property
    def levels(self) -> tuple[str, ...]:
        return CATEGORY_LEVELS.get(self.column, ())


#: The whitelist, in the order used when the model ranks two inputs equally.
EDITABLE_INPUTS: dict[str, EditableInput] = {
    spec.column: spec
    for spec in (
        EditableInput("AMT_CREDIT", "amount"),
        EditableInput("AMT_ANNUITY", "amount"),
        EditableInput("AMT_GOODS_PRICE", "amount", optional=True),
        EditableInput("AMT_INCOME_TOTAL", "amount"),
        EditableInput("DAYS_EMPLOYED", "years_employed", optional=True),
        EditableInput("NAME_CONTRACT_TYPE", "category"),
        EditableInput("NAME_FAMILY_STATUS", "category"),
        EditableInput("CNT_CHILDREN", "count"),
        EditableInput("CNT_FAM_MEMBERS", "count", optional=True),
        EditableInput("NAME_EDUCATION_TYPE", "category"),
        EditableInput("NAME_INCOME_TYPE", "category"),
        EditableInput("NAME_HOUSING_TYPE", "category"),
        EditableInput("OCCUPATION_TYPE", "category", optional=True),
        EditableInput("FLAG_OWN_CAR", "category"),
        EditableInput("FLAG_OWN_REALTY", "category"),
    )
}

#: Numeric inputs along which a threshold crossing can be searched.
SEARCHABLE_INPUTS: tuple[str, ...] = (
    "AMT_CREDIT",
    "AMT_ANNUITY",
    "AMT_GOODS_PRICE",
    "AMT_INCOME_TOTAL",
    "DAYS_EMPLOYED",
)

#: Words of engineered feature names -> the raw inputs they are computed from, so importance of
#: e.g. CREDIT_INCOME_RATIO counts for both the credit amount and the income.
_WORD_INPUTS: dict[str, tuple[str, ...]] = {
    "CREDIT": ("AMT_CREDIT",),
    "ANNUITY": ("AMT_ANNUITY",),
    "PAYMENT": ("AMT_ANNUITY", "AMT_CREDIT"),
    "GOODS": ("AMT_GOODS_PRICE",),
    "INCOME": ("AMT_INCOME_TOTAL",),
    "EMPLOYED": ("DAYS_EMPLOYED",),
    "EMPLOYMENT": ("DAYS_EMPLOYED",),
    "CHILDREN": ("CNT_CHILDREN",),
    "FAM": ("CNT_FAM_MEMBERS",),
    "FAMILY": ("CNT_FAM_MEMBERS",),
    "PERSON": ("CNT_FAM_MEMBERS",),
}


# -- choosing the inputs --------------------------------------------------------------------------


def choose_inputs(
    global_importance: Sequence[Mapping[str, Any]] | Mapping[str, float], n: int = 8
) -> list[str]:
    """The ``n`` editable raw inputs that matter most to the model, most important first.

    ``global_importance`` is the model card's list of ``{feature, mean_abs_shap}`` (or a mapping
    feature -> importance). An engineered feature lends its importance to every editable input its
    name refers to (CREDIT_INCOME_RATIO -> credit amount and income); a raw input gets the largest
    importance among the features it feeds. Inputs the model ignores are left out.
    """
    if isinstance(global_importance, Mapping):
        items = list(global_importance.items())
    else:
        items = [(str(e["feature"]), float(e["mean_abs_shap"])) for e in global_importance]
    score: dict[str, float] = {}
    for feature, importance in items:
        for column in _inputs_of(feature):
            score[column] = max(score.get(column, 0.0), float(importance))
    order = list(EDITABLE_INPUTS)
    ranked = sorted(
        (c for c, s in score.items() if s > 0), key=lambda c: (-score[c], order.index(c))
    )
    return ranked[:n]


def read_by_model(columns: Sequence[str], model_inputs: Sequence[str]) -> tuple[str, ...]:
    """``columns`` (in their order) that the served model reads: an input the model ignores
    (left out by the feature policy, ``model.feature_policy``) would change nothing when edited,
    and offering it would suggest it matters. ``model_inputs`` is ``CreditRiskModel.input_columns``
    (the fitted ``FeatureEngineer.input_columns_``, which keeps a column an engineered feature is
    computed from)."""
    read = set(model_inputs)
    return tuple(c for c in columns if c in read)


def _inputs_of(feature: str) -> tuple[str, ...]:
    if feature in EDITABLE_INPUTS:
        return (feature,)
    if is_record_feature(feature):  # how the client repaid is a record, not an editable input
        return ()
    if feature in CATEGORY_LEVELS or feature.startswith(("AMT_REQ_", "EXT_SOURCE", "FLAG_DOC")):
        return ()
    words = feature.upper().split("_")
    found: list[str] = []
    for position, word in enumerate(words):
        nxt = words[position + 1] if position + 1 < len(words) else ""
        if word == "CREDIT" and nxt == "BUREAU":  # bureau enquiries are not the credit amount
            continue
        for column in _WORD_INPUTS.get(word, ()):
            if column not in found:
                found.append(column)
    return tuple(found)
