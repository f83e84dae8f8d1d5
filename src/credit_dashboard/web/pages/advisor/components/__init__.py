"""The advisor page's panels: one module each, with its ids, ``layout(...)`` and
``register_callbacks(app, services)``; :mod:`credit_dashboard.web.pages.advisor.page` composes them.
"""
