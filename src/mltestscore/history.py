"""`mltestscore history`: the final and section scores at past commits.

Each commit is audited from its git objects (TreeFiles over `git ls-tree` and blobs): nothing is
checked out and the working tree and index are never touched. Every commit is scored by today's
checks with the configuration committed at that commit (its attestations and ignores are part of
the repository's state then), unless one config file is given for all commits.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path

from mltestscore.config import CONFIG_FILES, Config, ConfigError, parse_config
from mltestscore.context import AuditContext
from mltestscore.evidence.git import _LEAKY_ENV
from mltestscore.index.commit import BlobReader, CommitGit, TreeFiles, list_tree

DEFAULT_LAST = 10
SUBJECT_WIDTH = 44


class HistoryError(Exception):
    """History cannot be read (not a repository, no commits, a bad --since): exit code 2."""


@dataclass(frozen=True)
class HistoryPoint:
    commit: str
    date: str  # committer date, ISO 8601 UTC
    subject: str
    score: float
    band: str
    sections: dict[str, float]
    warnings: int = 0
    note: str = ""  # e.g. the commit's config was invalid and defaults were used
    max_score: float = 7.0  # of the rubric that scored this commit
    rubric: str = "ML Test Score"

    @property
    def short(self) -> str:
        return self.commit[:8]

    def to_dict(self) -> dict:
        return {
            "commit": self.commit,
            "date": self.date,
            "subject": self.subject,
            "score": self.score,
            "band": self.band,
            "sections": dict(self.sections),
            "warnings": self.warnings,
            "note": self.note,
            "max": self.max_score,
            "rubric": self.rubric,
        }


class CommitContext(AuditContext):
    """An AuditContext whose files and git facts come from one commit's objects."""

    def __init__(
        self,
        root: Path,
        config: Config,
        git_info: CommitGit,
        entries: dict,
        reader: BlobReader,
        cache_dir: Path | None = None,
    ) -> None:
        super().__init__(root, config, cache_dir)
        self._git_info = git_info
        self._entries = entries
        self._reader = reader

    @cached_property
    def git(self) -> CommitGit:
        return self._git_info

    @cached_property
    def files(self) -> TreeFiles:
        return TreeFiles(
            self.root,
            self._entries,
            self._reader,
            self.warn,
            exclude=self.config.exclude,
            max_bytes=self.config.max_file_size_kb * 1024,
        )


