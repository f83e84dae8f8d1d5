"""What the product knows, without any web framework: scoring, explanations, comparisons with past
clients, similar clients, what-if simulation, and the typed container the web layer is handed.

Nothing here imports Dash or Flask, so every answer can be computed and tested without a browser.
"""
