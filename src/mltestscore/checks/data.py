"""The Features and Data section: data-1 … data-7."""

from __future__ import annotations

import ast
import re
from functools import partial
from hashlib import sha1

from mltestscore.checks.base import Check
from mltestscore.checks.common import (
    Artifact,
    call_artifacts,
    files_named,
    is_test_file,
    notebook_line,
    pluralise,
    project_sources,
    score_artifacts,
)
from mltestscore.checks.reach import reach_evidence, reach_of
from mltestscore.context import AuditContext
from mltestscore.evidence.configs import search_configs
from mltestscore.evidence.datastores import enclosing_resource, is_data_store
from mltestscore.evidence.feature_decls import feature_declarations
from mltestscore.evidence.features import (
    ablation_loops,
    absent_column_asserts,
    committed_personal_data,
    feature_lists,
    feature_modules,
    rule_lists,
)
from mltestscore.evidence.gx import read_gx_project
from mltestscore.evidence.importers import test_importers
from mltestscore.evidence.perfile import code_passing, grep_code, per_file
from mltestscore.evidence.prefilters import passing, prefilter
from mltestscore.evidence.python import module_name, names
from mltestscore.evidence.schemas import CheckSite, Schema, read_schemas
from mltestscore.probes.tests_import import tests_importing
from mltestscore.results import Evidence, Outcome, automated, context, manual, missing

SCHEMA_PACKAGES = re.compile(
    r"(?im)^\s*['\"]?(great[-_]expectations|pandera|tensorflow[-_]data[-_]validation|tfx|deepchecks)\b"
)
_DATA_SUFFIXES = (".csv", ".tsv", ".parquet", ".jsonl", ".feather", ".json", ".pkl", ".arrow", ".avro", ".xlsx")
_OPTION_DATA = re.compile(r"\.getoption\(|\.addoption\(")
_READS_DATA = re.compile(r"\b(read_csv|read_parquet|read_json|read_table|read_feather|load_dataset|from_csv)\(")
_DATA_LITERAL = re.compile(r"""["']([\w./\-]+\.(?:csv|tsv|parquet|jsonl|feather|json|pkl|arrow|avro|xlsx))["']""")


def _location(ctx: AuditContext, path: str, line: int | None) -> tuple[int | None, str]:
    return notebook_line(ctx, path, line) if line else (line, "")


# -- data-1 -------------------------------------------------------------------------------------
def reads_real_data(ctx: AuditContext, path: str) -> str | None:
    """A data file the code (or the conftest.py beside it) names that the repository holds:
    committed, DVC-tracked, or a DVC stage output."""
    answers = ctx.fact(_real_data_answers)
    if path not in answers:
        answers[path] = _reads_real_data(ctx, path)
    return answers[path]


def _real_data_answers(ctx: AuditContext) -> dict[str, str | None]:
    return {}  # path -> reads_real_data's answer, once per audit: many sites ask about one test


def _data_tables(ctx: AuditContext) -> tuple[set[str], dict[str, list[str]]]:
    """(DVC-tracked paths and stage outputs, data file name -> committed paths), built once per audit."""
    tracked = set(ctx.dvc.tracked) | {o for s in ctx.dvc.stages for o in s.outs}
    by_name: dict[str, list[str]] = {}
    for known in ctx.files.with_suffix(*_DATA_SUFFIXES):
        by_name.setdefault(known.rsplit("/", 1)[-1], []).append(known)
    return tracked, by_name


def _reads_real_data(ctx: AuditContext, path: str) -> str | None:
    tracked, by_name = ctx.fact(_data_tables)
    folders = path.split("/")[:-1]
    sources = [path] + ["/".join(folders[:i] + ["conftest.py"]) for i in range(len(folders), -1, -1)]
    for source in sources:
        for name in _DATA_LITERAL.findall(ctx.files.text(source) or "" if source in ctx.files else ""):
            name = name.lstrip("./")
            folder = source.rsplit("/", 1)[0] + "/" if "/" in source else ""
            for candidate in (name, folder + name):
                if (
                    candidate in ctx.files
                    or f"{candidate}.dvc" in ctx.files
                    or any(candidate == o or candidate.startswith(o.rstrip("/") + "/") for o in tracked)
                ):
                    return candidate
            if "/" not in name and len(by_name.get(name, [])) == 1:  # os.path.join(DATA_DIR, "sample.csv")
                return by_name[name][0]
        text = ctx.files.text(source) or "" if source in ctx.files else ""
        if _OPTION_DATA.search(text) and _READS_DATA.search(text):
            return "the dataset the runner passes (pytest option)"  # pytest --dataset-loc=$DATASET_LOC
    return None


def site_status(ctx: AuditContext, site: CheckSite) -> tuple[str, Evidence]:
    """How data meets a schema at `site`: "real" (automatically, on real data), "fixtures"
    (automatically, in tests on data they make), "hand" (only when a person runs it). Judged once
    per distinct site and audit: one run that names no suite is a site of every suite."""
    judged = ctx.fact(_judged_sites)
    if site not in judged:
        ctx.stats.sites_judged += 1
        judged[site] = _site_status(ctx, site)
    return judged[site]


def _judged_sites(ctx: AuditContext) -> dict[CheckSite, tuple[str, Evidence]]:
    return {}


def _site_status(ctx: AuditContext, site: CheckSite) -> tuple[str, Evidence]:
    line, where = _location(ctx, site.path, site.line)
    if site.serving:
        return "real", Evidence(site.path, line, site.detail + where, "serving path: every request")
    if site.runner is not None:
        status = "real" if site.runner.automatic else "hand"
        return status, Evidence(site.path, line, site.detail, site.runner.describe())
    runner = None if is_test_file(ctx, site.path) else ctx.fact(reach_of).runner(site.path, site.line)
    if runner is not None and runner.automatic:
        return "real", Evidence(site.path, line, site.detail + where, runner.describe())
    for test, test_runner in _tests_running(ctx, site.path):
        sample = reads_real_data(ctx, test) or reads_real_data(ctx, site.path)
        if sample:
            return "real", Evidence(site.path, line, f"{site.detail}{where} on {sample}", test_runner.describe())
        return "fixtures", Evidence(site.path, line, site.detail + where, test_runner.describe())
    runner = runner or next(iter(ctx.wiring.runners_for(site.path)), None)
    return "hand", Evidence(site.path, line, site.detail + where, runner.describe() if runner else None)


