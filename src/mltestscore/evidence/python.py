"""The Python index: per module (and per notebook's code cells) what it imports, defines and calls.

Three layers, each cached by content id so a second audit re-reads only changed files:
- words: one pass over every source file finds which words of the checks' vocabulary occur in
  code (docstrings and comments stripped). This byte-level prefilter decides what gets parsed.
- outline: imports, classes with their bases, functions, from line patterns (cheap, no parse).
- facts: the full `ast` walk (resolved calls, assignments, decorators), only for files whose
  words admit them and only as many as a query needs.
"""

from __future__ import annotations

import ast
import marshal
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from hashlib import sha1

from mltestscore import vocabulary
from mltestscore.index import fork
from mltestscore.index.files import read_guarded
from mltestscore.index.parsed import Parsed
from mltestscore.stats import Stats


# The scan vocabulary lives in mltestscore/vocabulary.py: names() and parts() declare built-in words
# there, and the index asks it (after it loads every registrant) when it scans. Unknown words fall
# back to a byte search.
def names(*dotted: str) -> tuple[str, ...]:
    """Declare dotted names a check queries (numpy.random.seed): their words join the scan vocabulary."""
    vocabulary.declare_names(dotted)
    return dotted


_PART = re.compile(r"[A-Z]+(?![a-z])[0-9]*|[A-Z]?[a-z]+[0-9]*|[0-9]+")
_PART_KEY = "part:"  # how the scan files a part among the words it found


def parts(*words: str) -> frozenset[str]:
    """Declare lower-case identifier parts a check queries (as identifier_parts splits them)."""
    vocabulary.declare_parts(words)
    return frozenset(words)


def identifier_parts(text: str) -> set[str]:
    """Lower-case words of identifiers and string constants: baselineAuc, baseline_auc -> baseline, auc."""
    return {w.lower() for w in _PART.findall(text)}


# Tests of a .py file's raw bytes that checks declare (evidence/prefilters.py): the scan runs them on
# the bytes it reads anyway, so no file is read a second time for them.
BYTE_TESTS: list[Callable[[bytes], object]] = []

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

    def to_plain(self) -> tuple:
        """Plain tuples for the fact cache (marshal), and back with `from_plain`."""
        return (
            self.imports,
            tuple((c.name, c.line, c.kwargs, c.args) for c in self.calls),
            tuple((a.target, a.line, a.value) for a in self.assigns),
            tuple(self.classes),
            tuple(self.functions),
            tuple(self.decorators),
            self.asserts,
        )

    @classmethod
    def from_plain(cls, path: str, plain: tuple) -> ModuleFacts:
        imports, calls, assigns, classes, functions, decorators, asserts = plain
        return cls(
            path,
            dict(imports),
            [Call(*c) for c in calls],
            [Assign(*a) for a in assigns],
            [tuple(c) for c in classes],
            [tuple(f) for f in functions],
            [tuple(d) for d in decorators],
            asserts,
        )

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
        return tuple(e.value for e in node.elts)  # type: ignore[attr-defined]
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


@lru_cache(maxsize=1 << 18)  # asked for the same paths by the module table, imports and cache keys
def module_name(path: str, strip_root: bool = True) -> str:
    """Dotted module name a file is imported as: src/pkg/mod.py -> pkg.mod (src.pkg.mod when
    `strip_root` is False, for projects that import their `src` folder as a package)."""
    stem = path[: -len(".py")] if path.endswith(".py") else path.rsplit(".", 1)[0]
    for root in _SOURCE_ROOTS if strip_root else ():
        if stem.startswith(root):
            stem = stem[len(root) :]
            break
    if stem.endswith("/__init__"):
        stem = stem[: -len("/__init__")]
    return stem.replace("/", ".").replace("-", "_")


def name_matches(name: str, wanted: str) -> bool:
    """`wanted` matches a resolved name exactly or as its dotted suffix (seed_everything matches
    lightning.seed_everything)."""
    return name == wanted or name.endswith("." + wanted)


