"""Charts of the model page's version panels: two versions' ROC curves on one chart."""

from __future__ import annotations

from collections.abc import Sequence

from credit_dashboard.figures.palette import REFERENCE, RISK, SAFE, Figure, axis, base_layout, title
from credit_dashboard.i18n import format_number
from credit_dashboard.i18n import gettext as _

#: The two versions' lines: colour and dash differ, so they stay apart in grey print too.
_STYLES = ((SAFE, "solid"), (RISK, "dash"))


def roc_comparison(curves: Sequence[tuple[str, Sequence[float], Sequence[float], float]],
                   common_rows: int) -> Figure:
    """ROC curves of versions scored on the same ``common_rows`` held-out clients;
    ``curves``: (version id, fpr, tpr, AUC) per version."""
    data = [{"type": "scatter", "x": [0, 1], "y": [0, 1], "mode": "lines",
             "name": _("Coin toss"), "line": {"color": REFERENCE, "dash": "dot", "width": 2}}]
    for (version, fpr, tpr, auc), (colour, dash) in zip(curves, _STYLES, strict=False):
        data.append({"type": "scatter", "x": list(fpr), "y": list(tpr), "mode": "lines",
                     "name": _("{version} (AUC {auc})").format(version=version,
                                                              auc=format_number(auc, 4)),
                     "line": {"color": colour, "dash": dash, "width": 3}})
    return {"data": data, "layout": base_layout(
        height=380, margin={"l": 10, "r": 10, "t": 50, "b": 10},
        title=title(_("ROC curves on the {n} common held-out clients").format(
            n=format_number(common_rows))),
        legend={"orientation": "h", "y": -0.25},
        xaxis=axis(_("Good payers wrongly flagged (FPR)"), range=[0, 1]),
        yaxis=axis(_("Defaulters caught (recall)"), range=[0, 1.02]),
    )}
