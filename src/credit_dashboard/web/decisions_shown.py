"""What a recorded decision keeps of what the advisor was shown: the input row, reasons and
counterfactual.

One function for the decision form and ``POST /api/decisions`` alike, so a decision recorded from
the page and one recorded by another system hold the same things (issue 19, section 5):

- ``inputs``: the client's row exactly as the served model is given it
  (``ScoringService.model_input``: every Kaggle column, the ``CR_*`` features when the model uses
  them), so a reviewer sees what the model saw and the score can be replayed;
- ``reasons``: the principal reasons for a refusal (``services.reasons``), **in English** whatever
  the advisor's screen language. Why: the log is an audit record that a script replays and
  compares; one fixed wording keeps two records of the same facts equal and lets
  ``verify_decisions.py`` re-derive them. The pages translate when they show a record (the
  reviewers' panel re-derives them in the reader's language when the served model is the one
  recorded);
- ``counterfactual``: what would have changed the decision (``services.counterfactual``), as its
  ``to_dict()``, also computed in English, or None for a grant.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from credit_dashboard.i18n import use_language
from credit_dashboard.services.counterfactual import client_counterfactual
from credit_dashboard.services.reasons import refusal_reasons

log = logging.getLogger(__name__)

#: The language of the texts a record keeps (see the module docstring).
RECORD_LANGUAGE = "en"


@dataclass(frozen=True)
class ShownRecord:
    """What a decision record keeps of the scored client, besides the score itself."""

    inputs: dict[str, object]
    reasons: tuple[str, ...]
    counterfactual: dict[str, Any] | None


def shown_record(services: Any, client_id: int) -> ShownRecord:
    """The input row, the reasons and the counterfactual of ``client_id`` as served now.

    Raises ``UnknownClientError`` for an unknown client (the caller has scored it already).
    """
    scoring = services.scoring
    inputs = scoring.model_input(client_id)
    with use_language(RECORD_LANGUAGE):
        result = scoring.score_client(client_id)
        reasons = tuple(reason.text for reason in refusal_reasons(result).reasons)
        refused = result.decision == "refuse"
        counterfactual = _counterfactual(scoring, client_id) if refused else None
    return ShownRecord(inputs, reasons, counterfactual)


def _counterfactual(scoring: Any, client_id: int) -> dict[str, Any] | None:
    """The smallest change that would grant, as the API gives it (``services.counterfactual``)."""
    found = client_counterfactual(scoring, client_id)
    return None if found is None else found.to_dict()
