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
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from hashlib import sha1

from mltestscore.context import AuditContext
from mltestscore.evidence.perfile import per_file
from mltestscore.evidence.python import _IDENTIFIER, _dotted, module_name
from mltestscore.evidence.sources import Artifact
from mltestscore.results import Evidence
from mltestscore.wiring import Runner

MAX_HOPS = 3
MAX_REACHABLE = 200  # files: past this, the reachable set saves no work and the search runs as is
MAIN_ONLY = "__main__"  # the symbol of code guarded by `if __name__ == "__main__":`


def enclosing_symbol(tree: ast.Module, line: int) -> str | None:
    """The top-level def/class holding `line`, MAIN_ONLY under the main guard, None at module level."""
    return _symbol_at(top_level_spans(tree), line)


def top_level_spans(tree: ast.Module) -> tuple[tuple[int, int, str], ...]:
    """(first line, last line, symbol) of each top-level def and class (its name) and main guard (MAIN_ONLY)."""
    spans = []
    for node in tree.body:
        end = getattr(node, "end_lineno", node.lineno) or node.lineno
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            spans.append((node.lineno, end, node.name))
        elif isinstance(node, ast.If) and _is_main_guard(node.test):
            spans.append((node.lineno, end, MAIN_ONLY))
    return tuple(spans)


def _symbol_at(spans: Iterable[tuple[int, int, str]], line: int) -> str | None:
    return next((symbol for start, end, symbol in spans if start <= line <= end), None)


def _is_main_guard(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    )


def _absolute(module: str, level: int, importer_module: str) -> str:
    """The module an ImportFrom names, relative imports anchored on the importer's package."""
    if not level:
        return module
    package = importer_module.split(".")[:-level] if importer_module else []
    return ".".join([*package, module] if module else package)


# An import statement as plain data (cached per file): (module, level, line, ((name, asname), ...));
# level -1 for `import a.b [as c]`, else `from <level dots><module> import ...`.
Import = tuple[str, int, int, tuple[tuple[str, "str | None"], ...]]


@dataclass(frozen=True)
class Uses:
    """What a module takes from others, collected in one walk of its tree: its import statements
    and every dotted name it reads (with the line). The import chain asks it about many modules."""

    imports: tuple[Import, ...]
    loads: tuple[tuple[str, int], ...]


def uses_of(tree: ast.Module) -> Uses:
    imports: list[Import] = []
    loads: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imports.append(("", -1, node.lineno, tuple((a.name, a.asname) for a in node.names)))
        elif isinstance(node, ast.ImportFrom):
            names = tuple((a.name, a.asname) for a in node.names)
            imports.append((node.module or "", node.level or 0, node.lineno, names))
        elif isinstance(node, (ast.Attribute, ast.Name)) and isinstance(getattr(node, "ctx", None), ast.Load):
            dotted = _dotted(node)
            if dotted:
                loads.append((dotted, node.lineno))
    return Uses(tuple(imports), tuple(loads))


def _bindings(uses: Uses, module: str, importer_module: str) -> tuple[dict[str, str], list[int]]:
    """Local names bound to `module` or to names inside it (local -> dotted target), and the
    lines of import statements that load `module` itself (and so run its module-level code)."""
    aliases: dict[str, str] = {}
    loading: list[int] = []
    parent, _, leaf = module.rpartition(".")
    for source, level, line, names in uses.imports:
        if level < 0:
            for name, asname in names:
                if name == module:
                    loading.append(line)
                if name == module or module.startswith(name + "."):
                    head = name if asname else name.split(".")[0]
                    aliases[asname or head] = head
        else:
            base = _absolute(source, level, importer_module)
            for name, asname in names:
                if base == module:
                    aliases[asname or name] = f"{module}.{name}"
                    loading.append(line)
                elif base == parent and name == leaf:
                    aliases[asname or name] = module
                    loading.append(line)
    return aliases, loading


def usage_lines(tree: ast.Module | Uses, module: str, symbol: str | None, importer_module: str = "") -> list[int]:
    """Lines where an importer runs `module`'s top level (symbol None) or references `module.symbol`.
    `tree`: the importer's tree, or its uses_of(tree) when it is asked about several modules."""
    uses = tree if isinstance(tree, Uses) else uses_of(tree)
    aliases, loading = _bindings(uses, module, importer_module)
    if symbol is None:
        return sorted(set(loading))
    wanted = f"{module}.{symbol}"
    lines = []
    for dotted, line in uses.loads:
        head, _, rest = dotted.partition(".")
        if head not in aliases:
            continue
        resolved = f"{aliases[head]}.{rest}" if rest else aliases[head]
        if resolved == wanted or resolved.startswith(wanted + "."):
            lines.append(line)
    return sorted(set(lines))


