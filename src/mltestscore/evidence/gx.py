"""Great Expectations projects read statically, both generations, never through GX itself.

GX 0.x: `great_expectations/great_expectations.yml` (config_version 3), suites in
`expectations/**/*.json` with `expectation_suite_name` / `expectation_type`, checkpoints as YAML.
GX 1.x: `gx/great_expectations.yml` (config_version 4), suites with `name` / `type`, checkpoints
and validation definitions as JSON. Dotted suite names are nested folders (`taxi.warning` is
`expectations/taxi/warning.json`). Suites built in code (`ExpectationSuite(...)`,
`add_expectation`, `validator.expect_*`, `gx.expectations.Expect*`) are read from the AST.

`gx.get_context()` is never called on the audited tree: it writes into it (a new `gx/` beside a
0.x project) and GX 1.x cannot read 0.x suites anyway.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from mltestscore.context import AuditContext
from mltestscore.evidence.perfile import code_passing, per_file
from mltestscore.evidence.python import names
from mltestscore.wiring import Runner

GX_CONFIG = "great_expectations.yml"
GX_MODULES = names("great_expectations")
# Expectations about the table's shape, not about any feature's values.
_STRUCTURAL = re.compile(
    r"^expect_(table_(row_count|column_count|columns_to_match)\w*|column_to_exist|file_\w+|table_columns_\w+)$"
)
_CLI_RUN = re.compile(r"\b(great_expectations|great-expectations|gx)\b[^|;&]*\bcheckpoint\s+run\s+([\w.\-]+)")
GX_ACTION = "great-expectations/great_expectations_action"
_SUITE_DEFINERS = (
    "ExpectationSuite",
    "add_expectation_suite",
    "add_or_update_expectation_suite",
    "create_expectation_suite",
    "get_expectation_suite",
)
_RUN_RECEIVER = re.compile(r"checkpoint|validation|\bvd\b|definition", re.I)
_VALIDATE_RECEIVER = re.compile(r"validator|batch|ge_?df|dataset|gdf|^df$", re.I)


@dataclass(frozen=True)
class Expectation:
    type: str
    column: str | None
    line: int | None

    @property
    def value_level(self) -> bool:
        """True when it constrains feature values (types, ranges, sets, nulls, distributions)."""
        return not _STRUCTURAL.match(self.type)


@dataclass
class Suite:
    name: str
    path: str
    line: int | None
    generation: str  # "0.x" | "1.x" | "code"
    expectations: list[Expectation]
    executes: bool = False  # code that evaluates expectations as it defines them (validator.expect_*)

    def per_column(self) -> Counter:
        return Counter(e.column for e in self.expectations if e.column)

    @property
    def value_level(self) -> bool:
        return any(e.value_level for e in self.expectations)

    def describe(self) -> str:
        columns = self.per_column()
        shape = f"{len(self.expectations)} expectation{'s' if len(self.expectations) != 1 else ''}"
        if columns:
            top = ", ".join(f"{c} ({n})" for c, n in columns.most_common(4))
            shape += f" on {len(columns)} column{'s' if len(columns) != 1 else ''}: {top}"
        if not self.value_level:
            shape += "; structural only (no expectation on values)"
        kind = "code-defined" if self.generation == "code" else f"GX {self.generation}"
        return f"{kind} suite '{self.name}': {shape}"


@dataclass
class Checkpoint:
    name: str
    path: str
    line: int | None
    generation: str
    suites: list[str]


@dataclass
class ValidationDefinition:
    name: str
    path: str
    suite: str | None
    asset: str | None


@dataclass
class GxRun:
    """A place that runs validations: a CLI command, a CI action, or a call in code."""

    path: str
    line: int | None
    detail: str
    names: tuple[str, ...] = ()  # checkpoint or suite names it names; empty: cannot tell statically
    runner: Runner | None = None  # set for commands and CI steps; code runs go through reach


@dataclass
class GxProject:
    roots: dict[str, str] = field(default_factory=dict)  # folder holding great_expectations.yml -> generation
    suites: list[Suite] = field(default_factory=list)
    empty_suites: list[Suite] = field(default_factory=list)  # suites with no expectations
    checkpoints: list[Checkpoint] = field(default_factory=list)
    validations: list[ValidationDefinition] = field(default_factory=list)
    runs: list[GxRun] = field(default_factory=list)
    imports: list[tuple[str, int]] = field(default_factory=list)  # files importing great_expectations

    @property
    def present(self) -> bool:
        return bool(self.roots or self.suites or self.imports)

    def suites_named(self, names: tuple[str, ...]) -> list[Suite]:
        """Suites a run reaches through the names it gives (checkpoints and GX 1.x validation
        definitions resolve to their suites: `context.validation_definitions.get("vd").run()`)."""
        wanted = set(names)
        for checkpoint in self.checkpoints:
            if checkpoint.name in wanted:
                wanted.update(checkpoint.suites)
        wanted.update(v.suite for v in self.validations if v.name in wanted and v.suite)
        return [s for s in self.suites if s.name in wanted]


# -- reading ---------------------------------------------------------------------------------
def read_gx_project(ctx: AuditContext) -> GxProject:
    """Everything GX in the repository, from files and code; computed once via ctx.fact."""
    project = GxProject()
    for config in ctx.files.named(GX_CONFIG):
        root = posixpath.dirname(config)
        project.roots[root] = _config_generation(ctx, config, root)
    for path in ctx.files.grep(re.compile(rb"\"expect"), ctx.files.with_suffix(".json")):
        if path.endswith(".ipynb"):
            continue
        suite = _read_suite(ctx, path, project.roots)
        if suite is not None:
            (project.suites if suite.expectations else project.empty_suites).append(suite)
    _read_validation_definitions(ctx, project)
    _read_checkpoints(ctx, project)
    _read_code(ctx, project)
    _read_commands(ctx, project)
    _merge_code_suites(project)
    return project


def _signature(suite: Suite) -> tuple:
    return tuple(sorted((e.type, e.column or "") for e in suite.expectations))


def _merge_code_suites(project: GxProject) -> None:
    """Code that builds a suite GX then stores as JSON is the same suite, not a second one."""
    stored = [s for s in project.suites if s.generation != "code"]
    for suite in [s for s in project.suites if s.generation == "code"]:
        twin = next((f for f in stored if f.name == suite.name or _signature(f) == _signature(suite)), None)
        if twin is None:
            continue
        project.suites.remove(suite)
        if suite.executes:
            project.runs.append(GxRun(suite.path, suite.line, "evaluates the suite's expectations", (twin.name,)))


def _config_generation(ctx: AuditContext, path: str, root: str) -> str:
    data = ctx.parsed.yaml(path)
    version = data.get("config_version") if isinstance(data, dict) else None
    if isinstance(version, (int, float)):
        return "1.x" if version >= 4 else "0.x"
    return "0.x" if posixpath.basename(root) == "great_expectations" else "1.x"


def suite_name_from_path(path: str) -> str | None:
    """The suite name GX derives from a file under an `expectations/` folder (dots nest)."""
    parts = path[: -len(".json")].split("/")
    if "expectations" not in parts[:-1]:
        return None
    index = len(parts) - 1 - parts[::-1].index("expectations", 1)
    return ".".join(parts[index + 1 :]) or None


def _read_suite(ctx: AuditContext, path: str, roots: dict[str, str]) -> Suite | None:
    data = ctx.parsed.json(path)
    if not isinstance(data, dict) or not isinstance(data.get("expectations"), list):
        return None
    items = [e for e in data["expectations"] if isinstance(e, dict)]
    if items and not any(isinstance(e.get("expectation_type") or e.get("type"), str) for e in items):
        return None  # some other JSON with an "expectations" list
    if (
        not items
        and "expectation_suite_name" not in data
        and not (suite_name_from_path(path) and _under_root(path, roots))
    ):
        return None
    generation = "0.x" if "expectation_suite_name" in data or any("expectation_type" in e for e in items) else "1.x"
    derived = suite_name_from_path(path)
    name = data.get("expectation_suite_name") or data.get("name") or derived or posixpath.basename(path)[:-5]
    if derived and _under_root(path, roots) and str(name) != derived:
        ctx.warn(
            path,
            f"suite name '{name}' does not match its path (GX stores '{name}' as "
            f"expectations/{str(name).replace('.', '/')}.json)",
        )
    text = ctx.files.text(path) or ""
    expectations = []
    position = 0
    for item in items:
        kind = item.get("expectation_type") or item.get("type")
        if not isinstance(kind, str):
            continue
        kwargs = item.get("kwargs") if isinstance(item.get("kwargs"), dict) else {}
        found = text.find(f'"{kind}"', position)
        line = text.count("\n", 0, found) + 1 if found >= 0 else None
        position = found + 1 if found >= 0 else position
        column = kwargs.get("column") or kwargs.get("column_A")  # type: ignore[union-attr]
        expectations.append(Expectation(kind, column if isinstance(column, str) else None, line))
    first = text.find('"expectations"')
    return Suite(str(name), path, text.count("\n", 0, first) + 1 if first >= 0 else 1, generation, expectations)


def _under_root(path: str, roots: dict[str, str]) -> bool:
    return any(path.startswith(f"{root}/expectations/" if root else "expectations/") for root in roots)


def _read_validation_definitions(ctx: AuditContext, project: GxProject) -> None:
    for root in project.roots:
        folder = f"{root}/validation_definitions/" if root else "validation_definitions/"
        for path in ctx.files.with_suffix(".json"):
            if not path.startswith(folder):
                continue
            data = ctx.parsed.json(path)
            if not isinstance(data, dict):
                continue
            suite = data.get("suite") if isinstance(data.get("suite"), dict) else {}
            source = data.get("data") if isinstance(data.get("data"), dict) else {}
            asset = source.get("asset") if isinstance(source.get("asset"), dict) else {}  # type: ignore[union-attr]
            project.validations.append(
                ValidationDefinition(
                    str(data.get("name") or posixpath.basename(path)[:-5]),
                    path,
                    suite.get("name"),  # type: ignore[union-attr]
                    asset.get("name"),  # type: ignore[union-attr]
                )
            )


def _read_checkpoints(ctx: AuditContext, project: GxProject) -> None:
    by_name = {v.name: v for v in project.validations}
    for root, generation in project.roots.items():
        folder = f"{root}/checkpoints/" if root else "checkpoints/"
        for path in ctx.files.with_suffix(".yml", ".yaml", ".json"):
            if not path.startswith(folder):
                continue
            data = ctx.parsed.json(path) if path.endswith(".json") else ctx.parsed.yaml(path)
            if not isinstance(data, dict):
                continue
            suites = []
            if isinstance(data.get("expectation_suite_name"), str):
                suites.append(data["expectation_suite_name"])
            for item in data.get("validations") or []:  # 0.x
                if isinstance(item, dict) and isinstance(item.get("expectation_suite_name"), str):
                    suites.append(item["expectation_suite_name"])
            for item in data.get("validation_definitions") or []:  # 1.x: references by name/id
                if not isinstance(item, dict):
                    continue
                inline = item.get("suite") if isinstance(item.get("suite"), dict) else None
                definition = by_name.get(str(item.get("name")))
                suite = (inline or {}).get("name") or (definition.suite if definition else None)
                if suite:
                    suites.append(suite)
            name = str(data.get("name") or posixpath.basename(path).rsplit(".", 1)[0])
            project.checkpoints.append(
                Checkpoint(name, path, 1, "1.x" if path.endswith(".json") else generation, suites)
            )


def _read_commands(ctx: AuditContext, project: GxProject) -> None:
    for command in ctx.wiring.find(_CLI_RUN, include_stages=True):
        match = _CLI_RUN.search(command.command)
        runner = command.runner
        project.runs.append(GxRun(runner.path, runner.line, f"runs `{command.command}`", (match.group(2),), runner))  # type: ignore[union-attr]
    for pipeline in ctx.ci:
        for job in pipeline.jobs:
            for step in job.steps:
                if (step.uses or "").split("@")[0].lower() == GX_ACTION:
                    runner = ctx.wiring.ci_runner(pipeline, job, step)
                    project.runs.append(GxRun(pipeline.path, step.line, f"uses {step.uses}", (), runner))


# -- code ------------------------------------------------------------------------------------
# Files that do not import GX themselves can still hold `validator.expect_*` helpers or operators:
# the call forms `_CodeScan` records without a GX import (an expect_* attribute, an
# ExpectationConfiguration, an Airflow operator; a checkpoint run beside an expectation's name).
_CODE_PREFILTER = re.compile(rb"\b(expect_\w+|ExpectationConfiguration|GreatExpectationsOperator)\b")
_CALL_FORMS = re.compile(rb"\.[\s\\]*expect_|\b(ExpectationConfiguration|GreatExpectationsOperator)\b")
_RUN_FORMS = re.compile(rb"\b(run_checkpoint|run_validation_operator)\b")


def _records_without_import(code: bytes) -> bool:
    return bool(_CALL_FORMS.search(code) or (_RUN_FORMS.search(code) and _CODE_PREFILTER.search(code)))


def _read_code(ctx: AuditContext, project: GxProject) -> None:
    # An import of the audited repository's own package (GX's own source, or a project folder that
    # shadows it) is not a use of the GX library: a library's own code is not its users' expectations.
    imports = [(p, line) for p, module, line in ctx.python.find_imports(GX_MODULES) if not _own(ctx, module, p)]
    gx_files = {path for path, _ in imports}
    project.imports = sorted(set(imports))
    if not gx_files and not project.roots:
        return  # `expect_*` calls mean GX only in a project that uses GX
    others = [p for p in ctx.python.sources if p not in gx_files]
    scanned = dict(per_file(ctx, "gx-code:1:gx", sorted(gx_files), partial(_scan_file, ctx, True)))
    scanned.update(
        per_file(
            ctx,
            "gx-code:1",
            code_passing(ctx, others, _records_without_import, "gx-forms:1"),
            partial(_scan_file, ctx, False),
        )
    )
    for path in sorted(scanned):
        plain: Any = scanned[path]  # (expectations, suite names, runs, executes), as _scan_file gives them
        expectations, suite_names, runs, executes = plain
        if expectations:
            found = [Expectation(*e) for e in expectations]
            name = suite_names[0] if suite_names else path
            project.suites.append(Suite(name, path, found[0].line, "code", found, executes))
        project.runs.extend(GxRun(path, line, detail, tuple(names)) for line, detail, names in runs)


def _own(ctx: AuditContext, module: str, importer: str) -> bool:
    """Whether `importer`'s import of `module` resolves to a file of the audited repository."""
    return ctx.python.resolve_import(module, importer) is not None


