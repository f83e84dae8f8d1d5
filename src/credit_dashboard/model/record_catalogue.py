"""The credit-record features as the rest of the product knows them: names, plain descriptions,
fact groups, and what a client without records has.

Kept apart from :mod:`.record_features` (which computes them with DuckDB over the store) so that
explanations, labels and figures can name a record feature without reaching the store.
Every feature is named ``CR_*`` (credit records): the application table's columns and these never
collide. A definition is (description, fact group key, SQL expression over the per-table
summaries of :mod:`.record_features`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from credit_dashboard.storage.schema import ID_COLUMN

__all__ = [
    "COUNT_FEATURES",
    "DEFINITIONS",
    "PREFIX",
    "RECORD_FACTS",
    "RECORD_FEATURES",
    "RECORD_FEATURE_FACTS",
    "attach",
    "is_record_feature",
]

PREFIX = "CR_"

#: Fact groups of the record features (key -> what the fact is), used by explanations and reasons.
RECORD_FACTS: dict[str, str] = {
    "records_late_with_us": "Late payments on earlier loans with us",
    "records_bureau_debts": "Debts and overdue amounts at other lenders",
    "records_bureau_late": "Months late on credits at other lenders",
    "records_bureau_age": "How long and how recently you have borrowed from other lenders",
    "records_applications": "Earlier credit applications with us",
    "records_card_use": "Use of card limits",
}

#: name -> (plain description, fact group key, SQL expression over the per-table CTEs).
DEFINITIONS: dict[str, tuple[str, str, str]] = {
    # bureau: credits at other lenders
    "CR_BUREAU_COUNT": ("Credits at other lenders", "records_bureau_age", "b.n"),
    "CR_BUREAU_ACTIVE_COUNT": ("Active credits at other lenders", "records_bureau_debts",
                               "b.active"),
    "CR_BUREAU_DAYS_CREDIT_MEAN": ("Days since credits at other lenders were opened (mean)",
                                   "records_bureau_age", "b.days_credit_mean"),
    "CR_BUREAU_DAYS_CREDIT_MAX": ("Days since the latest credit at another lender",
                                  "records_bureau_age", "b.days_credit_max"),
    "CR_BUREAU_DEBT_SUM": ("Current debt at other lenders", "records_bureau_debts", "b.debt"),
    "CR_BUREAU_DEBT_CREDIT_RATIO": ("Debt at other lenders / their credit amounts",
                                    "records_bureau_debts", "b.debt / NULLIF(b.credit, 0)"),
    "CR_BUREAU_OVERDUE_SUM": ("Amount overdue at other lenders", "records_bureau_debts",
                              "b.overdue"),
    "CR_BUREAU_OVERDUE_DAYS_MAX": ("Days overdue at other lenders (most)",
                                   "records_bureau_debts", "b.overdue_days"),
    "CR_BUREAU_MAX_OVERDUE": ("Largest amount ever overdue at another lender",
                              "records_bureau_debts", "b.max_overdue"),
    "CR_BUREAU_BAD_DEBT_COUNT": ("Credits at other lenders sold or written off",
                                 "records_bureau_debts", "b.bad_debt"),
    "CR_BUREAU_ENQUIRIES_YEAR": ("Credits opened at other lenders in the last year",
                                 "records_bureau_age", "b.last_year"),
    # bureau_balance: monthly status of those credits
    "CR_BUREAU_MONTHS_LATE": ("Months late on credits at other lenders", "records_bureau_late",
                              "bb.late"),
    "CR_BUREAU_LATE_SHARE": ("Share of months late at other lenders", "records_bureau_late",
                             "bb.late / NULLIF(bb.known, 0)"),
    "CR_BUREAU_MONTHS_LATE_12M": ("Months late at other lenders, last 12 months",
                                  "records_bureau_late", "bb.late_12"),
    "CR_BUREAU_WORST_STATUS": ("Worst lateness at other lenders (0 on time to 5 over 120 days)",
                               "records_bureau_late", "bb.worst"),
    # previous_application: earlier applications with us
    "CR_PREV_COUNT": ("Earlier applications with us", "records_applications", "p.n"),
    "CR_PREV_REFUSED_COUNT": ("Earlier applications refused", "records_applications",
                              "p.refused"),
    "CR_PREV_REFUSED_SHARE": ("Share of earlier applications refused", "records_applications",
                              "p.refused / NULLIF(p.n, 0)"),
    "CR_PREV_APPROVED_COUNT": ("Earlier applications approved", "records_applications",
                               "p.approved"),
    "CR_PREV_REFUSED_AMOUNT": ("Amount asked in refused applications", "records_applications",
                               "p.refused_amount"),
    "CR_PREV_DAYS_DECISION_MAX": ("Days since the latest earlier application",
                                  "records_applications", "p.days_decision_max"),
    "CR_PREV_APPLICATIONS_YEAR": ("Applications with us in the last year",
                                  "records_applications", "p.last_year"),
    "CR_PREV_APPLICATION_CREDIT_RATIO": ("Amount asked / amount granted, earlier applications",
                                         "records_applications", "p.asked_granted"),
    # installments_payments: every instalment due and paid
    "CR_INST_COUNT": ("Instalments due on earlier loans with us", "records_late_with_us",
                      "i.n"),
    "CR_INST_LATE_SHARE": ("Share of instalments paid late", "records_late_with_us",
                           "i.late / NULLIF(i.n, 0)"),
    "CR_INST_LATE_SHARE_12M": ("Share of instalments paid late, last 12 months",
                               "records_late_with_us", "i.late_12 / NULLIF(i.n_12, 0)"),
    "CR_INST_LATE_SHARE_6M": ("Share of instalments paid late, last 6 months",
                              "records_late_with_us", "i.late_6 / NULLIF(i.n_6, 0)"),
    "CR_INST_DAYS_LATE_MEAN": ("Days late per instalment (mean)", "records_late_with_us",
                               "i.days_late_mean"),
    "CR_INST_DAYS_LATE_MAX": ("Days late on an instalment (most)", "records_late_with_us",
                              "i.days_late_max"),
    "CR_INST_PARTIAL_SHARE": ("Share of instalments partly paid", "records_late_with_us",
                              "i.partial / NULLIF(i.n, 0)"),
    "CR_INST_PARTIAL_SHARE_12M": ("Share of instalments partly paid, last 12 months",
                                  "records_late_with_us", "i.partial_12 / NULLIF(i.n_12, 0)"),
    "CR_INST_PAID_RATIO": ("Amount paid / amount due on earlier loans", "records_late_with_us",
                           "i.paid / NULLIF(i.due, 0)"),
    # POS_CASH_balance: monthly cash and consumer loan balances
    "CR_POS_MONTHS": ("Months of cash and consumer loans with us", "records_late_with_us",
                      "pos.n"),
    "CR_POS_DPD_MAX": ("Days past due on a cash or consumer loan (most)",
                       "records_late_with_us", "pos.dpd_max"),
    "CR_POS_LATE_SHARE": ("Share of loan months past due", "records_late_with_us",
                          "pos.late / NULLIF(pos.n, 0)"),
    "CR_POS_REMAINING_INSTALMENTS": ("Instalments left on current loans with us",
                                     "records_late_with_us", "pos.remaining"),
    # credit_card_balance: monthly card balances
    "CR_CARD_MONTHS": ("Months of card use with us", "records_card_use", "c.n"),
    "CR_CARD_LIMIT_USE_MEAN": ("Card balance / card limit (mean)", "records_card_use",
                               "c.use_mean"),
    "CR_CARD_LIMIT_USE_LAST": ("Card balance / card limit (latest month)", "records_card_use",
                               "c.use_last"),
    "CR_CARD_DRAWINGS_MEAN": ("Card drawings per month (mean)", "records_card_use",
                              "c.drawings_mean"),
    "CR_CARD_DPD_MAX": ("Days past due on a card (most)", "records_card_use", "c.dpd_max"),
}

#: Feature name -> short plain description (the model card, the model page, readings).
RECORD_FEATURES: dict[str, str] = {name: text for name, (text, _, _) in DEFINITIONS.items()}
#: Feature name -> fact group key (:data:`RECORD_FACTS`).
RECORD_FEATURE_FACTS: dict[str, str] = {name: fact for name, (_, fact, _) in DEFINITIONS.items()}
#: Counts: 0 for a client with none of the table (everything else is missing then).
COUNT_FEATURES: frozenset[str] = frozenset({
    "CR_BUREAU_COUNT", "CR_BUREAU_ACTIVE_COUNT", "CR_BUREAU_DEBT_SUM", "CR_BUREAU_OVERDUE_SUM",
    "CR_BUREAU_BAD_DEBT_COUNT", "CR_BUREAU_ENQUIRIES_YEAR", "CR_BUREAU_MONTHS_LATE",
    "CR_BUREAU_MONTHS_LATE_12M", "CR_PREV_COUNT", "CR_PREV_REFUSED_COUNT",
    "CR_PREV_APPROVED_COUNT", "CR_PREV_REFUSED_AMOUNT", "CR_PREV_APPLICATIONS_YEAR",
    "CR_INST_COUNT", "CR_POS_MONTHS", "CR_POS_REMAINING_INSTALMENTS", "CR_CARD_MONTHS",
})


def is_record_feature(name: str) -> bool:
    return name.startswith(PREFIX)


def attach(application: pd.DataFrame, aggregates: pd.DataFrame | None) -> pd.DataFrame:
    """The application rows with every record feature beside them (same row order and index).

    A client absent from ``aggregates`` has no records: counts 0, everything else missing.
    ``aggregates=None`` means "no records for anyone" (same values).
    """
    out = application.drop(columns=[c for c in application.columns if is_record_feature(c)])
    if aggregates is None or aggregates.empty:
        values = pd.DataFrame(index=out.index)
        for name in DEFINITIONS:
            values[name] = 0.0 if name in COUNT_FEATURES else np.nan
        return pd.concat([out, values], axis=1)
    indexed = aggregates.set_index(ID_COLUMN)
    if not indexed.index.is_unique:
        raise ValueError(f"record aggregates have duplicate {ID_COLUMN} values")
    matched = indexed.reindex(out[ID_COLUMN].to_numpy(dtype=np.int64))
    matched.index = out.index
    for name in COUNT_FEATURES:
        matched[name] = matched[name].fillna(0.0)
    return pd.concat([out, matched.loc[:, list(DEFINITIONS)]], axis=1)