class Reach:
    """Runners of code, found through direct wiring, code pipelines and the import chain."""

    def __init__(self, ctx: AuditContext) -> None:
        self.ctx = ctx
        self._cache: dict[tuple[str, str | None, int], Runner | None] = {}
        self._pipelines = {p.path: p for p in ctx.code_pipelines}
        self._uses: dict[str, Uses | None] = {}  # importer -> uses_of its tree, walked once per audit

    def runner(self, path: str, line: int | None) -> Runner | None:
        """The strongest runner reaching the code at path:line (None when nothing does)."""
        direct = self._direct(path)
        if direct is not None and direct.automatic:
            return direct
        spans = self._top_level_spans(path) if path.endswith(".py") else ()
        symbol = _symbol_at(spans, line) if line else None
        through = self._through_importers(path, symbol, 0)
        return through or direct

    def _through_callers_in_file(self, path: str, symbol: str, hops: int) -> Runner | None:
        """A symbol no other file imports may be used by one of its own file that is: `create_tuning()`
        builds the `GridSearch` class defined above it. Not a hop (the cache breaks cycles)."""
        for caller in self._users_in_file(path).get(symbol, ()):
            runner = self._through_importers(path, caller, hops)
            if runner is not None:
                return runner.through(f"{path}:{caller} uses {symbol}")
        return None

    def _users_in_file(self, path: str) -> dict[str, tuple[str, ...]]:
        """Top-level symbol -> the other top-level defs of its file naming it; cached per file content."""

        def users_of(path: str) -> tuple[dict[str, tuple[str, ...]], bool]:
            tree = self.ctx.parsed.python(path)
            if tree is None:
                return {}, False
            spans = top_level_spans(tree)
            defined = {name for _, _, name in spans if name != MAIN_ONLY}
            users: dict[str, list[str]] = {}
            for node in tree.body:
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    continue
                named = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} & defined
                for used in sorted(named - {node.name}):
                    users.setdefault(used, []).append(node.name)
            return {k: tuple(v) for k, v in users.items()}, True

        [(_, users)] = per_file(self.ctx, "in-file-users:1", [path], users_of)
        return users

    def _top_level_spans(self, path: str) -> tuple[tuple[int, int, str], ...]:
        def spans_of(path: str) -> tuple[tuple[tuple[int, int, str], ...], bool]:
            tree = self.ctx.parsed.python(path)
            return (top_level_spans(tree) if tree is not None else ()), tree is not None

        [(_, spans)] = per_file(self.ctx, "top-level-spans:1", [path], spans_of)
        return spans

    def _direct(self, path: str) -> Runner | None:
        runners = self.ctx.wiring.runners_for(path)
        if runners:
            return runners[0]
        pipeline = self._pipelines.get(path)
        if pipeline is not None:
            return Runner(
                "pipeline",
                True,
                pipeline.path,
                pipeline.line,
                f"{pipeline.path} {pipeline.orchestrator} pipeline '{pipeline.name}'",
            )
        return None

    def _through_importers(self, path: str, symbol: str | None, hops: int) -> Runner | None:
        key = (path, symbol, hops)
        if key in self._cache:
            return self._cache[key]
        self._cache[key] = None  # breaks import cycles
        found = None
        if symbol != MAIN_ONLY and hops < MAX_HOPS and path.endswith(".py") and self._may_be_reached(path):
            found = self._search_importers(path, symbol, hops)
            if found is None and symbol:
                found = self._through_callers_in_file(path, symbol, hops)
        self._cache[key] = found
        return found

    def _search_importers(self, path: str, symbol: str | None, hops: int) -> Runner | None:
        link = f"{path}{':' + symbol if symbol else ''}"
        for importer, module, lines in self._importers(path, symbol):
            direct = self._direct(importer)
            if direct is not None and direct.automatic:
                return direct.through(f"{importer} uses {link}")
            spans = self._top_level_spans(importer)
            for line in lines:
                outer = _symbol_at(spans, line)
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
        self.ctx.stats.regex_compiles += 1
        # Candidates from the stem index (a superset: identifiers of each file's code), confirmed by the pattern.
        code = self.ctx.python.code
        candidates = self._naming_stem.get(stem.encode(), ()) if stem.encode() in self._files_by_stem else None
        if candidates is None:  # not a module of the repository (no file has its stem): search every source
            tests = self.ctx.tests.test_code
            candidates = [p for p in self.ctx.python.sources if p.endswith(".py") and p not in tests]
        for importer in candidates:
            if importer == path or not pattern.search(code(importer)):
                continue
            uses = self._uses_of(importer)
            if uses is None:
                continue
            names = [module] + ([spelled] if spelled != module else [])
            names += [stem] if posixpath.dirname(importer) == folder and stem != module else []
            for name in names:
                lines = usage_lines(uses, name, symbol, module_name(importer))
                if lines:
                    yield importer, name, lines
                    break

    def _uses_of(self, path: str) -> Uses | None:
        if path not in self._uses:

            def plain_uses(path: str) -> tuple[object, bool]:
                tree = self.ctx.parsed.python(path)
                if tree is None:
                    return None, False
                uses = uses_of(tree)
                return (uses.imports, uses.loads), True

            [(_, plain)] = per_file(self.ctx, "uses:1", [path], plain_uses)
            self._uses[path] = Uses(*plain) if plain is not None else None  # type: ignore[misc]
        return self._uses[path]

    # -- before the search: can anything run automatically reach this file at all? ------------
    def _may_be_reached(self, path: str) -> bool:
        return self._reachable is None or path in self._reachable

    @cached_property
    def _reachable(self) -> set[str] | None:
        """Files that automatically run files may use within MAX_HOPS imports, by the test the
        search itself starts with (an importer names the module's stem in its code), so no parse:
        the search can only end there. None when the set grows past MAX_REACHABLE files."""
        tests = self.ctx.tests.test_code
        frontier = {
            p
            for p in self.ctx.python.sources
            if p.endswith(".py") and p not in tests and (runner := self._direct(p)) is not None and runner.automatic
        }
        reachable: set[str] = set()
        for _ in range(MAX_HOPS):
            frontier = {used for path in frontier for used in self._named_modules(path)} - reachable
            reachable |= frontier
            if len(reachable) > MAX_REACHABLE:
                return None
            frontier -= tests  # a test file is never an importer here
        return reachable

    def _named_modules(self, path: str) -> set[str]:
        """Python files whose module stem is an identifier of `path`'s code."""
        by_stem = self._files_by_stem
        [(_, words)] = per_file(self.ctx, self._stems_kind, [path], self._stems_named)
        return {used for word in words for used in by_stem[word] if used != path}

    def _stems_named(self, path: str) -> tuple[tuple[bytes, ...], bool]:
        code = self.ctx.python.code(path)
        return tuple(sorted(set(_IDENTIFIER.findall(code)).intersection(self._files_by_stem))), bool(code)

    @cached_property
    def _stems_kind(self) -> str:
        return f"stems-named:1:{self._stems_digest}"

    @cached_property
    def _naming_stem(self) -> dict[bytes, list[str]]:
        """Module stem -> the non-test Python files whose code holds it as an identifier, in source
        order: who may import a module is then a lookup, not a grep of every source per question."""
        self.ctx.stats.importer_indexes += 1
        tests = self.ctx.tests.test_code
        pool = [p for p in self.ctx.python.sources if p.endswith(".py") and p not in tests]
        index: dict[bytes, list[str]] = {}
        for path, words in per_file(self.ctx, self._stems_kind, pool, self._stems_named):
            for word in words:
                index.setdefault(word, []).append(path)
        return index

    @cached_property
    def _stems_digest(self) -> str:
        """Names the set of module stems: what a file's cached answer in _named_modules depends on besides its code."""
        return sha1(b"\n".join(sorted(self._files_by_stem))).hexdigest()

    @cached_property
    def _files_by_stem(self) -> dict[bytes, list[str]]:
        table: dict[bytes, list[str]] = {}
        for path in self.ctx.python.sources:
            if path.endswith(".py"):
                table.setdefault(module_name(path).rsplit(".", 1)[-1].encode(), []).append(path)
        return table


def reach_of(ctx: AuditContext) -> Reach:
    return Reach(ctx)


def reach_evidence(ctx: AuditContext, artifact: Artifact) -> tuple[Evidence, Runner | None]:
    """Like common.runner_evidence, but follows imports and code pipelines to the runner."""
    runner = ctx.fact(reach_of).runner(artifact.path, artifact.line)
    return Evidence(artifact.path, artifact.line, artifact.detail, runner.describe() if runner else None), runner