def _tests_running(ctx: AuditContext, path: str):
    """(test file, automatic runner) for a test file itself, or for the test files CI runs that import path."""
    tests = [path] if is_test_file(ctx, path) else ctx.fact(test_importers).get(path, [])
    for test in tests:
        runner = ctx.wiring.automatic_runner(test)
        if runner is not None:
            yield test, runner if test == path else runner.through(f"{test} imports {path}")


def _schema_evidence(ctx: AuditContext, schema: Schema) -> Evidence:
    line, where = _location(ctx, schema.path, schema.line)
    return Evidence(schema.path, line, schema.detail + where)


def _best_site(ctx: AuditContext, schema: Schema) -> tuple[str, Evidence | None]:
    order = {"real": 0, "fixtures": 1, "hand": 2}
    judged = sorted(
        (site_status(ctx, s) for s in schema.sites), key=lambda item: (order[item[0]], item[1].runner is None)
    )
    return judged[0] if judged else ("none", None)


class Data1(Check):
    id = "data-1"
    section = "data"
    title = "Feature expectations are captured in a schema"
    rationale = (
        "Write down what each feature should look like (types, ranges, categories, null rates, "
        "distribution) and check data against it. A failed expectation is often the first sign that "
        "the world, or an upstream job, changed."
    )
    evidence = (
        "Great Expectations 0.x (`great_expectations/expectations/**.json`, `expectation_suite_name`/`expectation_type`) "
        "and 1.x (`gx/expectations/**.json`, `name`/`type`) suites; dotted names as nested folders",
        "suites built in code: ExpectationSuite(...), add_expectation, validator.expect_*, gx.expectations.Expect*",
        "GX checkpoints (0.x .yml, 1.x .json), validation definitions, and what runs them: `great_expectations "
        "checkpoint run`, context.run_checkpoint, checkpoint.run(), the GX GitHub Action, Airflow GreatExpectationsOperator",
        "pandera DataFrameSchema / DataFrameModel, validated with .validate or @check_types",
        "TFDV schema.pbtxt, tfdv.infer_schema / validate_statistics, TFX SchemaGen / ExampleValidator",
        "pydantic row models with constrained fields, parsing records or typing an API endpoint",
        "JSON Schema files for records checked with jsonschema; deepchecks data_integrity suites",
        "dbt column tests (not_null, accepted_values, dbt_expectations ...) run by `dbt test`/`dbt build`; "
        "Soda checks files (`checks for <dataset>:`) run by `soda scan` or a Scan in code",
        "plain pytest asserts on values (nulls, ranges, categories) of a data file the test reads; dtype or "
        "shape asserts alone are structural",
    )
    manual = "expectations are written down, but data is checked against them only by hand, only in tests on fixtures, or only structurally"
    automated = "CI, a pipeline stage or the serving path checks real data against value-level expectations"
    remediation = (
        "Capture each feature's type, range, allowed values and null rate in a schema (a GX suite, a pandera "
        "DataFrameModel, a TFDV schema) and validate the training data against it in a pipeline stage or CI job "
        "(e.g. a DVC stage that runs the GX checkpoint, or pandera .validate in the data loading step)."
    )

    def run(self, ctx: AuditContext) -> Outcome:
        schemas = ctx.fact(read_schemas)
        if not schemas:
            return missing(self._why_none(ctx), self.remediation, self._scaffold_evidence(ctx))
        judged = [(schema, *_best_site(ctx, schema)) for schema in schemas]
        real = [(s, e) for s, status, e in judged if status == "real" and s.value_level]
        listed = [_schema_evidence(ctx, s) for s, _, _ in judged][:4]
        if real:
            evidence = list(dict.fromkeys([e for _, e in real[:3]] + [_schema_evidence(ctx, s) for s, _ in real[:3]]))
            return automated(
                f"{pluralise(len(real), 'schema')} checked automatically on real data "
                f"({', '.join(sorted({s.tool for s, _ in real}))})",
                evidence,  # type: ignore[arg-type]
            )
        structural = [e for s, status, e in judged if status == "real" and not s.value_level]
        fixtures = [e for s, status, e in judged if status == "fixtures"]
        hand = [e for s, status, e in judged if status == "hand"]
        found = f"{pluralise(len(schemas), 'schema')} written down ({', '.join(sorted({s.tool for s in schemas}))})"
        if structural:
            return manual(
                f"{found}; only structural expectations (row/column counts, columns exist, types) run automatically",
                structural[:2] + listed,  # type: ignore[arg-type]
                "Add expectations on feature values (types, ranges, sets, nulls) to the suite that runs.",
            )
        if fixtures:
            return manual(
                f"{found}; CI checks them only in tests, on data the tests make",
                fixtures[:2] + listed,  # type: ignore[arg-type]
                "Validate the real training data (or a committed real sample) against the schema in CI or a pipeline stage.",
            )
        reason = f"{found}; nothing checks data against them on its own"
        if not any(s.sites for s in schemas):
            reason = f"{found}; nothing checks data against them (no checkpoint run, validate call or validation step)"
        return manual(
            reason,
            hand[:2] + listed,  # type: ignore[arg-type]
            "Run the validation on every pipeline run: a DVC stage or CI job that runs the checkpoint / validate call.",
        )

    @staticmethod
    def _why_none(ctx: AuditContext) -> str:
        project = ctx.fact(read_gx_project)
        if project.roots:
            roots = ", ".join(f"{r or '.'}/" for r in project.roots)
            empty = (
                f" ({pluralise(len(project.empty_suites), 'suite')} without expectations)"
                if project.empty_suites
                else ""
            )
            return f"Great Expectations project at {roots} holds no expectation suite{empty}"
        declared = _declared_only(ctx)
        if declared:
            return f"{declared[0][1]} is a declared dependency ({declared[0][0]}) but no schema or expectation is in the code"
        return "no data schema or expectations found"

    @staticmethod
    def _scaffold_evidence(ctx: AuditContext) -> list[Evidence]:
        project = ctx.fact(read_gx_project)
        found = [
            Evidence(
                f"{root}/great_expectations.yml" if root else "great_expectations.yml",
                None,
                f"GX {generation} project config without suites",
            )
            for root, generation in project.roots.items()
        ]
        found += [Evidence(s.path, s.line, f"suite '{s.name}' has no expectations") for s in project.empty_suites[:3]]
        found += [Evidence(path, None, f"declares {package}") for path, package in _declared_only(ctx)[:2]]
        return found


