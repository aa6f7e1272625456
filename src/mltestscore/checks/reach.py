"""What runs a piece of code, following imports: the file itself may be run by CI or a pipeline
stage, or be imported by a file that is. `ctx.wiring.runners_for` knows the first case; tuning,
baseline and sliced-evaluation code often sits in a helper module that the training or evaluation
script imports, so this follows the import chain (up to MAX_HOPS files) to a runner.

A hop counts only when the importer uses what holds the artifact: the top-level function or class
around the call (or the module itself when the call is at module level). Code under
`if __name__ == "__main__":` runs only when the file itself is run, so imports never reach it.
"""

from __future__ import annotations

import ast
import posixpath
import re

from mltestscore.checks.common import Artifact
from mltestscore.context import AuditContext
from mltestscore.evidence.python import _dotted, module_name
from mltestscore.results import Evidence
from mltestscore.wiring import Runner

MAX_HOPS = 3
MAIN_ONLY = "__main__"  # the symbol of code guarded by `if __name__ == "__main__":`


def enclosing_symbol(tree: ast.Module, line: int) -> str | None:
    """The top-level def/class holding `line`, MAIN_ONLY under the main guard, None at module level."""
    for node in tree.body:
        end = getattr(node, "end_lineno", node.lineno) or node.lineno
        if not node.lineno <= line <= end:
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return node.name
        if isinstance(node, ast.If) and _is_main_guard(node.test):
            return MAIN_ONLY
    return None


def _is_main_guard(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    )


def _absolute(node: ast.ImportFrom, importer_module: str) -> str:
    """The module an ImportFrom names, relative imports anchored on the importer's package."""
    if not node.level:
        return node.module or ""
    package = importer_module.split(".")[: -node.level] if importer_module else []
    return ".".join([*package, node.module] if node.module else package)


def _bindings(tree: ast.Module, module: str, importer_module: str) -> tuple[dict[str, str], list[int]]:
    """Local names bound to `module` or to names inside it (local -> dotted target), and the
    lines of import statements that load `module` itself (and so run its module-level code)."""
    aliases: dict[str, str] = {}
    loading: list[int] = []
    parent, _, leaf = module.rpartition(".")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == module:
                    loading.append(node.lineno)
                if alias.name == module or module.startswith(alias.name + "."):
                    head = alias.name if alias.asname else alias.name.split(".")[0]
                    aliases[alias.asname or head] = head
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, importer_module)
            for alias in node.names:
                if base == module:
                    aliases[alias.asname or alias.name] = f"{module}.{alias.name}"
                    loading.append(node.lineno)
                elif base == parent and alias.name == leaf:
                    aliases[alias.asname or alias.name] = module
                    loading.append(node.lineno)
    return aliases, loading


def usage_lines(tree: ast.Module, module: str, symbol: str | None, importer_module: str = "") -> list[int]:
    """Lines where an importer runs `module`'s top level (symbol None) or references `module.symbol`."""
    aliases, loading = _bindings(tree, module, importer_module)
    if symbol is None:
        return sorted(set(loading))
    wanted = f"{module}.{symbol}"
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Attribute, ast.Name)) or not isinstance(getattr(node, "ctx", None), ast.Load):
            continue
        dotted = _dotted(node)
        head, _, rest = (dotted or "").partition(".")
        if head not in aliases:
            continue
        resolved = f"{aliases[head]}.{rest}" if rest else aliases[head]
        if resolved == wanted or resolved.startswith(wanted + "."):
            lines.append(node.lineno)
    return sorted(set(lines))


class Reach:
    """Runners of code, found through direct wiring, code pipelines and the import chain."""

    def __init__(self, ctx: AuditContext) -> None:
        self.ctx = ctx
        self._cache: dict[tuple[str, str | None, int], Runner | None] = {}
        self._pipelines = {p.path: p for p in ctx.code_pipelines}

    def runner(self, path: str, line: int | None) -> Runner | None:
        """The strongest runner reaching the code at path:line (None when nothing does)."""
        direct = self._direct(path)
        if direct is not None and direct.automatic:
            return direct
        tree = self.ctx.parsed.python(path) if path.endswith(".py") else None
        symbol = enclosing_symbol(tree, line) if tree is not None and line else None
        through = self._through_importers(path, symbol, 0)
        return through or direct

    def _direct(self, path: str) -> Runner | None:
        runners = self.ctx.wiring.runners_for(path)
        if runners:
            return runners[0]
        pipeline = self._pipelines.get(path)
        if pipeline is not None:
            return Runner("pipeline", True, pipeline.path, pipeline.line, f"{pipeline.path} {pipeline.orchestrator} pipeline '{pipeline.name}'")
        return None

    def _through_importers(self, path: str, symbol: str | None, hops: int) -> Runner | None:
        key = (path, symbol, hops)
        if key in self._cache:
            return self._cache[key]
        self._cache[key] = None  # breaks import cycles
        found = None
        if symbol != MAIN_ONLY and hops < MAX_HOPS and path.endswith(".py"):
            found = self._search_importers(path, symbol, hops)
        self._cache[key] = found
        return found

    def _search_importers(self, path: str, symbol: str | None, hops: int) -> Runner | None:
        link = f"{path}{':' + symbol if symbol else ''}"
        for importer, module, lines in self._importers(path, symbol):
            direct = self._direct(importer)
            if direct is not None and direct.automatic:
                return direct.through(f"{importer} uses {link}")
            tree = self.ctx.parsed.python(importer)
            for line in lines:
                outer = enclosing_symbol(tree, line) if tree is not None else None
                runner = self._through_importers(importer, outer, hops + 1)
                if runner is not None:
                    return runner.through(f"{importer} uses {link}")
        return None

    def _importers(self, path: str, symbol: str | None):
        """(importer, module name it uses, usage lines) for every Python file using path[:symbol].

        Test files are not importers here: a test that imports evaluation code unit-tests it (on
        fixtures), it does not run the evaluation of the model."""
        module = module_name(path)
        stem = module.rsplit(".", 1)[-1]
        folder = posixpath.dirname(path)
        # src/pkg/mod.py is `pkg.mod` on an installed path, `src.pkg.mod` when src is a package
        spelled = path[: -len(".py")].replace("/", ".").removesuffix(".__init__")
        pattern = re.compile(rb"\b" + re.escape(stem.encode()) + rb"\b")
        tests = self.ctx.tests.test_code
        candidates = [p for p in self.ctx.python.sources if p.endswith(".py") and p != path and p not in tests]
        for importer in self.ctx.python.grep_code(pattern, candidates):
            tree = self.ctx.parsed.python(importer)
            if tree is None:
                continue
            names = [module] + ([spelled] if spelled != module else [])
            names += [stem] if posixpath.dirname(importer) == folder and stem != module else []
            for name in names:
                lines = usage_lines(tree, name, symbol, module_name(importer))
                if lines:
                    yield importer, name, lines
                    break


def reach_of(ctx: AuditContext) -> Reach:
    return Reach(ctx)


def reach_evidence(ctx: AuditContext, artifact: Artifact) -> tuple[Evidence, Runner | None]:
    """Like common.runner_evidence, but follows imports and code pipelines to the runner."""
    runner = ctx.fact(reach_of).runner(artifact.path, artifact.line)
    return Evidence(artifact.path, artifact.line, artifact.detail, runner.describe() if runner else None), runner
