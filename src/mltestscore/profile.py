"""`--profile` / MLTESTSCORE_PROFILE=1: where an audit's time goes, printed to stderr.

A user who finds a slow repository can then say which check, fact or phase is slow. Times are
wall-clock and inclusive: a fact (a cross-file index, say) is charged to the fact and also to the
first check that asked for it; parse times are also inside the checks and facts that parsed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from contextlib import contextmanager


def wanted() -> bool:
    return os.environ.get("MLTESTSCORE_PROFILE", "").strip().lower() in ("1", "true", "yes", "on")


class Profile:
    def __init__(self) -> None:
        self.phases: dict[str, float] = {}  # in the order they ran
        self.checks: dict[str, float] = {}
        self.facts: dict[str, float] = {}
        self.extra: dict[str, float] = {}  # filled from the context at the end: scan, parses
        self.counters: dict[str, int] = {}
        self._start = time.perf_counter()

    @contextmanager
    def phase(self, name: str, into: dict[str, float] | None = None):
        start = time.perf_counter()
        try:
            yield
        finally:
            table = self.phases if into is None else into
            table[name] = table.get(name, 0.0) + time.perf_counter() - start

    def fact(self, producer: Callable, compute: Callable[[], object]) -> object:
        name = f"{producer.__module__.removeprefix('mltestscore.')}.{producer.__qualname__}"
        with self.phase(name, self.facts):
            return compute()

    def collect(self, ctx) -> None:
        """What the context measured along the way (only what was built: nothing is forced)."""
        python = ctx.__dict__.get("python")
        if python is not None and python.scan_seconds:
            self.extra["scan (words of every source)"] = python.scan_seconds
        parsed = ctx.__dict__.get("parsed")
        for kind, seconds in sorted((parsed.seconds if parsed is not None else {}).items()):
            self.extra[f"parse {kind}"] = seconds
        self.counters = ctx.stats.as_dict()

    def render(self) -> str:
        total = time.perf_counter() - self._start
        lines = [f"mltestscore profile: {total:.3f} s in all (wall clock, inclusive)"]

        def table(title: str, rows: dict[str, float], limit: int | None = None) -> None:
            if not rows:
                return
            lines.append(f"  {title}:")
            ranked = sorted(rows.items(), key=lambda item: -item[1])
            for name, seconds in ranked[:limit]:
                lines.append(f"    {seconds:8.3f} s  {name}")
            if limit is not None and len(ranked) > limit:
                rest = sum(seconds for _, seconds in ranked[limit:])
                lines.append(f"    {rest:8.3f} s  ({len(ranked) - limit} more)")

        table("phases", self.phases)
        table("checks", self.checks)
        table("facts (computed once, charged also to the check that first asked)", self.facts, 12)
        table("inside the above", self.extra)
        if self.counters:
            lines.append("  work: " + ", ".join(f"{name.replace('_', ' ')} {n}" for name, n in self.counters.items()))
        return "\n".join(lines)
