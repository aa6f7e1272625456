"""The repository's file list and a cached, bounded, read-once view of each file's bytes."""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

from mltestscore.index.own_output import is_own_output

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
# Formats mltestscore writes (own_output.py decides by content): .md for the Markdown report.
_OUTPUT_SUFFIXES = (".json", ".sarif", ".xml", ".html", ".htm", ".svg", ".md")

# Folders a walk outside git never enters: environments, caches, build output, data stores.
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".env",
        "env",
        "node_modules",
        "__pycache__",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".ipynb_checkpoints",
        ".hypothesis",
        "build",
        "dist",
        "site-packages",
        ".eggs",
        ".cache",
        ".idea",
        ".vscode",
    }
)
SKIP_DIR_PATHS = frozenset({".dvc/cache", ".dvc/tmp", "mlruns", "wandb"})

Warn = Callable[[str, str], None]


def _is_excluded(path: str, patterns: Iterable[str]) -> bool:
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/"):
            return True
        if fnmatch.fnmatch(path, pattern + "/*"):
            return True
    return False


class RepoFiles:
    """Relative POSIX paths of the repository's files and their contents, each read once.

    The list comes from git (tracked plus untracked files git does not ignore) when the folder
    is a work tree, else from a walk that skips environments and caches.
    """

    def __init__(
        self,
        root: Path,
        paths: list[str],
        warn: Warn,
        max_bytes: int = DEFAULT_MAX_BYTES,
        blob_ids: dict[str, str] | None = None,
    ) -> None:
        self.root = root
        self._blob_ids = blob_ids or {}
        self.paths = paths
        self._path_set = frozenset(paths)
        self._warn = warn
        self.max_bytes = max_bytes
        self._bytes: dict[str, bytes | None] = {}
        self.reads = 0  # files actually opened: a test holds us to one read per file
        self.work_tree = True  # bytes come from files on disk (TreeFiles: from git objects)
        self._real_root = os.path.realpath(root)
        self._answers: dict[object, list[str]] = {}  # named, with_suffix and matching, per question

    # -- building ----------------------------------------------------------------------
    @classmethod
    def scan(
        cls,
        root: Path,
        warn: Warn,
        git_paths: list[str] | None,
        exclude: Iterable[str] = (),
        max_bytes: int = DEFAULT_MAX_BYTES,
        blob_ids: dict[str, str] | None = None,
    ) -> RepoFiles:
        exclude = list(exclude)
        paths = git_paths if git_paths is not None else _walk(root, warn)
        paths = sorted(p for p in paths if not _is_excluded(p, exclude))
        return cls(root, paths, warn, max_bytes, blob_ids)

    # -- queries -----------------------------------------------------------------------
    def __contains__(self, path: str) -> bool:
        return path in self._path_set

    def __iter__(self):
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)

    # The checks ask the same questions of the list many times (a walk over 100k paths each):
    # answers are kept per question and handed out as copies.
    def named(self, *names: str) -> list[str]:
        """Files whose base name is one of `names` (anywhere in the tree)."""
        key = ("named", names)
        found = self._answers.get(key)
        if found is None:
            wanted = {name for name in names if "/" not in name}  # a base name never holds one
            in_folder = tuple("/" + name for name in wanted)
            found = self._answers[key] = [p for p in self.paths if p in wanted or p.endswith(in_folder)]
        return list(found)

    def with_suffix(self, *suffixes: str) -> list[str]:
        key = ("suffix", suffixes)
        found = self._answers.get(key)
        if found is None:
            found = self._answers[key] = [p for p in self.paths if p.endswith(suffixes)]
        return list(found)

    def matching(self, pattern: str | re.Pattern[str]) -> list[str]:
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        found = self._answers.get(regex)
        if found is None:
            found = self._answers[regex] = [p for p in self.paths if regex.search(p)]
        return list(found)

    def under(self, folder: str) -> list[str]:
        folder = folder.strip("/")
        if folder in ("", "."):
            return list(self.paths)
        return [p for p in self.paths if p == folder or p.startswith(folder + "/")]

    # -- identity ------------------------------------------------------------------------
    def content_id(self, path: str) -> str | None:
        """A key that changes whenever the content does: git's blob id for files unchanged in the
        work tree, else size and modification time. None when the file cannot be stat'ed."""
        blob = self._blob_ids.get(path)
        if blob:
            return blob
        try:
            info = os.stat(os.path.join(self.root, path))
        except OSError:
            return None
        return f"stat:{self._real_root}/{path}:{info.st_size}:{info.st_mtime_ns}"

    # -- reading -----------------------------------------------------------------------
    def read_bytes(self, path: str, keep: bool = True) -> bytes | None:
        """The file's bytes, or None (with a warning) when it cannot or should not be read.

        keep=False reads without holding the bytes (a scan over every source file); the caller
        hands them back with `keep_bytes` if it turns out to need them again."""
        if path in self._bytes:
            return self._bytes[path]
        data = self._own_output(path, self._read(path))
        if keep or data is None:
            self._bytes[path] = data
        return data

    def _own_output(self, path: str, data: bytes | None) -> bytes | None:
        """None (with a warning) for a report mltestscore wrote: never evidence (index/own_output.py)."""
        if data is not None and path.endswith(_OUTPUT_SUFFIXES) and is_own_output(data):
            self._warn(path, "mltestscore's own output (a report, baseline or badge); not read as evidence")
            return None
        return data

    def read_head(self, path: str, size: int = 4096) -> bytes | None:
        """The first `size` bytes (a data file's header), not cached: data files can be large."""
        if path in self._bytes:
            data = self._bytes[path]
            return data[:size] if data is not None else None
        return self._own_output(path, self._read(path, head=size))

    def keep_bytes(self, path: str, data: bytes) -> None:
        self._bytes.setdefault(path, data)

    def text(self, path: str) -> str | None:
        data = self.read_bytes(path)
        if data is None:
            return None
        if b"\x00" in data[:8192]:
            self._warn(path, "binary content where text was expected; skipped")
            self._bytes[path] = None
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            self._warn(path, "not valid UTF-8; read with replacement characters")
            return data.decode("utf-8", errors="replace")

    def grep(self, pattern: re.Pattern[bytes], paths: Iterable[str]) -> list[str]:
        """The paths whose bytes match: a cheap prefilter before any parse."""
        hits = []
        for path in paths:
            data = self.read_bytes(path)
            if data is not None and pattern.search(data):
                hits.append(path)
        return hits

    def _read(self, path: str, head: int | None = None) -> bytes | None:
        data, problem, opened = read_guarded(str(self.root), self._real_root, path, self.max_bytes, head)
        self.reads += opened
        if problem:
            self._warn(path, problem)
        return data

    def adopt_read(self, path: str, problem: str | None, opened: bool, missing: bool) -> None:
        """Account for a `read_guarded` another process did for us (a parallel scan) as if read
        here: the same warning, the same count, and a missing file remembered as missing."""
        self.reads += opened
        if problem:
            self._warn(path, problem)
        if missing:
            self._bytes[path] = None


