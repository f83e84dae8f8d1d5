"""What the model page shows of the served version's feature policy, from its card. No Dash.

The card's ``feature_policy`` section (written by the training run) holds the policy as it was
when the version was trained: every rule with its status and why (English and French), the
file's sha256, what the policy costs against the same recipe without it on the same held-out
clients, and the proxy check. Reading it from the card, not from the file, shows the policy the
served model actually followed, even after the file has changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from credit_dashboard.i18n import current_language, format_number
from credit_dashboard.i18n import gettext as _
from credit_dashboard.model.feature_policy import (
    EXCLUDED,
    FAIRNESS_ONLY,
    JUSTIFIED,
    STATUSES,
    USED,
)
from credit_dashboard.services.labels import feature_label
from credit_dashboard.services.records_view import Difference

#: Hex digits of the policy's sha256 shown on the page.
SHORT_SHA = 12


@dataclass(frozen=True)
class PolicyFeature:
    """A feature as the panel lists it: its readable label and its column or feature name."""

    name: str
    label: str


@dataclass(frozen=True)
class PolicyRule:
    """Features sharing one status and one reason, the reason in the reader's language."""

    status: str
    features: tuple[PolicyFeature, ...]
    why: str


@dataclass(frozen=True)
class PolicyCost:
    auc_with: float
    auc_without: float
    cost_with: float
    cost_without: float
    #: With the policy minus without it, and the 95 % interval (None: the card has none).
    auc_difference: Difference | None
    cost_difference: Difference | None
    rows: int
    resamples: int | None


@dataclass(frozen=True)
class ProxyCheck:
    gender_auc: float | None
    age_band_auc: float | None
    rows: int
    #: One sentence per attribute: what its AUC means.
    readings: tuple[str, ...]


@dataclass(frozen=True)
class PolicyView:
    """The panel's content; ``recorded`` is False for a card written before the policy."""

    recorded: bool
    sha256: str | None = None
    path: str | None = None
    packaged: bool = False
    counts: tuple[tuple[str, int], ...] = ()
    rules: tuple[PolicyRule, ...] = ()
    cost: PolicyCost | None = None
    proxy: ProxyCheck | None = None

    @property
    def short_sha(self) -> str | None:
        return None if self.sha256 is None else self.sha256[:SHORT_SHA]

    def rules_with(self, status: str) -> tuple[PolicyRule, ...]:
        return tuple(rule for rule in self.rules if rule.status == status)


def status_text(status: str) -> str:
    """A status in the reader's words."""
    return {USED: _("used"), JUSTIFIED: _("used with a written justification"),
            FAIRNESS_ONLY: _("fairness testing only (never a model input)"),
            EXCLUDED: _("excluded")}.get(status, status)


def _rule(entry: dict[str, Any], french: bool) -> PolicyRule:
    why = entry.get("why_fr") if french and entry.get("why_fr") else entry.get("why", "")
    features = tuple(PolicyFeature(name, feature_label(name))
                     for name in entry.get("features") or ())
    return PolicyRule(str(entry.get("status", "")), features, str(why))


def _difference(section: dict[str, Any] | None) -> Difference | None:
    if not section or any(section.get(k) is None for k in ("estimate", "low", "high")):
        return None
    return Difference(float(section["estimate"]), float(section["low"]), float(section["high"]))


def _cost(section: dict[str, Any] | None) -> PolicyCost | None:
    if not section or section.get("auc_with_policy") is None:
        return None
    auc_with, auc_without = float(section["auc_with_policy"]), float(section["auc_without_policy"])
    cost_with = float(section["cost_with_policy"])
    cost_without = float(section["cost_without_policy"])
    return PolicyCost(
        auc_with=auc_with, auc_without=auc_without, cost_with=cost_with,
        cost_without=cost_without,
        auc_difference=_difference(section.get("auc_difference")),
        cost_difference=_difference(section.get("cost_difference")),
        rows=int(section.get("rows") or 0), resamples=section.get("resamples"),
    )


def proxy_reading(auc: float | None, attribute: str) -> str:
    """What one proxy AUC means, in a sentence (``attribute`` already translated)."""
    if auc is None:
        return _("{attribute}: not measured (too few clients of each group).").format(
            attribute=attribute)
    if auc < 0.55:
        text = _("{attribute}: AUC {auc}, the model's inputs say almost nothing about it.")
    elif auc < 0.65:
        text = _("{attribute}: AUC {auc}, the model's inputs hint at it weakly.")
    elif auc < 0.8:
        text = _("{attribute}: AUC {auc}, the model's inputs carry much of it, although it is "
                 "not one of them.")
    else:
        text = _("{attribute}: AUC {auc}, the model's inputs nearly reveal it, although it is "
                 "not one of them.")
    return text.format(attribute=attribute, auc=_auc(auc))


def _auc(value: float) -> str:
    return format_number(value, 3)


def _proxy(section: dict[str, Any] | None) -> ProxyCheck | None:
    if not section:
        return None
    gender, age = section.get("gender_auc"), section.get("age_band_auc")
    return ProxyCheck(
        gender_auc=None if gender is None else float(gender),
        age_band_auc=None if age is None else float(age),
        rows=int(section.get("rows") or 0),
        readings=(proxy_reading(gender, _("Gender")), proxy_reading(age, _("Age band"))),
    )


def policy_view(card: dict[str, Any]) -> PolicyView:
    """The served version's policy, its cost and its proxy check, in the reader's language."""
    section = card.get("feature_policy")
    if not isinstance(section, dict) or not section.get("sha256"):
        return PolicyView(recorded=False)
    french = current_language() == "fr"
    rules = tuple(_rule(entry, french) for entry in section.get("rules") or ())
    counts = section.get("counts") or {}
    return PolicyView(
        recorded=True, sha256=str(section["sha256"]), path=section.get("path"),
        packaged=bool(section.get("packaged")),
        counts=tuple((status, int(counts.get(status, 0))) for status in STATUSES),
        rules=rules, cost=_cost(section.get("cost")), proxy=_proxy(section.get("proxy_check")),
    )
