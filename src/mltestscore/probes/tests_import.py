"""Probe "tests-import-feature-code": test files that import given project modules (resolved
through imports, never by file name) and hold at least one test function, and what runs them.

Shared by infra-2 (model code), data-7 (feature code) and infra-5 (debug tooling): moved here from
checks/infra.py so that no section imports another's module (checks.infra re-exports it).
"""

from __future__ import annotations

from hashlib import sha1

from mltestscore.context import AuditContext
from mltestscore.evidence.importers import may_import
from mltestscore.evidence.sources import Artifact, project_sources
from mltestscore.probes import Probe, ProbeResult, register, result_from_artifacts
from mltestscore.probes.fixture_tests import tests_through_fixtures
from mltestscore.probes.loose_imports import loose_imports


def pluralise(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def tests_importing(ctx: AuditContext, targets: dict[str, str]) -> list[Artifact]:
    """Test files that import any target module and hold at least one test function."""
    known = ctx.fact(_cached_test_imports)
    candidates = set(may_import(ctx.python, targets, [p for p in ctx.tests.files if p not in known]))
    wanted = set(targets)
    candidates.update(p for p, imported in known.items() if not wanted.isdisjoint(imported))
    artifacts = []
    for path, outline in ctx.python.iter_outlines([p for p in ctx.tests.files if p in candidates]):
        tests = outline.test_functions()
        if not tests:
            continue
        imported = ctx.python.project_imports(path)
        hits = [t for t in imported if t in targets]
        if hits:
            artifacts.append(
                Artifact(path, imported[hits[0]], f"{pluralise(len(tests), 'test')} exercising {', '.join(hits[:3])}")
            )
    artifacts += tests_through_fixtures(ctx, targets, {a.path for a in artifacts})
    if not artifacts:
        artifacts = _loosely_importing(ctx, targets)
    return artifacts


def _loosely_importing(ctx: AuditContext, targets: dict[str, str]) -> list[Artifact]:
    """When no test imports a target by a resolvable name: tests reaching one through an import that
    only a unique file-path match places, or a load by file path (probes/loose_imports.py)."""
    artifacts = []
    for path, outline in ctx.python.iter_outlines(list(ctx.tests.files)):
        tests = outline.test_functions()
        if not tests:
            continue
        reached = loose_imports(ctx, path)
        hits = [t for t in reached if t in targets]
        if hits:
            artifacts.append(
                Artifact(path, reached[hits[0]], f"{pluralise(len(tests), 'test')} exercising {', '.join(hits[:3])}")
            )
    return artifacts


def _cached_test_imports(ctx: AuditContext) -> dict[str, frozenset[str | None]]:
    """Test file -> the project files its imports resolve to (None for imports outside the
    project), for the test files the fact cache knows: their resolved imports (valid while the
    project's module table is the same), else their cached outline. Loaded once per audit."""
    tests = ctx.tests.files
    table = ctx.python.modules
    roots = "\0".join(ctx.python.import_roots)  # resolution depends on the sys.path folders too
    kind = (
        "test-imports:2:"
        + sha1("\n".join([roots, *(f"{name}\0{path}" for name, path in table.items())]).encode()).hexdigest()
    )
    ids = {path: ctx.files.content_id(path) for path in tests}
    known = ctx.cache.get_many(kind, [i for i in ids.values() if i])
    found = {path: frozenset(known[ids[path]]) for path in tests if ids[path] in known}
    for path, imports in ctx.python.cached_imports([p for p in tests if p not in found]).items():
        found[path] = frozenset(ctx.python.resolve_import(imported, path) for imported in imports)
        ctx.cache.put(kind, ids[path], found[path])
    return found


@register
class TestsImportFeatureCode(Probe):
    """Tests that import the project's own (non-test) modules, and whether CI runs them."""

    name = "tests-import-feature-code"
    description = "test files importing the project's own modules (resolved imports), and their runner"

    def compute(self, ctx: AuditContext) -> ProbeResult:
        targets = {p: "project module" for p in project_sources(ctx) if p.endswith(".py")}
        return result_from_artifacts(ctx, self.name, tests_importing(ctx, targets))
