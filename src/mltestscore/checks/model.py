"""The model section of the rubric. Not assessed yet: every test scores 0 as "not yet assessed"."""

from mltestscore.checks.base import placeholders

CHECKS = placeholders("model")
