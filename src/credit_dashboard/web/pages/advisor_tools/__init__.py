"""Advisor-page panels: what-if simulation, similar past clients, and the decision log.

An extension (see :mod:`credit_dashboard.web.app`): ``register(app, services)`` builds the
similar-client index and opens the decision log once, appends three panels to the advisor page and
wires their callbacks to the selected client (``pages.advisor.layout.CLIENT_STORE``). The
computations live in :mod:`credit_dashboard.services.whatif`,
:mod:`credit_dashboard.services.neighbours` and
:mod:`credit_dashboard.storage.decisions`; this package only turns their answers into components:
``layout`` (the panels), ``views`` (answers -> components), ``callbacks`` (wiring).

Scores come from the page's :class:`~credit_dashboard.services.scoring.ScoringService`
(the original from its
cache, the simulated one through ``score_record``), so the what-if "original" is exactly the score
shown at the top of the page, and both use the same gauge and waterfall figures.
"""

from __future__ import annotations

from credit_dashboard.web.pages.advisor_tools.callbacks import register

__all__ = ["register"]
