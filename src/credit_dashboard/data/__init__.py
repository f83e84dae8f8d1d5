"""Kaggle schema, the synthetic generator, and loading + validation of client tables."""
