"""Colour-blind-safe colours (Okabe-Ito), one meaning each across every chart.

Blue means "lower risk / repaid / grant", vermillion means "higher risk / defaulted / refuse"; the
two stay distinct under the common colour-vision deficiencies, unlike red and green. Text and
markers repeat what the colours say.
"""

from __future__ import annotations

SAFE = "#0072B2"  # Okabe-Ito blue
RISK = "#D55E00"  # Okabe-Ito vermillion
SAFE_LIGHT = "#BBD9EE"
RISK_LIGHT = "#F3CBA5"
NEUTRAL = "#999999"
CLIENT = "#000000"
ACCENT = "#009E73"  # Okabe-Ito bluish green, for "this model" lines next to references
REFERENCE = "#AAAAAA"

#: The Plotly template every figure starts from (white background, light grid).
TEMPLATE = "plotly_white"
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", "size": 13}


def base_layout(**overrides: object) -> dict[str, object]:
    """Layout settings shared by every figure (compact margins, no external font)."""
    layout: dict[str, object] = {
        "template": TEMPLATE,
        "font": FONT,
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
    }
    layout.update(overrides)
    return layout