def _declared_only(ctx: AuditContext) -> list[tuple[str, str]]:
    """(file, package) for schema tools named in dependency files."""
    found = []
    names = files_named(ctx, r"requirements[^/]*\.(txt|in)|pyproject\.toml|setup\.(py|cfg)|environment\.ya?ml|Pipfile")
    for path in names:
        match = SCHEMA_PACKAGES.search(re.sub(r"(?m)^\s*(dependencies\s*=\s*\[|-\s+)", "", ctx.files.text(path) or ""))
        if match:
            found.append((path, match.group(1)))
    return found


# -- data-2 ---------------------------------------------------------------------------------------
IMPORTANCE_CALLS = names(
    "sklearn.inspection.permutation_importance",
    "shap.summary_plot",
    "shap.plots.beeswarm",
    "shap.plots.bar",
    "eli5.sklearn.PermutationImportance",
    "xgboost.plot_importance",
    "lightgbm.plot_importance",
    "get_feature_importance",
    "deepchecks.tabular.checks.FeatureLabelCorrelation",
    "deepchecks.tabular.checks.UnusedFeatures",
    "deepchecks.tabular.checks.FeatureImportance",
)
SELECTION_CALLS = names(
    "sklearn.feature_selection.SelectKBest",
    "sklearn.feature_selection.SelectPercentile",
    "sklearn.feature_selection.RFE",
    "sklearn.feature_selection.RFECV",
    "sklearn.feature_selection.SelectFromModel",
    "sklearn.feature_selection.SequentialFeatureSelector",
    "sklearn.feature_selection.GenericUnivariateSelect",
    "sklearn.feature_selection.mutual_info_classif",
    "sklearn.feature_selection.mutual_info_regression",
    "boruta.BorutaPy",
    "mlxtend.feature_selection.SequentialFeatureSelector",
)
IMPORTANCE_ATTRIBUTE = names("feature_importances_")


def _uncalled_helper(ctx: AuditContext, tree: ast.Module | None, line: int, sources: list[str]) -> bool:
    """Is `line` inside a function or method that no project code (tests aside) calls? A wrapper's
    `get_feature_importance()` only tests call is a capability, not an analysis anyone runs."""
    functions = [
        n
        for n in (ast.walk(tree) if tree is not None else ())
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.lineno <= line <= (n.end_lineno or n.lineno)
    ]
    if not functions:
        return False
    innermost = min(functions, key=lambda n: (n.end_lineno or n.lineno) - n.lineno)
    name = innermost.name
    if name.startswith("__") or innermost.decorator_list:
        return False  # dunders run implicitly; decorated functions are registered (CLI commands, tasks)
    # any mention besides its definition: a call, a callback, a pipeline node naming it
    mentioned = re.compile(rb"(?<!def )\b" + re.escape(name.encode()) + rb"\b")
    return not grep_code(ctx, mentioned, sources)  # cached per file: a warm audit reads nothing


class Data2(Check):
    id = "data-2"
    section = "data"
    title = "All features are beneficial"
    rationale = (
        "Every feature costs compute, latency and a dependency that can break. Measuring what each one adds "
        "(importance, ablation) shows which features to drop."
    )
    evidence = (
        "importance analyses: permutation_importance, SHAP summary plots, feature_importances_, xgboost/lightgbm plot_importance",
        "feature selection in the pipeline: SelectKBest, SelectPercentile, RFE/RFECV, SelectFromModel, SequentialFeatureSelector, BorutaPy",
        "leave-one-feature-out loops (drop a feature, refit)",
        "a DVC stage writing a feature-importance metric or plot; deepchecks FeatureLabelCorrelation / UnusedFeatures",
    )
    manual = "importance or ablation analyses exist in code or notebooks a person runs"
    automated = "a pipeline stage or CI job recomputes importance or selects features on every run"
    remediation = (
        "Measure each feature's contribution (permutation importance, SHAP, leave-one-out retraining) in a "
        "pipeline stage that writes it as a metric, or select features in the training pipeline (SelectFromModel, RFECV)."
    )

    def run(self, ctx: AuditContext) -> Outcome:
        stages = [
            s
            for s in ctx.dvc.stages
            if any(re.search(r"importance|shap|ablation", o, re.I) for o in s.metrics + s.plots + s.outs)
        ]
        if stages:
            return automated(
                "a pipeline stage records feature importance on every run",
                [
                    Evidence(
                        s.path,
                        s.line,
                        f"stage '{s.name}' writes {next(o for o in s.metrics + s.plots + s.outs if re.search(r'importance|shap|ablation', o, re.I))}",
                    )
                    for s in stages[:3]
                ],
            )
        # A unit test calling an importance helper on the data it makes tests that code: it measures no feature.
        sources = [
            p for p in ctx.python.sources if not re.search(r"(^|/)(docs?|examples?)/", p) and not is_test_file(ctx, p)
        ]
        artifacts = call_artifacts(
            ctx, IMPORTANCE_CALLS, sources, describe=lambda c: f"importance analysis: {c.name.rsplit('.', 1)[-1]}"
        )
        artifacts += call_artifacts(
            ctx, SELECTION_CALLS, sources, describe=lambda c: f"feature selection: {c.name.rsplit('.', 1)[-1]}"
        )
        for path in ctx.python.candidates(IMPORTANCE_ATTRIBUTE, sources):
            tree = ctx.parsed.python(path)  # the AST, so commented-out code does not count
            node = (
                next(
                    (n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "feature_importances_"),
                    None,
                )
                if tree
                else None
            )
            if node is None:
                continue
            # a library helper nothing calls is a capability; a script that something runs is judged by its runner
            if not ctx.wiring.runners_for(path) and _uncalled_helper(ctx, tree, node.lineno, sources):
                continue
            line, where = notebook_line(ctx, path, node.lineno)
            artifacts.append(Artifact(path, line, f"reads the model's feature_importances_{where}"))
        artifacts += [
            Artifact(p, line, f"leave-one-out loop over '{v}': drops a feature and refits")
            for p, line, v in ablation_loops(ctx)
        ]
        return score_artifacts(
            ctx,
            artifacts,
            found=f"{len(artifacts)} feature importance or selection {'analysis' if len(artifacts) == 1 else 'analyses'}",
            none="no feature importance, ablation or feature selection found",
            to_automate="Run the analysis as a pipeline stage or CI job that records importance per feature on every training run.",
            to_start=self.remediation,
            find_runner=reach_evidence,
        )


