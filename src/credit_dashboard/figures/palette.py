"""Colour-blind-safe colours (Okabe-Ito), one meaning each across every chart, and the shared style.

Blue means "lower risk / repaid / grant", vermillion means "higher risk / defaulted / refuse"; the
two stay distinct under the common colour-vision deficiencies, unlike red and green. Text and
markers repeat what the colours say.

Figures are plain Plotly dicts (``{"data": [...], "layout": {...}}``), which Dash sends as they are:
building ``go.Figure`` objects validates every property and costs 10-20 ms per chart, more than the
model takes to score and explain a client. Tests wrap the dicts in ``go.Figure`` to validate them.
Long numeric series stay NumPy arrays (serialised whole by orjson).
"""

from __future__ import annotations

import textwrap
from typing import Any

from babel import Locale

from credit_dashboard.i18n import current_language

SAFE = "#0072B2"  # Okabe-Ito blue
RISK = "#D55E00"  # Okabe-Ito vermillion
SAFE_LIGHT = "#BBD9EE"
RISK_LIGHT = "#F3CBA5"
NEUTRAL = "#999999"
CLIENT = "#000000"
ACCENT = "#009E73"  # Okabe-Ito bluish green, for "this model" lines next to references
REFERENCE = "#AAAAAA"
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#56B4E9", "#CC79A7", "#F0E442"]

#: A Plotly figure as a dict (what ``dcc.Graph(figure=...)`` accepts).
Figure = dict[str, Any]

FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", "size": 13,
        "color": "#2a3f5f"}
_AXIS = {"gridcolor": "#EBF0F8", "linecolor": "#EBF0F8", "zerolinecolor": "#D5DCE6",
         "automargin": True, "title": {"standoff": 12}}

#: A light white style (like Plotly's "plotly_white"), small enough to send with every chart.
TEMPLATE: dict[str, Any] = {
    "layout": {
        "font": FONT,
        "colorway": OKABE_ITO,
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "hoverlabel": {"align": "left"},
        "xaxis": _AXIS,
        "yaxis": _AXIS,
    }
}


def base_layout(**overrides: Any) -> dict[str, Any]:
    """Layout settings shared by every figure (compact margins, no external font)."""
    layout: dict[str, Any] = {
        "template": TEMPLATE,
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        # Decimal and thousands separators of the language (Plotly's own ticks and hover labels).
        "separators": number_separators(),
    }
    layout.update(overrides)
    return layout


def number_separators() -> str:
    """Plotly's ``separators``: the decimal then the thousands character of the language."""
    locale = Locale.parse(current_language())
    return locale.number_symbols["latn"]["decimal"] + locale.number_symbols["latn"]["group"]


def title(text: str, size: int = 14) -> dict[str, Any]:
    """A chart title on the left (the right is where Plotly's tool bar would sit)."""
    return {"text": text, "font": {"size": size}, "x": 0.01, "xanchor": "left"}


def wrapped(text: str, width: int) -> str:
    """``text`` in lines of at most ``width`` characters, broken at spaces (Plotly's ``<br>``).

    Plotly never wraps a chart or axis title: a long one (feature names, French above all) ran
    off the side of the half-width comparison charts and was cut."""
    return "<br>".join(textwrap.wrap(text, width=width, break_long_words=False,
                                       break_on_hyphens=False)) or text


def axis(title_text: str, **settings: Any) -> dict[str, Any]:
    """An axis with a title (other settings as Plotly names them)."""
    return {"title": {"text": title_text}, **settings}


def vertical_line(x: float, colour: str = CLIENT, dash: str = "dash", width: int = 2) -> dict:
    """A shape from the bottom to the top of the plot at ``x`` (data coordinates)."""
    return {"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1,
            "line": {"color": colour, "dash": dash, "width": width}}


def horizontal_line(y: float, colour: str = CLIENT, dash: str = "dot", width: int = 1) -> dict:
    return {"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": y, "y1": y,
            "line": {"color": colour, "dash": dash, "width": width}}


def note(text: str, x: float = 0.5, y: float = 1.0, **settings: Any) -> dict[str, Any]:
    """A text annotation placed in paper coordinates unless overridden."""
    return {"text": text, "x": x, "y": y, "xref": "paper", "yref": "paper", "showarrow": False,
            **settings}
