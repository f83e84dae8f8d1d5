"""The fairness panel's chart: refusal rate against observed default rate, per group.

Why this chart: a group with more defaulters is refused more often even by a model that treats
every client of a given risk alike. The line is the refusal rate a group would get from its
default rate alone (the overall true- and false-positive rates applied to it); a group above the
line is refused more than its default rate explains, below it less: that distance is the model's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from credit_dashboard.figures.palette import OKABE_ITO, REFERENCE, Figure, axis, base_layout, title
from credit_dashboard.i18n import gettext as _

_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "cross")


def refusal_vs_default(attributes: Sequence[tuple[str, Sequence[Mapping[str, object]]]]) -> Figure:
    """``attributes``: (title, groups) with each group's ``label``, ``count``, ``default_rate``,
    ``refusal_rate`` and ``refusal_rate_from_default_rate``."""
    data: list[dict] = []
    expected = sorted(
        ((float(g["default_rate"]), float(g["refusal_rate_from_default_rate"]))
         for _name, groups in attributes for g in groups),
    )
    if expected:
        data.append({"type": "scatter", "mode": "lines", "name": _("From the default rate alone"),
                     "x": [x for x, _y in expected], "y": [y for _x, y in expected],
                     "line": {"color": REFERENCE, "dash": "dash", "width": 2},
                     "hoverinfo": "skip"})
    for index, (name, groups) in enumerate(attributes):
        data.append({
            "type": "scatter", "mode": "markers+text", "name": name,
            "x": [float(g["default_rate"]) for g in groups],
            "y": [float(g["refusal_rate"]) for g in groups],
            "text": [str(g["label"]) for g in groups], "textposition": "top center",
            "customdata": [int(g["count"]) for g in groups],
            "hovertemplate": "%{text}: " + _("default rate %{x:.1%}, refused %{y:.1%} "
                                             "(%{customdata:,} clients)") + "<extra></extra>",
            "marker": {"size": 12, "color": OKABE_ITO[index % len(OKABE_ITO)],
                       "symbol": _SYMBOLS[index % len(_SYMBOLS)]},
        })
    return {"data": data, "layout": base_layout(
        height=380, margin={"l": 10, "r": 10, "t": 50, "b": 10},
        title=title(_("Refusal rate against default rate, per group (held-out clients)")),
        legend={"orientation": "h", "y": -0.25},
        xaxis=axis(_("Observed default rate"), tickformat=".0%"),
        yaxis=axis(_("Refusal rate at the threshold"), tickformat=".0%"),
    )}
