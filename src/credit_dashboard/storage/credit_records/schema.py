"""Kaggle's six *credit-record* tables: names, column order, dtypes, keys and codes.

"Credit records" are how an applicant has borrowed and repaid: credits at other lenders reported
by the credit bureau (``bureau``) and their monthly status (``bureau_balance``), earlier
applications with the lender (``previous_application``) and, for the loans they got, the monthly
cash-loan and card balances and every instalment due and paid. The name keeps them apart from what
the code calls *history* (the labelled past clients of ``application_train``).

This module is the one source of truth for those tables: the generator writes it, the importer and
the store validate against it, the aggregates read it. Columns, order and dtypes are exactly
Kaggle's (``int64``, ``float64`` or ``object`` for text).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BUREAU",
    "BUREAU_BALANCE",
    "BUREAU_BALANCE_STATUSES",
    "CREDIT_CARD_BALANCE",
    "INSTALLMENTS_PAYMENTS",
    "POS_CASH_BALANCE",
    "PREVIOUS_APPLICATION",
    "RECORDS_DIR",
    "TABLES",
    "TABLE_NAMES",
    "DAYS_PLACEHOLDER",
    "TableSpec",
]

#: Folder of the store under the data folder: ``data/credit_records/<table>.parquet``.
RECORDS_DIR = "credit_records"

#: ``previous_application``'s ``DAYS_*`` placeholder for "no such date" (as in the application
#: table's ``DAYS_EMPLOYED``).
DAYS_PLACEHOLDER = 365243

#: ``bureau_balance.STATUS``: C closed, X unknown, 0 no days past due, 1 = 1-30 days past due,
#: 2 = 31-60, 3 = 61-90, 4 = 91-120, 5 = more than 120 days past due or sold / written off.
BUREAU_BALANCE_STATUSES: tuple[str, ...] = ("C", "X", "0", "1", "2", "3", "4", "5")


@dataclass(frozen=True)
class TableSpec:
    """One credit-record table as Kaggle ships it."""

    #: Kaggle's file stem (``bureau`` -> ``bureau.csv`` / ``bureau.parquet``).
    name: str
    #: Column -> dtype ("int64", "float64" or "object"), in Kaggle's order.
    columns: dict[str, str]
    #: Column(s) unique per row, or () when a row has no key of its own (balances, instalments).
    key: tuple[str, ...]
    #: The column that says which loan a row belongs to (SK_ID_BUREAU / SK_ID_PREV), if any.
    loan_column: str | None
    #: Whether the table carries SK_ID_CURR itself (bureau_balance reaches it through bureau).
    has_client: bool = True

    @property
    def file(self) -> str:
        return f"{self.name}.parquet"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(self.columns)


def _spec(name: str, columns: str, key: tuple[str, ...], loan: str | None,
          has_client: bool = True) -> TableSpec:
    parsed: dict[str, str] = {}
    for item in columns.split():
        column, dtype = item.split(":")
        parsed[column] = {"i": "int64", "f": "float64", "s": "object"}[dtype]
    return TableSpec(name, parsed, key, loan, has_client)


BUREAU = _spec(
    "bureau",
    "SK_ID_CURR:i SK_ID_BUREAU:i CREDIT_ACTIVE:s CREDIT_CURRENCY:s DAYS_CREDIT:i "
    "CREDIT_DAY_OVERDUE:i DAYS_CREDIT_ENDDATE:f DAYS_ENDDATE_FACT:f AMT_CREDIT_MAX_OVERDUE:f "
    "CNT_CREDIT_PROLONG:i AMT_CREDIT_SUM:f AMT_CREDIT_SUM_DEBT:f AMT_CREDIT_SUM_LIMIT:f "
    "AMT_CREDIT_SUM_OVERDUE:f CREDIT_TYPE:s DAYS_CREDIT_UPDATE:i AMT_ANNUITY:f",
    key=("SK_ID_BUREAU",), loan="SK_ID_BUREAU",
)
BUREAU_BALANCE = _spec(
    "bureau_balance", "SK_ID_BUREAU:i MONTHS_BALANCE:i STATUS:s",
    key=("SK_ID_BUREAU", "MONTHS_BALANCE"), loan="SK_ID_BUREAU", has_client=False,
)
PREVIOUS_APPLICATION = _spec(
    "previous_application",
    "SK_ID_PREV:i SK_ID_CURR:i NAME_CONTRACT_TYPE:s AMT_ANNUITY:f AMT_APPLICATION:f AMT_CREDIT:f "
    "AMT_DOWN_PAYMENT:f AMT_GOODS_PRICE:f WEEKDAY_APPR_PROCESS_START:s HOUR_APPR_PROCESS_START:i "
    "FLAG_LAST_APPL_PER_CONTRACT:s NFLAG_LAST_APPL_IN_DAY:i RATE_DOWN_PAYMENT:f "
    "RATE_INTEREST_PRIMARY:f RATE_INTEREST_PRIVILEGED:f NAME_CASH_LOAN_PURPOSE:s "
    "NAME_CONTRACT_STATUS:s DAYS_DECISION:i NAME_PAYMENT_TYPE:s CODE_REJECT_REASON:s "
    "NAME_TYPE_SUITE:s NAME_CLIENT_TYPE:s NAME_GOODS_CATEGORY:s NAME_PORTFOLIO:s "
    "NAME_PRODUCT_TYPE:s CHANNEL_TYPE:s SELLERPLACE_AREA:i NAME_SELLER_INDUSTRY:s CNT_PAYMENT:f "
    "NAME_YIELD_GROUP:s PRODUCT_COMBINATION:s DAYS_FIRST_DRAWING:f DAYS_FIRST_DUE:f "
    "DAYS_LAST_DUE_1ST_VERSION:f DAYS_LAST_DUE:f DAYS_TERMINATION:f NFLAG_INSURED_ON_APPROVAL:f",
    key=("SK_ID_PREV",), loan="SK_ID_PREV",
)
POS_CASH_BALANCE = _spec(
    "POS_CASH_balance",
    "SK_ID_PREV:i SK_ID_CURR:i MONTHS_BALANCE:i CNT_INSTALMENT:f CNT_INSTALMENT_FUTURE:f "
    "NAME_CONTRACT_STATUS:s SK_DPD:i SK_DPD_DEF:i",
    key=(), loan="SK_ID_PREV",
)
INSTALLMENTS_PAYMENTS = _spec(
    "installments_payments",
    "SK_ID_PREV:i SK_ID_CURR:i NUM_INSTALMENT_VERSION:f NUM_INSTALMENT_NUMBER:i "
    "DAYS_INSTALMENT:f DAYS_ENTRY_PAYMENT:f AMT_INSTALMENT:f AMT_PAYMENT:f",
    key=(), loan="SK_ID_PREV",
)
CREDIT_CARD_BALANCE = _spec(
    "credit_card_balance",
    "SK_ID_PREV:i SK_ID_CURR:i MONTHS_BALANCE:i AMT_BALANCE:f AMT_CREDIT_LIMIT_ACTUAL:i "
    "AMT_DRAWINGS_ATM_CURRENT:f AMT_DRAWINGS_CURRENT:f AMT_DRAWINGS_OTHER_CURRENT:f "
    "AMT_DRAWINGS_POS_CURRENT:f AMT_INST_MIN_REGULARITY:f AMT_PAYMENT_CURRENT:f "
    "AMT_PAYMENT_TOTAL_CURRENT:f AMT_RECEIVABLE_PRINCIPAL:f AMT_RECIVABLE:f AMT_TOTAL_RECEIVABLE:f "
    "CNT_DRAWINGS_ATM_CURRENT:f CNT_DRAWINGS_CURRENT:i CNT_DRAWINGS_OTHER_CURRENT:f "
    "CNT_DRAWINGS_POS_CURRENT:f CNT_INSTALMENT_MATURE_CUM:f NAME_CONTRACT_STATUS:s SK_DPD:i "
    "SK_DPD_DEF:i",
    key=(), loan="SK_ID_PREV",
)

#: The six tables, by Kaggle's file stem, parents before children (bureau before its months,
#: previous applications before the balances and instalments of their loans).
TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (BUREAU, BUREAU_BALANCE, PREVIOUS_APPLICATION, POS_CASH_BALANCE,
                 INSTALLMENTS_PAYMENTS, CREDIT_CARD_BALANCE)
}
TABLE_NAMES: tuple[str, ...] = tuple(TABLES)
