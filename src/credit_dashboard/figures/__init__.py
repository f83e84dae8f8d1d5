"""Pure Plotly figure functions: data in, ``go.Figure`` out, no file reads, no model calls.

Each chart on screen is one function here, testable without a browser (traces, marker positions,
labels). Colours come from :mod:`credit_dashboard.figures.palette` (colour-blind safe), and no chart
relies on colour alone: directions and decisions are also written in words.
"""
