"""Facts the monitoring checks share: which code serves and which trains, monitoring-tool calls,
alert rules and exported metrics, and whether a config is deployed or code runs on its own.

Everything comes from resolved calls (ctx.python), config lines and CI commands; nothing from the
audited repository is imported or run. Use each producer through `ctx.fact(...)`.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from mltestscore.evidence.configs import search_configs
from mltestscore.evidence.prefilters import passing, prefilter
from mltestscore.evidence.python import name_matches, names
from mltestscore.evidence.sources import notebook_line, project_sources

# -- serving and training code -------------------------------------------------------------------
SERVING_CALLS = names(
    "fastapi.FastAPI",
    "fastapi.APIRouter",
    "flask.Flask",
    "flask.Blueprint",
    "bentoml.Service",
    "starlette.applications.Starlette",
    "litserve.LitServer",
    "kserve.ModelServer",
    "sanic.Sanic",
    "aiohttp.web.Application",
    "falcon.App",
    "falcon.API",
    "tornado.web.Application",
    "grpc.server",
    "ray.serve.run",
    "mlserver.MLServer",
)
SERVING_DECORATORS = names(
    "bentoml.service",
    "bentoml.api",
    "ray.serve.deployment",
    "modal.asgi_app",
    "modal.web_endpoint",
    "modal.fastapi_endpoint",
    "functions_framework.http",
)
SERVING_BASES = names(
    "kserve.Model",
    "mlserver.MLModel",
    "ts.torch_handler.base_handler.BaseHandler",
    "litserve.LitAPI",
    "mlflow.pyfunc.PythonModel",
    "seldon_core.user_model.SeldonComponent",
)
_SAGEMAKER_HANDLERS = {"predict_fn", "input_fn", "transform_fn", "output_fn"}
_SERVING_DEFINITIONS = names("model_fn", "TritonPythonModel")  # defined, not called: SageMaker, Triton
_TRAIN_PATH = re.compile(r"(^|/|_)(re)?train(ing|er|ers)?([_/.]|$)", re.I)
MODEL_SAVES = names(
    "joblib.dump",
    "torch.save",
    "pickle.dump",
    "save_model",
    "save_pretrained",
    "log_model",
    "skops.io.dump",
    "cloudpickle.dump",
    "save_weights",
    "save_checkpoint",
)
FIT_CALLS = names("fit", "train", "fit_transform")  # a file calling one and saving a model trains
IMPORT_DEPTH = 3


def _python_sources(ctx) -> list[str]:
    return [p for p in project_sources(ctx) if p.endswith(".py")]


def serving_files(ctx) -> dict[str, str]:
    """Project files that serve predictions: path -> what makes them a server."""
    found: dict[str, str] = {}
    # Only files whose code names a serving library's class, decorator or handler are parsed.
    markers = SERVING_CALLS + SERVING_DECORATORS + SERVING_BASES + _SERVING_DEFINITIONS
    for path in ctx.python.candidates(markers, ctx.fact(_python_sources)):
        facts = ctx.python.facts(path)
        if facts is None:
            continue
        why = next(
            (f"creates a {c.name} app" for c in facts.calls if any(name_matches(c.name, n) for n in SERVING_CALLS)),
            None,
        )
        why = why or next(
            (
                f"@{d} handler {f}"
                for f, d, _ in facts.decorators
                if any(name_matches(d, n) for n in SERVING_DECORATORS)
            ),
            None,
        )
        why = why or next(
            (
                f"{name} serves a {base}"
                for name, bases, _ in facts.classes
                for base in bases
                if any(name_matches(base, n) for n in SERVING_BASES)
            ),
            None,
        )
        functions = {name for name, _ in facts.functions}
        if why is None and "model_fn" in functions and functions & _SAGEMAKER_HANDLERS:
            why = "SageMaker inference handlers (model_fn, predict_fn)"
        if why is None and any(name == "TritonPythonModel" for name, _, _ in facts.classes):
            why = "Triton Python backend model"
        if why:
            found[path] = why
    found.update(azureml_scoring_scripts(ctx, [p for p in ctx.fact(_python_sources) if p not in found]))
    return found


# An Azure ML (or Azure Functions-style) scoring script: module-level init() loads the model, run()
# answers each request; the endpoint calls both, so nothing in the file names a web framework.
_SCORING_ENTRY = prefilter("project", re.compile(rb"^def init\(\s*\)[^\n]*:\s*$(?s:.*)^def run\(", re.M))
_LOAD_LEAVES = frozenset({"load_model", "load", "get_model_path"})


def azureml_scoring_scripts(ctx, paths: list[str]) -> dict[str, str]:
    found = {}
    wanted = set(paths)
    for path in (p for p in passing(ctx, _SCORING_ENTRY) if p in wanted):
        facts = ctx.python.facts(path)
        if facts and any(c.name.rsplit(".", 1)[-1] in _LOAD_LEAVES and "." in c.name for c in facts.calls):
            found[path] = "scoring script: init() loads the model, run() answers requests (Azure ML endpoint)"
    return found


def training_files(ctx) -> dict[str, str]:
    """Project files that train models: training modules, pipeline stages, fit-and-save scripts."""
    found: dict[str, str] = {}
    sources = ctx.fact(_python_sources)
    for path in sources:
        runner = next((r for r in ctx.wiring.runners_for(path) if r.kind == "pipeline"), None)
        if runner is not None:
            found[path] = f"run by {runner.label}"
        elif _TRAIN_PATH.search(path):
            found[path] = "training module"
    for pipeline in ctx.code_pipelines:
        found.setdefault(pipeline.path, f"defines {pipeline.orchestrator} pipeline {pipeline.name}")
    fitting = set(ctx.python.candidates(FIT_CALLS, sources))  # parse only files that fit and save
    for path, call in ctx.python.find_calls(MODEL_SAVES, [p for p in sources if p in fitting and p not in found]):
        facts = ctx.python.facts(path)
        if path not in found and facts and any(c.name.rsplit(".", 1)[-1] in FIT_CALLS for c in facts.calls):
            found[path] = f"fits a model and saves it ({call.name})"
    return found


class ImportGraph:
    """Each file's project imports (from its outline), read once for the many closures checks take."""

    def __init__(self, ctx) -> None:
        self.python = ctx.python
        self._edges: dict[str, dict[str, int]] = {}

    def imports(self, path: str) -> dict[str, int]:
        if path not in self._edges:
            self._edges[path] = self.python.project_imports(path)
        return self._edges[path]


