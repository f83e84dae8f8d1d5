"""The web layer: the Dash app and its pages, the JSON API, logins, and the per-client cache.

It only turns answers from :mod:`credit_dashboard.services` into pages, JSON and HTTP statuses.
"""
