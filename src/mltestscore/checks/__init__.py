"""Stage 4, checks: one class per rubric test, registered through entry points."""


class RegistryError(Exception):
    """The installed checks do not cover the rubric (here, not in registry.py: the CLI catches it
    without importing the registry when an audit is answered from the memo)."""