def import_closure(ctx, starts, depth: int = IMPORT_DEPTH) -> dict[str, str]:
    """`starts` plus the project modules they import, `depth` levels down: path -> first importer."""
    graph = ctx.fact(ImportGraph)
    seen = {path: path for path in starts}
    frontier = list(starts)
    for _ in range(depth):
        following = []
        for path in frontier:
            for target in graph.imports(path):
                if target not in seen:
                    seen[target] = path
                    following.append(target)
        frontier = following
    return seen


# -- monitoring tools called from code -------------------------------------------------------------
# (resolved call name regex, tool, topics, checks: True = thresholds/tests, False = collects only).
# Topic "auto" is decided from the call's last name (quality words -> quality, else data).
_E = r"evidently(\.legacy)?"
_V = r"google\.cloud\.aiplatform(_v1|_v1beta1)?"
MONITOR_TOOLS = (
    (
        rf"{_E}\.test_preset\.(BinaryClassification(TopK)?|MulticlassClassification|Regression)TestPreset",
        "Evidently",
        ("quality",),
        True,
    ),
    (rf"{_E}\.test_preset\.\w+", "Evidently", ("data",), True),
    (rf"{_E}\.tests\.\w+", "Evidently", ("auto",), True),
    (rf"{_E}\.metric_preset\.(Classification|Regression|TargetDrift)Preset", "Evidently", ("quality",), False),
    (rf"{_E}\.metric_preset\.\w+", "Evidently", ("data",), False),
    (r"evidently\.presets\.(Classification|Regression)Preset", "Evidently", ("quality",), False),
    (r"evidently\.presets\.\w+", "Evidently", ("data",), False),
    (rf"{_E}\.metrics\.\w+", "Evidently", ("auto",), False),
    (r"evidently\.(dashboard\.tabs|tabs|profile_sections|model_profile\.sections)\.\w+", "Evidently", ("auto",), False),
    # Evidently's real-time monitors (0.1.x): ModelMonitoring over DataDriftMonitor... exports metrics
    (r"evidently\.model_monitoring(\.monitors)?(\.\w+)*\.\w*Monitor(ing)?", "Evidently", ("auto",), False),
    (r"whylogs\.core\.constraints(\.\w+)*\.\w+", "whylogs constraints", ("data",), True),
    (
        r"whylogs(\.experimental)?(\.api)?(\.logger)?\.log_(classification|regression)_metrics",
        "whylogs",
        ("quality",),
        False,
    ),
    (r"whylogs(\.api)?(\.logger)?\.log(_pandas)?", "whylogs", ("data",), False),
    (r"whylogs\.api\.writer\.whylabs\.WhyLabsWriter", "WhyLabs", ("data", "quality"), False),
    (
        r"tensorflow_data_validation\.validate_(statistics|examples_in_tfrecord|examples_in_csv|instance)",
        "TFDV",
        ("data",),
        True,
    ),
    (r"tensorflow_data_validation\.generate_statistics_from_\w+", "TFDV", ("data",), False),
    (r"tfx(\.v1)?\.components\.ExampleValidator", "TFX ExampleValidator", ("data",), True),
    (r"nannyml(\.\w+)*\.(CBPE|DLE|PerformanceCalculator)", "NannyML", ("quality",), True),
    (r"nannyml(\.\w+)*\.\w*(Drift|Missing|Unseen|DomainClassifier)\w*", "NannyML", ("data",), True),
    (
        r"deepchecks\.(tabular|nlp|vision)\.suites\.(data_integrity|train_test_validation)",
        "deepchecks",
        ("data",),
        True,
    ),
    (
        r"deepchecks\.(tabular|nlp|vision)\.checks\.\w*(Drift|Integrity|Missing|Outlier|Conflict|Duplicate|Mismatch|Mixed)\w*",
        "deepchecks",
        ("data",),
        True,
    ),
    (r"alibi_detect\.(cd|od)(\.\w+)*\.\w+", "Alibi Detect", ("data",), True),
    (r"frouros\.detectors(\.\w+)+", "Frouros", ("data",), True),
    (r"sagemaker\.model_monitor\.ModelQualityMonitor", "SageMaker Model Monitor", ("quality",), True),
    (r"sagemaker\.model_monitor\.DefaultModelMonitor", "SageMaker Model Monitor", ("data",), True),
    (r"sagemaker\.model_monitor\.DataCaptureConfig", "SageMaker data capture", ("data",), False),
    (
        r"sagemaker\.workflow\.quality_check_step\.ModelQualityCheckConfig",
        "SageMaker QualityCheckStep",
        ("quality",),
        True,
    ),
    (r"sagemaker\.workflow\.quality_check_step\.DataQualityCheckConfig", "SageMaker QualityCheckStep", ("data",), True),
    (
        rf"{_V}\.(model_monitoring\.SkewDetectionConfig|ModelMonitoringObjectiveConfig\.TrainingPredictionSkewDetectionConfig)",
        "Vertex skew detection",
        ("skew", "data"),
        True,
    ),
    (
        rf"{_V}\.(ModelDeploymentMonitoringJob(\.create)?|model_monitoring\.\w+|ModelMonitoringObjectiveConfig(\.\w+)*)",
        "Vertex model monitoring",
        ("data", "quality"),
        True,
    ),
    (r"vertexai(\.resources)?\.preview\.ml_monitoring(\.\w+)*", "Vertex model monitoring", ("data", "quality"), True),
    (r"arize\.(api|pandas\.logger)\.Client", "Arize", ("quality",), False),
)
# Every resolved tool call starts with one of these modules, so its file's code names one of them.
_TOOL_MODULES = names(
    "evidently",
    "whylogs",
    "tensorflow_data_validation",
    "tfx",
    "nannyml",
    "deepchecks",
    "alibi_detect",
    "frouros",
    "sagemaker",
    "aiplatform",
    "aiplatform_v1",
    "aiplatform_v1beta1",
    "vertexai",
    "arize",
)
_TOOL_PATTERNS = [(re.compile(p), tool, topics, checks) for p, tool, topics, checks in MONITOR_TOOLS]
QUALITY_WORDS = re.compile(
    r"accuracy|auc|precision|recall|f1|rmse|\bmae|mape|log_?loss|calibrat|brier|classification|regression|"
    r"quality_metric|performance|prediction|target|label|ground_truth|\btpr|\bfpr|\btnr|\bfnr|r2|mean_?error|concept",
    re.I,
)


