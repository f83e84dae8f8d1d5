"""The panels of the accounts page: ``accounts`` and ``api_keys``."""
