"""The admin pages: ``/admin/accounts`` (accounts and API keys)."""