# -- data-3 ---------------------------------------------------------------------------------------
# Timers measure what they surround: around a whole data step they give one number, not a cost per
# feature. They count inside a loop (over features, feature functions or columns); profilers break the
# cost down per function, so they count wherever they are.
TIMER_CALLS = names(
    "time.perf_counter",
    "time.process_time",
    "timeit.timeit",
    "timeit.repeat",
    "tracemalloc.start",
    "tracemalloc.get_traced_memory",
    "memory_profiler.memory_usage",
)
PROFILER_CALLS = names(
    "cProfile.run",
    "cProfile.Profile",
    "pyinstrument.Profiler",
    "line_profiler.LineProfiler",
)
COST_CALLS = TIMER_CALLS + PROFILER_CALLS
_LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp)


def _loop_lines(ctx: AuditContext, path: str) -> list[tuple[int, int]]:
    tree = ctx.parsed.python(path)
    return [
        (node.lineno, node.end_lineno or node.lineno)
        for node in (ast.walk(tree) if tree is not None else ())
        if isinstance(node, _LOOPS)
    ]


def per_feature_cost_calls(ctx: AuditContext, paths: list[str]) -> list[Artifact]:
    """Profilers anywhere, and timers inside a loop: what measures cost feature by feature."""
    artifacts = call_artifacts(ctx, PROFILER_CALLS, paths, describe=lambda c: f"profiles feature code with {c.name}")
    timed = ctx.python.find_calls(TIMER_CALLS, paths)
    loops: dict[str, list[tuple[int, int]]] = {}
    for path, call in timed:
        if path not in loops:
            loops[path] = _loop_lines(ctx, path)
        if any(start <= call.line <= end for start, end in loops[path]):
            line, where = notebook_line(ctx, path, call.line)
            artifacts.append(Artifact(path, line, f"measures cost per feature with {call.name} in a loop{where}"))
    return artifacts


BENCHMARK_FIXTURE = names("benchmark")
_WORD = re.compile(rb"\w+")


# Advice when a repository has no feature code the checks can find (data-3, data-7): its first step.
NO_FEATURE_CODE = (
    "Move feature engineering and preprocessing out of notebooks and training scripts into functions of a "
    "module of their own (e.g. `features.py`), so it can be tested, benchmarked and shared with serving."
)


class Data3(Check):
    id = "data-3"
    section = "data"
    title = "No feature's cost is too much"
    rationale = (
        "Each feature adds inference latency, memory and upstream dependencies. Measuring that cost per "
        "feature lets a team weigh it against the quality the feature adds."
    )
    evidence = (
        "pytest-benchmark tests (the `benchmark` fixture) of the project's feature code",
        "profiling of feature code per function (cProfile, pyinstrument, line_profiler), or timers and memory "
        "measurements (perf_counter, timeit, tracemalloc, memory_profiler) in a loop over features",
        "benchmarks with a failing threshold in CI: `--benchmark-compare-fail`, github-action-benchmark `fail-on-alert`",
    )
    manual = "feature code is benchmarked or profiled"
    automated = "CI runs the feature benchmarks and fails on a regression threshold"
    remediation = (
        "Benchmark feature computation per feature (pytest-benchmark on each feature function, or tracemalloc/"
        "timeit in a profiling script) and run it in CI with a threshold; otherwise attest the cost review in config."
    )
    observable = False

    def run(self, ctx: AuditContext) -> Outcome:
        features = feature_modules(ctx)
        if not features:
            # The advice must not contradict the finding: with no feature code there is nothing to benchmark yet.
            return missing("no feature code found to measure", NO_FEATURE_CODE + " Then benchmark each feature's cost.")
        # Only files that could hold a benchmark test or a cost call, and that name a feature module.
        measuring = ctx.python.candidates([*BENCHMARK_FIXTURE, *COST_CALLS], ctx.python.sources)
        stems = {module_name(p).rsplit(".", 1)[-1].encode() for p in features}
        key = "names-a-stem:1:" + sha1(b" ".join(sorted(stems))).hexdigest()
        mentions = code_passing(
            ctx, measuring, lambda code: stems.intersection(_WORD.findall(code)), key
        )  # as \b(stems)\b
        users = [p for p in mentions if p in features or set(ctx.python.project_imports(p)) & set(features)]
        artifacts = [
            Artifact(p, line, f"benchmark test {name} of feature code")
            for p, line, name in _benchmark_tests(ctx, users)
        ]
        artifacts += per_feature_cost_calls(ctx, [p for p in users if not is_test_file(ctx, p)])
        if not artifacts:
            return missing(
                f"{pluralise(len(features), 'feature module')}, none benchmarked or profiled per feature "
                "(one timer around a whole data step is not a per-feature cost)",
                self.remediation,
            )
        threshold = ctx.wiring.ci_starts(r"--benchmark-compare-fail|--benchmark-max-time")
        gated = (
            [a for a in artifacts if a.detail.startswith("benchmark test")]
            if threshold or _benchmark_action(ctx)
            else []
        )
        if gated:
            auto = score_artifacts(ctx, gated, found="feature benchmarks", none="", to_automate="", to_start="")
            if auto.score == 1:
                auto.reason = "CI benchmarks feature code and fails on a regression threshold"
                return auto
        evidence = [Evidence(a.path, a.line, a.detail) for a in artifacts[:4]]
        return manual(
            f"feature cost is measured ({pluralise(len(artifacts), 'benchmark or profile')})",
            evidence,
            "Run the feature benchmarks in CI with a failing threshold (pytest --benchmark-compare-fail, or github-action-benchmark with fail-on-alert).",
        )


def _benchmark_tests(ctx: AuditContext, paths: list[str]) -> list[tuple[str, int, str]]:
    candidates = grep_code(ctx, re.compile(rb"\bbenchmark\b"), [p for p in paths if is_test_file(ctx, p)])
    return [
        (path, line, name)
        for path, tests in per_file(ctx, "benchmark-tests:1", candidates, partial(_benchmark_tests_in, ctx))
        for line, name in tests
    ]


