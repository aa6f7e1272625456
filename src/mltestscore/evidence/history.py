"""Git history, read once and bounded: who committed, when, touching which files.

One `git log` subprocess per audit, limited to `history_max_commits` commits and
`history_max_days` days before HEAD (config); a second one lists the files each commit changed, only
when a check asks which commits touched a file (model age). Each log names the audited commit, so
its output never changes: it is kept in the fact cache under its command, and a warm audit runs no
git and opens no GitPython for history. No per-commit diffs (`Commit.stats`
spawns one diff each), no checkout. Older file contents come from the object database
(`commit.tree / path`), which GitPython reads through one persistent `git cat-file --batch` child.

Shallow clones and folders outside git have no history: every question then answers "unknown"
and the checks score from files only (one warning says so).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from hashlib import sha1
from pathlib import Path

# Author identities of dependency-update bots (name or e-mail), and the branch names they push.
BOT_AUTHORS = (
    ("dependabot", re.compile(r"dependabot(-preview)?\[bot\]", re.I)),
    ("renovate", re.compile(r"renovate(\[bot\]|-bot\b)", re.I)),
    ("pyup", re.compile(r"\bpyup-bot\b|@pyup\.io", re.I)),
    ("snyk", re.compile(r"\bsnyk-bot\b", re.I)),
)
_BOT_MERGE = re.compile(r"^Merge (pull request #\d+ from \S+?/|branch ')(dependabot|renovate)/", re.I)
# A bot's pull request squashed or rebased by a person keeps the bot's subject and gains the PR
# number: "Bump requests from 2.31.0 to 2.32.0 (#45)", "chore(deps): update dependency pandas to v2 (#17)".
_BOT_SUBJECTS = (
    (
        "dependabot",
        re.compile(r"^(\w+\(deps(-dev)?\):\s*)?bump (\S+ from \S+ to \S+|the \S+ group\b).*\((#|!)\d+\)\s*$", re.I),
    ),
    (
        "renovate",
        re.compile(
            r"^(\w+\(deps\):\s*)?(update (dependency|module|\S+ (action|docker tag|digest))\b.* to \S+|"
            r"lock file maintenance|pin dependencies)\b.*\((#|!)\d+\)\s*$",
            re.I,
        ),
    ),
)
MAX_VALUE_READS = 40  # old versions of one file read to find when a value in it changed

_RECORD, _FIELD = "\x1e", "\x1f"
_GIT_LOG = ("git", "-c", "core.quotePath=false", "log")
_FORMAT = _RECORD + _FIELD.join(("%H", "%ct", "%an <%ae>", "%P", "%s"))


@dataclass(frozen=True)
class CommitRecord:
    sha: str
    when: datetime
    author: str  # "Name <email>"
    subject: str
    parents: tuple[str, ...]

    @property
    def merge(self) -> bool:
        return len(self.parents) > 1

    def short(self) -> str:
        return f"{self.sha[:8]} {self.when:%Y-%m-%d} '{self.subject[:60]}'"


@dataclass(frozen=True)
class LastChange:
    """When a file (or a value inside it) last changed, or a lower bound when that is older than
    the history read."""

    path: str
    commit: CommitRecord | None  # None: unchanged within the window
    age_days: int  # exact with a commit, else "at least"

    @property
    def exact(self) -> bool:
        return self.commit is not None

    def describe(self) -> str:
        if self.commit is not None:
            return f"last changed {self.age_days} days ago (commit {self.commit.short()})"
        return f"unchanged in the history read: last changed more than {self.age_days} days ago"


@dataclass
class History:
    available: bool
    reason: str = ""  # why there is no history
    commits: list[CommitRecord] = field(default_factory=list)  # newest first, as git log lists them
    max_commits: int = 0
    max_days: int = 0
    complete: bool = False  # the root commit was read: nothing older exists
    cutoff: datetime | None = None  # the day limit: the audited commit's date minus max_days
    start: str = "HEAD"  # the audited commit
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    _git: object = None  # the GitInfo: its `repo` opens GitPython on first use
    _cache: object = None  # the FactCache keeping log outputs
    _prefix: str = ""  # the audited folder inside the work tree ("" at the top)
    _selection: list[str] = field(default_factory=list)  # git log arguments that select `commits`
    _by_path: dict[str, list[CommitRecord]] | None = None

    def window(self) -> str:
        if self.complete:
            return f"the whole history ({len(self.commits)} commit{'' if len(self.commits) == 1 else 's'})"
        return f"the last {len(self.commits)} commits (limits: {self.max_commits} commits, {self.max_days} days)"

    def touching(self, path: str) -> list[CommitRecord]:
        """Commits that changed `path` (a file, or a folder's files), newest first."""
        if self._by_path is None:
            self._by_path = self._read_changed_paths()
        hits = self._by_path.get(path)
        if hits is not None:
            return hits
        prefix = path.rstrip("/") + "/"
        found = {c.sha: c for p, commits in self._by_path.items() if p.startswith(prefix) for c in commits}
        return [c for c in self.commits if c.sha in found]

    def _read_changed_paths(self) -> dict[str, list[CommitRecord]]:
        """Changed file -> the commits (of `commits`) that changed it, newest first; merges list none."""
        if not self._selection:
            return {}
        command = [*_GIT_LOG, "--no-renames", "--name-only", f"--format={_RECORD}%H", *self._selection]
        try:
            output = _git_output(self._git, self._cache, command)
        except Exception:  # the first git log worked: a failure here leaves file ages unknown
            return {}
        by_sha = {commit.sha: commit for commit in self.commits}
        table: dict[str, list[CommitRecord]] = {}
        for record in output.split(_RECORD):
            sha, _, body = record.strip("\n").partition("\n")
            for line in body.splitlines() if sha in by_sha else []:
                if line.strip() and line.startswith(self._prefix):
                    table.setdefault(line[len(self._prefix) :], []).append(by_sha[sha])
        return table

    def bot_commits(self) -> list[tuple[CommitRecord, str]]:
        """Commits authored by a dependency bot, merges of a bot's branch, and bot pull requests merged
        (squashed or rebased) by a person: (commit, bot)."""
        found = []
        for commit in self.commits:
            bot = next((name for name, pattern in BOT_AUTHORS if pattern.search(commit.author)), None)
            if bot is None:
                match = _BOT_MERGE.search(commit.subject)
                bot = match.group(2).lower() if match else None
            if bot is None:
                bot = next((name for name, pattern in _BOT_SUBJECTS if pattern.search(commit.subject)), None)
            if bot:
                found.append((commit, bot))
        return found

    def _floor_days(self) -> int:
        """Days any file unchanged in the window has at least been unchanged."""
        if (not self.commits or len(self.commits) < self.max_commits) and self.cutoff is not None:
            return self._days(self.cutoff)  # no commit between the day limit and the oldest one read
        return self._days(self.commits[-1].when)

    def _days(self, when: datetime) -> int:
        return max(0, (self.now - when).days)

    def last_change(self, path: str, value: Callable[[str], Hashable] | None = None) -> LastChange | None:
        """When `path` last changed; with `value`, when value(file text) last took its current
        value (e.g. one stage's output hash in dvc.lock). None when there is no history, or the
        value cannot be read at HEAD."""
        if not self.available:
            return None
        commits = self.touching(path)
        if value is None:
            if commits:
                return LastChange(path, commits[0], self._days(commits[0].when))
            return LastChange(path, None, self._floor_days()) if not self.complete else None
        current = self._value_at(self.start, path, value)
        if current is None:
            return None
        if not commits:
            return LastChange(path, None, self._floor_days()) if not self.complete else None
        setter = commits[0]  # newest first: the value's setter is the oldest of the leading run
        for commit in commits[1:MAX_VALUE_READS]:
            if self._value_at(commit.sha, path, value) != current:
                return LastChange(path, setter, self._days(setter.when))
            setter = commit
        if len(commits) > MAX_VALUE_READS:  # older versions left unread: a lower bound
            return LastChange(path, None, self._days(setter.when))
        before = self._value_at(setter.parents[0], path, value) if setter.parents else None
        if before == current and not self.complete:  # the value predates the window
            return LastChange(path, None, self._floor_days())
        return LastChange(path, setter, self._days(setter.when))

    def _value_at(self, revision: str, path: str, value: Callable[[str], Hashable]) -> Hashable:
        text = self.read_at(revision, path)
        if text is None:
            return None
        try:
            return value(text)
        except Exception:
            return None

    def read_at(self, revision: str, path: str) -> str | None:
        """A file's text at a commit (None when absent or unreadable)."""
        repo = getattr(self._git, "repo", None)
        if repo is None:
            return None
        try:
            blob = repo.commit(revision).tree / (self._prefix + path)
            return blob.data_stream.read().decode("utf-8", errors="replace")
        except Exception:  # KeyError: absent at that commit; ValueError/BadName: unknown revision
            return None


def read_history(ctx) -> History:
    """The bounded history of the audited folder (use through `ctx.fact(read_history)`)."""
    config = ctx.config
    limits = {"max_commits": config.history_max_commits, "max_days": config.history_max_days}
    git = ctx.git
    if not git.available:
        if not git.problem:  # a git problem was already reported when the repository was opened
            ctx.warn(".", "no git history (not a git work tree): monitor-1 and monitor-4 are scored from files only")
        return History(False, "not a git work tree" if not git.problem else "git unusable", **limits)
    if git.shallow:  # ctx.git already warned about the shallow clone
        return History(False, "shallow clone: history is cut off", **limits)
    if git.commit is None:
        return History(False, "no commits yet", **limits)
    # a past commit's GitInfo (`mltestscore history`) carries the audited folder as `prefix`
    prefix = f"{git.prefix}/" if getattr(git, "prefix", "") else _prefix(ctx.root, git.root)
    now = datetime.now(timezone.utc)
    # The window ends at the audited commit, so an old snapshot still shows its own history.
    start_date = commit_date(git, ctx.cache, git.commit) or now
    try:
        if getattr(git, "past", False) and git.commit != git.repo.head.commit.hexsha:
            now = start_date  # `mltestscore history`: ages as of that commit
    except Exception:
        pass
    cutoff = start_date - timedelta(days=config.history_max_days)
    selection = [f"--max-count={config.history_max_commits}"]
    if cutoff.timestamp() > 0:  # git reads a negative --max-age as no commit at all
        selection.append(f"--max-age={int(cutoff.timestamp())}")
    selection.append(git.commit)
    if prefix:
        selection += ["--", prefix.rstrip("/")]
    try:
        output = _git_output(git, ctx.cache, [*_GIT_LOG, f"--format={_FORMAT}", *selection])
    except Exception as error:
        ctx.warn(".", f"git log failed ({type(error).__name__}); monitor-1 and monitor-4 are scored from files only")
        return History(False, "git log failed", **limits)
    commits = _parse_log(output)
    complete = bool(commits) and not commits[-1].parents
    return History(
        True,
        "",
        commits,
        complete=complete,
        cutoff=cutoff,
        start=git.commit,
        now=now,
        _git=git,
        _cache=ctx.cache,
        _prefix=prefix,
        _selection=selection,
        **limits,
    )


def commit_date(git, cache, sha: str) -> datetime | None:
    """The committer date of `sha` (cached: a commit's date never changes), None when unknown."""
    try:
        return datetime.fromtimestamp(
            int(_git_output(git, cache, ["git", "log", "-1", "--format=%ct", sha]).strip()), tz=timezone.utc
        )
    except Exception:
        return None


def _git_output(git, cache, command: Sequence[str]) -> str:
    """The output of a git command that names a commit (so it never changes), from the cache or git."""
    key = sha1("\0".join([str(getattr(git, "root", "")), *command]).encode()).hexdigest()
    known = cache.get_many("git-output:1", [key]).get(key) if cache is not None else None
    if isinstance(known, str):
        return known
    output = git.run(*command[1:])  # command[0] is "git"
    if cache is not None:
        cache.put("git-output:1", key, output)
    return output


def _prefix(root: Path, top: Path | None) -> str:
    if top is None:
        return ""
    try:
        relative = root.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        return ""
    return "" if relative in ("", ".") else relative + "/"


def _parse_log(output: str) -> list[CommitRecord]:
    commits = []
    for record in output.split(_RECORD):
        fields = record.strip("\n").split(_FIELD)
        if len(fields) < 5 or not fields[1].isdigit():
            continue
        sha, stamp, author, parents, subject = fields[:5]
        when = datetime.fromtimestamp(int(stamp), tz=timezone.utc)
        commits.append(CommitRecord(sha, when, author, subject, tuple(parents.split())))
    return commits
