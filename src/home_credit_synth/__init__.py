"""A deterministic generator of Home Credit-like client tables (Kaggle's *Home Credit Default Risk*
schema), used as the product's embedded default data set and by the tests.

Not part of the product: ``credit_dashboard`` never imports it. ``scripts/make_data.py`` does.
"""
