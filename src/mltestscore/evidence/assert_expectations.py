"""Feature expectations written as plain pytest asserts on data a test reads (data-1).

`assert df["age"].between(0, 120).all()` and `assert df.notna().all().all()` in a test that reads a
data file are a schema as much as a GX suite is: expectations on values, checked on every run of the
test. Whether the data is real (a committed sample, a DVC-tracked file) and whether CI runs the test
is decided where every schema's check site is judged (checks/data.py site_status).
"""

from __future__ import annotations

import ast
import re

from mltestscore.context import AuditContext
from mltestscore.evidence.perfile import grep_code

_READS = re.compile(r"\b(read_csv|read_parquet|read_json|read_table|read_feather|read_excel|load_dataset|from_csv)\(")
_READS_BYTES = re.compile(_READS.pattern.encode())
_ASSERTS_BYTES = re.compile(rb"\bassert\b")
# Calls and attributes that look at values: nulls, ranges, categories, uniqueness, distribution.
_VALUE = {
    "notna",
    "notnull",
    "isna",
    "isnull",
    "hasnans",
    "between",
    "isin",
    "min",
    "max",
    "mean",
    "median",
    "std",
    "quantile",
    "unique",
    "nunique",
    "is_unique",
    "value_counts",
    "duplicated",
    "is_monotonic_increasing",
    "is_monotonic_decreasing",
    "clip",
}
_TYPES = {"dtype", "dtypes", "is_numeric_dtype", "is_string_dtype", "is_integer_dtype", "is_float_dtype"}
_SHAPE = {"shape", "columns", "empty", "len", "size", "index"}


def assert_expectations(ctx: AuditContext) -> list[tuple[str, int, str, bool]]:
    """(test file, line, what its asserts check, value_level) for test functions that read data
    and assert expectations on it; value_level is False when they check only shape or types."""
    found = []
    reading = grep_code(ctx, _READS_BYTES, ctx.tests.files)
    for path in grep_code(ctx, _ASSERTS_BYTES, reading):
        text = ctx.files.text(path) or ""
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or not node.name.startswith("test"):
                continue
            if not _READS.search(ast.get_source_segment(text, node) or ""):
                continue
            kinds = set()
            for inner in ast.walk(node):
                if isinstance(inner, ast.Assert):
                    kinds |= _kinds(inner.test)
            if kinds:
                value_level = "values" in kinds
                what = "values (nulls, ranges, categories)" if value_level else " and ".join(sorted(kinds))
                found.append(
                    (path, node.lineno, f"{node.name} asserts expectations on {what} of the data it reads", value_level)
                )
    return found


def _kinds(expr: ast.AST) -> set[str]:
    kinds = set()
    for node in ast.walk(expr):
        word = None
        if isinstance(node, ast.Attribute):
            word = node.attr
        elif isinstance(node, ast.Name):
            word = node.id
        if word in _VALUE:
            kinds.add("values")
        elif word in _TYPES:
            kinds.add("types")
        elif word in _SHAPE:
            kinds.add("shape")
        if isinstance(node, ast.Compare) and any(isinstance(c, ast.Subscript) for c in [node.left, *node.comparators]):
            kinds.add("values")  # df["age"] >= 0
    return kinds