@dataclass(frozen=True)
class ToolUse:
    path: str
    line: int | None
    tool: str
    name: str  # the resolved call
    topics: tuple[str, ...]  # data | quality | skew
    checks: bool  # thresholds or tests (else it only collects)
    where: str = ""  # " (cell 3)" for notebooks

    def detail(self) -> str:
        kind = "checks" if self.checks else "collects"
        return f"{self.tool}: {self.name.rsplit('.', 1)[-1]} ({kind}){self.where}"


def tool_uses(ctx) -> list[ToolUse]:
    """Monitoring-tool calls in project code and notebooks (not tests)."""
    found: list[ToolUse] = []
    for path in ctx.python.candidates(_TOOL_MODULES, project_sources(ctx)):
        facts = ctx.python.facts(path)
        if facts is None:
            continue
        upgrade = any(c.kwarg("include_tests") is True for c in facts.calls if c.name.startswith("evidently"))
        for call in facts.calls:
            use = _classify(call, upgrade)
            if use is not None:
                tool, topics, checks = use
                line, where = notebook_line(ctx, path, call.line)
                found.append(ToolUse(path, line, tool, call.name, topics, checks, where))
    return found


def _classify(call, include_tests: bool):
    for pattern, tool, topics, checks in _TOOL_PATTERNS:
        if pattern.fullmatch(call.name):
            if topics == ("auto",):
                topics = ("quality",) if QUALITY_WORDS.search(call.name.rsplit(".", 1)[-1]) else ("data",)
            if tool == "Evidently" and (include_tests or any(k == "tests" for k, _ in call.kwargs)):
                checks = True  # Evidently 0.7: Report(include_tests=True), Metric(tests=[...])
            return tool, topics, checks
    return None


