"""How a client behaves in the records: one latent creditworthiness, several facets.

Real credit records and external scores are two views of one creditworthiness, so records are
informative but largely redundant with the scores (history_profile.json: aggregates' Spearman with
the mean external score -0.1 to -0.35, univariate AUC 0.55-0.66). Here a client's record risk
mixes the creditworthiness the external scores measure (their traits ``ext1``-``ext3``, see
:mod:`home_credit_synth.latent`; weighted towards ``ext1`` because, as in real files, EXT_SOURCE_1
is missing for more than half of the clients, so the records carry part of what a missing score
would have said), ``hidden`` (the unobserved part of risk) and the client's own noise; each
facet (how recent the credits are, debt, late months, refusals, instalments, card use) takes part
of that risk and its own noise, so the aggregates correlate with each other as real ones do
without any one of them copying the scores. Nothing reads TARGET or the true probability: only
the latent traits, which is all a real lender's records could reflect.

The weights (``params/credit_records.json`` key ``behaviour``) were tuned on generated data with
``python -m home_credit_synth.calibrate.records_check``.
"""

from __future__ import annotations

import numpy as np

from home_credit_synth.credit_records.common import PARAMS
from home_credit_synth.latent import TRAITS, correlation_matrix

#: The tuned weights: ``standing``/``hidden`` shares of the record risk, each facet's share of it.
BEHAVIOUR: dict[str, float] = PARAMS["behaviour"]
FACETS: tuple[str, ...] = (
    "recency",  # credits opened recently (bureau DAYS_CREDIT, previous DAYS_DECISION)
    "debt",  # remaining debt at other lenders, active credits
    "bureau_late",  # late months and overdue amounts at other lenders
    "refused",  # refused applications with the lender
    "instalment_late",  # late and partial instalments, POS days past due
    "card_use",  # card limit use and drawings
    "presence",  # having no record of a kind (thin files are riskier)
)


def client_scores(rng: np.random.Generator, traits: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Unit-variance per-client scores, higher = riskier: ``risk`` and one per facet, plus
    ``activity`` (older clients borrowed more, so have more records)."""
    n = len(traits["hidden"])
    w_s, w_h = BEHAVIOUR["standing"], BEHAVIOUR["hidden"]
    standing = _standing(traits)
    risk = -w_s * standing + w_h * traits["hidden"]
    risk = risk + np.sqrt(max(1.0 - w_s**2 - w_h**2, 0.0)) * rng.standard_normal(n)
    scores = {"risk": risk}
    for facet in FACETS:
        w = BEHAVIOUR[f"facet_{facet}"]
        scores[facet] = w * risk + np.sqrt(1.0 - w**2) * rng.standard_normal(n)
    age = traits.get("age", np.zeros(n))
    scores["activity"] = 0.5 * age + np.sqrt(0.75) * rng.standard_normal(n)
    return scores


def _standing(traits: dict[str, np.ndarray]) -> np.ndarray:
    """Weighted external-score traits, unit variance by the traits' own correlations (not the
    sample's: a drifted batch keeps its shift, so a worse month has worse records)."""
    names = ("ext1", "ext2", "ext3")
    weights = np.array([BEHAVIOUR[f"standing_{n}"] for n in names])
    index = [TRAITS.index(n) for n in names]
    cov = correlation_matrix()[np.ix_(index, index)]
    combined = sum(w * np.asarray(traits[n], dtype=float) for w, n in zip(weights, names,
                                                                           strict=True))
    return combined / np.sqrt(weights @ cov @ weights)
