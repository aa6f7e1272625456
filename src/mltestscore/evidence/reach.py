"""What reaches a module: the runners of the files that import it.

`ctx.wiring.runners_for(path)` knows the files a command runs directly (a script, a test file
pytest collects, a module `python -m` starts). Validation and feature code usually sits in a
module those files import; this follows the project's import graph from every run file (and
every orchestrator pipeline definition) a few levels down, keeping the chain for the report.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from mltestscore.context import AuditContext
from mltestscore.wiring import Runner

MAX_IMPORT_DEPTH = 3


@dataclass(frozen=True)
class Reach:
    runner: Runner
    test: str | None = None  # the test file that imports it: it runs on whatever data that test feeds it

    @property
    def via_test(self) -> bool:
        return self.test is not None


def _roots(ctx: AuditContext) -> list[tuple[str, Runner]]:
    roots = [(path, runner) for path in ctx.python.sources for runner in ctx.wiring.runners_for(path)]
    for pipeline in ctx.code_pipelines:
        label = f"{pipeline.path} {pipeline.orchestrator} pipeline '{pipeline.name}'"
        roots.append((pipeline.path, Runner("pipeline", True, pipeline.path, pipeline.line, label)))
    return roots


def reach_table(ctx: AuditContext) -> dict[str, list[Reach]]:
    """path -> every way something runs it, directly or through imports (strongest first)."""
    table: dict[str, list[Reach]] = {}
    seen: set[tuple[str, str, str, str | None]] = set()
    test_code = ctx.tests.test_code
    queue: deque[tuple[str, Reach, int]] = deque((p, Reach(r), 0) for p, r in _roots(ctx))
    while queue:
        path, reach, depth = queue.popleft()
        key = (path, reach.runner.path, reach.runner.label, reach.test)
        if key in seen:
            continue
        seen.add(key)
        table.setdefault(path, []).append(reach)
        if depth >= MAX_IMPORT_DEPTH or not path.endswith(".py"):
            continue
        test = reach.test or (path if path in test_code else None)
        for target in ctx.python.project_imports(path):
            queue.append((target, Reach(reach.runner.through(f"imports {target}"), test), depth + 1))
    for reaches in table.values():
        reaches.sort(key=lambda r: (r.via_test, -r.runner.rank))
    return table


def reaches(ctx: AuditContext, path: str, tests: bool = False) -> list[Reach]:
    """How `path` is run; `tests=False` leaves out runs that only import it from a test."""
    found = ctx.fact(reach_table).get(path, [])
    return found if tests else [r for r in found if not r.via_test]


def runners_reaching(ctx: AuditContext, path: str) -> list[Runner]:
    """Runners of `path` directly or through imports, not counting imports from tests."""
    return [r.runner for r in reaches(ctx, path)]
