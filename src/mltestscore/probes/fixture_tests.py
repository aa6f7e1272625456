"""Tests that exercise project code through pytest fixtures: the test file imports nothing of the
project, but its test functions take a fixture, defined in a conftest.py of its folder or a parent,
that builds an object from the project module (`def processor(): return Preprocessor(...)`).
(Loads by file path are probes/loose_imports.py's.)

Read from the ASTs of the conftest files that import a target and of the test files under them,
never by file name.
"""

from __future__ import annotations

import ast
import posixpath

from mltestscore.context import AuditContext
from mltestscore.evidence.sources import Artifact


def _is_fixture(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name == "fixture":
            return True
    return False


def _args(node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    return {a.arg for a in node.args.args + node.args.kwonlyargs}


def _target_fixtures(ctx: AuditContext, conftest: str, targets: dict[str, str]) -> dict[str, str]:
    """Fixtures of a conftest that use a name imported from a target module (directly, or through
    another such fixture they request): fixture -> target path."""
    tree = ctx.parsed.python(conftest)
    if tree is None:
        return {}
    imported: dict[str, str] = {}  # local name -> target path
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                target = ctx.python.resolve_import(f"{node.module}.{alias.name}", conftest)
                if target in targets:
                    imported[alias.asname or alias.name] = target
        elif isinstance(node, ast.Import):
            for alias in node.names:
                target = ctx.python.resolve_import(alias.name, conftest)
                if target in targets:
                    imported[(alias.asname or alias.name).split(".")[0]] = target
    if not imported:
        return {}
    fixtures = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and _is_fixture(n)]
    using: dict[str, str] = {}
    for fixture in fixtures:
        used = {n.id for n in ast.walk(fixture) if isinstance(n, ast.Name)} & set(imported)
        if used:
            using[fixture.name] = imported[sorted(used)[0]]
    for fixture in fixtures:  # one level of fixtures requesting those fixtures
        requested = _args(fixture) & set(using)
        if fixture.name not in using and requested:
            using[fixture.name] = using[sorted(requested)[0]]
    return using


def tests_through_fixtures(ctx: AuditContext, targets: dict[str, str], skip: set[str]) -> list[Artifact]:
    """Test files (not in skip) whose test functions request a conftest fixture built from a target."""
    conftests = [p for p in ctx.python.sources if posixpath.basename(p) == "conftest.py"]
    scopes = []
    for conftest in conftests:
        if set(ctx.python.project_imports(conftest)) & set(targets):
            fixtures = _target_fixtures(ctx, conftest, targets)
            if fixtures:
                scopes.append((posixpath.dirname(conftest), fixtures))
    if not scopes:
        return []
    artifacts = []
    for path in ctx.tests.files:
        if path in skip or posixpath.basename(path) == "conftest.py" or not path.endswith(".py"):
            continue
        folder = posixpath.dirname(path)
        fixtures = {
            name: target
            for scope, found in scopes
            if not scope or folder == scope or folder.startswith(scope + "/")
            for name, target in found.items()
        }
        if not fixtures:
            continue
        tree = ctx.parsed.python(path)
        tests = [
            n
            for n in (ast.walk(tree) if tree is not None else ())
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name.startswith("test")
        ]
        hits = [(t, sorted(_args(t) & set(fixtures))) for t in tests]
        hits = [(t, used) for t, used in hits if used]
        if hits:
            first, used = hits[0]
            noun = "test" if len(hits) == 1 else "tests"
            artifacts.append(
                Artifact(
                    path,
                    first.lineno,
                    f"{len(hits)} {noun} exercising {fixtures[used[0]]} through conftest fixture {used[0]}",
                )
            )
    return artifacts
