"""The three pages: advisor (``/``), analyst (``/analyst``) and model (``/model``).

Each page is a package with a ``layout`` module (components only, built from in-memory services;
never reads a file) and, when it reacts to the user, a ``callbacks`` module (calls the scoring
service and the figure functions; never computes a score itself).
"""
