"""mltestscore-acme: an example plugin (checks, a CI system, a report format)."""

__version__ = "0.1.0"