# -- the scan and the outline: patterns over bytes -----------------------------------------------
# Triple-quoted strings up to their first closing quotes (as `""".*?"""` would, unrolled so that
# runs of other bytes are skipped in one step), and comments.
_STRINGS_AND_COMMENTS = re.compile(rb'"""[^"]*(?:"(?!"")[^"]*)*"""|\'\'\'[^\']*(?:\'(?!\'\')[^\']*)*\'\'\'|#[^\n]*')
_IDENTIFIER = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
# Every byte that cannot be part of an identifier becomes a space: `split()` then yields the runs.
_NOT_IDENTIFIER = bytes(c if chr(c).isascii() and (chr(c).isalnum() or c == ord("_")) else ord(" ") for c in range(256))
_DIGITS = b"0123456789"
_IMPORT = re.compile(
    rb"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)|import[ \t]+([^\n]+))", re.M
)
_DEF = re.compile(rb"^([ \t]*)(?:async[ \t]+)?(def|class)[ \t]+(\w+)[ \t]*(\([^)]*\))?", re.M)
# The keywords those patterns start with, and what may stand before them on their line.
_IMPORT_KEYWORDS = (re.compile(rb"from[ \t]"), re.compile(rb"import[ \t]"))
_DEF_KEYWORDS = (re.compile(rb"def[ \t]"), re.compile(rb"class[ \t]"))
_IMPORT_LEAD = re.compile(rb"[ \t]*")
_DEF_LEAD = re.compile(rb"[ \t]*(?:async[ \t]+)?")


def _blank_out(match: re.Match[bytes]) -> bytes:
    """Replace a docstring or comment by as many newlines, so line numbers stay true."""
    return b"\n" * match.group(0).count(b"\n")


def code_bytes(data: bytes) -> bytes:
    return _STRINGS_AND_COMMENTS.sub(_blank_out, data)


def identifiers_in(code: bytes) -> set[bytes]:
    """The distinct identifiers in code: `set(_IDENTIFIER.findall(code))`, in fewer steps."""
    found = set(code.translate(_NOT_IDENTIFIER).split())
    leading_digit = [word for word in found if word[0] in _DIGITS_ORD]
    if leading_digit:  # 3d_unet: the identifier starts after the digits
        found.difference_update(leading_digit)
        found.update(word for word in (w.lstrip(_DIGITS) for w in leading_digit) if word)
    return found


_DIGITS_ORD = frozenset(_DIGITS)


def _line_matches(pattern: re.Pattern[bytes], keywords, lead: re.Pattern[bytes], code: bytes) -> list[re.Match[bytes]]:
    """What `pattern.finditer(code)` yields for a pattern anchored at line starts (^ lead keyword),
    found from its keywords: searching a literal skips lines many times faster than trying the
    pattern at every line start. Small files are quicker the plain way."""
    if len(code) < 2048:
        return list(pattern.finditer(code))
    starts = sorted(m.start() for keyword in keywords for m in keyword.finditer(code))
    matches = []
    end = 0
    for start in starts:
        if start < end:  # inside the previous match (a parenthesised list over lines)
            continue
        line_start = code.rfind(b"\n", 0, start) + 1
        if lead.fullmatch(code, line_start, start) is None:
            continue
        match = pattern.match(code, line_start)
        if match is not None:
            matches.append(match)
            end = match.end()
    return matches


def _line_numbers(code: bytes, offsets: Iterable[int]) -> list[int]:
    """Line numbers of rising offsets, each stretch of the text counted once."""
    lines, line, last = [], 1, 0
    for offset in offsets:
        line += code.count(b"\n", last, offset)
        last = offset
        lines.append(line)
    return lines


