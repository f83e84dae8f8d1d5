"""A wide table that scrolls sideways on narrow screens and can still be reached by keyboard.

``dbc.Table(responsive=True)`` wraps the table in a scrolling ``div`` that a keyboard user cannot
focus (axe-core: ``scrollable-region-focusable``, WCAG 2.1.1). This wrapper is the same scrolling
box, focusable and named, so it can be scrolled with the arrow keys and is announced.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


def scrolling_table(table: dbc.Table, label: str, **div_props) -> html.Div:
    """``table`` (built without ``responsive``) in a focusable, labelled scrolling region."""
    return html.Div(
        table, className="table-responsive", tabIndex="0", role="region",
        **{"aria-label": label}, **div_props,
    )
