"""The whole-report memo: an audit of a tree that has not changed since the last audit is not redone.

The key is everything an audit reads: each listed file's content id (git blob id, or size and
modification time for files git does not know as they are), HEAD and shallowness (history
evidence), the config, today's date (evidence ages in days), the repository's path, and the
installed tool itself (its files' sizes and times, and the folders plugins install into), the
chosen rubric's text, and each loaded plugin's distribution, version and source-file hashes (the
memo is skipped when a plugin is not from an installed distribution). A change to any of them is a miss, and the audit runs with the per-file fact cache, re-reading only what
changed. The stored report is plain data in the fact cache; `generated_at` is set anew on a hit.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from functools import lru_cache
from hashlib import sha1
from pathlib import Path

from mltestscore.results import AuditReport, AuditWarning, Evidence, SectionResult, Status, TestResult

KIND = "report:3"  # 2: sections carry their n/a count and na_policy; 3: the rubric, per-test maxima


def memo_key(ctx) -> str | None:
    """The key of this audit's inputs; None when they cannot all be pinned down (a plugin that is
    not from an installed distribution): then the audit runs and nothing is remembered."""
    from mltestscore.plugins import fingerprint

    plugins = fingerprint()
    if plugins is None:
        return None
    digest = sha1()
    today = datetime.now(timezone.utc).date().isoformat()
    from mltestscore.rubric import rubric_digest

    rubric = rubric_digest(ctx.config.rubric_spec)  # a rubric file edited in place changes the key
    digest.update(f"{os.path.realpath(ctx.root)}\0{today}\0{ctx.config!r}\0{_installed()}\0".encode())
    digest.update(f"rubric:{rubric}\0plugins:{plugins}\0".encode())
    git = ctx.git
    digest.update(f"git:{git.available}:{git.commit}:{git.shallow}\0".encode())
    files = ctx.files
    # A file listed but absent or unstattable (sparse checkout, deleted, no permission) keys as
    # absent: it reads the same way every time until it changes.
    ids = [files.content_id(path) or "absent" for path in files.paths]
    digest.update("\0".join(f"{path}\0{content_id}" for path, content_id in zip(files.paths, ids)).encode())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _installed() -> str:
    """Sizes and times of this package's files and of the rubric, and the times of the folders
    distributions install into (a plugin installed, upgraded or removed changes its site-packages folder)."""
    package = Path(__file__).parent
    marks = []
    for folder, _dirs, names in os.walk(package):
        for name in names:
            if name.endswith((".py", ".yaml", ".j2", ".html", ".css")):
                info = os.stat(os.path.join(folder, name))
                marks.append(f"{name}:{info.st_size}:{info.st_mtime_ns}")
    from mltestscore.rubric import _rubric_path  # beside the package, or in a source checkout

    rubric = os.stat(_rubric_path())
    marks.append(f"rubric:{rubric.st_size}:{rubric.st_mtime_ns}")
    for entry in sys.path:
        if os.path.basename(entry) not in ("site-packages", "dist-packages"):
            continue
        try:
            marks.append(f"{entry}:{os.stat(entry or '.').st_mtime_ns}")
        except OSError:
            continue
    return sha1("\n".join(sorted(marks)).encode()).hexdigest()


def recall(cache, key: str) -> AuditReport | None:
    plain = cache.get_many(KIND, [key]).get(key)
    if plain is None:
        return None
    try:
        report = from_plain(plain)
    except (TypeError, ValueError, KeyError):
        return None  # a damaged entry: audit again
    report.generated_at = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    report.from_memo = True
    return report


def remember(cache, key: str, report: AuditReport) -> None:
    cache.put(KIND, key, to_plain(report))


def to_plain(report: AuditReport) -> tuple:
    sections = tuple(
        (
            s.id,
            s.title,
            s.max,
            tuple(
                (
                    i.id,
                    i.section,
                    i.title,
                    i.score,
                    i.status.value,
                    i.reason,
                    tuple((e.path, e.line, e.detail, e.runner, e.kind) for e in i.evidence),
                    i.missing,
                    i.remediation,
                    i.max,
                )
                for i in s.items
            ),
            s.not_applicable,
            s.scaled,
        )
        for s in report.sections
    )
    warnings = tuple((w.path, w.message) for w in report.warnings)
    return (
        report.tool_version,
        report.repository,
        report.commit,
        report.generated_at,
        sections,
        report.score,
        report.band,
        warnings,
        (report.rubric, report.rubric_id, report.max_score, report.aggregation),
    )


def from_plain(plain: tuple) -> AuditReport:
    version, repository, commit, generated_at, sections, score, band, warnings, rubric = plain
    return AuditReport(
        version,
        repository,
        commit,
        generated_at,
        [
            SectionResult(
                sid,
                title,
                [
                    TestResult(
                        tid,
                        section,
                        ttitle,
                        tscore,
                        Status(status),
                        reason,
                        [Evidence(*e) for e in evidence],
                        missing,
                        remediation,
                        tmax,
                    )
                    for tid, section, ttitle, tscore, status, reason, evidence, missing, remediation, tmax in items
                ],
                maximum,
                not_applicable,
                scaled,
            )
            for sid, title, maximum, items, not_applicable, scaled in sections
        ],
        score,
        band,
        [AuditWarning(*w) for w in warnings],
        rubric=rubric[0],
        rubric_id=rubric[1],
        max_score=rubric[2],
        aggregation=rubric[3],
    )
