"""The Monitoring section: monitor-1 … monitor-7.

Shared judgement (RUBRIC.md): collecting metrics, traces or reports without an alert rule,
threshold or automatic comparison is 0.5 even when deployed; a monitoring or alert config nothing
in the repository deploys or schedules is 0.5; 1 needs the check itself to run on its own:
scheduled, deployed, or on every training run.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import partial

from mltestscore.checks.base import Check
from mltestscore.checks.common import Artifact, files_named, notebook_line, pluralise, project_sources, runner_evidence
from mltestscore.context import AuditContext
from mltestscore.evidence.ci import line_of
from mltestscore.evidence.configs import search_configs
from mltestscore.evidence.history import History, read_history
from mltestscore.evidence.model_age import artifact_ages
from mltestscore.evidence.monitoring import (
    AlertRule,
    ToolUse,
    alert_rules,
    deployment,
    exported_metrics,
    import_closure,
    serving_files,
    tool_uses,
    training_files,
)
from mltestscore.evidence.perfile import grep_bytes, grep_code, per_file
from mltestscore.evidence.platforms.trackers import training_telemetry
from mltestscore.evidence.python import names
from mltestscore.evidence.schemas import FIELD_BOUNDS
from mltestscore.probes.dependencies import LOCK_FILES, requirements_pinned
from mltestscore.probes.metric_gate import metric_gate_line
from mltestscore.probes.runs import automatic_run
from mltestscore.probes.skew_paths import reused_pipeline_features, served_fitted_transformer
from mltestscore.results import Evidence, Outcome, automated, context, manual, missing
from mltestscore.wiring import Wiring

# Tools whose monitor runs on its own once a call registers it: tool -> how the registering call ends.
_VERTEX_CREATE = ("ModelDeploymentMonitoringJob.create", "create_model_deployment_monitoring_job")
_REGISTERING_TOOLS = {
    "SageMaker Model Monitor": ("create_monitoring_schedule",),
    "Vertex model monitoring": _VERTEX_CREATE,
    "Vertex skew detection": _VERTEX_CREATE,
}


def monitor_evidence(
    ctx: AuditContext, topic: str, iac: tuple[str, str] | None = None
) -> tuple[list[Evidence], list[Evidence]]:
    """(evidence worth 1, evidence worth 0.5) from monitoring tools and alert rules on `topic`
    (data | quality | skew | latency | nan | staleness), and from the infrastructure-declared
    monitors `iac` = (regex, what) finds."""
    strong: list[Evidence] = []
    weak: list[Evidence] = []
    uses = [use for use in ctx.fact(tool_uses) if topic in use.topics]
    if topic == "quality":
        # a model-quality check in the pipeline that trains the model scores the candidate on held-out
        # data (infra-4's business), not the predictions the served model makes
        uses = [u for u in uses if u.topics != ("quality",) or not grep_code(ctx, _TRAINING_STEP, [u.path])]
    judged = [_judge_tool(ctx, use) + (use,) for use in uses]
    seen = set()
    for good, evidence, use in sorted(judged, key=lambda item: (not item[0], item[2].path.endswith(".ipynb"))):
        if (use.path, use.tool) not in seen:  # one line per tool and file: a notebook makes many calls
            seen.add((use.path, use.tool))
            (strong if good else weak).append(evidence)
    for rule in ctx.fact(alert_rules):
        if topic in rule.topics:
            how = _rule_deployment(ctx, rule)
            detail = f"{rule.kind} '{rule.name}'" + ("" if how else " (nothing in the repository deploys it)")
            (strong if how else weak).append(Evidence(rule.path, rule.line, detail, how))
    if iac is not None:
        pattern, what = iac
        for hit in search_configs(ctx, pattern, (".yaml", ".yml", ".json", ".tf", ".template")):
            how = deployment(ctx, hit.path)
            (strong if how else weak).append(
                Evidence(hit.path, hit.line, f"{what}: {hit.text}" + ("" if how else " (nothing deploys it)"), how)
            )
    return strong, weak


# A pipeline definition that trains: a SageMaker training or tuning step, a Vertex custom training job.
_TRAINING_STEP = re.compile(rb"\bTrainingStep\s*\(|\bTuningStep\s*\(|\bCustomTrainingJob\w*\s*\(")


def _judge_tool(ctx: AuditContext, use: ToolUse) -> tuple[bool, Evidence]:
    run = automatic_run(ctx, use.path, use.line) if not use.path.endswith(".ipynb") else None
    runner = run.describe if run else None
    if use.tool in _REGISTERING_TOOLS:
        markers = _REGISTERING_TOOLS[use.tool]
        facts = ctx.python.facts(use.path)
        registers = any(c.name.endswith(markers) for c in (facts.calls if facts else []))
        if registers and run:
            return True, Evidence(use.path, use.line, f"{use.detail()}: registered by an automated job", runner)
        note = (
            "registered by hand (a script or notebook a person runs)" if registers else "no monitoring schedule created"
        )
        return False, Evidence(use.path, use.line, f"{use.detail()}: {note}", runner)
    if not use.checks:
        return False, Evidence(use.path, use.line, f"{use.detail()}: no threshold or test, so nothing alerts", runner)
    if run and run.scheduled:
        return True, Evidence(use.path, use.line, f"{use.detail()} on a schedule", runner)
    note = "runs on push or as a pipeline step, not on a schedule over new data" if run else "a person runs it"
    return False, Evidence(use.path, use.line, f"{use.detail()}: {note}", runner)


def _rule_deployment(ctx: AuditContext, rule: AlertRule) -> str | None:
    if rule.path.endswith(".py"):
        run = automatic_run(ctx, rule.path, rule.line)
        return run.describe if run else None
    return deployment(ctx, rule.path)


SHOWN = 5  # evidence items an outcome lists


def _first(items: list, count: int = SHOWN) -> list:
    return items[:count]


# -- monitor-1 ------------------------------------------------------------------------------------
AUDIT_COMMAND = (
    r"\bpip-audit\b|\bpip_audit\b|\bsafety\s+(check|scan)\b|\bosv-scanner\b|\bsnyk\s+(test|monitor)\b|"
    r"\btrivy\s+(fs|repo|image|sbom)\b|\bgrype\b|\bpoetry\s+audit\b|\buv\s+audit\b|\bjake\s+ddt\b"
)
AUDIT_ACTION = re.compile(
    r"pypa/gh-action-pip-audit|google/osv-scanner-action|actions/dependency-review-action|snyk/actions|"
    r"aquasecurity/trivy-action|anchore/scan-action|pyupio/safety-action|dependency-check/Dependency-Check_Action",
    re.I,
)
RENOVATE_FILES = r"^(\.github/|\.gitlab/)?(renovate\.json5?|\.renovaterc(\.json5?)?)$"


class Monitor1(Check):
    id = "monitor-1"
    section = "monitor"
    title = "Dependency changes result in notification"
    rationale = (
        "A model consumes data sources, services and packages that change under it: partial outages, "
        "new versions, redefined fields. The team must hear about those changes before the model's "
        "quality does."
    )
    evidence = (
        "Dependabot (.github/dependabot.yml: which ecosystems, which schedule); Renovate (renovate.json(5), .renovaterc, .github/renovate.json)",
        "pip-audit, safety, osv-scanner, Snyk, Trivy or GitHub dependency review run by CI or pre-commit",
        "upstream data: dbt source freshness checks run by CI, scheduled `dvc update` of imported data",
        "git history: commits and merges by dependabot[bot] / renovate[bot] prove the notifications arrive (also when Dependabot is enabled in the repository settings only)",
        "a dependency audit or freshness check a person runs (pip-audit in a Makefile target no CI job calls): 0.5",
        "context, worth 0: lock files and exact pins (poetry.lock, uv.lock, requirements pinned with ==) notify nobody",
    )
    manual = "an audit or freshness check exists that a person runs"
    automated = "a dependency bot or an automatic audit announces changes, or git history shows bot updates landing"
    remediation = (
        "Add .github/dependabot.yml (or Renovate) for your package ecosystems with a weekly schedule, run "
        "pip-audit in CI on a schedule, and put freshness/schema checks on the upstream data the model reads "
        "(dbt source freshness, data contracts)."
    )

    def run(self, ctx: AuditContext) -> Outcome:
        bots = self._bot_configs(ctx)
        audits_auto, audits_manual = self._audits(ctx)
        data_auto, data_manual = self._upstream_data(ctx)
        history = ctx.fact(read_history)
        commits = self._bot_history(history)
        strong = bots + commits + audits_auto + data_auto
        pins = self._pins(ctx)
        if strong:
            parts = []
            if bots:
                parts.append("a dependency bot is configured")
            if commits:
                parts.append("git history shows dependency-bot updates landing")
            if audits_auto:
                parts.append("CI audits dependencies automatically")
            if data_auto:
                parts.append("upstream data changes are checked automatically")
            reason = "; ".join(parts)
            if bots and not commits and history.available:
                reason += f", yet no bot commit landed in {history.window()}: check that its pull requests are acted on"
            if not data_auto:
                reason += (
                    "; this covers software packages only, not the upstream data sources and services the paper means"
                )
            return automated(reason, strong + data_manual + pins[:1])  # pins are context evidence
        evidence = audits_manual + data_manual
        no_history = (
            "" if history.available else f"; git history not read ({history.reason}), so bot activity is unknown"
        )
        if evidence:
            return manual(
                "dependency changes are checked by hand (an audit or freshness check a person runs), nothing announces them"
                + no_history,
                _first(evidence) + pins[:1],
                "Turn on Dependabot or Renovate for your ecosystems (.github/dependabot.yml with a schedule), and alert on upstream data changes (freshness, schema).",
            )
        if pins:
            return missing(
                "dependencies are pinned, but pins notify nobody (context, worth 0)" + no_history,
                self.remediation,
                pins,
            )
        return missing("nothing watches the project's dependencies" + no_history, self.remediation)

    @staticmethod
    def _bot_configs(ctx: AuditContext) -> list[Evidence]:
        found = []
        for path in ctx.files.matching(r"^\.github/dependabot\.ya?ml$"):
            data = ctx.parsed.yaml(path)
            updates = data.get("updates") if isinstance(data, dict) else None
            watched = []
            for update in updates if isinstance(updates, list) else []:
                if isinstance(update, dict) and update.get("package-ecosystem"):
                    schedule = update.get("schedule") if isinstance(update.get("schedule"), dict) else {}
                    watched.append(f"{update['package-ecosystem']} ({schedule.get('interval', 'no schedule')})")  # type: ignore[union-attr]
            if watched:
                line = line_of(ctx.files.text(path), "package-ecosystem")
                found.append(Evidence(path, line, f"Dependabot watches {', '.join(watched[:4])}", "GitHub Dependabot"))
        for path in ctx.files.matching(RENOVATE_FILES):
            found.append(Evidence(path, None, "Renovate configuration", "Renovate app"))
        if "package.json" in ctx.files:
            data = ctx.parsed.json("package.json")
            if isinstance(data, dict) and isinstance(data.get("renovate"), dict):
                found.append(
                    Evidence(
                        "package.json",
                        line_of(ctx.files.text("package.json"), '"renovate"'),
                        "Renovate configuration",
                        "Renovate app",
                    )
                )
        return found

    @staticmethod
    def _audits(ctx: AuditContext) -> tuple[list[Evidence], list[Evidence]]:
        auto: list = []
        by_hand: list = []
        for command in ctx.wiring.find(AUDIT_COMMAND):
            item = Evidence(
                command.runner.path, command.runner.line, f"runs `{command.command}`", command.runner.describe()
            )
            (auto if command.runner.automatic else by_hand).append(item)
        for pipeline in ctx.ci:
            for job in pipeline.jobs:
                for step in job.steps:
                    if step.uses and AUDIT_ACTION.search(step.uses):
                        runner = Wiring.ci_runner(pipeline, job, step)
                        item = Evidence(pipeline.path, step.line, f"uses {step.uses}", runner.describe())
                        (auto if runner.automatic else by_hand).append(item)
        for hit in search_configs(ctx, r"Dependency-Scanning\.gitlab-ci\.yml", (".yml", ".yaml")):
            auto.append(Evidence(hit.path, hit.line, "GitLab dependency scanning template", "GitLab CI"))
        if not auto and not by_hand:
            by_hand = Monitor1._audit_tasks(ctx)
        return auto, by_hand

    @staticmethod
    def _audit_tasks(ctx: AuditContext) -> list[Evidence]:
        """Audits in a task nothing automatic calls (a make target, tox env, script): a person runs them."""
        regex = re.compile(AUDIT_COMMAND)
        tasks = ctx.tasks
        pools = [*tasks.make.values(), *tasks.just.values(), tasks.tox, tasks.nox, tasks.scripts, tasks.mise, tasks.poe]
        found = []
        for pool in pools:
            for task in pool.values():
                command = next((c for c in task.commands if regex.search(c)), None)
                if command:
                    found.append(
                        Evidence(task.path, task.line, f"{task.kind} '{task.name}' runs `{command}`; a person runs it")
                    )
        return found[:2]

    @staticmethod
    def _upstream_data(ctx: AuditContext) -> tuple[list[Evidence], list[Evidence]]:
        auto: list = []
        by_hand: list = []
        freshness = [h for h in search_configs(ctx, r"^\s*(warn_after|error_after)\s*:", (".yml", ".yaml"))]
        runs = [c for c in ctx.wiring.find(r"\bdbt\s+source\s+(freshness|snapshot-freshness)\b") if c.runner.automatic]
        for hit in freshness[:2]:
            if runs:
                auto.append(
                    Evidence(hit.path, hit.line, f"dbt source freshness: {hit.text}", runs[0].runner.describe())
                )
            else:
                by_hand.append(
                    Evidence(
                        hit.path,
                        hit.line,
                        f"dbt source freshness threshold, no CI job runs `dbt source freshness`: {hit.text}",
                    )
                )
        imports = [p for p in ctx.dvc.tracked if re.search(r"^\s*(rev_lock|repo)\s*:", ctx.files.text(p) or "", re.M)]
        updates = [c for c in ctx.wiring.find(r"\bdvc\s+update\b") if c.runner.automatic]
        for path in imports[:2]:
            if updates:
                auto.append(
                    Evidence(
                        path,
                        None,
                        "imported data pinned to an upstream revision, updated automatically",
                        updates[0].runner.describe(),
                    )
                )
            else:
                by_hand.append(
                    Evidence(
                        path,
                        None,
                        "imported data pinned to an upstream revision (dvc import): an upstream change shows on `dvc update`",
                    )
                )
        for hit in search_configs(ctx, r"class_name:\s*(Slack|MicrosoftTeams|Email|PagerDuty|Opsgenie|SNS)\w*Action")[
            :2
        ]:
            by_hand.append(Evidence(hit.path, hit.line, f"data validation notifies: {hit.text}"))
        return auto, by_hand

    @staticmethod
    def _bot_history(history: History) -> list[Evidence]:
        if not history.available:
            return []
        by_bot: dict[str, list] = {}
        for commit, bot in history.bot_commits():
            by_bot.setdefault(bot, []).append(commit)
        return [
            Evidence(
                ".git",
                None,
                f"{pluralise(len(commits), 'commit')} by {bot} in {history.window()}, latest {commits[0].short()}",
                "git history",
            )
            for bot, commits in by_bot.items()
        ]

    @staticmethod
    def _pins(ctx: AuditContext) -> list[Evidence]:
        pins = [
            context(p, None, "lock file pins dependencies: changes show in review, nobody is notified")
            for p in ctx.files.named(*LOCK_FILES)
        ]
        for path in files_named(ctx, r"requirements[^/]*\.txt"):
            pinned, total = requirements_pinned(ctx.files.text(path) or "")
            if total and pinned >= 0.8 * total:  # infra-1's rule for a pinned environment
                pins.append(
                    context(
                        path,
                        None,
                        f"{pinned} of {total} requirements pinned to an exact version: changes show in review, "
                        "nobody is notified",
                    )
                )
        return pins[:3]


# -- monitor-2 ------------------------------------------------------------------------------------
_ROUTE_DECORATOR = re.compile(r"(^|\.)(post|put|patch|get|api|route|websocket|predict|method)$")
_CONSTRAINED_TYPES = re.compile(
    r"\b(Literal|conint|confloat|constr|conlist|conset|PositiveInt|PositiveFloat|NonNegativeInt|NonNegativeFloat|NegativeInt|NegativeFloat|FiniteFloat|StrictInt|StrictFloat|Enum)\b|\bField\("
)
_VALIDATORS = re.compile(r"(^|\.)(validator|field_validator|model_validator|root_validator)$")
_PYDANTIC_MODEL = re.compile(rb"BaseModel\b")  # imported modules without it define no request model
DATA_MONITOR_IAC = r"AWS::SageMaker::(MonitoringSchedule|DataQualityJobDefinition)|aws_sagemaker_(monitoring_schedule|data_quality_job_definition)"
SERVING_VALIDATORS = ("pandera", "great_expectations", "tensorflow_data_validation", "deepchecks", "jsonschema")


def pydantic_models(tree: ast.AST) -> dict[str, tuple[int, str]]:
    """Classes deriving from BaseModel: name -> (line, the constraint they declare, or "")."""
    models = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        bases = [ast.unparse(b) for b in node.bases]
        if not any(b.endswith("BaseModel") or b in models for b in bases):
            continue
        constraint = ""
        for item in node.body:
            if isinstance(item, ast.AnnAssign) and not constraint:
                text = ast.unparse(item.annotation) + (f" = {ast.unparse(item.value)}" if item.value else "")
                call = item.value if isinstance(item.value, ast.Call) else None
                if (
                    call is not None
                    and ast.unparse(call.func).endswith("Field")
                    and {k.arg for k in call.keywords} & FIELD_BOUNDS
                ):
                    constraint = f"{ast.unparse(item.target)}: {text}"
                elif _CONSTRAINED_TYPES.search(ast.unparse(item.annotation)):
                    constraint = f"{ast.unparse(item.target)}: {text}"
            elif isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and not constraint:
                for decorator in item.decorator_list:
                    name = ast.unparse(decorator.func if isinstance(decorator, ast.Call) else decorator)
                    if _VALIDATORS.search(name):
                        constraint = f"@{name} {item.name}"
        models[node.name] = (node.lineno, constraint[:80])
    return models


def _models_used_by_handlers(tree: ast.AST) -> dict[str, int]:
    """Names annotated on route-handler parameters, or passed as a service's input spec: name -> line."""
    used: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            decorators = [ast.unparse(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list]
            if any(_ROUTE_DECORATOR.search(d) for d in decorators):
                for arg in node.args.args + node.args.kwonlyargs:
                    for name in re.findall(r"\w+", ast.unparse(arg.annotation) if arg.annotation else ""):
                        used.setdefault(name, node.lineno)
        elif isinstance(node, ast.keyword) and node.arg in ("pydantic_model", "input_spec", "input_model"):
            for name in re.findall(r"\w+", ast.unparse(node.value)):
                used.setdefault(name, getattr(node.value, "lineno", 1))
        elif isinstance(node, ast.Call):
            func = ast.unparse(node.func)
            if func.endswith((".model_validate", ".parse_obj", ".model_validate_json", ".parse_raw")):
                used.setdefault(func.rsplit(".", 1)[0].split(".")[-1], node.lineno)
    return used


def serving_validation(ctx: AuditContext) -> tuple[list[Evidence], list[str]]:
    """Input validation at the serving entry points: (evidence, type-only request models)."""
    found: list[Evidence] = []
    typed_only: list[str] = []
    for path in ctx.fact(serving_files):
        tree = ctx.parsed.python(path)
        if tree is None:
            continue
        models: dict[str, tuple[str, int, str]] = {n: (path, line, c) for n, (line, c) in pydantic_models(tree).items()}
        for imported in grep_code(ctx, _PYDANTIC_MODEL, list(ctx.python.project_imports(path))):
            other = ctx.parsed.python(imported)
            for name, (line, constraint) in pydantic_models(other).items() if other else []:
                models.setdefault(name, (imported, line, constraint))
        for name, handler_line in _models_used_by_handlers(tree).items():
            if name not in models:
                continue
            where, line, constraint = models[name]
            if constraint:
                found.append(
                    Evidence(
                        where,
                        line,
                        f"request model {name} enforces {constraint}; the serving handler ({path}:{handler_line}) validates every input",
                    )
                )
            else:
                typed_only.append(f"{name} ({where}:{line})")
        closure = [p for p in import_closure(ctx, [path], depth=1) if p.endswith(".py")]
        for source, module, line in ctx.python.find_imports(SERVING_VALIDATORS, closure):
            found.append(
                Evidence(source, line, f"serving code imports {module} to validate inputs (reached from {path})")
            )
    return found, typed_only


class Monitor2(Check):
    id = "monitor-2"
    section = "monitor"
    title = "Data invariants hold in training and serving inputs"
    rationale = (
        "The schema the training data obeys (data-1) must hold for serving inputs and for every new batch "
        "of training data too, and a violation must reach a person: a silently changed upstream field "
        "degrades the model without any error."
    )
    evidence = (
        "validation at the serving entry point: pydantic request models with constraints (Field(ge=…), Literal, validators) on FastAPI/BentoML handlers; pandera, Great Expectations, TFDV or jsonschema in serving code",
        "drift and data-quality monitors with thresholds: Evidently tests/TestSuite, whylogs constraints, TFDV validate_statistics, NannyML drift calculators, deepchecks suites, Alibi Detect detectors",
        "SageMaker DefaultModelMonitor with create_monitoring_schedule, Vertex ModelDeploymentMonitoringJob, monitoring schedules in CloudFormation/Terraform",
        "alert rules on drift/validation metrics (Prometheus, Grafana, CloudWatch, Terraform alert resources)",
    )
    manual = "inputs are validated at the serving entry point, or a monitor exists that a person runs, or that only collects (no threshold), or an alert rule nothing deploys"
    automated = "a data check with thresholds runs on a schedule (CI cron, scheduled pipeline, a registered monitoring schedule), or a deployed alert rule watches input data"
    remediation = (
        "Validate serving inputs against the training schema (pydantic constraints or pandera at the API entry point) "
        "and schedule a drift/data-quality check with thresholds on recent inputs (e.g. an Evidently TestSuite in a "
        "cron CI job, or a SageMaker/Vertex monitoring schedule) that alerts when it fails."
    )

    def run(self, ctx: AuditContext) -> Outcome:
        strong, weak = monitor_evidence(ctx, "data", (DATA_MONITOR_IAC, "monitoring schedule"))
        validation, typed_only = serving_validation(ctx)
        if strong:
            return automated(
                f"{pluralise(len(strong), 'data monitor')} with thresholds or alerts run on their own",
                _first(strong + validation[:1] + weak[:1]),
            )
        evidence = validation + weak
        if evidence:
            parts = []
            if validation:
                parts.append("serving inputs are validated at the entry point")
            if weak:
                parts.append("data monitors exist but none both checks thresholds and runs on its own")
            return manual(
                "; ".join(parts) + "; nothing alerts a person",
                _first(evidence),
                "Schedule a data check with thresholds over recent serving inputs and new training data (cron CI job or monitoring schedule), or deploy an alert rule on input-validation failures.",
            )
        note = (
            f"; request models {', '.join(typed_only[:2])} check types only (add ranges or categories)"
            if typed_only
            else ""
        )
        return missing("no validation of serving inputs and no data monitor found" + note, self.remediation)


# -- monitor-3 ------------------------------------------------------------------------------------
_FEATURE_MODULE = re.compile(r"feat|preprocess|transform|process|clean|encod|token|vectori|pipeline|prep", re.I)
_PARITY_NAME = re.compile(
    r"skew|parity|consisten|train\w*serv|serv\w*train|online\w*offline|offline\w*online|same_feature|features?_match",
    re.I,
)
COMPARE_CALLS = (
    "assert_frame_equal",
    "assert_series_equal",
    "assert_allclose",
    "assert_array_equal",
    "assert_array_almost_equal",
    "assert_almost_equal",
    "assert_close",
    "assert_equal",
    "pytest.approx",
)
COMPARE_LEAVES = names(*(call.rsplit(".", 1)[-1] for call in COMPARE_CALLS))  # any module's approx counts
_PARITY_DEFINITION = re.compile(rb"(?:def|class)[ \t]+\w*(?i:" + _PARITY_NAME.pattern.encode() + rb")")
PACKAGED_PIPELINE = names(
    "sklearn.pipeline.Pipeline", "sklearn.pipeline.make_pipeline", "sklearn.compose.ColumnTransformer"
)
MODEL_LOADS = names(
    "joblib.load",
    "pickle.load",
    "cloudpickle.load",
    "skops.io.load",
    "mlflow.pyfunc.load_model",
    "mlflow.sklearn.load_model",
    "bentoml.sklearn.load_model",
    "bentoml.models.get",
)
TFT_EXPORT = names("transform_features_layer")
FEAST_OFFLINE, FEAST_ONLINE = names("get_historical_features"), names("get_online_features")
TFDV_SKEW = names("skew_comparator", "serving_statistics")


def shared_feature_modules(ctx: AuditContext) -> list[Evidence]:
    """Feature modules that both the training side and the serving side import (import graph)."""
    serving = ctx.fact(serving_files)
    training = ctx.fact(training_files)
    if not serving or not training:
        return []
    serving_side = import_closure(ctx, serving)
    training_side = import_closure(ctx, training)
    shared = []
    for path in sorted(set(serving_side) & set(training_side)):
        if path in serving or path.endswith("__init__.py") or not _is_feature_code(ctx, path):
            continue
        server = next(s for s in serving if path in import_closure(ctx, [s]))
        trainer = path if path in training else next(t for t in training if path in import_closure(ctx, [t]))
        training_use = (
            f"the training pipeline runs it ({training[path]})"
            if trainer == path
            else f"training code {trainer} imports it"
        )
        shared.append(Evidence(path, None, f"feature code shared: serving code {server} imports it and {training_use}"))
    return shared


def _comparing_tests(ctx: AuditContext) -> list[str]:
    """Test files that may be parity tests: they call a comparison, or the file, a test or a test
    class is named for skew or parity (word index, path and def lines decide, before any parse)."""
    tests = ctx.tests.files
    wanted = set(ctx.python.candidates(COMPARE_LEAVES, tests)) | {p for p in tests if _PARITY_NAME.search(p)}
    wanted.update(grep_code(ctx, _PARITY_DEFINITION, [p for p in tests if p not in wanted]))
    return [p for p in tests if p in wanted]


def _is_feature_code(ctx: AuditContext, path: str) -> bool:
    """Named for features/preprocessing, or defining such functions or classes."""
    if _FEATURE_MODULE.search(path.rsplit("/", 1)[-1]):
        return True
    outline = ctx.python.outline(path)
    defined = [name for name, _ in outline.functions] + [name for name, _, _ in outline.classes]
    return any(_FEATURE_MODULE.search(name.rsplit(".", 1)[-1]) for name in defined)


class Monitor3(Check):
    id = "monitor-3"
    section = "monitor"
    title = "Training and serving features compute the same values"
    rationale = (
        "Features computed twice, once in the training pipeline and once in the server, drift apart: a "
        "changed default, a different tokenizer, a timezone. The paper calls this skew check perhaps the "
        "most important and least implemented test."
    )
    evidence = (
        "one feature module imported by both training and serving code (from the Python import graph): 0.5",
        "preprocessing packaged inside the model artifact (an sklearn Pipeline saved by training, loaded by the server): 0.5",
        "Feast serving both paths (get_historical_features and get_online_features): 0.5",
        "a test comparing the two paths (imports both sides, assert_frame_equal/assert_allclose, or named for skew/parity) that CI runs: 1",
        "skew detection: TFDV validate_statistics(serving_statistics=…)/skew_comparator, Vertex SkewDetectionConfig, run automatically: 1",
    )
    manual = (
        "training and serving share one feature implementation, or a comparison exists that nothing runs automatically"
    )
    automated = "a CI test or an automatic job checks that both paths compute the same values"
    remediation = (
        "Import one feature module from both the training pipeline and the server, then add a test that runs "
        "the same raw rows through both paths and asserts equal features (assert_frame_equal), run by CI; "
        "or log serving features and compare them with recomputed ones on a schedule (TFDV skew detection)."
    )

    def run(self, ctx: AuditContext) -> Outcome:
        strong, weak = monitor_evidence(ctx, "skew")
        tfdv_strong, tfdv_weak = self._tfdv_skew(ctx)
        strong += tfdv_strong
        weak += tfdv_weak
        tests_auto, tests_manual = self._parity_tests(ctx)
        strong += tests_auto
        structure = shared_feature_modules(ctx) + (self._packaged(ctx) or served_fitted_transformer(ctx))
        structure += self._feast(ctx) + reused_pipeline_features(ctx, _is_feature_code)
        if strong:
            return automated("training/serving skew is checked automatically", _first(strong + structure[:2]))
        evidence = structure + tests_manual + weak
        if evidence:
            return manual(
                "training and serving share feature code, but nothing checks automatically that they compute the same values",
                _first(evidence),
                "Add a test that feeds the same rows through the training and the serving feature path and asserts equal values, and run it in CI.",
            )
        if not ctx.fact(serving_files):
            return missing(
                "no serving code found, so no serving path to compare with training (batch scoring only? say so with `ignore: {monitor-3: reason}`)",
                self.remediation,
            )
        return missing(
            "the serving code shares no feature module with the training code, and nothing compares the two paths",
            self.remediation,
        )

    @staticmethod
    def _parity_tests(ctx: AuditContext) -> tuple[list[Evidence], list[Evidence]]:
        serving = ctx.fact(serving_files)
        if not serving:
            return [], []
        training_side = set(import_closure(ctx, ctx.fact(training_files)))
        auto: list = []
        by_hand: list = []
        for path in _comparing_tests(ctx):
            reached = import_closure(ctx, [path], depth=2)  # outlines only: most tests stop here
            served = [p for p in reached if p in serving]
            trained = [p for p in reached if p in training_side and p not in serving and p != path]
            if not served or not trained:
                continue
            facts = ctx.python.facts(path)
            if facts is None or not facts.test_functions():
                continue
            compares = any(c.name.rsplit(".", 1)[-1] in COMPARE_LEAVES for c in facts.calls)
            named = [name for name, _ in facts.test_functions() if _PARITY_NAME.search(name)] or (
                [path] if _PARITY_NAME.search(path) else []
            )
            if not (compares or named):
                continue
            line = next(
                (line for name, line in facts.test_functions() if _PARITY_NAME.search(name)),
                facts.test_functions()[0][1],
            )
            evidence, runner = runner_evidence(
                ctx, Artifact(path, line, f"test compares training ({trained[0]}) and serving ({served[0]}) paths")
            )
            (auto if runner and runner.automatic and runner.kind == "ci" else by_hand).append(evidence)
        return auto, by_hand

    @staticmethod
    def _tfdv_skew(ctx: AuditContext) -> tuple[list[Evidence], list[Evidence]]:
        """TFDV skew detection (skew_comparator thresholds, serving_statistics): automatic or not."""
        strong: list = []
        weak: list = []
        for path in ctx.python.candidates(TFDV_SKEW, project_sources(ctx)):
            notebook = path.endswith(".ipynb")
            text = ctx.files.text(path) or ""
            match = re.search(r"skew_comparator|serving_statistics", text)
            line = None if notebook or match is None else text.count("\n", 0, match.start()) + 1
            run = None if notebook else automatic_run(ctx, path, line)
            item = Evidence(
                path,
                line,
                f"TFDV training/serving skew detection ({match.group(0) if match else 'skew'})",
                run.describe if run else None,
            )
            (strong if run else weak).append(item)
        return strong, weak

    @staticmethod
    def _packaged(ctx: AuditContext) -> list[Evidence]:
        training = list(ctx.fact(training_files))
        serving = list(ctx.fact(serving_files))
        tft = ctx.python.find_calls(TFT_EXPORT, project_sources(ctx), limit=1)
        if tft:
            path, call = tft[0]
            return [
                Evidence(
                    path,
                    call.line,
                    "TF Transform graph exported with the model (transform_features_layer): serving applies the training transformations",
                )
            ]
        if not training or not serving:
            return []
        builds = ctx.python.find_calls(PACKAGED_PIPELINE, training, limit=1)  # the first of each is shown
        loads = (
            ctx.python.find_calls(MODEL_LOADS, list(import_closure(ctx, serving, depth=1)), limit=1) if builds else []
        )
        if builds and loads:
            (build_path, build), (load_path, load) = builds[0], loads[0]
            return [
                Evidence(
                    build_path,
                    build.line,
                    f"preprocessing packaged in the model ({build.name.rsplit('.', 1)[-1]}); the server loads that artifact ({load_path}:{load.line}, {load.name})",
                )
            ]
        return []

    @staticmethod
    def _feast(ctx: AuditContext) -> list[Evidence]:
        sources = project_sources(ctx)
        offline = ctx.python.find_calls(FEAST_OFFLINE, sources, limit=1)
        online = ctx.python.find_calls(FEAST_ONLINE, sources, limit=1) if offline else []
        # one feature-store wrapper offering both lookups, and no server: nothing serves from it
        wrapper_only = bool(online) and online[0][0] == offline[0][0] and not ctx.fact(serving_files)
        if offline and online and not wrapper_only:
            return [
                Evidence(
                    online[0][0],
                    online[0][1].line,
                    f"Feast serves online features from the definitions training reads ({offline[0][0]}:{offline[0][1].line})",
                )
            ]
        return []


# -- monitor-4 ------------------------------------------------------------------------------------
TRAIN_COMMAND = (
    r"\bdvc\s+(repro|exp\s+run)\b|\bkedro\s+run\b|\bmlflow\s+run\b|\bzenml\s+pipeline\s+run\b|"
    r"[\w./-]*train\w*\.(py|sh|ipynb)\b|\bmake\s+([\w-]+\s+)*[\w-]*train\b|\s-m\s+[\w.]*train\w*|"
    r"^(python\S*|accelerate\s+launch|torchrun|deepspeed)\s.*\b(re)?train\b"
)
# A training run cut short is a smoke test of the training code, not a retraining.
SMOKE_RUN = re.compile(
    r"--epochs?[= ]1\b|fast_dev_run|--max[-_]steps[= ]\d{1,2}\b|--dry[-_]run|--smoke|--debug\b|--limit[-_]\w+[= ]\d{1,3}\b"
)
TEST_TRIGGERS = frozenset({"push", "pull_request"})


def _trains(ctx: AuditContext, path: str, why: str) -> bool:
    """A pipeline step's file that trains: named for training, or fitting a model (not any step a pipeline runs)."""
    if not why.startswith("run by ") or _TRAIN_STEP.search(path.rsplit("/", 1)[-1]):
        return True
    return bool(grep_code(ctx, _FIT_CALL, [path]))  # chained calls too: Model().fit(X, y)


_TRAIN_STEP = re.compile(r"(re)?train|fit|tun(e|ing)", re.I)
_FIT_CALL = re.compile(rb"\.(fit|fit_transform|fit_generator|train|train_model)\s*\(")


class Monitor4(Check):
    id = "monitor-4"
    section = "monitor"
    title = "Models are not too stale"
    rationale = (
        "A model's quality decays as the world moves away from its training data. Retraining on a "
        "schedule, and alerting on the model's age, keep it within the staleness the team measured (model-4)."
    )
    evidence = (
        "scheduled retraining: a CI job on `schedule:`/cron that trains (dvc repro, a train script, make train), a scheduled Airflow/Kubeflow/Vertex/Prefect/Dagster pipeline that trains, a Kubernetes CronJob or Argo CronWorkflow that trains",
        "model-age alert rules (e.g. `time() - model_trained_timestamp > …`)",
        "git history: when the model artifact last changed (dvc.lock outputs, .dvc pointers, model files, registry pins such as storageUri …/v12), against `model_max_age_days`",
        "git history showing the model refreshed within the age limit: 0.5 (training a person starts on demand alone: 0)",
    )
    manual = "git history shows the model refreshed within the age limit, or a model-age check nothing runs"
    automated = "retraining runs on a schedule, or an alert fires when the model gets too old"
    remediation = (
        "Retrain on a schedule (a cron CI job or a scheduled pipeline that runs training and ships the model) "
        "and export the model's training timestamp with an alert on its age."
    )

    def run(self, ctx: AuditContext) -> Outcome:
        limit = ctx.config.model_max_age_days
        ages = artifact_ages(ctx)
        age_note, state = self._age_note(ctx, ages, limit)
        age_evidence = [
            Evidence(a.artifact.path, a.artifact.line, f"{a.artifact.what}: {a.change.describe()}", "git history")
            for a in ages[:2]
        ]
        scheduled, by_hand = self._retraining(ctx)
        rules_strong, rules_weak = monitor_evidence(ctx, "staleness")
        strong = scheduled + rules_strong
        if strong:
            warning = (
                " — over the limit: check that the scheduled retraining ships its models" if state == "stale" else ""
            )
            what = "retraining runs on a schedule" if scheduled else "an alert rule watches the model's age"
            return automated(f"{what}{age_note}{warning}", _first(strong + age_evidence))
        # Training a person starts on demand watches no staleness: listed, worth nothing on its own.
        if rules_weak:
            return manual(
                f"a model-age check exists but nothing runs it{age_note}",
                _first(rules_weak + by_hand + age_evidence),
                "Run the retraining on a schedule (cron CI job, scheduled pipeline) or alert on the model's age.",
            )
        disabled = self._disabled_schedules(ctx)
        if disabled:  # RUBRIC.md: a schedule the repository declares disabled (or only as an example) is 0.5
            return manual(
                f"a retraining schedule is declared but not enabled{age_note}",
                _first(disabled + by_hand + age_evidence),
                "Enable the declared retraining schedule in the repository (not by hand), or alert on the model's age.",
            )
        if state == "fresh":
            return manual(
                f"the model is refreshed by hand{age_note}",
                _first(age_evidence + by_hand),
                "Make the refresh a schedule (cron CI job or scheduled pipeline that retrains) or alert on model age.",
            )
        if by_hand:
            return missing(
                f"training runs only when a person starts it: nothing watches the model's age{age_note}",
                "Run the retraining on a schedule (cron CI job, scheduled pipeline) or alert on the model's age.",
                _first(by_hand + age_evidence),
            )
        return missing(f"no scheduled retraining or model-age alert{age_note}", self.remediation, age_evidence)

    @staticmethod
    def _age_note(ctx: AuditContext, ages, limit: int) -> tuple[str, str]:
        """(reason suffix, state): state is fresh, stale, unknown (a lower bound under the limit) or none."""
        if not ages:
            history = ctx.fact(read_history)
            if not history.available:
                return f"; model age unknown (git history not read: {history.reason})", "none"
            return "; no versioned model artifact in git to date", "none"
        fresh = [a for a in ages if a.change.exact and a.change.age_days <= limit]
        if fresh:
            return (
                f"; model last changed {fresh[0].change.age_days} days ago (within the {limit}-day limit, {fresh[0].artifact.path})",
                "fresh",
            )
        newest = ages[0]
        bound = "" if newest.change.exact else "more than "
        if all(a.change.age_days > limit for a in ages):
            return (
                f"; model last changed {bound}{newest.change.age_days} days ago (over the {limit}-day limit, {newest.artifact.path})",
                "stale",
            )
        return (
            f"; model last changed more than {newest.change.age_days} days ago ({newest.artifact.path}, older than the "
            f"history read): model age against the {limit}-day limit unknown"
        ), "unknown"

    @staticmethod
    def _disabled_schedules(ctx: AuditContext) -> list[Evidence]:
        """Schedules of platform pipelines that train, declared disabled, paused or only as examples."""
        training = ctx.fact(training_files)
        found = []
        for pipeline in ctx.platform_pipelines:
            files = {pipeline.path, *(f for step in pipeline.steps for f in step.files)}
            if files & training.keys():
                found += [
                    Evidence(t.path, t.line, f"retraining schedule {t.text} declared but not enabled", t.source)
                    for t in pipeline.started_by
                    if t.kind == "schedule" and not t.enabled
                ]
        return found

    @staticmethod
    def _retraining(ctx: AuditContext) -> tuple[list[Evidence], list[Evidence]]:
        scheduled, by_hand = [], []
        seen = set()
        for command in ctx.wiring.find(TRAIN_COMMAND, include_stages=True):
            runner = command.runner
            if runner.kind == "pipeline":  # a platform pipeline step (Airflow, Azure ML...) on its own schedule
                if "schedule" in runner.triggers and (runner.path, runner.line) not in seen:
                    seen.add((runner.path, runner.line))
                    scheduled.append(Evidence(runner.path, runner.line, f"runs `{command.command}`", runner.describe()))
                continue
            # Jobs that also run on push/PR, and cut-short runs, test the training code: not retraining.
            if runner.kind != "ci" or runner.triggers & TEST_TRIGGERS or SMOKE_RUN.search(command.command):
                continue
            if (runner.path, runner.line) in seen:
                continue
            seen.add((runner.path, runner.line))
            if "schedule" in runner.triggers:
                scheduled.append(Evidence(runner.path, runner.line, f"runs `{command.command}`", runner.describe()))
            else:
                by_hand.append(
                    Evidence(
                        runner.path,
                        runner.line,
                        f"retrains with `{command.command}` when a person starts the job",
                        runner.describe(),
                    )
                )
        training = ctx.fact(training_files)
        # a step of a platform pipeline that a schedule starts (training code first), when no train
        # command above named it (SageMaker entry points, KFP components run files, not commands)
        for path in sorted(training, key=lambda p: "train" not in p.rsplit("/", 1)[-1]) if not scheduled else ():
            runner = next(
                (r for r in ctx.wiring.runners_for(path) if r.kind == "pipeline" and "schedule" in r.triggers), None
            )
            # a drift report or a data export on a schedule retrains nothing
            if runner is not None and _trains(ctx, path, training[path]):
                scheduled.append(Evidence(path, None, "runs in a scheduled training pipeline", runner.describe()))
                break
        for pipeline in ctx.code_pipelines:
            trains = (
                pipeline.path in training
                and "pipeline" not in training[pipeline.path]
                or any(p in training for p in import_closure(ctx, [pipeline.path], depth=2) if p != pipeline.path)
            )
            if not trains:
                continue
            item = Evidence(
                pipeline.path,
                pipeline.line,
                f"{pipeline.orchestrator} pipeline {pipeline.name} trains a model"
                + (" on a schedule" if pipeline.scheduled else ", without a schedule"),
            )
            (scheduled if pipeline.scheduled else by_hand).append(item)
        for hit in search_configs(ctx, r"^\s*kind:\s*(CronJob|CronWorkflow)\b", (".yaml", ".yml")):
            if re.search(r"train", ctx.files.text(hit.path) or "", re.I):
                how = deployment(ctx, hit.path)
                item = Evidence(
                    hit.path,
                    hit.line,
                    f"{hit.text.split(':', 1)[1].strip()} runs training on a schedule"
                    + ("" if how else " (nothing in the repository deploys it)"),
                    how,
                )
                (scheduled if how else by_hand).append(item)
        for path in files_named(ctx, r"retrain[^/]*\.(py|sh|ipynb)"):
            if not any(e.path == path for e in scheduled):
                by_hand.append(Evidence(path, None, "retraining script a person runs"))
        return scheduled, by_hand


# -- monitor-5 ------------------------------------------------------------------------------------
FINITE_NAMES = frozenset(
    names(
        "isfinite",
        "isnan",
        "isinf",
        "isneginf",
        "isposinf",
        "assert_all_finite",
        "all_finite",
        "check_numerics",
        "assert_finite",
    )
)
GUARD_CALLS = names(
    "tensorflow.debugging.check_numerics",
    "tensorflow.debugging.enable_check_numerics",
    "tensorflow.debugging.assert_all_finite",
    "tensorflow.keras.callbacks.TerminateOnNaN",
    "keras.callbacks.TerminateOnNaN",
    "torch.autograd.detect_anomaly",
    "torch.autograd.set_detect_anomaly",
    "sklearn.utils.assert_all_finite",
    "sklearn.utils.validation.assert_all_finite",
)
# Calls that guard only with an option on: call -> words that option puts in the file's code.
OPTION_GUARDS = {
    names("EarlyStopping"): names("check_finite"),  # Lightning (keras has no such option)
    names("Trainer"): names("detect_anomaly"),
    names("clip_grad_norm_"): names("error_if_nonfinite"),
    names("jax.config.update"): names("jax_debug_nans", "jax_debug_infs"),
}


def _mentions_finite(node: ast.AST) -> bool:
    for inner in ast.walk(node):
        if isinstance(inner, ast.Call):
            func = inner.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in FINITE_NAMES:
                return True
    return False


def _called_name(func: ast.expr) -> str:
    """The last name of what a call calls (ast.unparse only for the rare callee that is no name)."""
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ast.unparse(func).rsplit(".", 1)[-1]


def finite_checks(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) for assertions and raising guards on NaN/Inf values."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and _mentions_finite(node.test):
            found.append((node.lineno, "asserts values are finite"))
        elif isinstance(node, ast.If) and _mentions_finite(node.test):
            if any(isinstance(n, ast.Raise) for stmt in node.body for n in ast.walk(stmt)):
                found.append((node.lineno, "raises on NaN/Inf"))
        elif isinstance(node, ast.Call):
            func = _called_name(node.func)
            if func.lower().startswith(("assert", "_assert")) and any(_mentions_finite(a) for a in node.args):
                found.append((node.lineno, f"{func}(…) on finiteness"))
    return found


def _guard_files(ctx: AuditContext, paths: list[str]) -> list[str]:
    """Files that may guard: a guard call, or an optional guard's call next to its option's word."""
    found = set(ctx.python.candidates(GUARD_CALLS, paths))
    for call, option in OPTION_GUARDS.items():
        found |= set(ctx.python.candidates(call, paths)).intersection(ctx.python.candidates(option, paths))
    return [path for path in paths if path in found]


def _guard_calls(ctx: AuditContext, paths: list[str]) -> list[Artifact]:
    found = []
    guards = GUARD_CALLS + tuple(call for calls in OPTION_GUARDS for call in calls)
    for path, call in ctx.python.find_calls(guards, _guard_files(ctx, paths)):
        leaf = call.name.rsplit(".", 1)[-1]
        if leaf == "EarlyStopping" and call.kwarg("check_finite") is not True:
            continue
        if leaf == "Trainer" and call.kwarg("detect_anomaly") is not True:
            continue
        if leaf == "clip_grad_norm_" and call.kwarg("error_if_nonfinite") is not True:
            continue
        if leaf == "update" and not (call.args and call.args[0] in ("jax_debug_nans", "jax_debug_infs")):
            continue
        if leaf == "set_detect_anomaly" and call.args and call.args[0] is False:
            continue
        line, where = notebook_line(ctx, path, call.line)
        found.append(Artifact(path, line, f"NaN/Inf guard {call.name}{where}"))
    return found


class Monitor5(Check):
    id = "monitor-5"
    section = "monitor"
    title = "The model is numerically stable"
    rationale = (
        "A NaN or infinity in training or serving spreads silently through every later computation. "
        "The first one should stop training or raise an alert, not surface weeks later as bad predictions."
    )
    evidence = (
        "guards active in training code: tf.debugging.check_numerics / enable_check_numerics, keras TerminateOnNaN, torch.autograd.detect_anomaly, Lightning Trainer(detect_anomaly=True), clip_grad_norm_(error_if_nonfinite=True), jax_debug_nans",
        "assertions or raising checks with isfinite/isnan/isinf in training code (every training run checks)",
        "tests asserting finite outputs or losses that CI runs",
        "alert rules on NaN/Inf predictions (deployed); NaN counters exported: 0.5",
        "finite checks in notebooks, scripts or serving code, or tests nothing runs: 0.5",
    )
    manual = "finite-value checks exist in notebooks, scripts, serving code or tests that CI does not run"
    automated = (
        "every training run checks for NaN/Inf, CI tests assert finite outputs, or an alert fires on NaN predictions"
    )
    remediation = (
        "Stop training on the first NaN/Inf (TerminateOnNaN, detect_anomaly, or `if not torch.isfinite(loss): raise`), "
        "add a CI test asserting the model's outputs and loss are finite, and alert on NaN predictions in serving."
    )

    def run(self, ctx: AuditContext) -> Outcome:
        training_side = set(import_closure(ctx, ctx.fact(training_files)))
        serving_side = set(import_closure(ctx, ctx.fact(serving_files)))
        sources = project_sources(ctx)
        strong: list = []
        weak: list = []
        for artifact in self._checks_in(ctx, sources + list(ctx.tests.files)):
            if len(strong) >= SHOWN:  # the evidence shown is settled: parse no further
                break
            if artifact.path in ctx.tests.test_code:
                evidence, runner = runner_evidence(ctx, artifact)
                (strong if runner and runner.automatic and runner.kind == "ci" else weak).append(evidence)
            elif artifact.path in training_side and not artifact.path.endswith(".ipynb"):
                strong.append(
                    Evidence(artifact.path, artifact.line, artifact.detail, "every training run (training code)")
                )
            elif artifact.path in serving_side:
                weak.append(
                    Evidence(
                        artifact.path,
                        artifact.line,
                        f"{artifact.detail} in serving code (fails the request; nothing alerts)",
                    )
                )
            else:
                weak.append(Evidence(artifact.path, artifact.line, artifact.detail))
        rules_strong, rules_weak = monitor_evidence(ctx, "nan")
        strong += rules_strong
        weak += rules_weak + [
            Evidence(m.path, m.line, f"exports {m.kind} {m.name}")
            for m in ctx.fact(exported_metrics)
            if "nan" in m.topics
        ]
        if strong:
            return automated("NaN/Inf values are caught automatically", _first(strong + weak[:1]))
        if weak:
            return manual(
                "NaN/Inf checks exist but nothing runs them on every training run or in CI",
                _first(weak),
                "Move the check into the training loop (or a CI test of the model's outputs), or alert on NaN predictions.",
            )
        return missing("no NaN/Inf checks found in training, serving or tests", self.remediation)

    @staticmethod
    def _checks_in(ctx: AuditContext, paths: list[str]) -> Iterator[Artifact]:
        """Guard calls, then finite checks file by file (parsed as the caller consumes them)."""
        yield from _guard_calls(ctx, paths)
        for path, found in per_file(
            ctx, FINITE_KIND, ctx.python.candidates(FINITE_NAMES, paths), partial(_finite_checks_of, ctx)
        ):
            for line, what in found:
                shown, where = notebook_line(ctx, path, line)
                yield Artifact(path, shown, what + where)


FINITE_KIND = "finite-checks:1"  # bump when finite_checks changes


def _finite_checks_of(ctx: AuditContext, path: str) -> tuple[tuple[tuple[int, str], ...], bool]:
    tree = ctx.parsed.python(path)
    return (tuple(finite_checks(tree)) if tree is not None else ()), tree is not None


# -- monitor-6 ------------------------------------------------------------------------------------
BENCH_COMMAND = (
    r"--benchmark-\w+|\basv\s+(run|continuous|compare)\b|\blocust\b|\bk6\s+run\b|--memray\b|--codspeed\b|"
    r"\bbencher\s+run\b|\bhyperfine\b|[\w/.-]*bench\w*\.py\b"
)
BENCH_GATE = r"--benchmark-compare-fail|\basv\s+continuous\b|--check-(fail-ratio|avg-response-time|rps)|\bbencher\s+run\b.*--(err|threshold)"
BENCH_ACTION = re.compile(
    r"benchmark-action/github-action-benchmark|CodSpeedHQ/action|bencherdev/bencher|grafana/(run-)?k6-action", re.I
)
_PERF_TEST = re.compile(r"latency|throughput|speed|perf|timing|inference_time|memory|benchmark|fast|slow", re.I)
TIMERS = names(
    "time.perf_counter",
    "time.time",
    "time.monotonic",
    "timeit.timeit",
    "timeit.repeat",
    "tracemalloc.get_traced_memory",
    "psutil.Process",
    "resource.getrusage",
)
PROFILERS = names(
    "memory_profiler",
    "scalene",
    "pyinstrument",
    "line_profiler",
    "cProfile",
    "torch.profiler",
    "tracemalloc",
    "pytest_benchmark",
)
BENCH_MARKS = names(
    "benchmark", "limit_memory", "limit_leaks"
)  # pytest-benchmark's fixture and mark, pytest-memray's marks
# A performance test file also spells one of these, as monitor-6 always required (time.monotonic
# alone is mostly a timeout, e.g. in Lightning's fast_dev_run tests, not a benchmark).
_PERFORMANCE_BYTES = re.compile(rb"benchmark|limit_memory|perf_counter|time\.time|timeit|tracemalloc|psutil")
_BENCH_USE = re.compile(rb"\bdef\s+test\w*\s*\([^)]*\bbenchmark\b|\bmark\.(benchmark|limit_memory|limit_leaks)\b")
ASSERT = names("assert")


class Monitor6(Check):
    id = "monitor-6"
    section = "monitor"
    title = "The model has not experienced dramatic or slow-leak regressions in training speed, serving latency, throughput, or RAM usage"
    rationale = (
        "A new model version or library can double latency or leak memory without changing a single "
        "prediction. Regression tests catch the sudden jumps; production metrics with alerts catch the slow leaks."
    )
    evidence = (
        "benchmarks in CI with a failing threshold: pytest-benchmark with --benchmark-compare-fail, github-action-benchmark with fail-on-alert/comment-on-alert, CodSpeed, asv continuous, pytest-memray limit_memory, timing tests asserting a bound",
        "load tests in CI: k6 with thresholds, locust with --check-* options",
        "latency/throughput/memory metrics exported from serving code (prometheus_client Histogram/Summary, instrumentators) with deployed alert rules on them",
        "benchmarks, load tests (locustfile.py, k6 scripts, asv.conf.json) or profiling a person runs; metrics collected without alerts: 0.5",
    )
    manual = "performance is measured (benchmarks, load tests, profiling, exported latency metrics) but nothing fails or alerts on a regression"
    automated = "CI fails on a benchmark regression, or a deployed alert rule watches latency, throughput or memory"
    remediation = (
        "Benchmark inference (and a training step) in CI with a failing threshold, e.g. pytest-benchmark with "
        "--benchmark-compare-fail or github-action-benchmark with fail-on-alert, and export serving latency and "
        "memory (prometheus_client Histogram) with alert rules on p99 latency and memory."
    )

    def run(self, ctx: AuditContext) -> Outcome:
        gates = self._ci_gates(ctx)
        bench_auto, bench_weak = self._benchmark_tests(ctx, bool(gates))
        strong = gates + bench_auto
        rules_strong, rules_weak = monitor_evidence(ctx, "latency")
        strong += rules_strong
        weak = bench_weak + rules_weak + self._measurements(ctx)
        if strong:
            return automated("performance regressions fail CI or raise alerts", _first(strong + weak[:1]))
        if weak:
            return manual(
                "performance is measured, but nothing fails or alerts on a regression",
                _first(weak),
                "Give the measurement a threshold that fails CI (--benchmark-compare-fail, fail-on-alert) or deploy alert rules on the exported latency/memory metrics.",
            )
        return missing("no benchmarks, load tests or performance metrics found", self.remediation)

    @staticmethod
    def _ci_gates(ctx: AuditContext) -> list[Evidence]:
        gates = []
        for command in ctx.wiring.find(BENCH_GATE):
            if command.runner.automatic and command.runner.kind == "ci":
                gates.append(
                    Evidence(
                        command.runner.path,
                        command.runner.line,
                        f"`{command.command}` fails on a performance regression",
                        command.runner.describe(),
                    )
                )
        for pipeline in ctx.ci:
            text = ctx.files.text(pipeline.path) or ""
            alerting = re.search(r"(fail|comment)-on-alert:\s*true", text) is not None
            for job in pipeline.jobs:
                for step in job.steps:
                    if not (step.uses and BENCH_ACTION.search(step.uses)):
                        continue
                    runner = Wiring.ci_runner(pipeline, job, step)
                    gated = alerting or not step.uses.lower().startswith("benchmark-action/")
                    if runner.automatic and gated:
                        gates.append(
                            Evidence(
                                pipeline.path,
                                step.line,
                                f"uses {step.uses}: flags benchmark regressions",
                                runner.describe(),
                            )
                        )
        k6 = [p for p in ctx.fact(k6_scripts) if "thresholds" in (ctx.files.text(p) or "")]
        for command in ctx.wiring.find(r"\bk6\s+run\b"):
            hit = next((p for p in k6 if p.rsplit("/", 1)[-1] in command.command), None)
            if hit and command.runner.automatic:
                gates.append(
                    Evidence(
                        hit,
                        None,
                        f"k6 load test with thresholds, run by `{command.command}`",
                        command.runner.describe(),
                    )
                )
        return gates

    @staticmethod
    def _benchmark_tests(ctx: AuditContext, gated: bool) -> tuple[list[Evidence], list[Evidence]]:
        auto, weak = [], []
        for path in _performance_tests(ctx):
            facts = ctx.python.facts(path)
            if facts is None:
                continue
            benches = _benchmark_fixture_tests(ctx, path)
            benches.update({f: line for f, d, line in facts.decorators if d.endswith("mark.benchmark")})
            limits = {
                f: line for f, d, line in facts.decorators if d.endswith(("mark.limit_memory", "mark.limit_leaks"))
            }
            timed = any(c.name in TIMERS for c in facts.calls) and facts.asserts
            bounds = {n: line for n, line in facts.test_functions() if timed and _PERF_TEST.search(n)}
            for name, line in {**benches, **limits, **bounds}.items():
                threshold = name in limits or name in bounds or gated
                what = (
                    "memory limit test"
                    if name in limits
                    else "timing test asserting a bound"
                    if name in bounds
                    else "benchmark"
                )
                evidence, runner = runner_evidence(ctx, Artifact(path, line, f"{what} {name}"))
                if runner and runner.automatic and runner.kind == "ci" and threshold:
                    auto.append(evidence)
                elif runner and runner.automatic:
                    weak.append(
                        Evidence(
                            evidence.path,
                            evidence.line,
                            f"{evidence.detail}: CI measures, nothing fails on a regression",
                            evidence.runner,
                        )
                    )
                else:
                    weak.append(evidence)
        return auto, weak

    @staticmethod
    def _measurements(ctx: AuditContext) -> list[Evidence]:
        found = [
            Evidence(m.path, m.line, f"exports {m.kind} {m.name} (collected; no alert rule on it)")
            for m in ctx.fact(exported_metrics)
            if "latency" in m.topics
        ]
        found += [
            Evidence(path, line, f"{call} records training speed and memory (collected; no alert on it)")
            for path, line, call in training_telemetry(ctx)[:2]
        ]
        load_tests = files_named(ctx, r"locustfile[^/]*\.py|asv\.conf\.json")
        load_tests += ctx.fact(k6_scripts)
        found += [Evidence(p, None, "load test / benchmark suite a person runs") for p in load_tests[:2]]
        runs = [
            c for c in ctx.wiring.find(BENCH_COMMAND) if c.runner.kind == "ci" and not re.search(BENCH_GATE, c.command)
        ]
        found += [
            Evidence(
                c.runner.path,
                c.runner.line,
                f"runs `{c.command}` with no failing speed or memory threshold",
                c.runner.describe(),
            )
            for c in runs[:2]
        ]
        profiling = ctx.python.candidates(PROFILERS, project_sources(ctx))
        found += [
            Evidence(p, line, f"profiles with {module}")
            for p, module, line in ctx.python.find_imports(PROFILERS, profiling)[:2]
        ]
        return found


def _benchmark_fixture_tests(ctx: AuditContext, path: str) -> dict[str, int]:
    """Tests taking pytest-benchmark's `benchmark` fixture: name -> line (a parse only when the word is there)."""
    if "benchmark" not in ctx.python.words.get(path, ()):
        return {}
    [(_, found)] = per_file(ctx, "benchmark-fixture-tests:1", [path], partial(_benchmark_fixture_pairs, ctx))
    return dict(found)


def _benchmark_fixture_pairs(ctx: AuditContext, path: str) -> tuple[tuple[tuple[str, int], ...], bool]:
    tree = ctx.parsed.python(path)
    functions = (
        [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))] if tree else []
    )
    return tuple(
        (f.name, f.lineno)
        for f in functions
        if f.name.startswith("test") and any(a.arg == "benchmark" for a in f.args.args)
    ), tree is not None


