"""Project files a test reaches by imports the static resolver cannot place on sys.path.

`PythonIndex.resolve_import` follows the repository root, `src/`, CI working directories, pytest's
`pythonpath` and conftest inserts. Tests also reach project code in two ways those miss:
- the package is installed from a sub-project (`pip install -e sub/` with sub/pyproject.toml and
  sub/src/pkg/): `from pkg.nets import X` names `sub/src/pkg/nets.py`, the only project file whose
  path ends in that module path, below a folder holding a packaging file. A bare `import model`
  with no such install resolves to nothing, as in Python;
- the test loads a file by its path (`importlib.util.spec_from_file_location("m", "training.py")`,
  `runpy.run_path`, `SourceFileLoader`), which imports nothing by name.
Only used after the exact resolution found nothing, and only a unique match counts, so that a
third-party import never lands on an unrelated project file of the same name.
"""

from __future__ import annotations

import posixpath
import re

from mltestscore.context import AuditContext

_LOADS_BY_PATH = re.compile(rb"spec_from_file_location|run_path|SourceFileLoader|load_source")
_PY_LITERAL = re.compile(rb"""["']([\w ./-]+\.py)["']""")


def _by_suffix(ctx: AuditContext) -> dict[str, list[str]]:
    """File name (`digital_twin.py`) -> the project .py files of that name (built once per audit)."""
    table: dict[str, list[str]] = {}
    for path in ctx.files.with_suffix(".py"):
        table.setdefault(path.rsplit("/", 1)[-1], []).append(path)
    return table


_PACKAGING = ("pyproject.toml", "setup.py", "setup.cfg")


def _unique_suffix(ctx: AuditContext, dotted: str) -> str | None:
    """The one project file whose path ends in the package path `dotted` names (a.b -> */a/b.py), when
    a packaging file next to the package folder (or one above, for a src layout) makes it installable."""
    parts = dotted.split(".")
    if len(parts) < 2:
        return None
    for tail in ("/".join(parts) + ".py", "/".join(parts) + "/__init__.py"):
        name = tail.rsplit("/", 1)[-1]
        found = [p for p in ctx.fact(_by_suffix).get(name, ()) if p == tail or p.endswith("/" + tail)]
        if len(found) == 1 and _installable(ctx, found[0][: -len(tail)].rstrip("/")):
            return found[0]
    return None


def _installable(ctx: AuditContext, root: str) -> bool:
    """Whether the folder on sys.path (`root`, "" for the repository) or its parent holds a packaging file."""
    folders = {root, posixpath.dirname(root)} if root else {""}
    return any(posixpath.join(folder, name) in ctx.files for folder in folders for name in _PACKAGING)


def loose_imports(ctx: AuditContext, path: str) -> dict[str, int]:
    """Project files test `path` reaches through unplaced imports or loads by file path: path -> line."""
    found: dict[str, int] = {}
    imports = ctx.python.outline(path).imports  # cached: a warm audit answers without reading the file
    for imported, line in imports.items():
        if ctx.python.resolve_import(imported, path) is not None:
            continue
        target = _unique_suffix(ctx, imported)
        if target is None and "." in imported:  # `from mod import Name` is recorded as mod.Name too
            target = _unique_suffix(ctx, imported.rsplit(".", 1)[0])
        if target is not None and target != path:
            found.setdefault(target, line)
    loaders = any(name.split(".")[0] in ("importlib", "runpy", "imp") for name in imports)
    data = (ctx.files.read_bytes(path, keep=False) or b"") if loaders else b""
    if _LOADS_BY_PATH.search(data):
        folder = posixpath.dirname(path)
        for match in _PY_LITERAL.finditer(data):
            literal = match.group(1).decode()
            line = data.count(b"\n", 0, match.start()) + 1
            # the test's folder, its parent (tests/ next to the code) and the root: where such paths point
            for base in (folder, posixpath.dirname(folder), ""):
                candidate = posixpath.normpath(posixpath.join(base, literal))
                if candidate in ctx.files and candidate != path:
                    found.setdefault(candidate, line)
                    break
    return found
