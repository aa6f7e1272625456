"""`mltestscore diff BASE [HEAD]` and `audit --diff-base REF`: what a change does to the score.

Each commit is audited from its git objects, as `history` does (nothing is checked out); the work
tree side of `audit --diff-base` is the ordinary audit. The diff lists the tests that went up or
down with the evidence that appeared or vanished, named with what git says happened to the file
("tests/test_gate.py deleted"), and renders as text, JSON or a Markdown PR comment whose first
line is a marker, so a bot can find and update its one comment instead of adding one per push.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from mltestscore.config import Config
from mltestscore.results import AuditReport

MARKER = "<!-- mltestscore-pr-comment -->"
_GIT_STATUS = {"A": "added", "D": "deleted", "M": "changed", "R": "renamed", "C": "copied", "T": "changed type"}


class DiffError(Exception):
    """The commits cannot be read (not a repository, unknown ref): exit code 2."""


@dataclass(frozen=True)
class TestChange:
    __test__ = False  # not a pytest class

    id: str
    title: str
    before: float
    after: float
    appeared: list[str] = field(default_factory=list)  # evidence paths, with what git says of them
    vanished: list[str] = field(default_factory=list)
    reason: str = ""  # the head side's reason

    @property
    def delta(self) -> float:
        return self.after - self.before


@dataclass
class ReportDiff:
    base: AuditReport
    head: AuditReport
    base_label: str
    head_label: str
    changes: list[TestChange]

    @property
    def dropped(self) -> bool:
        return self.head.score < self.base.score

    def to_dict(self) -> dict:
        return {
            "base": {"ref": self.base_label, "commit": self.base.commit, "score": self.base.score},
            "head": {"ref": self.head_label, "commit": self.head.commit, "score": self.head.score},
            "dropped": self.dropped,
            "sections": {s.id: {"before": s.score, "after": self.head.section(s.id).score} for s in self.base.sections},
            "changes": [
                {
                    "id": c.id,
                    "title": c.title,
                    "before": c.before,
                    "after": c.after,
                    "appeared": c.appeared,
                    "vanished": c.vanished,
                    "reason": c.reason,
                }
                for c in self.changes
            ],
        }


def diff_reports(
    base: AuditReport, head: AuditReport, file_status: dict[str, str] | None = None, labels: tuple[str, str] = ("", "")
) -> ReportDiff:
    """Tests whose points changed, biggest drop first. `file_status`: path -> what git says
    happened to it between the two sides (added, deleted, ...)."""
    status = file_status or {}
    before = {item.id: item for item in base.items()}
    changes = []
    for item in head.items():
        old = before.get(item.id)
        if old is None or old.score == item.score:
            continue
        old_paths = {e.path for e in old.evidence}
        new_paths = {e.path for e in item.evidence}
        changes.append(
            TestChange(
                item.id,
                item.title,
                old.score,
                item.score,
                [_with_status(p, status) for p in sorted(new_paths - old_paths)],
                [_with_status(p, status) for p in sorted(old_paths - new_paths)],
                item.reason,
            )
        )
    changes.sort(key=lambda c: (c.delta, c.id))
    return ReportDiff(base, head, labels[0] or (base.commit or "")[:8], labels[1] or (head.commit or "")[:8], changes)


def _with_status(path: str, status: dict[str, str]) -> str:
    what = status.get(path)
    return f"{path} {what}" if what else path


# --- reading commits -------------------------------------------------------------------------


class CommitAuditor:
    """Audits commits of the repository holding `root` from git objects; shares one blob reader
    and the fact cache across the commits it audits."""

    def __init__(self, root: Path, cache_dir: Path | None = None) -> None:
        from mltestscore.evidence.git import _LEAKY_ENV

        for name in _LEAKY_ENV:  # a hook's GIT_DIR / GIT_INDEX_FILE must not redirect our reads
            os.environ.pop(name, None)
        os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
        try:
            import git
        except Exception as error:
            raise DiffError(f"git is not usable ({error})") from None
        self._git = git
        try:
            self.repo = git.Repo(root, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise DiffError(f"not a git repository: {root}") from None
        self.root = root
        top = Path(self.repo.working_tree_dir or root).resolve()
        prefix = os.path.relpath(root.resolve(), top).replace(os.sep, "/")
        self.prefix = "" if prefix == "." else prefix
        self.cache_dir = cache_dir
        self.shallow = (Path(self.repo.git_dir) / "shallow").exists()
        from mltestscore.index.commit import BlobReader

        self._reader = BlobReader(self.repo)

    def resolve(self, ref: str) -> str:
        try:
            return self.repo.commit(ref).hexsha
        except Exception:
            hint = " (a shallow clone: fetch it, e.g. fetch-depth: 0)" if self.shallow else ""
            raise DiffError(f"unknown commit or ref {ref!r}{hint}") from None

    def audit(self, sha: str, config: Config | None = None) -> AuditReport:
        """The commit audited with `config`, or with the config committed in it when None."""
        from mltestscore.audit import run_audit
        from mltestscore.history import CommitContext, commit_config
        from mltestscore.index.commit import CommitGit, list_tree

        entries = list_tree(self.repo, sha, self.prefix)
        if config is None:
            config, _note = commit_config(entries, self._reader)
        git_info = CommitGit(
            True, self.root, sha, self.shallow, list(entries), None, _repo=self.repo, prefix=self.prefix
        )
        context = CommitContext(self.root, config, git_info, entries, self._reader, self.cache_dir)
        return run_audit(self.root, config, ctx=context)

    def file_status(self, base: str, head: str | None) -> dict[str, str]:
        """Path (relative to the audited folder) -> added/deleted/changed between base and head
        (head None: the work tree)."""
        args = ["--name-status", "-z", "-M", base] + ([head] if head else [])
        try:
            listing = self.repo.git.diff(*args)
        except self._git.GitCommandError:
            return {}
        status: dict[str, str] = {}
        fields = listing.split("\0")
        start = f"{self.prefix}/" if self.prefix else ""
        i = 0
        while i < len(fields) and fields[i]:
            code = fields[i][0]
            paths = fields[i + 1 : i + (3 if code in "RC" else 2)]
            i += 3 if code in "RC" else 2
            for path in paths:
                if path.startswith(start):
                    status[path[len(start) :]] = _GIT_STATUS.get(code, "changed")
        return status

    def close(self) -> None:
        self.repo.close()


# --- rendering --------------------------------------------------------------------------------


def _pts(value: float) -> str:
    return f"{value:g}"


def render_text(diff: ReportDiff) -> str:
    lines = [
        f"ML Test Score {_pts(diff.base.score)} → {_pts(diff.head.score)} "
        f"({diff.base_label} → {diff.head_label})" + ("  DROPPED" if diff.dropped else ""),
    ]
    for section in diff.base.sections:
        after = diff.head.section(section.id).score
        if after != section.score:
            lines.append(f"  section {section.id} {_pts(section.score)} → {_pts(after)}")
    if not diff.changes:
        lines.append("No test changed its points.")
    for change in diff.changes:
        arrow = "↑" if change.delta > 0 else "↓"
        evidence = _evidence_words(change)
        lines.append(
            f"{arrow} {change.id} {_pts(change.before)} → {_pts(change.after)}" + (f": {evidence}" if evidence else "")
        )
    return "\n".join(lines) + "\n"


def _evidence_words(change: TestChange) -> str:
    parts = [f"{p} (evidence gone)" if not p.endswith(" deleted") else p for p in change.vanished]
    parts += [f"{p} (new evidence)" for p in change.appeared]
    return "; ".join(parts) if parts else change.reason


def render_markdown(diff: ReportDiff) -> str:
    """A PR comment body; its first line is MARKER so the action updates one comment in place."""
    verdict = "dropped" if diff.dropped else "rose" if diff.head.score > diff.base.score else "unchanged"
    icon = {"dropped": "🔻", "rose": "🔺", "unchanged": "➖"}[verdict]
    out = [
        MARKER,
        f"## {icon} ML Test Score {_pts(diff.base.score)} → {_pts(diff.head.score)} ({verdict})",
        "",
        f"Base `{diff.base_label}` → head `{diff.head_label}`. The final score is the weakest section's sum.",
        "",
        "| Section | Base | Head |",
        "|---|---:|---:|",
    ]
    for section in diff.base.sections:
        after = diff.head.section(section.id).score
        mark = " 🔻" if after < section.score else " 🔺" if after > section.score else ""
        out.append(f"| {section.title} | {_pts(section.score)} | {_pts(after)}{mark} |")
    out.append("")
    if diff.changes:
        out += ["| Test | Points | What changed |", "|---|---:|---|"]
        for change in diff.changes:
            arrow = "🔺" if change.delta > 0 else "🔻"
            what = _evidence_words(change).replace("|", "\\|").replace("\n", " ")
            out.append(
                f"| {arrow} `{change.id}` {change.title} | {_pts(change.before)} → {_pts(change.after)} | {what} |"
            )
    else:
        out.append("No test changed its points.")
    out += ["", "<sub>mltestscore diff: both sides audited statically from git; nothing was run.</sub>", ""]
    return "\n".join(out)


def render(diff: ReportDiff, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(diff.to_dict(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return render_markdown(diff)
    return render_text(diff)
