"""Stage 4, checks: one class per rubric test, registered through entry points."""