def _scan_file(ctx: AuditContext, imports_gx: bool, path: str) -> tuple[object, bool]:
    """(expectations, suite names, runs, executes) of one file as plain tuples, for the fact cache."""
    tree = ctx.parsed.python(path)
    if tree is None:
        return ((), (), (), False), False  # unparsable: the parse warned; not cached, so it warns again
    scan = _CodeScan(imports_gx, _string_constants(tree))
    scan.visit(tree)
    expectations = tuple((e.type, e.column, e.line) for e in scan.expectations)
    return (expectations, tuple(scan.suite_names), tuple(scan.runs), scan.executes), True


def _string_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level NAME = "text" assignments, so `ExpectationSuite(SUITE_NAME)` has a name."""
    constants = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            constants.update({t.id: node.value.value for t in node.targets if isinstance(t, ast.Name)})
    return constants


def _snake(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", camel).lower()


def _const_str(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _kwarg(call: ast.Call, *names: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg in names), None)


def _leaf(func: ast.AST) -> str | None:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def _source(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # noqa: BLE001 - unparse of odd trees is best effort
        return ""


class _CodeScan(ast.NodeVisitor):
    """Expectations, suite names and validation runs in one module's AST."""

    def __init__(self, imports_gx: bool, constants: dict[str, str]) -> None:
        self.imports_gx = imports_gx
        self.constants = constants
        self.expectations: list[Expectation] = []
        self.suite_names: list[str] = []
        self.runs: list[tuple[int, str, tuple[str, ...]]] = []
        self.executes = False

    def text(self, node: ast.AST | None) -> str | None:
        if isinstance(node, ast.Name):
            return self.constants.get(node.id)
        return _const_str(node)

    def visit_Call(self, node: ast.Call) -> None:
        leaf = _leaf(node.func)
        if leaf:
            self._expectation(node, leaf)
            self._suite(node, leaf)
            self._run(node, leaf)
        self.generic_visit(node)

    def _expectation(self, node: ast.Call, leaf: str) -> None:
        if leaf.startswith("expect_") and isinstance(node.func, ast.Attribute):
            # validator.expect_* / dataset.expect_* evaluate the expectation on the batch at once
            column = self.text(_kwarg(node, "column")) or (self.text(node.args[0]) if node.args else None)
            self.expectations.append(Expectation(leaf, column if "column" in leaf else None, node.lineno))
            self.executes = True
        elif re.match(r"^Expect[A-Z]\w+$", leaf) and self.imports_gx:
            column = self.text(_kwarg(node, "column"))
            self.expectations.append(Expectation(_snake(leaf), column, node.lineno))
        elif leaf == "ExpectationConfiguration":
            kind = self.text(_kwarg(node, "expectation_type", "type"))
            kwargs = _kwarg(node, "kwargs")
            column = None
            if isinstance(kwargs, ast.Dict):
                for key, value in zip(kwargs.keys, kwargs.values):
                    if self.text(key) == "column":
                        column = self.text(value)
            if kind:
                self.expectations.append(Expectation(kind, column, node.lineno))

    def _suite(self, node: ast.Call, leaf: str) -> None:
        if leaf in _SUITE_DEFINERS:
            name = self.text(_kwarg(node, "name", "expectation_suite_name")) or (
                self.text(node.args[0]) if node.args else None
            )
            if name:
                self.suite_names.append(name)

    def _run(self, node: ast.Call, leaf: str) -> None:
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        if leaf in ("run_checkpoint", "run_validation_operator"):
            name = self.text(_kwarg(node, "checkpoint_name")) or (self.text(node.args[0]) if node.args else None)
            self.runs.append((node.lineno, f"calls {leaf}" + (f"('{name}')" if name else ""), (name,) if name else ()))
        elif leaf == "GreatExpectationsOperator":
            names = tuple(
                n
                for n in (self.text(_kwarg(node, "checkpoint_name")), self.text(_kwarg(node, "expectation_suite_name")))
                if n
            )
            self.runs.append((node.lineno, "Airflow GreatExpectationsOperator", names))
        elif leaf == "run" and receiver is not None and self.imports_gx and _RUN_RECEIVER.search(_source(receiver)):
            names = ()
            if isinstance(receiver, ast.Call) and receiver.args:  # context.checkpoints.get("x").run()
                name = self.text(receiver.args[0]) or self.text(_kwarg(receiver, "name"))
                names = (name,) if name else ()
            self.runs.append((node.lineno, f"runs {_source(receiver)[:60]}", names))
        elif (
            leaf == "validate"
            and receiver is not None
            and self.imports_gx
            and _VALIDATE_RECEIVER.search(_source(receiver))
        ):
            name = self.text(_kwarg(node, "expectation_suite_name", "expectation_suite"))
            self.runs.append((node.lineno, f"calls {_source(receiver)[:40]}.validate()", (name,) if name else ()))
        elif leaf == "get_validator" and self.imports_gx:
            name = self.text(_kwarg(node, "expectation_suite_name"))
            self.runs.append((node.lineno, "validator on a batch of data", (name,) if name else ()))
