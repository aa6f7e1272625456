"""Data schemas of every tool data-1 recognises, normalised to one shape: where the expectations
are written down, whether they constrain feature values, and where data is checked against them.

Great Expectations comes from evidence.gx; pandera, TFDV/TFX, pydantic row models, JSON Schema
files and deepchecks integrity suites are read here from resolved imports and calls; dbt column
tests and Soda checks from their YAML files, with the `dbt test|build` / `soda scan` runs that
check them.
"""

from __future__ import annotations

import ast
import posixpath
import re
from dataclasses import dataclass, field

from mltestscore.context import AuditContext
from mltestscore.evidence.assert_expectations import assert_expectations
from mltestscore.evidence.ci import line_of
from mltestscore.evidence.gx import GxProject, read_gx_project
from mltestscore.evidence.perfile import grep_bytes, grep_code
from mltestscore.evidence.python import names
from mltestscore.evidence.sources import project_sources
from mltestscore.wiring import Runner


@dataclass(frozen=True)
class CheckSite:
    """A place where data meets the schema: a validate call, a checkpoint run, an endpoint."""

    path: str
    line: int | None
    detail: str
    runner: Runner | None = None  # a command or CI step found directly; else the file's reach decides
    serving: bool = False  # validates every serving request (a typed API endpoint)


@dataclass
class Schema:
    tool: str
    path: str
    line: int | None
    detail: str
    value_level: bool = True  # constrains values (types, ranges, sets, nulls), not only shape
    strict: bool = False  # an allow-list of columns: anything else is rejected (data-4)
    sites: list[CheckSite] = field(default_factory=list)
    constraints: int = 0  # constrained fields, where the tool tells (pydantic)


# -- Great Expectations -------------------------------------------------------------------------
def _gx_schemas(ctx: AuditContext, project: GxProject) -> list[Schema]:
    schemas = []
    for suite in project.suites:
        sites = []
        for run in project.runs:
            linked = not run.names or suite in project.suites_named(run.names)
            imports_suite = suite.generation == "code" and suite.path in ctx.python.project_imports(run.path)
            if linked or run.path == suite.path or imports_suite:
                sites.append(CheckSite(run.path, run.line, run.detail, run.runner))
        if suite.executes:
            sites.append(CheckSite(suite.path, suite.line, "evaluates the expectations on a batch as it defines them"))
        strict = any(e.type.startswith("expect_table_columns_to_match") for e in suite.expectations)
        schemas.append(
            Schema("great_expectations", suite.path, suite.line, suite.describe(), suite.value_level, strict, sites)
        )
    return schemas


# -- pandera ----------------------------------------------------------------------------------
MODULES = names("pandera", "pydantic")
_PANDERA_SCHEMAS = ("DataFrameSchema", "SeriesSchema")
_PANDERA_MODELS = ("DataFrameModel", "SchemaModel")
_PANDERA_DECORATORS = ("check_types", "check_input", "check_output", "check_io")
# A file defines a schema or validates with a decorator only when its code names one of these.
_PANDERA_WORDS = names(*_PANDERA_SCHEMAS, *_PANDERA_MODELS, *_PANDERA_DECORATORS)