def k6_scripts(ctx: AuditContext) -> list[str]:
    return ctx.files.grep(re.compile(rb"k6/http"), ctx.files.with_suffix(".js", ".ts"))


def _performance_tests(ctx: AuditContext) -> list[str]:
    """Test files worth parsing for monitor-6: a benchmark fixture or memory mark in use, or a timer
    call next to an assert in a file whose test (or test class) names speak of speed or memory."""
    tests = ctx.tests.files
    wanted = set(grep_code(ctx, _BENCH_USE, ctx.python.candidates(BENCH_MARKS, tests)))
    asserting = set(ctx.python.candidates(ASSERT, tests))
    timing = [p for p in ctx.python.candidates(TIMERS, tests) if p in asserting and p not in wanted]
    wanted.update(p for p in timing if _speaks_of_performance(ctx.python.outline(p)))
    return grep_bytes(ctx, _PERFORMANCE_BYTES, [p for p in tests if p in wanted])


def _speaks_of_performance(outline) -> bool:
    defined = [name for name, _ in outline.functions] + [name for name, _, _ in outline.classes]
    return any(_PERF_TEST.search(name) for name in defined)


# -- monitor-7 ------------------------------------------------------------------------------------
QUALITY_MONITOR_IAC = r"AWS::SageMaker::ModelQualityJobDefinition|aws_sagemaker_model_quality_job_definition|MonitoringType:\s*ModelQuality"
QUALITY_METRIC = re.compile(
    r"accuracy|auc|precision|recall|f1|rmse|mae|mape|calibrat|brier|bias|drift|confidence|probabilit|prediction_(value|score|distribution|mean)|predicted_(value|class|label)",
    re.I,
)
_SERVED_EVAL = re.compile(r"monitor|feedback|online|production|served|live|label_join|ground_truth", re.I)
METRIC_CALL = re.compile(r"^sklearn\.metrics\.\w+|^torchmetrics\.|^evaluate\.load$")
_METRIC_LIBRARIES = names("sklearn.metrics", "torchmetrics")
# Predictions read back from a store (a query, a collection, a log table) and joined with actuals,
# in code that calls no model itself.
_SERVED_PREDICTIONS = re.compile(
    rb"(?s)\A(?!.*\.predict(?:_proba)?\s*\()(?=.*(?:\.find\s*\(|read_sql|read_gbq|\.query\s*\(|\.execute\s*\(|"
    rb"read_csv|read_parquet|read_json|scan\s*\(|get_item))(?=.*predictions?(?![a-z]))(?=.*\b(?:merge|join)\s*\()"
    rb"(?=.*(?:actual|ground_?truth|label|feedback|outcome))"
)


