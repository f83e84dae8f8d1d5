"""Kaggle's six credit-record tables: their schema, their validation and the on-disk store.

*Credit records* are how an applicant has borrowed and repaid (credit bureau, earlier
applications, monthly balances, instalments); the name keeps them apart from the *history*, the
labelled past clients. They are read from Parquet files by client on demand, never held whole by
a web worker (``store``).
"""
