"""What leaving CODE_GENDER out of the model costs, when both kinds of version exist. No Dash.

Issue 10: ``train.py --exclude-protected`` trains without CODE_GENDER and the card records the
choice (``protected.exclude_protected``). The cost of that choice is only meaningful between a
version trained with the attribute and one trained without it, measured on the same clients: the
two are compared on the held-out ids they share (:func:`versions_view.compare`). On each side the
active version is taken when it is of that kind, else the newest one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from credit_dashboard.model.versions import VersionInfo
from credit_dashboard.services.versions_view import Comparison, compare, versions

TRAIN_EXCLUDED_COMMAND = "python scripts/train.py --exclude-protected"
TRAIN_INCLUDED_COMMAND = "python scripts/train.py"


@dataclass(frozen=True)
class ProtectedCost:
    """``comparison`` is None when one kind is missing (``missing`` says which)."""

    included: str | None
    excluded: str | None
    comparison: Comparison | None
    #: "excluded" or "included": the kind of version not trained yet.
    missing: str | None = None

    @property
    def auc_change(self) -> float | None:
        """Excluded minus included: negative means excluding loses ranking power."""
        if self.comparison is None or not self.comparison.figures:
            return None
        with_it, without = self.comparison.figures
        return without.roc_auc - with_it.roc_auc

    @property
    def cost_change(self) -> float | None:
        """Excluded minus included business cost per client: positive means excluding costs."""
        if self.comparison is None or not self.comparison.figures:
            return None
        with_it, without = self.comparison.figures
        return without.normalised_cost - with_it.normalised_cost


def _pick(stored: list[VersionInfo], excluded: bool) -> str | None:
    """The active version of that kind, else the newest (``stored`` is newest first)."""
    kind = [v for v in stored if v.exclude_protected is excluded and v.problem is None]
    chosen = [v for v in kind if v.active] or kind
    return chosen[0].version if chosen else None


def protected_cost(artifacts_dir: Path) -> ProtectedCost:
    stored = versions(artifacts_dir)
    included, excluded = _pick(stored, False), _pick(stored, True)
    if included is None or excluded is None:
        return ProtectedCost(included, excluded, None,
                             missing="excluded" if excluded is None else "included")
    return ProtectedCost(included, excluded, compare(artifacts_dir, included, excluded))