def read_guarded(
    root: str, real_root: str, path: str, max_bytes: int, head: int | None = None
) -> tuple[bytes | None, str | None, bool]:
    """(bytes, problem, opened) of a file inside the repository at root (real_root: resolved): the
    whole file up to the size cap, or its first `head` bytes (no cap then). Links out of the
    repository and unreadable files give no bytes and a problem to warn about."""
    full = os.path.join(root, path)
    try:
        if os.path.islink(full):
            real = os.path.realpath(full)
            if real != real_root and not real.startswith(real_root + os.sep):
                return None, "symbolic link pointing outside the repository; not followed", False
        # Non-blocking: opening a FIFO must not wait for a writer. One open and fstat, then a
        # read of the file's size (a read sized by the cap allocated megabytes per small file).
        fd = os.open(full, _OPEN_FLAGS)
    except FileNotFoundError:
        return None, None, False  # tracked but deleted in the work tree: nothing to read
    except OSError as error:
        return None, f"cannot be read ({error.strerror or type(error).__name__}); skipped", False
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # a FIFO would block the read forever; a device never ends
            if not stat.S_ISDIR(info.st_mode):
                return None, "not a regular file (FIFO, socket or device); skipped", False
            return None, None, False
        if head is None and info.st_size > max_bytes:
            return None, f"larger than {max_bytes // 1024} KiB ({info.st_size // 1024} KiB); skipped", False
        want = min(info.st_size, max_bytes) + 1 if head is None else head
        chunks = []
        while want > 0:
            chunk = os.read(fd, want)
            if not chunk:
                break
            chunks.append(chunk)
            want -= len(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks), None, True
    except OSError as error:
        return None, f"cannot be read ({error.strerror or type(error).__name__}); skipped", True
    finally:
        os.close(fd)


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _walk(root: Path, warn: Warn) -> list[str]:
    paths: list[str] = []
    root_str = str(root)

    def on_error(error: OSError) -> None:
        rel = os.path.relpath(error.filename or root_str, root_str)
        warn(rel.replace(os.sep, "/"), f"cannot be listed ({error.strerror}); skipped")

    for dirpath, dirnames, filenames in os.walk(root_str, onerror=on_error, followlinks=False):
        rel_dir = os.path.relpath(dirpath, root_str).replace(os.sep, "/")
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in SKIP_DIRS
            and (rel_dir + d) not in SKIP_DIR_PATHS
            and not os.path.isfile(os.path.join(dirpath, d, "pyvenv.cfg"))
        )
        paths.extend(rel_dir + name for name in filenames)
    return paths