def _benchmark_tests_in(ctx: AuditContext, path: str) -> tuple[tuple[tuple[int, str], ...], bool]:
    """(line, name) of the test functions taking pytest-benchmark's fixture."""
    tree = ctx.parsed.python(path)
    found = tuple(
        (node.lineno, node.name)
        for node in (ast.walk(tree) if tree is not None else [])
        if isinstance(node, ast.FunctionDef)
        and node.name.startswith("test")
        and any(a.arg == "benchmark" for a in node.args.args)
    )
    return found, tree is not None


def _benchmark_action(ctx: AuditContext) -> bool:
    for pipeline in ctx.ci:
        text = ctx.files.text(pipeline.path) or ""
        if "github-action-benchmark" in text and re.search(r"fail-on-alert:\s*true", text):
            return True
    return False


# -- data-4 ---------------------------------------------------------------------------------------
FEAST_VIEWS = names("feast.FeatureView", "feast.BatchFeatureView", "feast.StreamFeatureView", "feast.Entity")
FEAST_DEFINITIONS = names(
    "feast.FeatureView", "feast.BatchFeatureView", "feast.StreamFeatureView", "feast.on_demand_feature_view"
)
# Keywords a registry entry counts by: an owner or tags state who answers for a feature and what rules
# apply to it; a description alone documents it and sets no requirement (RUBRIC data-4).
VIEW_METADATA = names("owner", "tags")


class Data4(Check):
    id = "data-4"
    section = "data"
    title = "Features adhere to meta-level requirements"
    rationale = (
        "Rules from outside the model apply to features: no user data of some kinds, no protected attributes, "
        "no deprecated sources. Enforced in code, a banned feature cannot slip back in through copy-paste."
    )
    evidence = (
        "allow/deny lists of features (FORBIDDEN_FEATURES, SENSITIVE_COLUMNS, ALLOWED_FEATURES...) that code or tests apply",
        "tests asserting banned columns are absent (`assert 'ssn' not in df.columns`)",
        "feature registry metadata: Feast feature views with owner/tags; data contracts (datacontract.yaml, dbt enforced contracts)",
    )
    manual = "feature rules are written in code, tests, schemas or a registry but nothing enforces them automatically"
    automated = "CI or the pipeline enforces them (tests in CI, `feast apply` / `datacontract test` in CI)"
    remediation = (
        "Write the rules down as code: a deny-list of banned features that the feature pipeline checks, or a test "
        "asserting those columns are absent from the training matrix; run them in CI. (A strict schema that closes "
        "the column list is data-1 evidence: it says which columns exist, not which rules they follow.)"
    )

    def run(self, ctx: AuditContext) -> Outcome:
        artifacts = [
            Artifact(r.path, r.line, f"{r.name} ({r.size} listed) applied at {r.used_at[0]}:{r.used_at[1]}")  # type: ignore[index]
            for r in rule_lists(ctx)
        ]
        artifacts += [
            Artifact(p, line, f"test asserts a column is absent: {source}")
            for p, line, source in absent_column_asserts(ctx)
        ]
        # A closed column list (pandera strict=True, GX expect_table_columns_to_match_*) is a schema:
        # data-1 evidence, listed here as context, worth 0 (RUBRIC.md data-4 counts rules set outside the model).
        closed = [
            context(s.path, s.line, f"{s.tool} schema closes the column list: data-1 evidence, not a feature rule")
            for s in ctx.fact(read_schemas)
            if s.strict
        ][:1]
        registry = self._registry(ctx)
        enforced = registry[1]
        if enforced:
            return automated(
                "feature rules are enforced automatically",
                enforced[:3] + [Evidence(a.path, a.line, a.detail) for a in artifacts[:2]],
            )
        artifacts += registry[0]
        outcome = score_artifacts(
            ctx,
            artifacts,
            found=f"{pluralise(len(artifacts), 'feature rule')} in code, tests or registry",
            none="no feature allow/deny list, absent-column assertion, data contract or feature registry metadata found",
            to_automate="Run the rule checks in CI (the tests or the contract) so a banned feature fails the build.",
            to_start=self.remediation,
            find_runner=reach_evidence,
        )
        outcome.evidence += closed
        return outcome

    @staticmethod
    def _registry(ctx: AuditContext) -> tuple[list[Artifact], list[Evidence]]:
        artifacts = []
        for path, call in ctx.python.find_calls(FEAST_VIEWS, ctx.python.candidates(VIEW_METADATA)):
            if any(call.kwarg(k) is not None for k in VIEW_METADATA):
                artifacts.append(
                    Artifact(path, call.line, f"Feast {call.name.rsplit('.', 1)[-1]} with owner/tags metadata")
                )
        for hit in search_configs(ctx, r"^\s*(dataContractSpecification|kind:\s*DataContract)\b"):
            artifacts.append(Artifact(hit.path, hit.line, f"data contract: {hit.text}"))
        for hit in search_configs(ctx, r"^\s*enforced:\s*true\b", (".yml", ".yaml")):
            artifacts.append(Artifact(hit.path, hit.line, "dbt model contract enforced"))
        wired = []
        if artifacts:
            for command in ctx.wiring.ci_starts(
                r"\bfeast\s+apply\b|\bdatacontract\s+test\b|\bdbt\s+(build|run|test)\b"
            ):
                wired.append(
                    Evidence(
                        command.runner.path,
                        command.runner.line,
                        f"`{command.command}` enforces the registry/contract",
                        command.runner.describe(),
                    )
                )
        return artifacts, wired


