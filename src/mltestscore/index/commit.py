"""A past commit's tree as RepoFiles: the file list from `git ls-tree`, each file's bytes from
its blob, never from the working tree (nothing is checked out, the index is never written).

Only the reading changes (`TreeFiles._read`); queries, caching and the read-once contract are
RepoFiles'. Blobs are shared across commits through a bounded cache keyed by blob id, so a file
unchanged between two audited commits is read from git once.
"""

from __future__ import annotations

import posixpath
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from mltestscore.evidence.git import GitInfo
from mltestscore.index.files import DEFAULT_MAX_BYTES, RepoFiles, Warn, _is_excluded

SYMLINK_MODE = "120000"
BLOB_CACHE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class TreeEntry:
    mode: str
    sha: str
    size: int


def list_tree(repo, commit: str, prefix: str = "") -> dict[str, TreeEntry]:
    """Blobs of `commit` under `prefix` (a folder below the git top level, '' for all), keyed by
    their path relative to `prefix`. Submodules (commit entries) are left out."""
    listing = repo.git.ls_tree("-r", "-l", "-z", "--full-tree", commit)
    entries: dict[str, TreeEntry] = {}
    start = f"{prefix}/" if prefix else ""
    for record in listing.split("\0"):
        meta, _, path = record.partition("\t")
        fields = meta.split()
        if len(fields) != 4 or fields[1] != "blob" or not path.startswith(start):
            continue
        mode, _, sha, size = fields
        entries[path[len(start) :]] = TreeEntry(mode, sha, int(size) if size.isdigit() else 0)
    return entries


class BlobReader:
    """Blob bytes through GitPython's object database (one long-lived `git cat-file --batch`)."""

    def __init__(self, repo, budget: int = BLOB_CACHE_BYTES) -> None:
        self._repo = repo
        self._budget = budget
        self._used = 0
        self._cache: OrderedDict[str, bytes] = OrderedDict()

    def read(self, sha: str) -> bytes:
        """The whole blob: callers check its size first (a partly read stream would leave the
        shared cat-file process out of step)."""
        if sha in self._cache:
            self._cache.move_to_end(sha)
            return self._cache[sha]
        data = self._repo.odb.stream(bytes.fromhex(sha)).read()
        self._cache[sha] = data
        self._used += len(data)
        while self._used > self._budget and self._cache:
            _, dropped = self._cache.popitem(last=False)
            self._used -= len(dropped)
        return data


class TreeFiles(RepoFiles):
    """RepoFiles whose contents come from a commit's blobs."""

    def __init__(
        self,
        root: Path,
        entries: dict[str, TreeEntry],
        reader: BlobReader,
        warn: Warn,
        exclude: Iterable[str] = (),
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        exclude = list(exclude)
        paths = sorted(p for p in entries if not _is_excluded(p, exclude))
        super().__init__(root, paths, warn, max_bytes)
        self._entries = entries
        self._reader = reader
        self.work_tree = False

    def content_id(self, path: str) -> str | None:
        """The blob id (the link target's for a symbolic link): the fact cache then serves a file
        unchanged between commits, and never keys a commit's file by the work tree's copy."""
        entry = self._entries.get(path)
        if entry is not None and entry.mode == SYMLINK_MODE:
            entry = self._link_target(path, entry, quiet=True)
        return entry.sha if entry is not None else None

    def _read(self, path: str, head: int | None = None) -> bytes | None:
        """The blob's bytes (its first `head` bytes when asked: a blob is read whole, so the size
        cap holds for heads too, unlike on disk)."""
        entry = self._entries.get(path)
        if entry is not None and entry.mode == SYMLINK_MODE:
            entry = self._link_target(path, entry)
        if entry is None:
            return None
        if entry.size > self.max_bytes:
            self._warn(path, f"larger than {self.max_bytes // 1024} KiB ({entry.size // 1024} KiB); skipped")
            return None
        self.reads += 1
        try:
            data = self._reader.read(entry.sha)
        except Exception as error:  # a blob missing from a partial or damaged clone
            self._warn(path, f"cannot be read from git ({type(error).__name__}); skipped")
            return None
        return data if head is None else data[:head]

    def _link_target(self, path: str, link: TreeEntry, quiet: bool = False) -> TreeEntry | None:
        """A symbolic link is followed only to a file of the same tree, as on disk."""
        try:
            target = self._reader.read(link.sha).decode("utf-8", errors="replace")
        except Exception:
            return None
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
        entry = self._entries.get(resolved)
        if entry is None or entry.mode == SYMLINK_MODE or resolved.startswith("../"):
            if not quiet:
                self._warn(path, "symbolic link pointing outside the commit's tree; not followed")
            return None
        return entry


@dataclass
class CommitGit(GitInfo):
    """GitInfo for a past commit: dates come from that commit's history, not HEAD's."""

    prefix: str = ""
    past = True  # read_history: ages as of this commit unless it is HEAD

    def last_commit_date(self, path: str) -> datetime | None:
        if self._repo is None or self.commit is None:
            return None
        full = f"{self.prefix}/{path}" if self.prefix else path
        try:
            stamp = self._repo.git.log("-1", "--format=%ct", self.commit, "--", full)  # type: ignore[attr-defined]
        except Exception:
            return None
        return datetime.fromtimestamp(int(stamp), tz=timezone.utc) if stamp.strip().isdigit() else None

    def close(self) -> None:
        """The repository is shared by every commit of a history run; its owner closes it."""