def outline_of(code: bytes, module: str) -> ModuleFacts:
    """Imports, classes (with resolved bases) and functions of a module, from its code bytes."""
    facts = ModuleFacts("")
    aliases: dict[str, str] = {}
    imports = facts.imports
    found = _line_matches(_IMPORT, _IMPORT_KEYWORDS, _IMPORT_LEAD, code)
    for match, line in zip(found, _line_numbers(code, [m.start() for m in found])):
        base_bytes, imported_bytes, plain = match.groups()
        if plain is not None:
            for part in plain.decode("utf-8", "replace").split(";")[0].split(","):
                words = part.split()
                if not words:
                    continue
                name = words[0]
                imports.setdefault(name, line)
                alias = words[2] if len(words) >= 3 and words[1] == "as" else None
                if alias:
                    aliases[alias] = name
                else:
                    head = name.split(".")[0]
                    aliases.setdefault(head, head)
            continue
        base = base_bytes.decode("utf-8", "replace")
        level = len(base) - len(base.lstrip("."))
        base = base.lstrip(".")
        if level:
            package = module.split(".")[:-level] if module else []
            base = ".".join([*package, base] if base else package)
        if base:
            imports.setdefault(base, line)
        imported = imported_bytes.decode("utf-8", "replace").strip("()\n \t\\").split(";")[0]
        for part in imported.replace("\n", " ").split(","):
            words = part.split()
            if not words or words[0] == "*" or not words[0].isidentifier():
                continue
            full = f"{base}.{words[0]}" if base else words[0]
            imports.setdefault(full, line)
            aliases[words[2] if len(words) >= 3 and words[1] == "as" else words[0]] = full
    classes: list[tuple[int, str]] = []  # (indent, qualified name) of enclosing classes
    found = _line_matches(_DEF, _DEF_KEYWORDS, _DEF_LEAD, code)
    for match, line in zip(found, _line_numbers(code, [m.start() for m in found])):
        indent_bytes, kind, name_bytes, bracketed = match.groups()
        indent = len(indent_bytes.expandtabs(4)) if b"\t" in indent_bytes else len(indent_bytes)
        while classes and classes[-1][0] >= indent:
            classes.pop()
        name = name_bytes.decode()
        qualified = f"{classes[-1][1]}.{name}" if classes else name
        if kind == b"class":
            bases = []
            if bracketed:
                for base in bracketed.decode("utf-8", "replace").strip("()").replace("\n", " ").split(","):
                    base = base.strip()
                    if base and "=" not in base and all(p.isidentifier() for p in base.split(".")):
                        head, _, tail = base.partition(".")
                        target = aliases.get(head)
                        bases.append(f"{target}.{tail}" if target and tail else (target or base))
            facts.classes.append((qualified, tuple(bases), line))
            classes.append((indent, qualified))
        else:
            facts.functions.append((qualified, line))
    return facts


_SOURCE_SUFFIXES = (".py", ".ipynb")


