"""Which files are the project's own code, which are tests, and where a hit sits in a notebook:
facts every layer above needs (evidence modules, probes, checks), computed once per audit."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mltestscore.context import AuditContext

_NON_PROJECT = re.compile(r"(^|/)(docs?|examples?|tutorials?|site-packages|third_party|vendor)/")


@dataclass(frozen=True)
class Artifact:
    """A file (and line) that does the test, before we know what runs it."""

    path: str
    line: int | None
    detail: str


def is_test_file(ctx: AuditContext, path: str) -> bool:
    return path in ctx.tests.test_code


def project_sources(ctx: AuditContext) -> list[str]:
    """Python files and notebooks that are the project's own code: not tests, docs or vendored."""
    return ctx.fact(_project_sources)


def _project_sources(ctx: AuditContext) -> list[str]:
    return [p for p in ctx.python.sources if not is_test_file(ctx, p) and not _NON_PROJECT.search(p)]


def files_named(ctx: AuditContext, pattern: str) -> list[str]:
    """Files whose base name matches `pattern` as a whole: what `(^|/)(pattern)$` finds over the
    paths, faster (a pattern led by a literal rejects most names at their first character)."""
    regex = re.compile(pattern)
    return [path for path, name in ctx.fact(_base_names) if regex.fullmatch(name)]


def _base_names(ctx: AuditContext) -> list[tuple[str, str]]:
    return [(path, path.rsplit("/", 1)[-1]) for path in ctx.files.paths]


def notebook_line(ctx: AuditContext, path: str, line: int) -> tuple[int | None, str]:
    """(line to report, suffix) for a hit in a .py file or a notebook cell."""
    if path.endswith(".ipynb"):
        notebook = ctx.parsed.notebook(path)
        cell = notebook.cell_of(line) if notebook else None
        return None, f" (cell {cell})" if cell else ""
    return line, ""
