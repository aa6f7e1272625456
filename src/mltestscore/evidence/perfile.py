"""Answers about one file, kept in the fact cache under the file's content id.

A check that reads many files for something cheap to answer (does its code match a pattern, which
finite checks does its AST hold) asks here instead, and an audit after a one-file edit reads and
parses only the edited file. Every answer depends on the file's content alone (answers derived from
outlines also on the module path); `kind` names what was computed and carries a version, bumped
whenever the computation changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from mltestscore.context import AuditContext
from mltestscore.evidence.python import ModuleFacts

# (value, keep): keep is False when the file could not be read or parsed, so that the next audit
# tries again and repeats the warning instead of replaying a silent answer.
T = TypeVar("T")
Compute = Callable[[str], tuple[Any, bool]]


def per_file(
    ctx: AuditContext, kind: str, paths: Iterable[str], compute: Callable[[str], tuple[T, bool]]
) -> Iterator[tuple[str, T]]:
    """(path, value) for each of `paths` in order, computed lazily where the cache has no value.
    Values are also kept in memory for the rest of the audit: the fact cache shows only what
    earlier audits wrote, and nothing at all under --no-cache."""
    paths = list(paths)
    memory = ctx.fact(_answers)
    ids = {path: ctx.files.content_id(path) for path in paths}
    wanted = [i for i in ids.values() if i and (kind, i) not in memory]
    known = ctx.cache.get_many(kind, wanted) if wanted else {}
    for path in paths:
        content_id = ids[path]
        value: Any = None
        if content_id:
            value = memory.get((kind, content_id))
            if value is None:
                value = known.get(content_id)
        if value is None:
            value, keep = compute(path)
            if keep and content_id:
                ctx.cache.put(kind, content_id, value)
                memory[(kind, content_id)] = value
        elif content_id:
            memory[(kind, content_id)] = value
        yield path, value


def _answers(ctx: AuditContext) -> dict[tuple[str, str], Any]:
    return {}  # (kind, content id) -> value, for the rest of one audit


def per_outline(
    ctx: AuditContext, kind: str, paths: Iterable[str], derive: Callable[[ModuleFacts], T]
) -> Iterator[tuple[str, T]]:
    """(path, derive(outline)) for each of `paths` in order. The small derived value is cached, not
    the outline: a warm audit loads a few bytes a file instead of every outline, and the files the
    cache lacks are outlined in batches (iter_outlines), not all held at once."""
    paths = list(paths)
    ids = {path: ctx.python.analysis_id(path) for path in paths}  # outlines depend on the module path too
    known = ctx.cache.get_many(kind, [i for i in ids.values() if i])
    derived: dict[str, T] = {}
    for path, outline in ctx.python.iter_outlines([p for p in paths if not ids[p] or ids[p] not in known]):
        derived[path] = derive(outline)
        if ids[path]:
            ctx.cache.put(kind, ids[path], derived[path])
    for path in paths:
        yield path, derived[path] if path in derived else known[ids[path]]


def code_passing(ctx: AuditContext, paths: Iterable[str], test: Callable[[bytes], object], key: str) -> list[str]:
    """The `paths` whose code (docstrings and comments blanked) passes `test`; `key` names the test."""

    def passes(path: str) -> tuple[bool, bool]:
        code = ctx.python.code(path)
        return bool(test(code)), bool(code)  # empty: unreadable, or over the size limit

    kind = f"code:{ctx.files.max_bytes}:{key}"
    return [path for path, passed in per_file(ctx, kind, paths, passes) if passed]


def grep_bytes(ctx: AuditContext, pattern: re.Pattern[bytes], paths: Iterable[str]) -> list[str]:
    """ctx.files.grep (raw bytes) with each file's answer cached."""

    def passes(path: str) -> tuple[bool, bool]:
        data = ctx.files.read_bytes(path)
        return data is not None and pattern.search(data) is not None, data is not None

    kind = f"bytes:{ctx.files.max_bytes}:{pattern_key(pattern)}"
    return [path for path, passed in per_file(ctx, kind, paths, passes) if passed]


def grep_code(ctx: AuditContext, pattern: re.Pattern[bytes], paths: Iterable[str]) -> list[str]:
    """ctx.python.grep_code with each file's answer cached: the pattern's flags and text name it."""
    return code_passing(ctx, paths, pattern.search, pattern_key(pattern))


def pattern_key(pattern: re.Pattern) -> str:
    return f"re:{pattern.flags}:{pattern.pattern!r}"
