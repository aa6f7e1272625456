"""Byte prefilters that checks declare, run together in one read of every Python file.

A check looking for something rare in code (a rule list, a PII helper, a feature registry) first
rules files out on their raw bytes, before blanking docstrings or outlining. On a large library,
reading the files the index did not keep costs more than searching them, so every declared
prefilter runs in the same pass, once per audit (the word index does the same for identifiers).

A prefilter must pass every file where its check's own pattern matches the code: it may let a file
through in vain, never leave one out wrongly. Patterns that start with a literal (`def\\s+...`, `@...`)
are searched many times faster than ones that start with `\\b` or `(?m)^`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from hashlib import sha1

from mltestscore.context import AuditContext
from mltestscore.evidence.python import BYTE_TESTS
from mltestscore.evidence.sources import project_sources

POOLS = ("python", "project", "tests")  # every .py file; the project's own code; test files


@dataclass(frozen=True, eq=False)
class Prefilter:
    pool: str
    test: Callable[[bytes], object]
    key: str  # names the test in the fact cache: the pattern, or the function's qualified name


_DECLARED: list[Prefilter] = []


def prefilter(pool: str, test: re.Pattern[bytes] | Callable[[bytes], object]) -> Prefilter:
    """Declare a test of a file's raw bytes (a pattern, or a function) over one of POOLS."""
    if pool not in POOLS:
        raise ValueError(f"prefilter pool {pool!r} is not one of {POOLS}")
    if isinstance(test, re.Pattern):
        declared = Prefilter(pool, test.search, f"re:{test.flags}:{test.pattern!r}")
    else:
        declared = Prefilter(pool, test, f"fn:{test.__module__}.{test.__qualname__}")
    _DECLARED.append(declared)
    BYTE_TESTS.append(declared.test)  # the word scan runs it on the bytes it reads
    return declared


def passing(ctx: AuditContext, declared: Prefilter) -> list[str]:
    """The files of the prefilter's pool whose bytes pass it, in the index's order."""
    found = ctx.fact(_run_declared)
    if declared not in found:  # declared after the pass ran: a pass of its own
        found.update(_run(ctx, [declared]))
    return found[declared]


def _run_declared(ctx: AuditContext) -> dict[Prefilter, list[str]]:
    return _run(ctx, list(_DECLARED))


def _run(ctx: AuditContext, prefilters: list[Prefilter]) -> dict[Prefilter, list[str]]:
    """Every prefilter over every .py file, whatever its pool: the results depend on the bytes only,
    so they are cached by content id and a warm audit reads no file for them."""
    members = {"python": None, "project": set(project_sources(ctx)), "tests": set(ctx.tests.files)}
    found: dict[Prefilter, list[str]] = {p: [] for p in prefilters}
    kind = "prefilters:" + sha1("\n".join(p.key for p in prefilters).encode()).hexdigest()[:16]
    paths = [p for p in ctx.python.sources if p.endswith(".py")]
    ids = {path: ctx.files.content_id(path) for path in paths}
    known = ctx.cache.get_many(kind, [i for i in ids.values() if i])
    scanned = _scan_hits(ctx, prefilters)
    for path in paths:
        passed = known.get(ids[path]) if ids[path] else None
        if passed is None:
            passed = scanned(path)
            if passed is None:
                data = ctx.files.read_bytes(path, keep=False) or b""
                passed = tuple(index for index, declared in enumerate(prefilters) if declared.test(data))
            if ids[path]:
                ctx.cache.put(kind, ids[path], passed)
        for index in passed:
            declared = prefilters[index]
            pool = members[declared.pool]
            if pool is None or path in pool:
                found[declared].append(path)
    return found


def _scan_hits(ctx: AuditContext, prefilters: list[Prefilter]) -> Callable[[str], tuple[int, ...] | None]:
    """What the word scan found for these prefilters (it ran every declared test on the bytes it
    read): a path's passing indices into `prefilters`, or None when the scan did not read it."""
    ctx.python.words  # the scan first, so that a file is read once for both
    ran = BYTE_TESTS[: ctx.python.byte_tests_scanned]
    if not all(any(p.test is test for test in ran) for p in prefilters):
        return lambda path: None  # one was declared after the scan: read for it
    position = {id(p.test): index for index, p in enumerate(prefilters)}
    order = [position.get(id(test)) for test in ran]
    hits = ctx.python.byte_hits

    def scanned(path: str) -> tuple[int, ...] | None:
        found = hits.get(path)
        if found is None:
            return None
        return tuple(sorted(order[i] for i in found if i < len(order) and order[i] is not None))

    return scanned