# -- data-5 ---------------------------------------------------------------------------------------
SECRET_SCANNERS = (
    "gitleaks",
    "detect-secrets",
    "detect-secrets-hook",
    "trufflehog",
    "git-secrets",
    "ggshield",
    "talisman",
)
SECRET_ACTIONS = ("gitleaks/gitleaks-action", "trufflesecurity/trufflehog", "gitguardian/ggshield-action")
PII_CALLS = names(
    "presidio_analyzer.AnalyzerEngine",
    "presidio_anonymizer.AnonymizerEngine",
    "scrubadub.clean",
    "scrubadub.Scrubber",
    "opacus.PrivacyEngine",
    "tensorflow_privacy.DPKerasSGDOptimizer",
    "tensorflow_privacy.DPKerasAdamOptimizer",
    "tensorflow_privacy.DPKerasAdagradOptimizer",
    "tensorflow_privacy.VectorizedDPKerasSGDOptimizer",
    "dp_optimizer_keras.DPKerasSGDOptimizer",  # imported from tensorflow_privacy.privacy.optimizers
    "dp_optimizer_keras.DPKerasAdamOptimizer",
    "opacus.GradSampleModule",
    "syft.orchestra.launch",  # PySyft: data stays on its domain server, code goes to it
    "syft.login",
    "pandas.util.hash_pandas_object",
)
_PII_FUNCTION = re.compile(
    r"^_?(anonymi[sz]e|pseudonymi[sz]e|mask_(pii|personal|email|phone|ids?)|redact|scrub_pii|"
    r"hash_(ids?|identifiers?|users?|emails?|pii|customer\w*)|de_?identify|drop_pii|remove_pii)\w*$"
)
_PII_DEFINITION = re.compile(
    rb"def\s+_?(anonymi|pseudonymi|mask_|redact|scrub_pii|hash_|de_?identif|drop_pii|remove_pii|delete_|forget|erase|purge|gdpr)"
)
_PII_DEFINITION_FILES = prefilter("project", _PII_DEFINITION)
# hash_pandas_object fed into a digest fingerprints a whole dataset (a version or change marker), it
# pseudonymises nobody: `hashlib.sha256(hash_pandas_object(df).values).hexdigest()`.
_DIGEST = re.compile(r"\bhashlib\.|\.hexdigest\(|\.digest\(|\b(sha\d+|md5|blake2\w)\(")


def _fingerprints(ctx: AuditContext, path: str, line: int | None) -> bool:
    lines = (ctx.files.text(path) or "").splitlines()
    return line is not None and 0 < line <= len(lines) and bool(_DIGEST.search(lines[line - 1]))


_DELETION_FUNCTION = re.compile(
    r"^_?(delete|forget|erase|purge|remove)_(user|customer|subject|person)\w*$|gdpr|right_to_be_forgotten"
)
# (pattern, what it is, True when the key itself names a data store: an S3 bucket's encryption is a
# store's whatever block it sits in; a KMS key or a retention period counts only inside a store).
PRIVACY_CONFIG = (
    (
        r"server_side_encryption_configuration|aws_s3_bucket_server_side_encryption|ServerSideEncryptionConfiguration",
        "storage encryption",
        True,
    ),
    (
        r"aws_s3_bucket_public_access_block|block_public_acls\s*[:=]\s*true|PublicAccessBlockConfiguration",
        "public access blocked",
        True,
    ),
    (r"uniform_bucket_level_access\s*[:=]\s*true|public_access_prevention", "bucket access restricted", True),
    (r"\bkms_key_(id|name|arn)\b|KmsKeyId|kms_master_key_id", "KMS encryption key", False),
    (r"lifecycle_rule|LifecycleConfiguration|aws_s3_bucket_lifecycle_configuration", "data retention rule", True),
    (r"expiration_days|retention_(period|days)", "data retention rule", False),
)


