"""Credit-risk scoring dashboard for Prêt à dépenser's advisors (Home Credit schema)."""

__version__ = "0.1.0"
