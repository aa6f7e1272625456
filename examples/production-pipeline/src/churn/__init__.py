"""Customer churn prediction."""

__version__ = "1.12.0"