class PythonIndex:
    """Lazily built facts about every .py file and notebook in the repository."""

    def __init__(
        self,
        parsed: Parsed,
        cache=None,
        roots: Callable[[], tuple[str, ...]] | None = None,
        stats: Stats | None = None,
    ) -> None:
        self.parsed = parsed
        self._roots = roots
        self.files = parsed.files
        self.cache = cache
        self.stats = stats if stats is not None else Stats()
        self._project_imports: dict[str, dict[str, int]] = {}  # path -> resolved imports, once per audit
        self._facts: dict[str, ModuleFacts | None] = {}
        self._outlines: dict[str, ModuleFacts] = {}
        self._analysis_ids: dict[str, str] = {}
        self.byte_hits: dict[str, tuple[int, ...]] = {}  # BYTE_TESTS a scanned .py file's bytes pass
        self.byte_tests_scanned = 0
        self._code: dict[str, bytes] = {}  # code with docstrings/comments blanked, within _KEEP_BYTES
        self._outlines_made: dict[str, bytes] = {}  # outlines the scan made (marshalled: compact)
        self.parses = 0  # full ast parses done: the benchmark and tests watch this
        self.scan_seconds = 0.0  # time of the words scan, for --profile

    @cached_property
    def sources(self) -> list[str]:
        return self.files.with_suffix(*_SOURCE_SUFFIXES)

    @cached_property
    def modules(self) -> dict[str, str]:
        """Importable project modules: dotted name -> path (packages by their __init__)."""
        table: dict[str, str] = {}
        for path in self.files.with_suffix(".py"):
            table.setdefault(module_name(path), path)
        for path in self.files.with_suffix(".py"):  # `src` used as a package: python -m src.data.x
            if path.startswith(_SOURCE_ROOTS):
                table.setdefault(module_name(path, strip_root=False), path)
        return table

    # -- layer 1: words ------------------------------------------------------------------
    @cached_property
    def _vocabulary(self) -> frozenset[str]:
        return vocabulary.words()

    @cached_property
    def _parts(self) -> _PartFinder:
        return _PartFinder(vocabulary.parts())

    @cached_property
    def words(self) -> dict[str, frozenset[str]]:
        """Vocabulary words occurring in each source file's code (one pass, cached by content).

        The scan also notices what makes a source unusable (binary, not UTF-8, not a notebook), and
        the cache keeps that too, so a warm run warns exactly as a cold one does."""
        start = time.perf_counter()
        try:
            return self._scan_words()
        finally:
            self.scan_seconds += time.perf_counter() - start

    def _scan_words(self) -> dict[str, frozenset[str]]:
        known_words = self._vocabulary
        self.byte_tests_scanned = len(BYTE_TESTS)  # byte_hits index the tests declared by now
        encoded = {w.encode(): w for w in known_words}  # one str per word, shared by every file's set
        declared = " ".join(sorted(known_words)) + " | " + " ".join(sorted(self._parts.parts))
        kind = "scan:" + sha1(declared.encode()).hexdigest()[:16]
        ids = {path: self.files.content_id(path) for path in self.sources}
        known = self.cache.get_many(kind, [i for i in ids.values() if i]) if self.cache else {}
        todo = [p for p in self.sources if (known.get(ids[p]) if ids[p] else None) is None]
        table: dict[str, frozenset[str]] = {}
        alike: dict[frozenset[str], frozenset[str]] = {}  # files with the same words share one set
        shared = self._share_out(todo, encoded)  # the forked child's part, when the scan is split
        try:
            for path in self.sources:
                content_id = ids[path]
                result = known.get(content_id) if content_id else None
                if result is None:
                    result = shared.result(path) if path in shared else None
                    if result is None:
                        result = self._scan_one(path, encoded)
                    if content_id and self.cache and result[2]:
                        self.cache.put(kind, content_id, result)
                found, problem, _ = result
                if problem:
                    self.parsed._warn(path, problem)
                table[path] = alike.setdefault(found, found)
        finally:
            shared.close()
        return table

    def _share_out(self, todo: list[str], encoded: dict[bytes, str]) -> _Share:
        """Split the unscanned .py files with a forked child when there are enough of them to pay
        for it: the child scans and outlines its part, this process scans the rest meanwhile (and
        keeps their bytes); `words` then replays both in path order, warnings included."""
        files = [p for p in todo if p.endswith(".py") and p not in self.files._bytes]
        # Both halves read the work tree directly: a past commit's files (history) come from git.
        if len(files) < _SHARE_MIN_FILES or not self.files.work_tree or not fork.can_fork():
            return _Share(self, [], None)
        # Every other file or so, not a block: neighbouring files are alike in size.
        theirs = [p for i, p in enumerate(files) if int((i + 1) * _SHARE_FRACTION) > int(i * _SHARE_FRACTION)]
        collect = fork.in_child(
            _scan_files,
            str(self.files.root),
            self.files._real_root,
            theirs,
            self.files.max_bytes,
            encoded,
            frozenset(self._parts.parts),
        )
        share = _Share(self, theirs, collect)
        taken = set(theirs)
        try:
            share.scan_here([p for p in files if p not in taken], encoded)
        except BaseException:
            share.close()  # reap the child before the error goes on
            raise
        return share

    def _scan_one(self, path: str, encoded: dict[bytes, str]) -> tuple[frozenset[str], str | None, bool]:
        """(words, problem, cacheable) for one source file."""
        if path.endswith(".ipynb"):
            notebook = self.parsed.notebook(path)
            if notebook is None:
                return frozenset(), None, False  # Parsed has warned; unreadable files are not cached
            code = code_bytes(notebook.source.encode())
            self._code[path] = code
            return self._found(code, encoded), None, True
        data = self.files.read_bytes(path, keep=False)
        if data is None:
            return frozenset(), None, False
        self.byte_hits[path] = _byte_hits(data)
        found, problem, cacheable, code = _scan_bytes(data, encoded, self._parts)  # type: ignore[assignment]
        if code is not None:
            self._keep(path, data, code)
        return found, problem, cacheable

    def _keep(self, path: str, data: bytes, code: bytes) -> None:
        """Hold what later steps need of a scanned file: its bytes and code while they fit (outlines
        and parses come later: spare a second read), else its outline, which is much smaller."""
        if self._kept < _KEEP_BYTES:
            self._kept += len(data) + len(code)
            self.files.keep_bytes(path, data)
            self._code[path] = code
        else:
            self._outlines_made[path] = _outline_blob(code, path)

    def _found(self, code: bytes, encoded: dict[bytes, str]) -> frozenset[str]:
        return _words_in(code, encoded, self._parts)

    _kept = 0

    def candidates(self, names: Iterable[str], paths: Iterable[str] | None = None) -> list[str]:
        """Source files whose code holds the last component (and module, when dotted) of any name."""
        wanted = [(n.rsplit(".", 1)[-1], n.split(".")[0] if "." in n else None) for n in names]
        if any(leaf not in self._vocabulary or (head and head not in self._vocabulary) for leaf, head in wanted):
            pool = self.sources if paths is None else [p for p in paths if p.endswith(_SOURCE_SUFFIXES)]
            return self._grep_words(wanted, pool)  # words outside the scanned vocabulary (plugins)
        by_word = self._paths_by_word
        matched: set[str] = set()
        for leaf, head in wanted:
            with_leaf = by_word.get(leaf, set())
            matched |= with_leaf if head is None else with_leaf & by_word.get(head, set())
        return self._in_order(matched, paths)

    def with_parts(self, wanted: Iterable[str], paths: Iterable[str] | None = None) -> list[str]:
        """Source files whose code holds an identifier (or a word in a string) made with any of the
        declared parts `wanted` (baseline: baseline_auc, BaselineModel, "baseline")."""
        wanted = set(wanted)
        if not wanted <= self._parts.parts:  # parts outside the scan (plugins): read the code
            pool = self.sources if paths is None else [p for p in paths if p.endswith(_SOURCE_SUFFIXES)]
            return [p for p in pool if identifier_parts(self.code(p).decode("utf-8", "replace")) & wanted]
        by_word = self._paths_by_word
        matched = set().union(*(by_word.get(_PART_KEY + part, set()) for part in wanted))
        return self._in_order(matched, paths)

    def _in_order(self, matched: set[str], paths: Iterable[str] | None) -> list[str]:
        """The `matched` sources in the order of `paths` (of every source when None). Only sources
        are ever matched, so `paths` needs no suffix filter; a few matches are sorted, not searched for."""
        if paths is None:
            if len(matched) * 8 < len(self.sources) and self._sources_sorted:
                return sorted(matched)
            paths = self.sources
        return [path for path in paths if path in matched]

    @cached_property
    def _sources_sorted(self) -> bool:
        sources = self.sources
        return all(a < b for a, b in zip(sources, sources[1:]))

    @cached_property
    def _paths_by_word(self) -> dict[str, set[str]]:
        table: dict[str, set[str]] = {}
        for path, words in self.words.items():
            for word in words:
                table.setdefault(word, set()).add(path)
        return table

    def code(self, path: str) -> bytes:
        """The file's code with docstrings and comments blanked (a notebook's code cells)."""
        code = self._code.get(path)
        if code is None and path.endswith(".ipynb"):  # its code cells, as the scan read them
            notebook = self.parsed.notebook(path)
            code = code_bytes(notebook.source.encode()) if notebook else b""
        elif code is None:
            code = code_bytes(self.files.read_bytes(path, keep=False) or b"")
        else:
            return code
        if self._kept < _KEEP_BYTES:  # blank a file once (the forked child's files come back unread)
            self._kept += len(code)
            self._code[path] = code
        return code

    def grep_code(self, pattern: re.Pattern[bytes], paths: Iterable[str]) -> list[str]:
        """Paths whose code (docstrings and comments blanked) matches a byte pattern."""
        return [path for path in paths if pattern.search(self.code(path))]

    def _grep_words(self, wanted: list[tuple[str, str | None]], pool: list[str]) -> list[str]:
        leaves = _word_pattern(leaf for leaf, _ in wanted)
        heads = {leaf: head for leaf, head in wanted}
        hits = []
        for path in self.files.grep(leaves, pool):
            data = self.files.read_bytes(path) or b""
            found = {m.decode() for m in leaves.findall(data)}
            if any(
                heads.get(leaf) is None or re.search(rb"\b" + re.escape(heads[leaf].encode()) + rb"\b", data)  # type: ignore[union-attr]
                for leaf in found
            ):
                hits.append(path)
        return hits

    # -- layer 2: outline ----------------------------------------------------------------
    def analysis_id(self, path: str) -> str | None:
        """The cache key of a file's outline and facts: its content id and the module it is
        imported as (relative imports resolve against it, so one text at two paths differs)."""
        known = self._analysis_ids.get(path)
        if known is None:
            content_id = self.files.content_id(path)
            if content_id is None:
                return None
            known = self._analysis_ids[path] = (
                # notebooks: "@nb2" since magics and unparsable cells are handled per cell
                f"{content_id}@{module_name(path)}" if path.endswith(".py") else f"{content_id}@nb2"
            )
        return known

    def outline(self, path: str) -> ModuleFacts:
        """Imports, classes and functions without a full parse (empty when unreadable)."""
        if path in self._outlines:
            return self._outlines[path]
        content_id = self.analysis_id(path)
        plain = self.cache.get_many("outline", [content_id]).get(content_id) if self.cache and content_id else None
        made = self._outlines_made.get(path) if plain is None else None
        if made is not None:  # the scan made it (a file not kept, or the forked child's)
            plain = marshal.loads(made)
            if self.cache and content_id:
                self.cache.put("outline", content_id, plain)
        if plain is None:
            if path.endswith(".ipynb"):
                notebook = self.parsed.notebook(path)
                code = code_bytes(notebook.source.encode()) if notebook else b""
            else:
                code = self.code(path)
            outline = outline_of(code, module_name(path) if path.endswith(".py") else "")
            if self.cache and content_id:
                self.cache.put("outline", content_id, outline.to_plain())
        else:
            outline = ModuleFacts.from_plain(path, plain)
        outline.path = path
        self._outlines[path] = outline
        return outline

    def prefetch_outlines(self, paths: Iterable[str]) -> None:
        """Load many outlines from the cache in one query (before a loop that calls outline())."""
        if not self.cache:
            return
        todo = {self.analysis_id(p): p for p in paths if p not in self._outlines}
        for content_id, plain in self.cache.get_many("outline", [i for i in todo if i]).items():
            self._outlines[todo[content_id]] = ModuleFacts.from_plain(todo[content_id], plain)

    def cached_imports(self, paths: Iterable[str]) -> dict[str, dict[str, int]]:
        """Imports of the files whose outline the fact cache holds, without keeping the outlines:
        a warm audit answers "who imports X" without reading those files."""
        if not self.cache:
            return {}
        ids = {self.analysis_id(p): p for p in paths}
        return {ids[i]: dict(plain[0]) for i, plain in self.cache.get_many("outline", [i for i in ids if i]).items()}

    @cached_property
    def import_roots(self) -> tuple[str, ...]:
        """Folders on sys.path besides the repository root (CI working directories, pytest
        `pythonpath`, conftest sys.path inserts): evidence/import_roots.py."""
        return self._roots() if self._roots else ()

    def resolve_import(self, imported: str, importer: str | None = None) -> str | None:
        """The project file an import names (`pkg.mod`, or `pkg.mod.function`), if any. With the
        importer's path, its own folder comes first, as for a script run from its folder or a test
        pytest inserts the folder of (`from data import preprocess` next to app/data.py)."""
        self.stats.imports_resolved += 1
        if importer is not None and "/" in importer:
            local = self._resolve_under((importer.rsplit("/", 1)[0],), imported)
            if local is not None and local != importer:
                return local
        target = self.modules.get(imported)
        if target is None and "." in imported:
            target = self.modules.get(imported.rsplit(".", 1)[0])
        if target is None and self.import_roots:
            target = self._resolve_under(self.import_roots, imported)
        return target

    def _resolve_under(self, roots: Iterable[str], imported: str) -> str | None:
        names = (imported, imported.rsplit(".", 1)[0]) if "." in imported else (imported,)
        for root in roots:
            for name in names:
                base = f"{root}/{name.replace('.', '/')}"
                for candidate in (f"{base}.py", f"{base}/__init__.py"):
                    if candidate in self.files:
                        return candidate
        return None

    def iter_outlines(self, paths: list[str], batch: int = 2000):
        """(path, outline) for many files without holding them all: a pass over every test file."""
        for start in range(0, len(paths), batch):
            chunk = paths[start : start + batch]
            held = set(self._outlines)
            self.prefetch_outlines(chunk)
            for path in chunk:
                yield path, self.outline(path)
            for path in chunk:
                if path not in held:
                    self._outlines.pop(path, None)

    # -- layer 3: facts ------------------------------------------------------------------
    def facts(self, path: str) -> ModuleFacts | None:
        """The full facts of a file: its outline plus resolved calls, assignments, decorators."""
        if path in self._facts:
            return self._facts[path]
        content_id = self.analysis_id(path)
        plain = self.cache.get_many("facts", [content_id]).get(content_id) if self.cache and content_id else None
        facts: ModuleFacts | None
        if plain is None:
            tree = self.parsed.python(path)
            self.parses += 1
            facts = None
            if tree is not None:
                facts = ModuleFacts(path)
                _Collector(facts, module_name(path) if path.endswith(".py") else "").visit(tree)
            if self.cache and content_id:
                # A file that cannot be parsed is cached as its problem, replayed as the same warning.
                problem = self.parsed.problems.get(path, "could not be analysed")
                self.cache.put("facts", content_id, facts.to_plain() if facts is not None else problem)
        elif isinstance(plain, str):
            self.parsed.warn(path, plain)
            facts = None
        else:
            facts = ModuleFacts.from_plain(path, plain)
        self._facts[path] = facts
        return facts

    # -- queries -------------------------------------------------------------------------
    def find_calls(
        self, names: Iterable[str], paths: Iterable[str] | None = None, limit: int | None = None
    ) -> list[tuple[str, Call]]:
        names = list(names)
        hits: list[tuple[str, Call]] = []
        for path in self.candidates(names, paths):
            facts = self.facts(path)
            for call in facts.calls if facts else []:
                if any(name_matches(call.name, n) for n in names):
                    hits.append((path, call))
            if limit is not None and len(hits) >= limit:
                break
        return hits

    def find_assigns(
        self, names: Iterable[str], paths: Iterable[str] | None = None, limit: int | None = None
    ) -> list[tuple[str, Assign]]:
        names = list(names)
        hits: list[tuple[str, Assign]] = []
        for path in self.candidates(names, paths):
            facts = self.facts(path)
            for assign in facts.assigns if facts else []:
                if any(name_matches(assign.target, n) for n in names):
                    hits.append((path, assign))
            if limit is not None and len(hits) >= limit:
                break
        return hits

    def find_imports(self, modules: Iterable[str], paths: Iterable[str] | None = None) -> list[tuple[str, str, int]]:
        """(path, imported module, line) for imports of `modules` or their submodules."""
        modules = list(modules)
        heads = [m.split(".")[0] for m in modules]
        hits = []
        for path in self.candidates(heads, paths):
            for imported, line in self.outline(path).imports.items():
                if any(imported == m or imported.startswith(m + ".") for m in modules):
                    hits.append((path, imported, line))
        return hits

    def project_imports(self, path: str) -> dict[str, int]:
        """Project files a module imports: path -> line of the import. Resolved once per file and
        audit (callers ask about the same files once per site): treat the answer as read-only."""
        found = self._project_imports.get(path)
        if found is None:
            found = self._project_imports[path] = {}
            for imported, line in self.outline(path).imports.items():
                target = self.resolve_import(imported, path)
                if target and target != path:
                    found.setdefault(target, line)
        return found