# -- alert rules -------------------------------------------------------------------------------------
TOPIC_WORDS = {
    "nan": re.compile(r"(^|[^a-z])nan([^a-z]|$)|is_?nan|non_?finite|not_?finite|infinite", re.I),
    "staleness": re.compile(
        r"model_?age|stale|last_?(train|retrain|update|refresh)|trained_?(at|time|timestamp)|model\w*timestamp|freshness|time\(\)\s*-",
        re.I,
    ),
    "latency": re.compile(
        r"latency|duration|response_?time|histogram_quantile|throughput|requests?_total|_rps\b|\bqps|memory|\brss\b|heap|oom|cpu|_bytes|p9[59]|saturation|slow",
        re.I,
    ),
    "data": re.compile(
        r"drift|schema|validation|invalid|missing|null|out_?of_?range|outlier|anomal|data_?quality|feature|input|skew|psi\b",
        re.I,
    ),
    "quality": QUALITY_WORDS,
}


_QUALITY_METRIC_WORDS = re.compile(
    r"accuracy|auc|precision|recall|f1|rmse|\bmae|mape|log_?loss|calibrat|brier|bias|label|ground_truth", re.I
)


def topics_of(text: str) -> set[str]:
    topics = {topic for topic, words in TOPIC_WORDS.items() if words.search(text)}
    if {"latency", "quality"} <= topics and not _QUALITY_METRIC_WORDS.search(text):
        topics.discard("quality")  # prediction_latency_seconds measures speed, not quality
    return topics


