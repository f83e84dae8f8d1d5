"""Storage and schema: Kaggle's column schema, reading + validating client tables, atomic writes,
and the advisors' decision log."""