class _PartFinder:
    """Which declared parts a file's identifiers hold. Identifiers repeat across files, so each
    distinct one is split into parts once per audit, and only when it holds a part's letters."""

    def __init__(self, declared: frozenset[str]) -> None:
        self.parts = declared
        self.keys = {part: _PART_KEY + part for part in declared}  # how the scan files each part
        self._letters = re.compile(b"|".join(re.escape(p.encode()) for p in sorted(declared))) if declared else None
        self._seen: set[bytes] = set()
        self._holders: set[bytes] = set()  # identifiers holding a declared part
        self._held: dict[bytes, frozenset[str]] = {}  # holder -> the declared parts it holds

    def held_by(self, identifiers: set[bytes]) -> set[str]:
        if self._letters is None:
            return set()
        new = identifiers - self._seen
        if new:
            self._seen |= new
            self._split(list(new))
        found: set[str] = set()
        for identifier in identifiers & self._holders:
            found |= self._held[identifier]
        return found

    def _split(self, identifiers: list[bytes]) -> None:
        """Split the identifiers whose lower-case letters hold a part's (one search over them all)."""
        joined = b"\n".join(identifiers)
        lowered = joined.lower()  # ASCII only: offsets stay those of `joined`
        for match in self._letters.finditer(lowered):  # type: ignore[union-attr]
            start, end = lowered.rfind(b"\n", 0, match.start()) + 1, lowered.find(b"\n", match.end())
            identifier = joined[start : end if end >= 0 else len(joined)]
            if identifier not in self._held:
                held = identifier_parts(identifier.decode("utf-8", "replace")) & self.parts
                self._held[identifier] = frozenset(held)
                if held:
                    self._holders.add(identifier)