def _pandera(ctx: AuditContext) -> list[Schema]:
    files = ctx.python.candidates(_PANDERA_WORDS, sorted({p for p, _, _ in ctx.python.find_imports(["pandera"])}))
    schemas: list[Schema] = []
    names: dict[str, Schema] = {}
    methods = {"validate"}  # plus helpers on the models that call cls.validate
    decorated: list[CheckSite] = []
    objects: dict[tuple[str, str], Schema] = {}  # (file, name) -> the DataFrameSchema assigned to it
    for path in files:
        facts = ctx.python.facts(path)
        if facts is None:
            continue  # unparsable; the index has warned
        text = ctx.files.text(path) or ""
        assigned: dict[int, list[str]] | None = None
        for call in facts.calls:
            if call.name.startswith("pandera") and call.name.rsplit(".", 1)[-1] in _PANDERA_SCHEMAS:
                schema = Schema(
                    "pandera",
                    path,
                    call.line,
                    f"pandera {call.name.rsplit('.', 1)[-1]}",
                    strict=call.kwarg("strict") is True,
                )
                schemas.append(schema)
                assigned = _assigned_names(ctx.parsed.python(path)) if assigned is None else assigned
                for target in assigned.get(call.line, []):
                    names[target] = schema
                    objects[(path, target)] = schema
        local_models: set[str] = set()
        tree = ctx.parsed.python(path)
        classes = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)} if tree is not None else {}
        for name, bases, line in facts.classes:
            if any(
                (b.startswith("pandera") and b.rsplit(".", 1)[-1] in _PANDERA_MODELS) or b in local_models
                for b in bases
            ):
                local_models.add(name)
                node = classes.get(name)
                methods.update(_validating_methods(node))
                fields = sum(isinstance(item, ast.AnnAssign) for item in node.body) if node else 0
                if not fields:
                    continue  # a base class holding shared Config and helpers
                strict = bool(re.search(r"strict\s*=\s*True", text))
                schema = Schema(
                    "pandera", path, line, f"pandera DataFrameModel {name} ({fields} fields)", strict=strict
                )
                schemas.append(schema)
                names[name] = schema
        for function, decorator, line in facts.decorators:
            if decorator.startswith("pandera") and decorator.rsplit(".", 1)[-1] in _PANDERA_DECORATORS:
                decorated.append(
                    CheckSite(path, line, f"@{decorator.rsplit('.', 1)[-1]} validates {function}'s dataframes")
                )
    if not schemas:
        return []
    for path, call in ctx.python.find_calls([f"{n}.{m}" for n in names for m in methods]):
        owner, method = call.name.rsplit(".", 2)[-2:]
        names[owner].sites.append(CheckSite(path, call.line, f"calls {owner}.{method}"))
    # Calling a DataFrameSchema object validates too: `schema(df, lazy=True)` is `schema.validate(df, lazy=True)`.
    # `schema` is a common name: the call counts in the schema's own file or in one importing that file.
    called = sorted({name for _, name in objects})
    for path, call in ctx.python.find_calls(called) if called else ():
        if not call.args:  # a dataframe passed in
            continue
        name = call.name.rsplit(".", 1)[-1]
        files_seen = [path, *ctx.python.project_imports(path)]
        owned = next((objects[(f, name)] for f in files_seen if (f, name) in objects), None)
        if owned is not None:
            owned.sites.append(CheckSite(path, call.line, f"calls {name}(...) to validate"))
    for site in decorated:  # a decorator validates against the model in its annotations: link by file
        imported = ctx.python.project_imports(site.path)
        for schema in schemas:
            if schema.path == site.path or schema.path in imported:
                schema.sites.append(site)
    return schemas


def _validating_methods(node: ast.ClassDef | None) -> set[str]:
    """Methods of a model class that validate: `def check(cls, df): return cls.validate(df)`."""
    found = set()
    for item in node.body if node is not None else []:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for call in ast.walk(item):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "validate"
                    and isinstance(call.func.value, ast.Name)
                    and call.func.value.id in ("cls", "self")
                ):
                    found.add(item.name)
    return found


