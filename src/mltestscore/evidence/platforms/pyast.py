"""Small static helpers for pipeline code read with ast: what a name was assigned, which string a
path expression spells, a call's keyword arguments. Never imports or runs the code."""

from __future__ import annotations

import ast

_DEPTH = 6


class Bindings:
    """Names a module binds: variables (last assignment anywhere in the file) and parameters'
    defaults. Pipeline code is a few functions that pass objects along; the last binding is right
    for nearly all of it, and a wrong guess only costs a link of a chain."""

    def __init__(self, tree: ast.AST) -> None:
        self.values: dict[str, ast.AST] = {}
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.values[target.id] = node.value
            elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and isinstance(node.target, ast.Name) and node.value:
                self.values[node.target.id] = node.value
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions[node.name] = node
                arguments = node.args.posonlyargs + node.args.args
                for arg, default in zip(arguments[len(arguments) - len(node.args.defaults) :], node.args.defaults):
                    self.values.setdefault(arg.arg, default)
                for arg, default in zip(node.args.kwonlyargs, node.args.kw_defaults):  # type: ignore[assignment]
                    if default is not None:
                        self.values.setdefault(arg.arg, default)

    def value(self, node: ast.AST | None, depth: int = 0) -> ast.AST | None:
        """The expression a name stands for (followed through names), else the node itself."""
        while isinstance(node, ast.Name) and node.id in self.values and depth < _DEPTH:
            node = self.values[node.id]
            depth += 1
        return node

    def string(self, node: ast.AST | None, depth: int = 0) -> str | None:
        """The string an expression spells when its parts are constants or bound names; path
        joins keep the parts they know (`os.path.join(BASE_DIR, "evaluate.py")` -> "evaluate.py")."""
        if node is None or depth > _DEPTH:
            return None
        node = self.value(node)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                if isinstance(value, ast.Constant):
                    parts.append(str(value.value))
                elif isinstance(value, ast.FormattedValue):
                    inner = self.string(value.value, depth + 1)
                    parts.append(inner if inner is not None and not inner.startswith("s3://") else "")
            return "".join(parts).lstrip("/") or None
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Div)):
            left, right = self.string(node.left, depth + 1), self.string(node.right, depth + 1)
            joiner = "/" if isinstance(node.op, ast.Div) else ""
            return joiner.join(p for p in (left, right) if p) or None
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if name.endswith(("path.join", "Path", "joinpath")) or name.endswith("PurePosixPath"):
                parts = [self.string(a, depth + 1) for a in node.args]  # type: ignore[misc]
                if name.endswith("joinpath") and isinstance(node.func, ast.Attribute):
                    parts.insert(0, self.string(node.func.value, depth + 1))  # type: ignore[arg-type]
                return "/".join(p for p in parts if p) or None
        return None


def kwargs(call: ast.Call) -> dict[str, ast.AST]:
    return {k.arg: k.value for k in call.keywords if k.arg}


def leaf(call: ast.Call) -> str:
    """Last name of what is called: sagemaker.workflow.steps.ProcessingStep(...) -> ProcessingStep."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def imported_names(tree: ast.Module, path: str, python) -> dict[str, str]:
    """Name -> project file of each `from X import name` in a module (relative imports resolved from
    the module's folder), so a step calling `train_model` runs the file that defines it."""
    import posixpath

    found: dict[str, str] = {}
    folder = posixpath.dirname(path)
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = folder
            for _ in range(node.level - 1):
                base = posixpath.dirname(base)
            stem = posixpath.join(base, *(node.module or "").split(".")) if node.module else base
            candidates = [f"{stem}.py", f"{stem}/__init__.py"]
            target = next((c for c in candidates if c in python.files), None)
        else:
            target = python.resolve_import(node.module or "", path) if node.module else None
        for alias in node.names:
            if node.level and not node.module:  # from . import nodes -> nodes.py
                sub = posixpath.join(folder, f"{alias.name}.py")
                if sub in python.files:
                    found[alias.asname or alias.name] = sub
            elif target is not None:
                found[alias.asname or alias.name] = target
    return found