def _word_pattern(words: Iterable[str]) -> re.Pattern[bytes]:
    return re.compile(rb"\b(" + b"|".join(re.escape(w.encode()) for w in sorted(set(words))) + rb")\b")


_KEEP_BYTES = 48 * 1024 * 1024  # bytes of scanned files held for a later parse


# -- the parallel scan -------------------------------------------------------------------------
_SHARE_MIN_FILES = 400  # fewer unscanned .py files: a fork costs more than it saves
_SHARE_FRACTION = 0.35  # of them to the child, which also outlines them (this process keeps bytes and outlines later)


def _words_in(code: bytes, encoded: dict[bytes, str], finder: _PartFinder) -> frozenset[str]:
    """Vocabulary words among the code's identifiers, and the declared parts they hold."""
    identifiers = identifiers_in(code)
    words = {encoded[w] for w in encoded.keys() & identifiers}
    return frozenset(words | {finder.keys[part] for part in finder.held_by(identifiers)})


def _scan_bytes(
    data: bytes, encoded: dict[bytes, str], finder: _PartFinder
) -> tuple[frozenset[str], str | None, bool, bytes | None]:
    """(words, problem, cacheable, code) of a .py file's bytes; no code for binary content."""
    if b"\x00" in data[:8192]:
        return frozenset(), "binary content where Python was expected; skipped", True, None
    problem = None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        problem = "not valid UTF-8; read with replacement characters"
    code = code_bytes(data)
    return _words_in(code, encoded, finder), problem, True, code