def _assigned_names(tree: ast.Module | None) -> dict[int, list[str]]:
    """Line of a call -> plain names assigned its value (`schema = pa.DataFrameSchema(...)`)."""
    names: dict[int, list[str]] = {}
    for node in ast.walk(tree) if tree is not None else []:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            names.setdefault(node.value.lineno, []).extend(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


# -- TFDV / TFX -----------------------------------------------------------------------------
TFDV_SCHEMA_CALLS = names(
    "tensorflow_data_validation.infer_schema",
    "tensorflow_data_validation.write_schema_text",
    "tensorflow_data_validation.load_schema_text",
    "SchemaGen",
    "ImportSchemaGen",
)
TFDV_CHECK_CALLS = names(
    "tensorflow_data_validation.validate_statistics",
    "tensorflow_data_validation.validate_examples_in_tfrecord",
    "tensorflow_data_validation.validate_examples_in_csv",
    "tensorflow_data_validation.validate_instance",
    "ExampleValidator",
)


def _tfdv(ctx: AuditContext) -> list[Schema]:
    schemas = []
    for path in ctx.files.grep(re.compile(rb"(?m)^\s*feature\s*\{"), ctx.files.with_suffix(".pbtxt")):
        text = ctx.files.text(path) or ""
        features = len(re.findall(r"(?m)^\s*feature\s*\{", text))
        constraints = len(
            re.findall(
                r"(?m)^\s*(int_domain|float_domain|string_domain|domain|presence|value_count|shape|distribution_constraints)\b",
                text,
            )
        )
        schemas.append(
            Schema("tfdv", path, 1, f"TFDV schema: {features} features, {constraints} domain/presence constraints")
        )
    sources = project_sources(ctx)
    for path, call in ctx.python.find_calls(TFDV_SCHEMA_CALLS, sources):
        if _is_tf_call(call.name):
            schemas.append(
                Schema("tfdv", path, call.line, f"{call.name.rsplit('.', 1)[-1]}: schema inferred or loaded")
            )
    checks = [
        CheckSite(path, call.line, f"{call.name.rsplit('.', 1)[-1]} checks data against the schema")
        for path, call in ctx.python.find_calls(TFDV_CHECK_CALLS, sources)
        if _is_tf_call(call.name)
    ]
    for schema in schemas:
        schema.sites.extend(checks)  # one schema per pipeline in practice: any check uses it
    return schemas


def _is_tf_call(name: str) -> bool:
    return name.startswith(("tensorflow_data_validation", "tfx")) or "." not in name


# -- pydantic row models ----------------------------------------------------------------------
_PYDANTIC_BASES = ("pydantic.BaseModel", "pydantic.v1.BaseModel", "pydantic.main.BaseModel")
_CONFIG_NAME = re.compile(r"(Config|Settings|Params|Parameters|Options|Args|Arguments|Hyperparam\w*)$")
# pydantic Field keywords that bound a value (shared with monitor-2's request-model check)
FIELD_BOUNDS = {
    "ge",
    "gt",
    "le",
    "lt",
    "min_length",
    "max_length",
    "pattern",
    "regex",
    "multiple_of",
    "min_items",
    "max_items",
    "allow_inf_nan",
}
_CONSTRAINED_TYPES = re.compile(
    r"\b(Literal|con(int|float|str|list|set|decimal|date)|Positive\w+|Negative\w+|NonNegative\w+|NonPositive\w+|EmailStr|Enum)\b"
)
_VALIDATORS = ("validator", "field_validator", "root_validator", "model_validator")
_PARSE_METHODS = ("model_validate", "model_validate_json", "parse_obj", "parse_raw", "validate")
_ROUTE_DECORATORS = re.compile(r"\.(post|put|patch|get|api_route|websocket)$")
# What a file needs to define a model (a BaseModel base, resolved) or to type an endpoint with one.
PYDANTIC_BASE = names("BaseModel")
_ROUTE_DECORATOR_BYTES = re.compile(rb"@[^\n]*?\.\s*(?:post|put|patch|get|api_route|websocket)\s*\(")


def _pydantic(ctx: AuditContext) -> list[Schema]:
    files = sorted({p for p, _, _ in ctx.python.find_imports(["pydantic"], project_sources(ctx))})
    with_base = set(ctx.python.candidates(PYDANTIC_BASE, files))
    with_route = set(grep_code(ctx, _ROUTE_DECORATOR_BYTES, [p for p in files if p not in with_base]))
    files = [p for p in files if p in with_base or p in with_route]
    models: dict[str, Schema] = {}
    for path in files:
        facts = ctx.python.facts(path)
        tree = ctx.parsed.python(path)
        if facts is None or tree is None:
            continue
        local = set()
        for name, bases, line in facts.classes:
            if any(b in _PYDANTIC_BASES or b in local for b in bases):
                local.add(name)
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name in local and not _CONFIG_NAME.search(node.name):
                if node.name in models and models[node.name].sites:
                    continue  # a same-named model of another file already types an endpoint: keep that one
                fields, constrained = _constrained_fields(node)
                if fields >= 2 and constrained:
                    models[node.name] = Schema(
                        "pydantic",
                        path,
                        node.lineno,
                        f"pydantic model {node.name}: {constrained} of {fields} fields constrained",
                        constraints=constrained,
                    )
                elif fields >= _TYPED_ROW_FIELDS:  # types only: kept when an endpoint types its requests with it
                    models[node.name] = Schema(
                        "pydantic",
                        path,
                        node.lineno,
                        f"pydantic model {node.name}: {fields} typed fields, no value constraints",
                        value_level=False,
                    )
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                _endpoint_sites(node, path, models)
    if models:
        calls = [f"{name}.{method}" for name in models for method in _PARSE_METHODS]
        for path, call in ctx.python.find_calls(calls):
            owner, method = call.name.rsplit(".", 2)[-2:]
            models[owner].sites.append(CheckSite(path, call.line, f"parses records with {owner}.{method}"))
    # Config objects also carry a bound or two: a model counts when it parses records or
    # requests, or when it constrains several fields.
    return [
        m
        for m in models.values()
        if (m.value_level and (m.sites or m.constraints >= 2)) or any(site.serving for site in m.sites)
    ]


# A request model typing this many input fields writes down the row's types (RUBRIC: types alone are 0.5).
_TYPED_ROW_FIELDS = 4


def _constrained_fields(node: ast.ClassDef) -> tuple[int, int]:
    fields = constrained = 0
    validators = 0
    for item in node.body:
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            fields += 1
            annotation = ast.unparse(item.annotation)
            bounded = isinstance(item.value, ast.Call) and any(k.arg in FIELD_BOUNDS for k in item.value.keywords)
            bounded = bounded or "Field(" in annotation and any(f"{b}=" in annotation for b in FIELD_BOUNDS)
            discriminator = re.fullmatch(r"(\w+\.)?Literal\[[^,\]]+\]", annotation) is not None  # KIND: Literal["x"]
            if bounded or (_CONSTRAINED_TYPES.search(annotation) and not discriminator):
                constrained += 1
        elif isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            decorators = [ast.unparse(d.func if isinstance(d, ast.Call) else d) for d in item.decorator_list]
            validators += any(d.rsplit(".", 1)[-1] in _VALIDATORS for d in decorators)
    return fields, constrained + validators


def _endpoint_sites(node, path: str, models: dict[str, Schema]) -> None:
    route = next(
        (d for d in node.decorator_list if isinstance(d, ast.Call) and _ROUTE_DECORATORS.search(ast.unparse(d.func))),
        None,
    )
    if route is None:
        return
    target = ast.unparse(route.args[0]) if route.args else node.name
    for arg in node.args.args:
        annotation = ast.unparse(arg.annotation) if arg.annotation else ""
        for name in re.findall(r"\w+", annotation):
            if name in models:
                models[name].sites.append(
                    CheckSite(path, node.lineno, f"endpoint {target} validates every request with {name}", serving=True)
                )


# -- JSON Schema ------------------------------------------------------------------------------
_JSONSCHEMA_CHECKS = names(
    "jsonschema.validate",
    "jsonschema.Draft7Validator",
    "jsonschema.Draft202012Validator",
    "jsonschema.Draft4Validator",
    "jsonschema.validators.validator_for",
    "fastjsonschema.compile",
    "fastjsonschema.validate",
)
_NOT_DATA = re.compile(r"(^|/)(\.github|\.vscode|docs?|node_modules|\.devcontainer)/")


def _json_schemas(ctx: AuditContext) -> list[Schema]:
    schemas = []
    candidates = [p for p in ctx.files.with_suffix(".json") if not _NOT_DATA.search(p)]
    for path in ctx.files.grep(re.compile(rb"json-schema\.org"), candidates):
        data = ctx.parsed.json(path)
        properties = data.get("properties") if isinstance(data, dict) else None
        if not isinstance(properties, dict) and isinstance(data, dict) and isinstance(data.get("items"), dict):
            properties = data["items"].get("properties")
        if not isinstance(properties, dict) or not properties:
            continue
        bounded = sum(
            1
            for spec in properties.values()
            if isinstance(spec, dict)
            and set(spec)
            & {
                "minimum",
                "maximum",
                "enum",
                "pattern",
                "exclusiveMinimum",
                "exclusiveMaximum",
                "minLength",
                "maxLength",
                "format",
            }
        )
        schema = Schema(
            "jsonschema", path, 1, f"JSON Schema for records: {len(properties)} properties, {bounded} bounded"
        )
        base = posixpath.basename(path)
        for call_path, call in ctx.python.find_calls(_JSONSCHEMA_CHECKS, project_sources(ctx)):
            if base in (ctx.files.text(call_path) or ""):
                schema.sites.append(CheckSite(call_path, call.line, f"{call.name} checks records against {base}"))
        schemas.append(schema)
    return schemas


# -- deepchecks -------------------------------------------------------------------------------
_DEEPCHECKS_INTEGRITY = names(
    "data_integrity",
    "MixedNulls",
    "MixedDataTypes",
    "StringMismatch",
    "DataDuplicates",
    "SpecialCharacters",
    "StringLengthOutOfBounds",
    "IsSingleValue",
    "PercentOfNulls",
    "ConflictingLabels",
    "OutlierSampleDetection",
)


def _deepchecks(ctx: AuditContext) -> list[Schema]:
    schemas = []
    for path, call in ctx.python.find_calls(_DEEPCHECKS_INTEGRITY):
        if call.name.startswith("deepchecks"):
            leaf = call.name.rsplit(".", 1)[-1]
            site = CheckSite(path, call.line, f"deepchecks {leaf} runs on the dataset")
            schemas.append(Schema("deepchecks", path, call.line, f"deepchecks data-integrity {leaf}", sites=[site]))
    return schemas


# -- dbt ----------------------------------------------------------------------------------------
_DBT_RUN = re.compile(r"\bdbt\s+(test|build)\b")
_DBT_TESTED = re.compile(rb"\b(data_)?tests\s*:")
_DBT_NOT_SCHEMAS = ("dbt_project.yml", "profiles.yml", "packages.yml", "dependencies.yml", "selectors.yml")
_SHAPE_ONLY_TESTS = {"unique", "relationships"}  # keys and references, not feature values


def _dbt(ctx: AuditContext) -> list[Schema]:
    """Column tests in a dbt project's properties files (`columns: - name: x, tests: [not_null,
    accepted_values: ...]`), checked by whatever runs `dbt test` or `dbt build`."""
    projects = [posixpath.dirname(p) for p in ctx.files.named("dbt_project.yml")]
    if not projects:
        return []
    runs = [
        CheckSite(c.runner.path, c.runner.line, f"runs `{c.command}`", c.runner)
        for c in ctx.wiring.find(_DBT_RUN, include_stages=True)
    ]
    candidates = [
        p
        for p in ctx.files.with_suffix(".yml", ".yaml")
        if posixpath.basename(p) not in _DBT_NOT_SCHEMAS
        and any(not root or p.startswith(root + "/") for root in projects)
    ]
    schemas = []
    for path in grep_bytes(ctx, _DBT_TESTED, candidates):  # answers cached per file
        per_column = [names_ for names_ in map(_dbt_test_names, _dbt_columns(ctx.parsed.yaml(path))) if names_]
        tests = [name for names_ in per_column for name in names_]
        if not tests:
            continue
        columns = len(per_column)
        detail = f"dbt column tests: {len(tests)} on {columns} column{'s' if columns != 1 else ''} ({', '.join(sorted(set(tests))[:4])})"
        value_level = any(name.rsplit(".", 1)[-1] not in _SHAPE_ONLY_TESTS for name in tests)
        schemas.append(
            Schema("dbt", path, line_of(ctx.files.text(path), "columns:"), detail, value_level, sites=list(runs))
        )
    return schemas


def _dbt_columns(data) -> list[dict]:
    """Column entries of models, seeds, snapshots and source tables."""
    columns: list = []
    for kind in ("models", "seeds", "snapshots", "sources"):
        entries = data.get(kind) if isinstance(data, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            tables = entry.get("tables") if kind == "sources" and isinstance(entry, dict) else [entry]
            for table in tables if isinstance(tables, list) else []:
                found = table.get("columns") if isinstance(table, dict) else None
                if isinstance(found, list):
                    columns.extend(c for c in found if isinstance(c, dict))
    return columns


def _dbt_test_names(column: dict) -> list[str]:
    tests = column.get("data_tests") or column.get("tests") or []
    names_ = []
    for test in tests if isinstance(tests, list) else []:
        if isinstance(test, str):
            names_.append(test)
        elif isinstance(test, dict) and test:
            names_.append(str(next(iter(test))))
    return names_


# -- Soda -------------------------------------------------------------------------------------
_SODA_FILE = re.compile(rb"^checks for [^\n:]+:", re.M)
_SODA_RUN = re.compile(r"\bsoda\s+scan\b")
SODA_LOADS = names("add_sodacl_yaml_file", "add_sodacl_yaml_files", "add_sodacl_yaml_str")
_SODA_VALUE_CHECK = re.compile(
    r"\b(missing_(count|percent)|invalid_(count|percent)|duplicate_(count|percent)|"
    r"min|max|avg|sum|stddev|variance|percentile|values? in|valid (values|min|max|format|regex))\b"
)


def _soda(ctx: AuditContext) -> list[Schema]:
    """SodaCL check files (`checks for <dataset>:`), checked by `soda scan` or a Scan in code."""
    paths = grep_bytes(ctx, _SODA_FILE, ctx.files.with_suffix(".yml", ".yaml"))  # answers cached per file
    if not paths:
        return []
    sites = [
        CheckSite(c.runner.path, c.runner.line, f"runs `{c.command}`", c.runner)
        for c in ctx.wiring.find(_SODA_RUN, include_stages=True)
    ]
    sites += [
        CheckSite(path, call.line, f"a Soda Scan loads checks ({call.name.rsplit('.', 1)[-1]})")
        for path, call in ctx.python.find_calls(SODA_LOADS, project_sources(ctx))
    ]
    schemas = []
    for path in paths:
        data = ctx.parsed.yaml(path)
        checks = [
            c
            for key, value in (data.items() if isinstance(data, dict) else ())
            if isinstance(key, str) and key.startswith("checks for") and isinstance(value, list)
            for c in value
        ]
        if not checks:
            continue
        texts = [c if isinstance(c, str) else str(next(iter(c))) for c in checks if isinstance(c, (str, dict)) and c]
        value_level = any(_SODA_VALUE_CHECK.search(t) for t in texts)
        datasets = sum(1 for key in data if isinstance(key, str) and key.startswith("checks for"))
        detail = f"Soda checks: {len(texts)} on {datasets} dataset{'s' if datasets != 1 else ''}"
        schemas.append(
            Schema("soda", path, line_of(ctx.files.text(path), "checks for"), detail, value_level, sites=list(sites))
        )
    return schemas


# -- all of them ------------------------------------------------------------------------------
def read_schemas(ctx: AuditContext) -> list[Schema]:
    """Every data schema in the repository; computed once per audit via ctx.fact."""
    schemas = _gx_schemas(ctx, ctx.fact(read_gx_project))
    for reader in (_pandera, _tfdv, _pydantic, _json_schemas, _deepchecks, _dbt, _soda, _asserts):
        schemas.extend(reader(ctx))
    from mltestscore.evidence.plugin_schemas import plugin_schemas  # schema libraries plugins add

    schemas.extend(plugin_schemas(ctx))
    return schemas


def _asserts(ctx: AuditContext) -> list[Schema]:
    """Plain pytest asserts of expectations on data a test reads: the test is its own check site."""
    return [
        Schema("pytest asserts", path, line, detail, value_level=value_level, sites=[CheckSite(path, line, detail)])
        for path, line, detail, value_level in assert_expectations(ctx)
    ]
