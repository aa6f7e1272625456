"""Stage 1, the index: which files the repository holds, read at most once, parsed on demand."""

from mltestscore.index.files import RepoFiles
from mltestscore.index.parsed import Parsed

__all__ = ["RepoFiles", "Parsed"]