class Monitor7(Check):
    id = "monitor-7"
    section = "monitor"
    title = "The model has not experienced a regression in prediction quality on served data"
    rationale = (
        "Offline evaluation says nothing about next month's traffic. Prediction quality must be measured on "
        "served data, against delayed labels or proxies such as prediction bias, with alerts on sudden and slow drops."
    )
    evidence = (
        "quality monitors with thresholds: Evidently classification/regression tests, NannyML CBPE/DLE/PerformanceCalculator, SageMaker ModelQualityMonitor (with a schedule), Vertex model monitoring, run on a schedule or registered by an automated job",
        "alert rules on accuracy, prediction-distribution or bias metrics (Prometheus, Grafana, CloudWatch, Terraform), deployed",
        "a scheduled evaluation over served data and feedback labels that fails below a threshold",
        "quality reports a person runs, prediction logging to Arize/WhyLabs, exported prediction metrics, undeployed alert rules: 0.5",
    )
    manual = "prediction quality on served data is measured by hand, or only collected (no threshold or alert), or alert rules exist that nothing deploys"
    automated = "a quality check with thresholds runs on a schedule over served data, or a deployed alert rule watches quality metrics"
    remediation = (
        "Log predictions with ids, join them with labels as they arrive, and run a scheduled quality check with "
        "thresholds (e.g. an Evidently classification TestSuite or NannyML CBPE in a cron job, or a SageMaker "
        "ModelQualityMonitor schedule) that alerts on a drop; alert on prediction-distribution shifts meanwhile."
    )

    def run(self, ctx: AuditContext) -> Outcome:
        strong, weak = monitor_evidence(ctx, "quality", (QUALITY_MONITOR_IAC, "model quality monitor"))
        scheduled_strong, scheduled_weak = self._scheduled_evaluations(ctx)
        strong += scheduled_strong
        metrics = [
            Evidence(m.path, m.line, f"exports {m.kind} {m.name} (collected; no alert rule on it)")
            for m in ctx.fact(exported_metrics)
            if QUALITY_METRIC.search(m.name) and "latency" not in m.topics
        ]
        if strong:
            return automated("prediction quality on served data is checked on its own", _first(strong + weak[:1]))
        evidence = weak + scheduled_weak + metrics
        if evidence:
            return manual(
                "prediction quality is measured or collected, but no automated check alerts on a drop",
                _first(evidence),
                "Run the quality check on a schedule with thresholds (or deploy alert rules on the quality metrics) so a drop reaches a person.",
            )
        return missing("no monitoring of prediction quality on served data found", self.remediation)

    @staticmethod
    def _scheduled_evaluations(ctx: AuditContext) -> tuple[list[Evidence], list[Evidence]]:
        strong: list = []
        weak: list = []
        sources = [p for p in project_sources(ctx) if p.endswith(".py")]
        served = set(grep_code(ctx, _SERVED_PREDICTIONS, ctx.python.candidates(_METRIC_LIBRARIES, sources)))
        for path in sources:
            # by what it does (scores predictions read back from where serving logged them, no model
            # call of its own), or by a name that says it
            if path not in served and not _SERVED_EVAL.search(path.rsplit("/", 1)[-1]):
                continue
            run = automatic_run(ctx, path, follow_imports=False)
            facts = ctx.python.facts(path)
            if (
                run is None
                or not run.scheduled
                or facts is None
                or not any(METRIC_CALL.search(c.name) for c in facts.calls)
            ):
                continue
            tree = ctx.parsed.python(path)
            gate = metric_gate_line(tree) if tree is not None else None
            if gate is not None:
                strong.append(
                    Evidence(path, gate, "scheduled evaluation on served data fails below a threshold", run.describe)
                )
            else:
                weak.append(
                    Evidence(path, None, "scheduled evaluation on served data, without a threshold", run.describe)
                )
        return strong, weak


CHECKS = (Monitor1, Monitor2, Monitor3, Monitor4, Monitor5, Monitor6, Monitor7)
