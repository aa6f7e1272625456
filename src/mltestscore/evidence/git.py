"""What git knows: the file list, HEAD, shallowness, a file's last commit date.

GitPython is imported only here and only when an audit needs it. Every failure (no git binary,
not a repository, `safe.directory` refusal, shallow clone) degrades to "no git evidence" with a
warning, never an exception.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

# Hooks export these; they must not redirect our reads to another repository or index.
_LEAKY_ENV = ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE", "GIT_OBJECT_DIRECTORY")


@dataclass
class GitInfo:
    available: bool
    root: Path | None = None
    commit: str | None = None
    shallow: bool = False
    paths: list[str] | None = None
    problem: str | None = None
    blob_ids: dict[str, str] | None = None  # path -> blob id, for files unchanged in the work tree
    _repo: object = None
    prefix: str = ""  # the audited folder inside the work tree ("" at the top)
    _repo_failed: bool = False

    def top_path(self, path: str) -> str:
        """A path relative to the audited folder, as git (run at the top) names it."""
        return f"{self.prefix}/{path}" if self.prefix else path

    @property
    def repo(self):
        """The GitPython Repo (None outside git or when GitPython cannot open it), opened on first
        use: only reads of past file versions (history evidence, `mltestscore history`) need it."""
        if self._repo is None and self.available and self.root is not None and not self._repo_failed:
            os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
            try:
                import git

                self._repo = git.Repo(self.root)
            except Exception:
                self._repo_failed = True
        return self._repo

    def run(self, *args: str) -> str:
        """The output of `git ARGS` at the top of the work tree; raises when git fails. Plain
        commands (log) run here without GitPython, which opens only for object reads (`repo`)."""
        if not self.available or self.root is None:
            raise RuntimeError("no git work tree")
        return _git(self.root, *args)

    def last_commit_date(self, path: str) -> datetime | None:
        try:
            stamp = self.run("log", "-1", "--format=%ct", "--", self.top_path(path)).strip()
        except Exception:
            return None
        return datetime.fromtimestamp(int(stamp), tz=timezone.utc) if stamp.isdigit() else None

    def commit_messages(self, paths: list[str], limit: int = 200) -> list[tuple[str, str]]:
        """(short sha, full message) of the last `limit` mainline commits touching any of `paths`
        (first parent only, so a PR's merge commit is listed rather than pruned)."""
        if not paths:
            return []
        try:
            out = self.run(
                "log",
                f"-{limit}",
                "--first-parent",
                "--format=%h%x1f%B%x1e",
                self.commit or "HEAD",
                "--",
                *map(self.top_path, paths),
            )
        except Exception:
            return []
        records = (r.strip("\n") for r in out.split("\x1e"))
        return [tuple(r.split("\x1f", 1)) for r in records if "\x1f" in r]  # type: ignore[misc]

    def close(self) -> None:
        if self._repo is not None:
            self._repo.close()  # type: ignore[attr-defined]
            self._repo = None
        self._repo_failed = True  # closed: not to be reopened


def open_git(root: Path) -> GitInfo:
    """Open the work tree at `root` (which must be its top level or a folder inside it).

    The listing runs `git` directly: importing GitPython costs more than the four commands an
    audit of an unchanged tree needs. GitPython opens when history evidence asks for `repo`."""
    for name in _LEAKY_ENV:
        os.environ.pop(name, None)
    if not _looks_like_git(root):
        return GitInfo(False)
    try:
        where = _git(root, "rev-parse", "--show-toplevel", "--is-shallow-repository").splitlines()
        if len(where) < 2:
            return GitInfo(False)  # inside .git or a bare repository: no work tree to list
        top = Path(where[0]).resolve()
        shallow = where[1].strip() == "true"
        prefix = os.path.relpath(root.resolve(), top).replace(os.sep, "/")
        try:
            commit = _git(top, "rev-parse", "--verify", "-q", "HEAD").strip() or None
        except _GitFailed:
            commit = None  # a repository with no commits yet
        tracked, blob_ids = _tracked_with_blobs(_git(top, "ls-files", "-z", "-s", "--", "."))
        untracked = [
            p for p in _git(top, "ls-files", "-z", "--others", "--exclude-standard", "--", ".").split("\0") if p
        ]
        for changed in _git(top, "diff-files", "-z", "--name-only").split("\0"):
            blob_ids.pop(changed, None)  # modified or deleted in the work tree: the blob is stale
    except FileNotFoundError:
        return GitInfo(False, problem="git executable not found; files listed without git")
    except _GitFailed as error:
        if error.not_a_repository:
            return GitInfo(False)
        detail = (
            "dubious ownership (safe.directory)" if "safe.directory" in error.stderr else error.stderr.strip()[:160]
        )
        return GitInfo(False, problem=f"git refused to read the repository: {detail}; files listed without git")
    except OSError as error:
        return GitInfo(False, problem=f"git failed ({type(error).__name__}: {error}); files listed without git")
    paths = sorted(set(tracked).union(untracked))
    if prefix not in (".", ""):
        # ls-files run from the repo top lists paths relative to the top.
        cut = len(prefix) + 1
        paths = [p[cut:] for p in paths if p.startswith(prefix + "/")]
        blob_ids = {p[cut:]: b for p, b in blob_ids.items() if p.startswith(prefix + "/")}
    return GitInfo(True, top, commit, shallow, paths, None, blob_ids, None, "" if prefix in (".", "") else prefix)


class _GitFailed(Exception):
    def __init__(self, stderr: str) -> None:
        super().__init__(stderr)
        self.stderr = stderr
        self.not_a_repository = any(s in stderr.lower() for s in ("not a git repository", "must be run in a work tree"))


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"})
    if done.returncode != 0:
        raise _GitFailed(done.stderr.decode("utf-8", "replace"))
    return done.stdout.decode("utf-8", "surrogateescape")


def _tracked_with_blobs(listing: str) -> tuple[list[str], dict[str, str]]:
    """Parse `git ls-files -s -z`: "<mode> <blob> <stage>\t<path>" records."""
    paths: list[str] = []
    blobs: dict[str, str] = {}
    for record in listing.split("\0"):
        if not record:
            continue
        meta, _, path = record.partition("\t")
        mode, blob, _stage = (meta.split(" ") + ["", ""])[:3]
        paths.append(path)
        if mode not in ("120000", "160000"):  # symlinks and submodules: the blob is not the content
            blobs[path] = blob
    return paths, blobs


def _looks_like_git(root: Path) -> bool:
    for folder in (root, *root.resolve().parents):
        if (folder / ".git").exists():
            return True
    return False