def _scan_files(
    root: str, real_root: str, paths: list[str], max_bytes: int, encoded: dict[bytes, str], parts: frozenset[str]
) -> list:
    """The forked child's part of the scan, from the files' bytes alone: for each path (words,
    problem, cacheable, read problem, opened, missing, marshalled outline or None), what
    `_scan_one` and `outline` find here."""
    finder = _PartFinder(parts)
    results: list = []
    for path in paths:
        data, read_problem, opened = read_guarded(root, real_root, path, max_bytes)
        if data is None:
            results.append((frozenset(), None, False, read_problem, opened, True, None, None))
            continue
        found, problem, cacheable, code = _scan_bytes(data, encoded, finder)
        outline = _outline_blob(code if code is not None else code_bytes(data), path)
        results.append((found, problem, cacheable, read_problem, opened, False, outline, _byte_hits(data)))
    return results


def _byte_hits(data: bytes) -> tuple[int, ...]:
    """Which of BYTE_TESTS (by index) the file's raw bytes pass."""
    return tuple(index for index, test in enumerate(BYTE_TESTS) if test(data))


def _outline_blob(code: bytes, path: str) -> bytes:
    """A .py file's outline, marshalled: what `outline` would compute from the file's code."""
    return marshal.dumps(outline_of(code, module_name(path)).to_plain())