@dataclass(frozen=True)
class AlertRule:
    path: str
    line: int
    name: str
    kind: str  # Prometheus alert, Grafana alert, CloudWatch alarm, ...
    text: str  # the rule's body: expression, labels, thresholds

    @property
    def topics(self) -> set[str]:
        return topics_of(f"{self.name} {self.text}")


_IAC_ALERTS = (
    "aws_cloudwatch_metric_alarm",
    "google_monitoring_alert_policy",
    "azurerm_monitor_metric_alert",
    "azurerm_monitor_scheduled_query_rules_alert",
    "azurerm_monitor_scheduled_query_rules_alert_v2",
    "datadog_monitor",
    "newrelic_alert_condition",
    "newrelic_nrql_alert_condition",
    "grafana_rule_group",
)
_HCL_ALERT = re.compile(r'^resource\s+"(' + "|".join(_IAC_ALERTS) + r')"\s+"([^"]+)"')
_PROM_ALERT = re.compile(r"^(\s*)-\s+alert:\s*['\"]?([^'\"#]+)")
_GRAFANA_RULE = re.compile(r"^(\s*)-\s+(?:uid|title):\s*['\"]?([^'\"#]+)")
_ALARM_CALLS = names("put_metric_alarm")
_CFN_ALARM = r"['\"]?Type['\"]?\s*:\s*['\"]?AWS::CloudWatch::Alarm"


def alert_rules(ctx) -> list[AlertRule]:
    """Alert rules in config: Prometheus/PrometheusRule, Grafana alerting, CloudWatch, Terraform
    alert resources; and CloudWatch alarms created from code (boto3 put_metric_alarm)."""
    rules: list[AlertRule] = []
    for hit in search_configs(ctx, r"^\s*-\s+alert:\s*\S", (".yaml", ".yml")):
        block = _block(ctx.files.text(hit.path) or "", hit.line)
        match = _PROM_ALERT.match(hit.text)
        if match and re.search(r"^\s*expr:", block, re.M):
            rules.append(AlertRule(hit.path, hit.line, match.group(2).strip(), "Prometheus alert rule", block))
    for path in ctx.files.grep(re.compile(rb"datasourceUid"), ctx.files.with_suffix(".yaml", ".yml")):
        text = ctx.files.text(path) or ""
        if not re.search(r"^\s*condition:", text, re.M):
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            match = _GRAFANA_RULE.match(line)
            block = _block(text, number) if match else ""
            if match and re.search(r"^\s*condition:", block, re.M):
                title = re.search(r"^\s*title:\s*['\"]?([^'\"#\n]+)", block, re.M)
                name = title.group(1) if title else match.group(2)
                rules.append(AlertRule(path, number, name.strip(), "Grafana alert rule", block))
    for path in ctx.files.grep(
        re.compile(rb"resource\s+\"(" + "|".join(_IAC_ALERTS).encode() + rb")\""), ctx.files.with_suffix(".tf")
    ):
        text = ctx.files.text(path) or ""
        for number, line in enumerate(text.splitlines(), start=1):
            match = _HCL_ALERT.match(line)
            if match:
                rules.append(
                    AlertRule(path, number, match.group(2), f"Terraform {match.group(1)}", _hcl_block(text, number))
                )
    for hit in search_configs(ctx, _CFN_ALARM, (".yaml", ".yml", ".json", ".template")):
        block = _block(ctx.files.text(hit.path) or "", hit.line, up=True)
        key = re.search(r"[\w-]+", block.splitlines()[0]) if block else None
        name = key.group(0) if key else "CloudWatch alarm"
        rules.append(AlertRule(hit.path, hit.line, name, "CloudFormation AWS::CloudWatch::Alarm", block))
    for path, call in ctx.python.find_calls(_ALARM_CALLS, project_sources(ctx)):
        text = " ".join(f"{k}={v}" for k, v in call.kwargs if isinstance(v, str))
        rules.append(
            AlertRule(
                path,
                call.line,
                str(call.kwarg("AlarmName") or "CloudWatch alarm"),
                "CloudWatch alarm (boto3 put_metric_alarm)",
                text,
            )
        )
    return rules + _plugin_alert_rules(ctx)