class Data5(Check):
    id = "data-5"
    section = "data"
    title = "The data pipeline has appropriate privacy controls"
    rationale = (
        "Training data, validation data and vocabularies can hold personal data. Access must be as strict "
        "as for the raw data all along the pipeline, and user-requested deletions must reach derived data and models."
    )
    evidence = (
        "PII detection or masking: presidio, scrubadub, hashing or masking of identifier columns, anonymise/redact functions",
        "differential privacy: Opacus PrivacyEngine, TF-Privacy DP optimizers",
        "encryption, access and retention on stores of data in infrastructure config (S3/GCS bucket encryption, "
        "public access blocks, KMS keys, lifecycle rules); a stream's or log's retention does not count",
        "user-deletion code (delete_user, forget, purge) that a schedule runs",
        "context, worth 0: raw data kept out of git (.gitignore, a DVC remote) and secret scanning (gitleaks, "
        "detect-secrets): they protect the repository and credentials, not the people in the data",
        "committed data files with personal-data columns are a finding",
    )
    manual = (
        "a control acts on the data but a person applies it: a notebook that anonymises, infrastructure applied by hand"
    )
    automated = "a control on the data runs on its own: PII scrubbing as a pipeline step or CI test, IaC applied by CI"
    remediation = (
        "Mask, hash or drop identifier columns in a pipeline step (e.g. presidio) with a test that checks it, and "
        "declare encryption, access and retention for the stores of training and serving data in infrastructure code."
    )

    def run(self, ctx: AuditContext) -> Outcome:
        wired: list[Evidence] = []
        unwired: list[Evidence] = []
        for artifact in self._pii_code(ctx):
            runner = ctx.fact(reach_of).runner(artifact.path, artifact.line)
            evidence = Evidence(artifact.path, artifact.line, artifact.detail, runner.describe() if runner else None)
            (wired if runner and runner.automatic else unwired).append(evidence)
        infra, ignored = self._store_settings(ctx)
        applied = ctx.wiring.ci_starts(
            r"\bterraform\s+apply\b|\bpulumi\s+up\b|\bcdk\s+deploy\b|\bcloudformation\s+deploy\b"
        )
        if infra and applied:
            wired += infra[:2] + [
                Evidence(
                    applied[0].runner.path,
                    applied[0].runner.line,
                    f"`{applied[0].command}` applies it",
                    applied[0].runner.describe(),
                )
            ]
        else:
            unwired += infra
        # Hygiene protects the repository and credentials, not users' data: listed, worth 0 (RUBRIC.md).
        scanning, scan_configs = self._secret_scanning(ctx)
        hygiene = [
            context(e.path, e.line, f"{e.detail} (protects credentials, not users' data)", e.runner)
            for e in scanning + scan_configs
        ]
        hygiene += [
            context(e.path, e.line, f"{e.detail} (repository hygiene, not a control on the data)")
            for e in self._kept_out_of_git(ctx)
        ]
        hygiene += ignored
        leaks = committed_personal_data(ctx)
        findings = [
            Evidence(p, 1, f"committed data file with personal-data columns: {', '.join(cols[:4])}")
            for p, cols in leaks[:3]
        ]
        fix = "Remove committed files with personal data from git (history too), keep them in a DVC remote with access control, and add a PII scan to CI."
        if wired and not findings:
            return automated(
                f"{pluralise(len(wired), 'privacy control')} on the data run automatically",
                wired[:4] + unwired[:2] + hygiene[:2],
            )
        if wired or unwired:
            reason = "privacy controls act on the data but none runs on its own"
            if findings:
                reason = f"privacy controls exist, but {pluralise(len(leaks), 'committed data file')} hold personal-data columns"
            return manual(
                reason,
                findings + (wired + unwired)[:5] + hygiene[:2],
                fix
                if findings
                else "Automate a control on the data: PII masking as a pipeline step or CI test, or apply the storage policies from CI.",
            )
        if findings:
            return missing(
                f"no privacy controls, and {pluralise(len(leaks), 'committed data file')} hold personal-data columns",
                fix,
                findings + hygiene[:3],
            )
        if hygiene:
            return missing(
                "no control acts on the data (PII masking, DP training, policies on data stores); "
                "repository hygiene found is context, worth 0",
                self.remediation,
                hygiene[:4],
            )
        return missing(
            "no privacy controls on the data found (PII masking, DP training, encryption/access/retention on data stores)",
            self.remediation,
        )

    @staticmethod
    def _store_settings(ctx: AuditContext) -> tuple[list[Evidence], list[Evidence]]:
        """Encryption/access/retention settings on data stores (proof), and those on other resources (context)."""
        counted: list[Evidence] = []
        ignored: list[Evidence] = []
        for pattern, what, store_key in PRIVACY_CONFIG:
            for hit in search_configs(ctx, pattern):
                resource = enclosing_resource(ctx.files.text(hit.path) or "", hit.line)
                if store_key or is_data_store(resource):
                    where = f" on {resource}" if resource else ""
                    counted.append(Evidence(hit.path, hit.line, f"{what}{where}: {hit.text}"))
                    break
                if not ignored:
                    on = resource or "a resource that is not a data store"
                    ignored.append(
                        context(hit.path, hit.line, f"{hit.text} on {on}: not a store of training or serving data")
                    )
        return counted, ignored

    @staticmethod
    def _secret_scanning(ctx: AuditContext) -> tuple[list[Evidence], list[Evidence]]:
        wired = [
            Evidence(
                h.path,
                h.line,
                f"pre-commit hook '{h.name}' scans every commit for secrets",
                f"{h.path} hook '{h.name}'",
            )
            for h in ctx.tasks.precommit
            if h.name in SECRET_SCANNERS
        ]
        pattern = r"\b(gitleaks|trufflehog|detect-secrets(-hook)?|ggshield|git-secrets)\b"
        wired += [
            Evidence(c.runner.path, c.runner.line, f"runs `{c.command}`", c.runner.describe())
            for c in ctx.wiring.ci_starts(pattern)
            if c.runner.kind == "ci"
        ][:2]
        for pipeline in ctx.ci:
            for job in pipeline.jobs:
                for step in job.steps:
                    if (step.uses or "").split("@")[0].lower() in SECRET_ACTIONS and job.automatic:
                        wired.append(
                            Evidence(
                                pipeline.path,
                                step.line,
                                f"uses {step.uses}",
                                ctx.wiring.ci_runner(pipeline, job, step).describe(),
                            )
                        )
        configs = (
            []
            if wired
            else [
                Evidence(p, None, "secret-scanning config that nothing runs")
                for p in ctx.files.named(".gitleaks.toml", ".secrets.baseline", "trufflehog.yaml")
            ]
        )
        return wired, configs

    @staticmethod
    def _pii_code(ctx: AuditContext) -> list[Artifact]:
        artifacts = [
            a
            for a in call_artifacts(
                ctx, PII_CALLS, project_sources(ctx), describe=lambda c: f"privacy control: {c.name}"
            )
            if not (a.detail.endswith("hash_pandas_object") and _fingerprints(ctx, a.path, a.line))
        ]
        for path in grep_code(ctx, _PII_DEFINITION, passing(ctx, _PII_DEFINITION_FILES)):
            for name, line in ctx.python.outline(path).functions:
                leaf = name.rsplit(".", 1)[-1]
                if _PII_FUNCTION.match(leaf):
                    artifacts.append(Artifact(path, line, f"masks personal data: {leaf}()"))
                elif _DELETION_FUNCTION.search(leaf):
                    artifacts.append(Artifact(path, line, f"user-data deletion: {leaf}()"))
        return artifacts

    @staticmethod
    def _kept_out_of_git(ctx: AuditContext) -> list[Evidence]:
        found = []
        for path in ctx.files.named(".gitignore"):
            text = ctx.files.text(path) or ""
            for number, line in enumerate(text.splitlines(), start=1):
                if re.match(
                    r"^/?(data|datasets?|raw)(/|$)|^\*\.(csv|parquet|tsv|jsonl|feather|h5|hdf5|pkl|avro)\s*$|^/?data/\w+",
                    line.strip(),
                ):
                    found.append(Evidence(path, number, f"keeps data out of git: {line.strip()}"))
                    break
        if ctx.dvc.has_remote:
            found.append(Evidence(".dvc/config", None, "data stored in a DVC remote, not in git"))
        return found


