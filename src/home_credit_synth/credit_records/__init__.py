"""Kaggle's six credit-record tables for the generated clients (bureau, bureau_balance,
previous_application, POS_CASH_balance, installments_payments, credit_card_balance).

The records read only each client's latent traits (:mod:`home_credit_synth.latent`): one latent
creditworthiness drives both the external scores and the records, so the records add information
without duplicating it. Columns, order and dtypes are
:data:`credit_dashboard.storage.credit_records.schema.TABLES`; numbers come from
``params/credit_records.json``.
"""

from home_credit_synth.credit_records.generate import (
    RECORD_TRAITS,
    Counters,
    draw_records,
    iter_chunks,
    select_traits,
)

__all__ = ["RECORD_TRAITS", "Counters", "draw_records", "iter_chunks", "select_traits"]