def _plugin_alert_rules(ctx) -> list[AlertRule]:
    """Alert configs of the monitoring systems plugins add (evidence/providers.AlertProvider)."""
    from mltestscore.evidence.providers import providers, read_config_files

    rules = []
    for provider in providers("alerts"):
        for path, found in read_config_files(ctx.parsed, provider, f"{provider.system} alert"):
            for line, name, body in found:
                rules.append(AlertRule(path, int(line or 1), str(name), f"{provider.system} alert rule", str(body)))
    return rules


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" -"))


def _block(text: str, line: int, up: bool = False) -> str:
    """The YAML block a list item or key at `line` opens: lines until one at its indentation or
    less. With `up`, start at the parent key (a CloudFormation resource around its Type:)."""
    lines = text.splitlines()
    start = line - 1
    if up:
        while start > 0 and _indent(lines[start - 1]) >= _indent(lines[line - 1]):
            start -= 1
        start = max(0, start - 1)
    indent = len(lines[start]) - len(lines[start].lstrip(" "))
    body = [lines[start]]
    for following in lines[start + 1 :]:
        if following.strip() and len(following) - len(following.lstrip(" ")) <= indent:
            break
        body.append(following)
    return "\n".join(body)


def _hcl_block(text: str, line: int) -> str:
    lines = text.splitlines()
    body = []
    for following in lines[line - 1 :]:
        body.append(following)
        if following.startswith("}"):
            break
    return "\n".join(body)


# -- metrics exported from code ---------------------------------------------------------------------
METRIC_CALLS = (
    (r"prometheus_client(\.metrics)?\.(Counter|Gauge|Histogram|Summary)", None),
    (r"bentoml\.metrics\.(Counter|Gauge|Histogram|Summary)", None),
    (r"aioprometheus(\.collectors)?\.(Counter|Gauge|Histogram|Summary)", None),
    (
        r"prometheus_fastapi_instrumentator\.Instrumentator",
        "HTTP latency/throughput (prometheus-fastapi-instrumentator)",
    ),
    (
        r"starlette_exporter\.PrometheusMiddleware|starlette_prometheus\.PrometheusMiddleware",
        "HTTP latency/throughput (Prometheus middleware)",
    ),
    (r"prometheus_flask_exporter\.\w*PrometheusMetrics", "HTTP latency/throughput (prometheus-flask-exporter)"),
    (r"([\w.]+\.)?create_histogram", None),
    (r"datadog\.statsd\.(histogram|distribution|timing|timed|gauge|increment)", None),
    (r"([\w.]+\.)?put_metric_data", "CloudWatch custom metric"),
)
_METRIC_PATTERNS = [(re.compile(p), fixed) for p, fixed in METRIC_CALLS]
_METRIC_WORDS = names(
    "prometheus_client",
    "bentoml",
    "aioprometheus",
    "prometheus_fastapi_instrumentator",
    "starlette_exporter",
    "starlette_prometheus",
    "prometheus_flask_exporter",
    "create_histogram",
    "datadog",
    "put_metric_data",
)


@dataclass(frozen=True)
class ExportedMetric:
    path: str
    line: int
    name: str  # the metric's name, or what the instrumentation records
    kind: str  # Histogram, Counter, ... or the instrumentation

    @property
    def topics(self) -> set[str]:
        found = topics_of(self.name)
        if not found and self.kind in ("Histogram", "Summary", "create_histogram", "timing", "timed", "distribution"):
            found = {"latency"}  # an unnamed histogram is almost always a latency
        return found


