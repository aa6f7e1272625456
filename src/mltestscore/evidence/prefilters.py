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

from mltestscore.checks.common import project_sources
from mltestscore.context import AuditContext

POOLS = ("python", "project", "tests")  # every .py file; the project's own code; test files


@dataclass(frozen=True, eq=False)
class Prefilter:
    pool: str
    test: Callable[[bytes], object]


_DECLARED: list[Prefilter] = []


def prefilter(pool: str, test: re.Pattern[bytes] | Callable[[bytes], object]) -> Prefilter:
    """Declare a test of a file's raw bytes (a pattern, or a function) over one of POOLS."""
    if pool not in POOLS:
        raise ValueError(f"prefilter pool {pool!r} is not one of {POOLS}")
    declared = Prefilter(pool, test.search if isinstance(test, re.Pattern) else test)
    _DECLARED.append(declared)
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
    members = {"python": None, "project": set(project_sources(ctx)), "tests": set(ctx.tests.files)}
    found: dict[Prefilter, list[str]] = {p: [] for p in prefilters}
    for path in ctx.python.sources:
        if not path.endswith(".py"):
            continue
        wanted = [p for p in prefilters if members[p.pool] is None or path in members[p.pool]]
        data = (ctx.files.read_bytes(path, keep=False) or b"") if wanted else b""
        for declared in wanted:
            if declared.test(data):
                found[declared].append(path)
    return found
