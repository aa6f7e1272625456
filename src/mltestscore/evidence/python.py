"""The Python index: per module (and per notebook's code cells) the imports, calls, assignments,
classes and test functions, from `ast`. Built lazily, only for files a query's prefilter admits."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from mltestscore.index.parsed import Parsed

_SOURCE_ROOTS = ("src/", "lib/", "python/")


@dataclass(frozen=True)
class Call:
    name: str  # dotted, with import aliases resolved: np.random.seed -> numpy.random.seed
    line: int
    kwargs: tuple[tuple[str, object], ...] = ()  # keyword -> constant value (or ... if not constant)
    args: tuple[object, ...] = ()  # positional constants (or ...)

    def kwarg(self, name: str, default: object = None) -> object:
        return dict(self.kwargs).get(name, default)


@dataclass(frozen=True)
class Assign:
    target: str  # dotted, aliases resolved: torch.backends.cudnn.deterministic
    line: int
    value: object


@dataclass
class ModuleFacts:
    path: str
    imports: dict[str, int] = field(default_factory=dict)  # module -> first line
    calls: list[Call] = field(default_factory=list)
    assigns: list[Assign] = field(default_factory=list)
    classes: list[tuple[str, tuple[str, ...], int]] = field(default_factory=list)  # name, bases, line
    functions: list[tuple[str, int]] = field(default_factory=list)  # every def, methods as Class.name
    decorators: list[tuple[str, str, int]] = field(default_factory=list)  # function, decorator, line
    asserts: int = 0

    def test_functions(self) -> list[tuple[str, int]]:
        tests = []
        for name, line in self.functions:
            owner, _, func = name.rpartition(".")
            if func.startswith("test") and (not owner or owner.startswith("Test")):
                tests.append((name, line))
        return tests


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _constant(node: ast.AST) -> object:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)) and all(isinstance(e, ast.Constant) for e in node.elts):
        return tuple(e.value for e in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        value = node.operand.value
        return -value if isinstance(value, (int, float)) else ...
    return ...


class _Collector(ast.NodeVisitor):
    def __init__(self, facts: ModuleFacts, module: str) -> None:
        self.facts = facts
        self.module = module
        self.aliases: dict[str, str] = {}
        self.scope: list[str] = []

    def resolve(self, dotted: str) -> str:
        head, _, rest = dotted.partition(".")
        target = self.aliases.get(head)
        if target is None:
            return dotted
        return f"{target}.{rest}" if rest else target

    def _import(self, module: str, line: int) -> None:
        self.facts.imports.setdefault(module, line)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._import(alias.name, node.lineno)
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                head = alias.name.split(".")[0]
                self.aliases.setdefault(head, head)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:  # relative import: anchor on this module's package
            package = self.module.split(".")[: -node.level] if self.module else []
            base = ".".join([*package, base] if base else package)
        if base:
            self._import(base, node.lineno)
        for alias in node.names:
            if alias.name == "*":
                continue
            full = f"{base}.{alias.name}" if base else alias.name
            self._import(full, node.lineno)
            self.aliases[alias.asname or alias.name] = full

    def visit_Call(self, node: ast.Call) -> None:
        dotted = _dotted(node.func)
        if dotted:
            kwargs = tuple((k.arg, _constant(k.value)) for k in node.keywords if k.arg)
            args = tuple(_constant(a) for a in node.args[:4])
            self.facts.calls.append(Call(self.resolve(dotted), node.lineno, kwargs, args))
        elif isinstance(node.func, ast.Call):  # shap.Explainer(model)(x): record the inner call only
            pass
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._assign(target, node.value, node.lineno)
        self.generic_visit(node)

    def _assign(self, target: ast.AST, value: ast.AST, line: int) -> None:
        if isinstance(target, ast.Subscript):  # os.environ["X"] = "1" -> os.environ.X
            base = _dotted(target.value)
            key = target.slice
            if base and isinstance(key, ast.Constant) and isinstance(key.value, str):
                self.facts.assigns.append(Assign(f"{self.resolve(base)}.{key.value}", line, _constant(value)))
            return
        dotted = _dotted(target)
        if dotted and "." in dotted:
            self.facts.assigns.append(Assign(self.resolve(dotted), line, _constant(value)))

    def visit_Assert(self, node: ast.Assert) -> None:
        self.facts.asserts += 1
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = tuple(self.resolve(b) for b in (_dotted(x) for x in node.bases) if b)
        self.facts.classes.append((".".join([*self.scope, node.name]), bases, node.lineno))
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        qualified = ".".join([*self.scope, node.name])
        self.facts.functions.append((qualified, node.lineno))
        for decorator in node.decorator_list:
            dotted = _dotted(decorator.func if isinstance(decorator, ast.Call) else decorator)
            if dotted:
                self.facts.decorators.append((qualified, self.resolve(dotted), node.lineno))
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function


def module_name(path: str) -> str:
    """Dotted module name a file is imported as: src/pkg/mod.py -> pkg.mod."""
    stem = path[: -len(".py")] if path.endswith(".py") else path.rsplit(".", 1)[0]
    for root in _SOURCE_ROOTS:
        if stem.startswith(root):
            stem = stem[len(root):]
            break
    if stem.endswith("/__init__"):
        stem = stem[: -len("/__init__")]
    return stem.replace("/", ".").replace("-", "_")


def names_pattern(names: Iterable[str]) -> re.Pattern[bytes]:
    """One byte pattern of the last component of each dotted name: the prefilter of a query."""
    leaves = sorted({n.rsplit(".", 1)[-1] for n in names})
    return re.compile(rb"\b(?:" + b"|".join(re.escape(x.encode()) for x in leaves) + rb")\b")


def name_matches(name: str, wanted: str) -> bool:
    """`wanted` matches a resolved name exactly or as its dotted suffix (seed_everything matches
    lightning.seed_everything)."""
    return name == wanted or name.endswith("." + wanted)


class PythonIndex:
    """Lazily built facts about every .py file and notebook in the repository."""

    def __init__(self, parsed: Parsed) -> None:
        self.parsed = parsed
        self.files = parsed.files
        self._facts: dict[str, ModuleFacts | None] = {}

    @cached_property
    def sources(self) -> list[str]:
        return self.files.with_suffix(".py", ".ipynb")

    @cached_property
    def modules(self) -> dict[str, str]:
        """Importable project modules: dotted name -> path (packages by their __init__)."""
        table: dict[str, str] = {}
        for path in self.files.with_suffix(".py"):
            table.setdefault(module_name(path), path)
        return table

    def facts(self, path: str) -> ModuleFacts | None:
        if path not in self._facts:
            tree = self.parsed.python(path)
            if tree is None:
                self._facts[path] = None
            else:
                facts = ModuleFacts(path)
                _Collector(facts, module_name(path) if path.endswith(".py") else "").visit(tree)
                self._facts[path] = facts
        return self._facts[path]

    def candidates(self, names: Iterable[str], paths: Iterable[str] | None = None) -> list[str]:
        """Source files whose bytes mention any of the names' last components."""
        return self.files.grep(names_pattern(names), self.sources if paths is None else paths)

    def find_calls(self, names: Iterable[str], paths: Iterable[str] | None = None) -> list[tuple[str, Call]]:
        names = list(names)
        hits = []
        for path in self.candidates(names, paths):
            facts = self.facts(path)
            if facts is None:
                continue
            for call in facts.calls:
                if any(name_matches(call.name, n) for n in names):
                    hits.append((path, call))
        return hits

    def find_assigns(self, names: Iterable[str], paths: Iterable[str] | None = None) -> list[tuple[str, Assign]]:
        names = list(names)
        hits = []
        for path in self.candidates(names, paths):
            facts = self.facts(path)
            for assign in facts.assigns if facts else []:
                if any(name_matches(assign.target, n) for n in names):
                    hits.append((path, assign))
        return hits

    def find_imports(self, modules: Iterable[str], paths: Iterable[str] | None = None) -> list[tuple[str, str, int]]:
        """(path, imported module, line) for imports of `modules` or their submodules."""
        modules = list(modules)
        pattern = re.compile(rb"\b(?:" + b"|".join(re.escape(m.split(".")[0].encode()) for m in modules) + rb")\b")
        hits = []
        for path in self.files.grep(pattern, self.sources if paths is None else paths):
            facts = self.facts(path)
            for imported, line in (facts.imports.items() if facts else []):
                if any(imported == m or imported.startswith(m + ".") for m in modules):
                    hits.append((path, imported, line))
        return hits

    def project_imports(self, path: str) -> dict[str, int]:
        """Project files a module imports: path -> line of the import."""
        facts = self.facts(path)
        found: dict[str, int] = {}
        for imported, line in (facts.imports.items() if facts else []):
            target = self.modules.get(imported)
            if target is None and "." in imported:  # from pkg.mod import function
                target = self.modules.get(imported.rsplit(".", 1)[0])
            if target and target != path:
                found.setdefault(target, line)
        return found
