"""Paths inside a platform's container or checkout, mapped back to repository files.

A task runs `python /opt/airflow/dags/src/train.py` or a container's `python train.py` from an
image built off a folder of the repository: the longest suffix of the path that names a repository
file is that file (when one file alone matches)."""

from __future__ import annotations

import ast
import posixpath
import shlex

RUNNABLE = (".py", ".ipynb", ".sh", ".bash", ".R", ".r")


def repo_file(word: str, paths, cwd: str = "") -> str | None:
    """The repository file a path in a command names, or None."""
    if not word.endswith(RUNNABLE):
        return None
    joined = posixpath.normpath(posixpath.join(cwd, word)) if cwd else posixpath.normpath(word)
    if joined in paths:
        return joined
    parts = [p for p in word.split("/") if p not in ("", ".")]
    for start in range(len(parts)):
        suffix = "/".join(parts[start:])
        if suffix in paths:
            return suffix
        matches = [p for p in _by_name(paths).get(parts[-1], ()) if p.endswith("/" + suffix)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            return None  # ambiguous: better no link than a wrong one
    return None


_NAME_CACHE: dict[int, dict[str, list[str]]] = {}


def _by_name(paths) -> dict[str, list[str]]:
    key = id(paths)
    table = _NAME_CACHE.get(key)
    if table is None:
        table = {}
        for path in paths:
            table.setdefault(path.rsplit("/", 1)[-1], []).append(path)
        _NAME_CACHE.clear()  # one repository at a time
        _NAME_CACHE[key] = table
    return table


def localise(command: str, paths, cwd: str = "") -> str:
    """The command with each script path it names rewritten to the repository file it is."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    changed = False
    out = []
    for word in words:
        found = repo_file(word, paths, cwd) if word.endswith(RUNNABLE) else None
        if found is not None and found != posixpath.normpath(posixpath.join(cwd, word) if cwd else word):
            out.append(found if not cwd else posixpath.relpath(found, cwd))
            changed = True
        else:
            out.append(word)
    return shlex.join(out) if changed else command


def constant_words(node: ast.AST | None) -> list[str] | None:
    """A list/tuple of string constants (or one string) as words; None when not constant."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.List, ast.Tuple)):
        words = []
        for item in node.elts:
            if isinstance(item, ast.Constant) and isinstance(item.value, (str, int, float)):
                words.append(str(item.value))
            elif isinstance(item, ast.JoinedStr):
                words.append("".join(v.value for v in item.values if isinstance(v, ast.Constant)) or "{}")  # type: ignore[misc]
            else:
                words.append("{}")
        return words
    if isinstance(node, ast.JoinedStr):
        return ["".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)]  # type: ignore[misc]
    return None


def keyword(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def string(call: ast.Call, name: str, position: int | None = None) -> str | None:
    node = keyword(call, name)
    if node is None and position is not None and len(call.args) > position:
        node = call.args[position]
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr}" if head else ""
    return ""


def import_table(tree: ast.Module, module: str) -> dict[str, str]:
    """Local name -> dotted name it is imported as (relative imports anchored on `module`)."""
    table: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                table[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".")[: -node.level] if module else []
                base = ".".join([*package, base] if base else package)
            for alias in node.names:
                table[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
    return table


def resolved(node: ast.AST, table: dict[str, str]) -> str:
    name = dotted(node)
    head, _, rest = name.partition(".")
    target = table.get(head)
    if target is None:
        return name
    return f"{target}.{rest}" if rest else target
