"""Folders Python puts on sys.path when the project's code runs, read statically, so that imports
resolve as Python would resolve them (RUBRIC.md: judge by what code does):
- the working directory of CI steps (`working-directory:`, a `cd dir` before the command): `python -m
  pytest` and scripts run there import its modules by bare name;
- pytest's `pythonpath` setting;
- `sys.path.insert/append` calls in conftest.py (`os.path.join(os.path.dirname(__file__), "..")`,
  `Path(__file__).parent.parent / "src"`);
- the `src` folder of a nested package project (`sub/pyproject.toml` + `sub/src/pkg/`): installing it
  (tox, poetry, `pip install -e sub`) makes `pkg` importable by its own name.
The importer's own folder (a script run from its folder, pytest's rootdir-relative insertion of a
test's folder) is handled per import by PythonIndex.resolve_import.
"""

from __future__ import annotations

import ast
import posixpath

_MAX_ROOTS = 32


def import_roots(parsed, ci, pytest_config) -> tuple[str, ...]:
    files = parsed.files
    roots: list[str] = []

    def add(folder: str | None) -> None:
        if folder is None:
            return
        folder = posixpath.normpath(folder).strip("/")
        if folder in (".", "") or folder.startswith("..") or folder in roots or len(roots) >= _MAX_ROOTS:
            return
        roots.append(folder)

    for pipeline in ci:
        for job in pipeline.jobs:
            for step in job.steps:
                if step.cwd:
                    add(step.cwd)
                for command in step.commands:
                    words = command.split()
                    if len(words) == 2 and words[0] == "cd":
                        add(posixpath.join(step.cwd, words[1]))
    base = posixpath.dirname(pytest_config.source or "")
    for entry in pytest_config.pythonpath:
        add(posixpath.join(base, entry))
    for path in files.named("conftest.py"):
        text = files.text(path)
        if text and "sys.path" in text:
            for folder in _sys_path_inserts(path, text):
                add(folder)
    for folder in _nested_src_layouts(files):
        add(folder)
    return tuple(roots)


def _nested_src_layouts(files) -> list[str]:
    """`sub/src` for each packaging file below the root (pyproject.toml, setup.py, setup.cfg) whose
    folder keeps its packages in a src/ layout (`sub/src/<pkg>/__init__.py`). Not when another folder
    holds a package of the same name: which one an import means is then a guess."""
    inits = files.named("__init__.py")
    packages: dict[str, set[str]] = {}  # src folder -> its top-level packages
    homes: dict[str, set[str]] = {}  # package name -> the folders holding a package of that name
    for path in inits:
        package = posixpath.dirname(path)
        parent, name = posixpath.dirname(package), posixpath.basename(package)
        homes.setdefault(name, set()).add(parent)
        if posixpath.basename(parent) == "src":
            packages.setdefault(parent, set()).add(name)
    projects = {posixpath.dirname(p) for p in files.named("pyproject.toml", "setup.py", "setup.cfg")}
    return sorted(
        f"{d}/src"
        for d in projects
        if d and f"{d}/src" in packages and all(homes[name] == {f"{d}/src"} for name in packages[f"{d}/src"])
    )


def _sys_path_inserts(path: str, text: str) -> list[str]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("insert", "append")
            and _dotted(node.func.value) == "sys.path"
            and node.args
        ):
            folder = _folder(node.args[-1], path)
            if folder is not None:
                found.append(folder)
    return found


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr}" if head else None
    return None


def _folder(node: ast.AST, conftest: str) -> str | None:
    """The repository-relative folder an expression names, or None when it cannot be told statically.
    Plain relative strings are taken relative to the repository root (where pytest usually runs)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and node.id == "__file__":
        return conftest
    if isinstance(node, ast.Attribute) and node.attr == "parent":
        inner = _folder(node.value, conftest)
        return posixpath.dirname(inner) if inner is not None else None
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "parents":
        inner = _folder(node.value.value, conftest)
        if inner is not None and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, int):
            for _ in range(node.slice.value + 1):
                inner = posixpath.dirname(inner)
            return inner
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        left, right = _folder(node.left, conftest), _folder(node.right, conftest)
        return posixpath.join(left, right) if left is not None and right is not None else None
    if isinstance(node, ast.Call):
        func = node.func
        leaf = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        args = [_folder(a, conftest) for a in node.args]
        if leaf in ("resolve", "absolute") and isinstance(node.func, ast.Attribute):
            return _folder(node.func.value, conftest)
        if leaf in ("abspath", "realpath", "normpath", "str", "Path", "PurePath", "fspath") and len(args) == 1:
            return args[0]
        if leaf == "dirname" and len(args) == 1 and args[0] is not None:
            return posixpath.dirname(args[0])
        if leaf == "join" and args and all(a is not None for a in args):
            return posixpath.join(*args)  # type: ignore[arg-type]
        if leaf == "joinpath" and isinstance(node.func, ast.Attribute):
            head = _folder(node.func.value, conftest)
            if head is not None and all(a is not None for a in args):
                return posixpath.join(head, *args)  # type: ignore[arg-type]
    return None
