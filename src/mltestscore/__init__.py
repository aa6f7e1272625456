"""mltestscore: audit an ML repository against the ML Test Score rubric, statically."""

# Kept literal (not importlib.metadata) so `mltestscore --version` imports nothing.
__version__ = "0.1.0"