def exported_metrics(ctx) -> list[ExportedMetric]:
    """Metrics project code exports to a monitoring system (not notebooks, not tests)."""
    metrics: list[ExportedMetric] = []
    for path in ctx.python.candidates(_METRIC_WORDS, ctx.fact(_python_sources)):
        facts = ctx.python.facts(path)
        for call in facts.calls if facts else []:
            for pattern, fixed in _METRIC_PATTERNS:
                if pattern.fullmatch(call.name):
                    kind = call.name.rsplit(".", 1)[-1]
                    first = call.args[0] if call.args else call.kwarg("name")
                    name = fixed or (first if isinstance(first, str) else f"{kind} metric")
                    metrics.append(ExportedMetric(path, call.line, name, kind if not fixed else "instrumentation"))
                    break
    return metrics


# -- is a config deployed --------------------------------------------------------------------------
DEPLOY_COMMAND = re.compile(
    r"\b(kubectl|helm|kustomize|oc|skaffold|argocd|mimirtool|cortextool|gcloud|az|aws|terraform|terragrunt|pulumi|cdk|sam|serverless|sls|ansible-playbook)\b"
)
_APPLY_ALL = re.compile(
    r"\b(terraform|terragrunt)\b.*\bapply\b|\bpulumi\s+up\b|\bcdk\s+deploy\b|\bsam\s+deploy\b|\baws\s+cloudformation\s+deploy\b|\b(serverless|sls)\s+deploy\b"
)


def deployment(ctx, path: str) -> str | None:
    """How the repository deploys a config file, or None when nothing does: a Helm chart template,
    a Kustomization entry, an Argo CD application's path, or a CI command that applies it."""
    parts = path.split("/")
    if "templates" in parts:
        chart = "/".join(parts[: parts.index("templates")])
        if (f"{chart}/Chart.yaml" if chart else "Chart.yaml") in ctx.files:
            return f"Helm chart {chart or '.'} includes it"
    for source, entry in ctx.fact(_deploy_sources):
        if entry and (path == entry or path.startswith(entry + "/")):
            return source
    for command in ctx.wiring.find(DEPLOY_COMMAND):
        if command.runner.kind != "ci":
            continue
        words = [w.strip("'\"").rstrip("/").removeprefix("./") for w in command.command.split()]
        targets = [posixpath.normpath(posixpath.join(command.cwd, w)) for w in words if w and w != "."]
        if any(path == t or path.startswith(t + "/") for t in targets):
            return f"{command.runner.describe()} runs `{command.command}`"
        if path.endswith((".tf", ".template")) or "cloudformation" in path.lower():
            if _APPLY_ALL.search(command.command):
                return f"{command.runner.describe()} runs `{command.command}`"
    return None


def _deploy_sources(ctx) -> list[tuple[str, str]]:
    """(how, path) pairs: what Kustomizations and Argo CD applications deploy."""
    found: list[tuple[str, str]] = []
    for kustomization in ctx.files.named("kustomization.yaml", "kustomization.yml", "Kustomization"):
        data = ctx.parsed.yaml(kustomization)
        if not isinstance(data, dict):
            continue
        folder = posixpath.dirname(kustomization)
        entries = []
        for key in ("resources", "bases", "components", "patchesStrategicMerge", "crds"):
            entries += [e for e in data.get(key) or [] if isinstance(e, str)]
        for key in ("configMapGenerator", "secretGenerator"):
            for generator in data.get(key) or []:
                files = generator.get("files") if isinstance(generator, dict) else None
                entries += [f.split("=", 1)[-1] for f in files or [] if isinstance(f, str)]
        for entry in entries:
            if "://" not in entry:
                found.append((f"{kustomization} lists it", posixpath.normpath(posixpath.join(folder, entry))))
    for hit in search_configs(ctx, r"^\s*kind:\s*Application\s*$", (".yaml", ".yml")):
        text = ctx.files.text(hit.path) or ""
        for match in re.finditer(r"^\s*path:\s*['\"]?([^'\"\s]+)", text, re.M):
            found.append((f"Argo CD application {hit.path} syncs {match.group(1)}", match.group(1).strip("/")))
    return found
