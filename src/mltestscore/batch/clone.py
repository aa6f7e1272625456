"""A remote repository → a working tree in the cache folder, reused and fetched on the next run.

First time: `git clone --filter=blob:none --no-checkout` (a partial clone: every commit and tree,
so history evidence still works, and only the blobs the checkout and the audit read; a server
without filter support sends a full clone). Later runs fetch into the same folder. One folder per
(URL, revision), locked while it is checked out and audited, so two batches sharing a cache never
check out under each other. git never prompts: a repository that needs credentials fails fast.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HEAD_REF = "refs/mltestscore/head"  # the remote's default branch, as last fetched


class CloneError(Exception):
    """git could not clone, fetch or find the revision; the message is git's own reason."""


@dataclass(frozen=True)
class Checkout:
    path: Path
    commit: str


def clone_folder(cache_root: Path, url: str, rev: str | None) -> Path:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", url.rstrip("/").removesuffix(".git"))[-60:].strip("-.") or "repo"
    digest = hashlib.sha1(f"{url}\0{rev or ''}".encode()).hexdigest()[:12]
    return cache_root / "clones" / f"{name}-{digest}"


@contextmanager
def checked_out(cache_root: Path, url: str, rev: str | None):
    """Yields the Checkout of `url` at `rev` (default branch when None), holding the folder's lock."""
    folder = clone_folder(cache_root, url, rev)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with _locked(folder.with_name(folder.name + ".lock")):
        yield _update(folder, url, rev)


def _update(folder: Path, url: str, rev: str | None) -> Checkout:
    # The mark says a checkout of this commit completed (a timeout may kill git half-way).
    mark = folder / ".git" / "mltestscore-checkout"
    if not _is_clone_of(folder, url):
        shutil.rmtree(folder, ignore_errors=True)
        _git(folder.parent, "clone", "--quiet", "--filter=blob:none", "--no-checkout", "--", url, str(folder))
    else:
        done = _read(mark)
        if done and done == _advertised(folder, rev):  # unchanged: one round trip, no fetch (a resumed batch)
            return Checkout(folder, done)
    pinned = rev is not None and re.fullmatch(r"[0-9a-f]{40}", rev) is not None
    if not (pinned and rev and _resolve(folder, rev + "^{commit}")):  # a commit already here never changes
        _git(
            folder,
            "fetch",
            "--quiet",
            "--prune",
            "--force",
            "origin",
            f"+HEAD:{HEAD_REF}",
            "+refs/heads/*:refs/remotes/origin/*",
            "+refs/tags/*:refs/tags/*",
        )
    commit = _commit_for(folder, rev)
    if _read(mark) != commit:
        mark.unlink(missing_ok=True)
        _git(folder, "checkout", "--quiet", "--force", "--detach", commit)
        _git(folder, "clean", "-ffdxq")
        mark.write_text(commit, encoding="utf-8")
    return Checkout(folder, commit)


def _advertised(folder: Path, rev: str | None) -> str | None:
    """The commit the remote names for `rev` (its default branch when None), by `git ls-remote`
    (what listing the repository costs); None when it cannot tell (then a fetch decides)."""
    if rev is not None and re.fullmatch(r"[0-9a-f]{40}", rev):
        return rev
    wanted = ["HEAD"] if rev is None else [f"refs/heads/{rev}", f"refs/tags/{rev}^{{}}", f"refs/tags/{rev}"]
    try:
        listing = _git(folder, "ls-remote", "origin", *(["HEAD"] if rev is None else [rev]))
    except CloneError:
        return None
    refs = {}
    for line in listing.splitlines():
        sha, _, ref = line.partition("\t")
        refs[ref.strip()] = sha.strip()
    return next((refs[name] for name in wanted if name in refs), None)


def _commit_for(folder: Path, rev: str | None) -> str:
    if rev is None:
        commit = _resolve(folder, f"{HEAD_REF}^{{commit}}")
        if commit:
            return commit
        raise CloneError("the remote has no default branch (HEAD); give a revision as URL@REV")
    for candidate in (f"refs/remotes/origin/{rev}", f"refs/tags/{rev}", rev):
        commit = _resolve(folder, candidate + "^{commit}")
        if commit:
            return commit
    try:  # a commit no branch or tag advertises: servers that allow it send it on request
        _git(folder, "fetch", "--quiet", "origin", rev)
    except CloneError:
        pass
    commit = _resolve(folder, "FETCH_HEAD^{commit}") if re.fullmatch(r"[0-9a-f]{4,40}", rev) else None
    if commit and commit.startswith(rev):
        return commit
    raise CloneError(f"revision {rev!r} not found (no such branch, tag or commit)")


def _is_clone_of(folder: Path, url: str) -> bool:
    """A clone made here before (read without starting git: a resumed batch asks this of every repository)."""
    config = _read(folder / ".git" / "config")
    return config is not None and f"url = {url}" in (line.strip() for line in config.splitlines())


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return None


def _resolve(folder: Path, ref: str) -> str | None:
    try:
        return _git(folder, "rev-parse", "--verify", "--quiet", ref).strip() or None
    except CloneError:
        return None


def git_env() -> dict[str, str]:
    env = dict(os.environ)
    env["GIT_TERMINAL_PROMPT"] = "0"  # no username/password prompt: fail and report instead
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
    return env


def _git(cwd: Path, *args: str) -> str:
    try:
        result = subprocess.run(
            ["git", "-c", "advice.detachedHead=false", *args],
            cwd=cwd,
            env=git_env(),
            capture_output=True,
            text=True,
            errors="replace",
        )
    except OSError as error:
        raise CloneError(f"cannot run git: {error}") from None
    if result.returncode != 0:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
        reason = (fatal or [line for line in lines if not line.startswith("warning:")] or [""])[0]
        raise CloneError(reason.removeprefix("fatal: ") or f"git {args[0]} failed (exit {result.returncode})")
    return result.stdout


@contextmanager
def _locked(path: Path):
    try:
        import fcntl
    except ImportError:  # Windows: no advisory lock; one batch per cache folder
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
