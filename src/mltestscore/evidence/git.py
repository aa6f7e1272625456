"""What git knows: the file list, HEAD, shallowness, a file's last commit date.

GitPython is imported only here and only when an audit needs it. Every failure (no git binary,
not a repository, `safe.directory` refusal, shallow clone) degrades to "no git evidence" with a
warning, never an exception.
"""

from __future__ import annotations

import os
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

    def top_path(self, path: str) -> str:
        """A path relative to the audited folder, as git (run at the top) names it."""
        return f"{self.prefix}/{path}" if self.prefix else path

    @property
    def repo(self):
        """The open GitPython Repo (None outside git), for history readers such as evidence/history.py."""
        return self._repo

    def last_commit_date(self, path: str) -> datetime | None:
        if self._repo is None:
            return None
        try:
            stamp = self._repo.git.log("-1", "--format=%ct", "--", self.top_path(path))  # type: ignore[attr-defined]
        except Exception:
            return None
        return datetime.fromtimestamp(int(stamp), tz=timezone.utc) if stamp.strip().isdigit() else None

    def commit_messages(self, paths: list[str], limit: int = 200) -> list[tuple[str, str]]:
        """(short sha, full message) of the last `limit` mainline commits touching any of `paths`
        (first parent only, so a PR's merge commit is listed rather than pruned)."""
        if self._repo is None or not paths:
            return []
        try:
            out = self._repo.git.log(f"-{limit}", "--first-parent", "--format=%h%x1f%B%x1e", "--", *map(self.top_path, paths))  # type: ignore[attr-defined]
        except Exception:
            return []
        records = (r.strip("\n") for r in out.split("\x1e"))
        return [tuple(r.split("\x1f", 1)) for r in records if "\x1f" in r]  # type: ignore[misc]

    def close(self) -> None:
        if self._repo is not None:
            self._repo.close()  # type: ignore[attr-defined]
            self._repo = None


def open_git(root: Path) -> GitInfo:
    """Open the work tree at `root` (which must be its top level or a folder inside it)."""
    for name in _LEAKY_ENV:
        os.environ.pop(name, None)
    if not _looks_like_git(root):
        return GitInfo(False)
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    try:
        import git
    except Exception as error:  # ImportError: Bad git executable
        return GitInfo(False, problem=f"git is not usable ({error}); files listed without git")
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except Exception:
        return GitInfo(False)
    try:
        top = Path(repo.working_tree_dir or root).resolve()
        prefix = os.path.relpath(root.resolve(), top).replace(os.sep, "/")
        tracked, blob_ids = _tracked_with_blobs(repo.git.ls_files("-z", "-s", "--", "."))
        untracked = [p for p in repo.git.ls_files("-z", "--others", "--exclude-standard", "--", ".").split("\0") if p]
        for changed in repo.git.diff_files("-z", "--name-only").split("\0"):
            blob_ids.pop(changed, None)  # modified or deleted in the work tree: the blob is stale
        paths = sorted(set(tracked).union(untracked))
        if prefix not in (".", ""):
            # ls-files run from the repo top lists paths relative to the top.
            cut = len(prefix) + 1
            paths = [p[cut:] for p in paths if p.startswith(prefix + "/")]
            blob_ids = {p[cut:]: b for p, b in blob_ids.items() if p.startswith(prefix + "/")}
        try:
            commit = repo.head.commit.hexsha
        except ValueError:
            commit = None  # a repository with no commits yet
        shallow = (Path(repo.git_dir) / "shallow").exists()
        return GitInfo(True, top, commit, shallow, paths, None, blob_ids, repo, "" if prefix in (".", "") else prefix)
    except git.GitCommandNotFound:
        repo.close()
        return GitInfo(False, problem="git executable not found; files listed without git")
    except git.GitCommandError as error:
        repo.close()
        detail = "dubious ownership (safe.directory)" if "safe.directory" in str(error) else (error.stderr or str(error)).strip()[:160]
        return GitInfo(False, problem=f"git refused to read the repository: {detail}; files listed without git")
    except Exception as error:
        repo.close()
        return GitInfo(False, problem=f"git failed ({type(error).__name__}: {error}); files listed without git")


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