# -- data-6 ---------------------------------------------------------------------------------------
class Data6(Check):
    id = "data-6"
    section = "data"
    title = "New features can be added quickly"
    rationale = (
        "The time from a feature idea to that feature in production decides how fast a model improves. "
        "Declarative feature definitions and parameterised pipelines make a new feature one entry and one run."
    )
    evidence = (
        "Feast feature repositories: feature_store.yaml with FeatureView definitions",
        "feature lists in pipeline config (params.yaml, Hydra conf/): `features:`, `numeric_features:`, `categorical_features:`...",
        "feature registries in code: decorators that register feature functions",
        "automation: `feast apply` in CI/CD, or `dvc repro` in CI over a stage that takes the feature list as a parameter",
    )
    manual = "features are declared in config or a feature store, so adding one is an entry"
    automated = (
        "merging the entry deploys it: `feast apply` in CI/CD, or CI re-runs the pipeline that reads the feature list"
    )
    remediation = (
        "Declare features in one place the pipeline reads (a feature list in params.yaml or Hydra config, or Feast "
        "feature views) and let CI apply or re-run it on merge; otherwise attest your feature lead time in config."
    )
    observable = False

    def run(self, ctx: AuditContext) -> Outcome:
        evidence: list[Evidence] = []
        stores = ctx.files.named("feature_store.yaml", "feature_store.yml")
        # feature views count without feature_store.yaml too: the store's config may be built in code
        views = call_artifacts(ctx, FEAST_DEFINITIONS)
        if views:
            where = stores[0] if stores else views[0].path
            evidence += [Evidence(where, None, f"Feast feature repository: {pluralise(len(views), 'feature view')}")]
            evidence += [Evidence(a.path, a.line, a.detail) for a in views[:2]]
        lists = feature_lists(ctx)
        evidence += [
            Evidence(f.path, f.line, f"feature list '{f.key}' ({f.size} entries) in config") for f in lists[:3]
        ]
        evidence += [Evidence(d.path, d.line, d.detail) for d in feature_declarations(ctx)[:3]]
        for path, decorator in self._registries(ctx):
            evidence.append(Evidence(path[0], path[1], f"feature registry: @{decorator}"))
        if not evidence:
            return missing("no declarative feature definitions found", self.remediation)
        deploys = ctx.wiring.ci_starts(r"\bfeast\s+(apply|materiali[sz]e)") if stores else []
        repro = ctx.wiring.ci_starts(r"\bdvc\s+(repro|exp\s+run)\b")
        param_lists = [f for f in lists if self._stage_param(ctx, f)]
        wired = [
            Evidence(c.runner.path, c.runner.line, f"`{c.command}` deploys feature definitions", c.runner.describe())
            for c in deploys[:2]
        ]
        if repro and param_lists:
            wired.append(
                Evidence(
                    repro[0].runner.path,
                    repro[0].runner.line,
                    f"`{repro[0].command}` re-runs the pipeline with feature list '{param_lists[0].key}'",
                    repro[0].runner.describe(),
                )
            )
        if wired:
            return automated("a new feature is one declared entry that CI deploys or re-runs", wired + evidence[:3])
        return manual(
            "features are declared in one place; adding one is an entry",
            evidence[:5],
            "Let CI deploy the declarations on merge (`feast apply`, or `dvc repro` over a stage with the feature list as a parameter).",
        )

    @staticmethod
    def _stage_param(ctx: AuditContext, feature_list) -> bool:
        for stage in ctx.dvc.stages:
            for param in stage.params:
                key = param.split(":", 1)[-1]
                if (
                    feature_list.key == key
                    or feature_list.key.startswith(key + ".")
                    or key.startswith(feature_list.key)
                ):
                    return True
        return False

    @staticmethod
    def _registries(ctx: AuditContext) -> list[tuple[tuple[str, int], str]]:
        found = []
        decorated = grep_code(ctx, _REGISTRY_DECORATOR, passing(ctx, _FEATURE_REGISTRY_FILES))
        for path in grep_code(ctx, _NAMES_A_FEATURE, decorated):
            for function, decorator, line in (ctx.python.facts(path) or ctx.python.outline(path)).decorators:
                leaf = decorator.lower()
                if "feature" in leaf and ("register" in leaf or leaf.endswith(("feature", "feature_view"))):
                    found.append(((path, line), decorator))
            if len(found) >= 3:
                break
        return found[:3]


_REGISTRY_DECORATOR = re.compile(rb"@\w*(feature|register)")
# @register_to_config alone is no feature registry: a resolved decorator names a feature only when
# its own text does or the import binding it does.
_IN_IMPORT = rb"[ \t](?:[^\n(\\]|\\\n)*(?:\([^)]*)?(?i:feature)"
_NAMES_A_FEATURE = re.compile(rb"(?m)^[ \t]*@[\w.]*(?i:feature)|^[ \t]*(?:from|import)" + _IN_IMPORT)
# The same on raw bytes, fast: three searches that each start with a literal.
_NAMES_A_FEATURE_QUICK = [
    re.compile(p) for p in (rb"@[\w.]*(?i:feature)", rb"from" + _IN_IMPORT, rb"import" + _IN_IMPORT)
]


def _may_register_features(data: bytes) -> bool:
    return _REGISTRY_DECORATOR.search(data) is not None and any(p.search(data) for p in _NAMES_A_FEATURE_QUICK)


_FEATURE_REGISTRY_FILES = prefilter("project", _may_register_features)


# -- data-7 ---------------------------------------------------------------------------------------
class Data7(Check):
    id = "data-7"
    section = "data"
    title = "All input feature code is tested"
    rationale = (
        "A feature bug that hits training and test data alike is almost invisible in aggregate metrics. "
        "Unit tests of the code that builds features catch it."
    )
    evidence = (
        "feature modules: features/ preprocess/ transform/ encode/ clean/ modules, sklearn TransformerMixin classes",
        "test files that import those modules (resolved through imports, not file names) and hold test functions",
        "the CI job, tox/nox session or Makefile target that runs those tests",
    )
    manual = "tests of feature code exist but no CI job runs them"
    automated = "a push, pull-request or scheduled CI job runs them"
    remediation = (
        "Write pytest tests that import your feature/preprocessing functions and assert on their outputs "
        "(columns, values on known rows, missing values, unseen categories), and run `pytest` in CI on every push."
    )

    def run(self, ctx: AuditContext) -> Outcome:
        targets = feature_modules(ctx)
        if not targets:
            return missing("no feature or preprocessing code found", NO_FEATURE_CODE + " Then unit-test it in CI.")
        artifacts = tests_importing(ctx, targets)
        tested = {p for a in artifacts for p in ctx.python.project_imports(a.path)}
        # reached through fixtures or loaded by path: named in the artifact
        named = {word.rstrip(",") for a in artifacts for word in a.detail.split(" exercising ", 1)[-1].split(", ")}
        tested |= {p for p in targets if p in named or any(n.startswith(p + " ") for n in named)}
        untested = sorted(set(targets) - tested)
        outcome = score_artifacts(
            ctx,
            artifacts,
            found=f"{pluralise(len(artifacts), 'test file')} {'exercises' if len(artifacts) == 1 else 'exercise'} feature code",
            none=f"{pluralise(len(targets), 'feature module')} but no test imports them",
            to_automate="Run these tests in a CI job triggered on push or pull request (e.g. `pytest` in .github/workflows).",
            to_start=self.remediation,
            accept_pipeline=False,
        )
        if untested and outcome.score > 0:
            outcome.evidence.append(
                Evidence(
                    untested[0], None, f"not imported by any test ({len(untested)} of {len(targets)} feature modules)"
                )
            )
        if not artifacts:
            outcome.evidence = [Evidence(p, None, why) for p, why in list(targets.items())[:3]]
        return outcome


CHECKS = (Data1, Data2, Data3, Data4, Data5, Data6, Data7)
