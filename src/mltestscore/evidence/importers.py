"""Which files could import a set of project modules, decided from their text before any outline.

`PythonIndex.project_imports` needs a file's outline (its imports resolved); outlining every test file
of a large library to find the few that import some feature modules costs more than the rest of a
check. An import that resolves to module `a.b.c` names it in the file's text in one of two ways:
- absolutely: `from a.b.c import x`, `import a.b.c`, `from a.b import c`: the text holds `a.b` as the
  head of a dotted name (the module itself when it is top-level: `import c`);
- relatively, from inside a package that holds `a.b.c` (`from ..c import x` in `a/tests/test_c.py`).
So a file that holds none of those package names and lives outside those packages cannot import it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mltestscore.evidence.python import PythonIndex, module_name


def may_import(index: PythonIndex, targets: Iterable[str], paths: Iterable[str]) -> list[str]:
    """The `paths` that could import any module in `targets` (paths). Exact about what it leaves
    out: no import in such a file resolves to a target through `project_imports`."""
    targets = set(targets)
    modules = {name for name, path in index.modules.items() if path in targets}
    for root in index.import_roots:  # `import model` with code/ on sys.path names code/model.py
        modules.update(module_name(path[len(root) + 1 :]) for path in targets if path.startswith(root + "/"))
    names_a_package = _naming_any({name.rsplit(".", 1)[0] for name in modules})  # a.b.c -> a.b; top-level c -> c
    enclosing = {".".join(name.split(".")[:depth]) for name in modules for depth in range(1, name.count(".") + 2)}
    folders = {target.rsplit("/", 1)[0] for target in targets if "/" in target}
    paths = list(paths)
    known = index.cached_imports(paths)  # warm audit: decided from cached outlines, no read
    found = []
    for path in paths:
        if path in known:
            if any(index.resolve_import(imported, path) in targets for imported in known[path]):
                found.append(path)
            continue
        parts = module_name(path).split(".")
        if any(".".join(parts[:depth]) in enclosing for depth in range(1, len(parts))):
            found.append(path)  # inside a package that holds a target: a relative import can reach it
        elif path.rsplit("/", 1)[0] in folders:
            found.append(path)  # a sibling of a target: a bare import from its own folder reaches it
        elif names_a_package(index.files.read_bytes(path, keep=False) or b""):
            found.append(path)
    return found


def _naming_any(packages: set[str]):
    """A test of bytes: does any of `packages` start a dotted name there (`a.b` in `from a.b.c import`,
    not in `x.a.b` or `x_a.b`; `..a.b`, a relative import climbing to the top, counts)? One search
    per first component, which leads the pattern as a literal so the search is fast."""
    heads = [p for p in packages if not any(p.startswith(q + ".") for q in packages)]  # a.b covers a.b.c
    by_first: dict[str, list[str]] = {}
    for head in sorted(heads):
        first, _, _ = head.partition(".")
        by_first.setdefault(first, []).append(re.escape(head[len(first) :]))
    searches = []
    for first, rests in by_first.items():
        name = re.escape(first)
        pattern = rf"{name}(?<!\w{name})(?<!\w\.{name})(?:{'|'.join(rests)})(?!\w)"
        searches.append(re.compile(pattern.encode()).search)
    return lambda data: any(search(data) for search in searches)


def test_importers(ctx) -> dict[str, list[str]]:
    """Project file -> the test files importing it (in ctx.tests.files order), built once per audit
    (use as `ctx.fact(test_importers)`): "which tests exercise X" is then a lookup per site, not a
    pass over every test's imports. A test file the fact cache knows is answered from its cached
    imports, without reading or outlining it."""
    tests = ctx.tests.files
    known = ctx.python.cached_imports(tests)
    resolve = ctx.python.resolve_import
    index: dict[str, list[str]] = {}
    ctx.stats.importer_indexes += 1
    for path in tests:
        if path in known:
            targets = dict.fromkeys(t for t in (resolve(i, path) for i in known[path]) if t and t != path)
        else:
            targets = ctx.python.project_imports(path)
        for target in targets:
            index.setdefault(target, []).append(path)
    return index