@dataclass
class History:
    """Commits chosen for a history run, oldest first; `audit_each` scores them one by one."""

    root: Path
    config: Config | None  # None: each commit's own config file
    commits: list = field(default_factory=list)
    shallow: bool = False
    cache_dir: Path | None = None  # the per-file fact cache, keyed by blob id: shared across commits
    _repo: object = None
    _prefix: str = ""

    def audit_each(self) -> Iterator[HistoryPoint]:
        from mltestscore.audit import run_audit

        reader = BlobReader(self._repo)
        for commit in self.commits:
            entries = list_tree(self._repo, commit.hexsha, self._prefix)
            config, note = (self.config, "") if self.config is not None else commit_config(entries, reader)
            git_info = CommitGit(
                True, self.root, commit.hexsha, self.shallow, list(entries), None, _repo=self._repo, prefix=self._prefix
            )
            context = CommitContext(self.root, config, git_info, entries, reader, self.cache_dir)
            report = run_audit(self.root, config, ctx=context)
            yield HistoryPoint(
                commit=commit.hexsha,
                date=datetime.fromtimestamp(commit.committed_date, tz=timezone.utc).replace(microsecond=0).isoformat(),
                subject=commit.summary
                if isinstance(commit.summary, str)
                else commit.summary.decode("utf-8", "replace"),
                score=report.score,
                band=report.band,
                sections={section.id: section.score for section in report.sections},
                warnings=len(report.warnings),
                note=note,
                max_score=report.max_score,
                rubric=report.rubric,
            )

    def audit_with_progress(self) -> list[HistoryPoint]:
        """All points, with a rich progress bar on standard error (silent when it is not a TTY)."""
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        points: list[HistoryPoint] = []
        columns = (
            TextColumn("auditing commits"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("", total=len(self.commits))
            for point in self.audit_each():
                points.append(point)
                progress.update(task, advance=1, description=point.short)
        return points

    def close(self) -> None:
        if self._repo is not None:
            self._repo.close()  # type: ignore[attr-defined]
            self._repo = None


def commit_config(entries: dict, reader: BlobReader) -> tuple[Config, str]:
    """The config committed in a tree (.mltestscore.yaml, else pyproject's [tool.mltestscore]),
    found as load_config finds it on disk; defaults with a note when it is invalid."""
    from mltestscore.index.parsed import load_yaml_text

    try:
        for name in CONFIG_FILES:
            if name in entries:
                data = load_yaml_text(reader.read(entries[name].sha).decode("utf-8"))
                return parse_config(data if data is not None else {}, name), ""
        if "pyproject.toml" in entries:
            from mltestscore.index.parsed import load_toml_text

            table = (load_toml_text(reader.read(entries["pyproject.toml"].sha).decode("utf-8")).get("tool") or {}).get(
                "mltestscore"
            )
            if table is not None:
                return parse_config(table, "pyproject.toml [tool.mltestscore]"), ""
    except ConfigError as error:
        return Config(), f"config ignored: {error}"
    except Exception as error:  # YAML/TOML syntax or encoding: the commit's problem, not ours
        return Config(), f"config ignored: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    return Config(), ""


def open_history(
    root: Path, config: Config | None, last: int | None = None, since: str | None = None, cache_dir: Path | None = None
) -> History:
    """The commits of HEAD's first-parent line to audit: the last `last` (default 10), or those
    since `since` (any date git understands), or at most `last` since `since`."""
    for name in _LEAKY_ENV:  # a hook's GIT_DIR / GIT_INDEX_FILE must not redirect our reads
        os.environ.pop(name, None)
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    try:
        import git
    except Exception as error:
        raise HistoryError(f"git is not usable ({error})") from None
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise HistoryError(f"not a git repository: {root}") from None
    history = History(root, config, shallow=(Path(repo.git_dir) / "shallow").exists(), cache_dir=cache_dir, _repo=repo)
    try:
        top = Path(repo.working_tree_dir or root).resolve()
        prefix = os.path.relpath(root.resolve(), top).replace(os.sep, "/")
        history._prefix = "" if prefix == "." else prefix
        if not repo.head.is_valid():
            raise ValueError("no commits")
        options: dict[str, object] = {"first_parent": True}
        if since:
            options["since"] = since
        if last or not since:
            options["max_count"] = last or DEFAULT_LAST
        history.commits = list(reversed(list(repo.iter_commits("HEAD", **options))))  # type: ignore[arg-type]
    except ValueError:
        history.close()
        raise HistoryError("the repository has no commits yet") from None
    except git.GitCommandError as error:
        history.close()
        detail = (error.stderr or str(error)).strip().splitlines()
        raise HistoryError(f"git cannot list the commits: {detail[-1] if detail else error}") from None
    return history


def render(points: list[HistoryPoint], repository: str, shallow: bool, fmt: str) -> str:
    """History as text: json, html (trend chart) or table (plain text, 120 columns)."""
    if fmt == "json":
        import json

        return (
            json.dumps(
                {"repository": repository, "shallow": shallow, "commits": [p.to_dict() for p in points]},
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )
    if fmt == "html":
        from mltestscore import __version__
        from mltestscore.report.html import render_history

        return render_history(points, repository, __version__, shallow)
    from rich.console import Console

    console = Console(record=True, width=120, file=io.StringIO())
    console.print(table(points, section_ids(points)))
    return console.export_text()


def section_ids(points: list[HistoryPoint]) -> tuple[str, ...]:
    """The sections of the audited commits' rubrics, in first-seen order."""
    return tuple(dict.fromkeys(sid for point in points for sid in point.sections))


def table(points: list[HistoryPoint], section_ids: tuple[str, ...]):
    """A rich Table, oldest commit first, with the change of the final score."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from mltestscore.report.common import score_text

    title = f"{points[-1].rubric if points else 'ML Test Score'} history"
    grid = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for name, justify, width in (("commit", "left", 8), ("date", "left", 10), ("final", "right", 5), ("Δ", "right", 4)):
        grid.add_column(name, justify=justify, no_wrap=True, min_width=width)  # type: ignore[arg-type]
    for section_id in section_ids:
        grid.add_column(section_id, justify="right", no_wrap=True, min_width=len(section_id))
    grid.add_column("subject", no_wrap=True, overflow="ellipsis", ratio=1)
    previous = None
    for point in points:
        delta = Text("")
        if previous is not None and point.score != previous:
            change = point.score - previous
            delta = Text(f"{change:+g}", style="green" if change > 0 else "red")
        grid.add_row(
            point.short,
            point.date[:10],
            Text(score_text(point.score), style="bold"),
            delta,
            *[score_text(point.sections.get(s, 0)) for s in section_ids],
            Text(_cut(point.subject, SUBJECT_WIDTH)),
        )
        previous = point.score
    return grid


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