class _Share:
    """The scan split with a forked child. Each side's results wait here (their warnings too) and
    are replayed in path order, so the audit reads as if one process had scanned file by file."""

    def __init__(self, index: PythonIndex, theirs: list[str], collect) -> None:
        self._index = index
        self._theirs = theirs
        self._collect = collect
        self._results: dict[str, tuple] = {}

    def __contains__(self, path: str) -> bool:
        return path in self._results or (self._collect is not None and path in self._theirs_set)

    @cached_property
    def _theirs_set(self) -> set[str]:
        return set(self._theirs)

    def scan_here(self, paths: list[str], encoded: dict[bytes, str]) -> None:
        """This process's part: read, scan, keep the bytes as `_scan_one` does; warn later."""
        index, files = self._index, self._index.files
        root = str(files.root)
        for path in paths:
            data, read_problem, opened = read_guarded(root, files._real_root, path, files.max_bytes)
            if data is None:
                self._results[path] = (frozenset(), None, False, read_problem, opened, True, None, None)
                continue
            found, problem, cacheable, code = _scan_bytes(data, encoded, index._parts)
            if code is not None:
                index._keep(path, data, code)
            self._results[path] = (found, problem, cacheable, read_problem, opened, False, None, _byte_hits(data))

    def result(self, path: str) -> tuple | None:
        """(words, problem, cacheable) of a path of the split; None if the child failed."""
        if path not in self._results and self._collect is not None:
            answer = self.close()
            if isinstance(answer, list) and len(answer) == len(self._theirs):
                self._results.update(zip(self._theirs, answer))
        found = self._results.pop(path, None)
        if found is None:
            return None
        words, problem, cacheable, read_problem, opened, missing, outline, hits = found
        self._index.files.adopt_read(path, read_problem, opened, missing)
        if outline is not None:
            self._index._outlines_made[path] = outline
        if hits is not None:
            self._index.byte_hits[path] = hits
        return words, problem, cacheable

    def close(self) -> object | None:
        """The child's answer (and the child reaped), once."""
        collect, self._collect = self._collect, None
        return collect() if collect else None
