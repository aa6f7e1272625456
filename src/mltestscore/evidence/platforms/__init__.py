"""ML platforms and orchestrators read as runners: one registration point for every platform reader.

Three kinds of reader, each a module of this package named in one list below:

- CI_READERS, `read(parsed) -> list[CIPipeline]`: CI/CD systems whose jobs start on a trigger
  (Azure Pipelines, Cloud Build...). Their pipelines join `ctx.ci` and are wired exactly like
  GitHub Actions jobs.
- PIPELINE_READERS, `read(python) -> list[PlatformPipeline]`: orchestrated ML pipelines defined in
  code or config (SageMaker, Kubeflow/Vertex, Flyte, Airflow, Azure ML...). Each step lists the
  shell commands it runs (a Python callable or a component's script becomes `python <file>`), so
  the wiring follows it like a DVC stage: a step is a `pipeline` runner (every model passes through
  it), and a CI command or script that runs (or names the module of) the file defining the pipeline
  runs its steps through that chain (trigger → pipeline → step → script).
- TRIGGER_READERS, `read_triggers(ctx) -> list[Trigger]`: infrastructure code that starts
  pipelines or CI configs (CloudFormation, CDK, Terraform): EventBridge/Cloud Scheduler schedules,
  event rules, CodePipeline source actions. A trigger joins the pipeline it names (or the only
  pipeline of its cloud), so the report reads "sagemaker pipeline 'Train' (on schedule rate(7 days),
  CloudFormation WeeklyRetrain) step 'Evaluate' → src/evaluate.py".

A reader never imports the code it reads (Python is read with `ast`, configs as data), and a file
of an unexpected shape gives a warning, never an error. To add a platform, write a module in this
package and add its name to one list here.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib import import_module

from mltestscore.evidence.ci import AUTOMATIC_TRIGGERS, EVENT, MANUAL, SCHEDULE, CIPipeline
from mltestscore.evidence.python import PythonIndex, names
from mltestscore.index.parsed import Parsed

# The names the readers ask the word index for, declared before the scan so that finding candidate
# files never reads code (a warm audit reads no file whose answers are cached).
names(
    "sagemaker.workflow.pipeline.Pipeline",
    "sagemaker.workflow.function_step.step",
    "sagemaker.workflow.step_collections.RegisterModel",
    "sagemaker.model.Model",
    "kfp.dsl.pipeline",
    "kfp.dsl.component",
    "flytekit.workflow",
    "dagster.define_asset_job",
    "dagster.job",
    "aws_cdk",
    "azureml.pipeline.core.Pipeline",  # azureml.read asks for "azureml" and "azure": else a grep of every source
    "azure.ai.ml.command",
)


@dataclass(frozen=True)
class Trigger:
    """Infrastructure (or a platform's own config) that starts a pipeline without a person."""

    kind: str  # ci.py trigger kinds: schedule | event | push
    text: str  # rate(7 days), 0 4 * * 1, source change...
    path: str  # file declaring it
    line: int | None
    source: str  # "CloudFormation WeeklyRetrainRule", "Terraform google_cloud_scheduler_job.x", "CDK ..."
    target: str = ""  # text naming what it starts (a pipeline name, an ARN); CI_TARGETS for CI configs
    platform: str = ""  # aws | gcp: it may start the only pipeline of that cloud when it names none
    enabled: bool = True  # False: declared disabled/paused, or only in an example file (0.5, RUBRIC.md)
    deploy: str = ""  # a schedule a command registers (`python flow.py argo-workflows create`): that command

    def describe(self) -> str:
        state = "" if self.enabled else " (disabled)"
        return f"{self.kind} {self.text}{state}, {self.source}"


@dataclass(frozen=True)
class PlatformStep:
    name: str
    line: int | None
    commands: tuple[str, ...]  # shell commands the step runs; a Python callable's module as `python <file>`
    cwd: str = ""  # folder the commands run in, relative to the repo root
    path: str = ""  # file declaring the step when not the pipeline's own file (a YAML component)
    files: tuple[str, ...] = ()  # repository files the step runs, when the reader resolved them
    kind: str = ""  # ProcessingStep, TrainingStep, ConditionStep, component, task...


@dataclass(frozen=True)
class PlatformPipeline:
    platform: str  # airflow | azureml | sagemaker | kubeflow | vertex | flyte ...
    name: str
    path: str  # the file that defines (and, when run, submits) the pipeline
    line: int | None
    steps: tuple[PlatformStep, ...]
    triggers: frozenset[str] = frozenset()  # ci.SCHEDULE/EVENT/MANUAL the platform itself declares
    trigger_note: str = ""  # how it starts, for the report: "schedule @weekly", "schedule=None: started by hand"
    started_by: tuple[Trigger, ...] = ()  # infrastructure triggers (TRIGGER_READERS, Flyte launch plans)
    cloud: str = ""  # aws | gcp: which infrastructure triggers may start it without naming it
    cli: str = ""  # a command that runs it without naming its file (`kedro run`; `--pipeline NAME` selects)

    @property
    def trigger_kinds(self) -> frozenset[str]:
        return self.triggers | {t.kind for t in self.started_by if t.enabled}

    @property
    def scheduled(self) -> bool:
        return bool(self.trigger_kinds & AUTOMATIC_TRIGGERS)

    def describe(self) -> str:
        notes = [self.trigger_note] if self.trigger_note else []
        notes += [f"on {t.describe()}" for t in self.started_by]
        when = f" ({'; '.join(notes)})" if notes else ""
        return f"{self.path} {self.platform} pipeline '{self.name}'{when}"


# Registration: modules of this package. Add one name to one list (each loads when this package does).
CI_READERS: list[str] = ["azure_pipelines", "cloudbuild"]
PIPELINE_READERS: list[str] = [
    "airflow",
    "azureml",
    "sagemaker",
    "kfp",
    "orchestrators",
    "kedro",
    "metaflow",
    "zenml",
    "stepfunctions",
]
TRIGGER_READERS: list[str] = ["iac", "cdk_ts"]
CI_TARGETS = ("codebuild", "cloudbuild")  # Trigger.target of a source action that starts a CI config


def _reader(module: str, function: str = "read") -> Callable:
    return getattr(import_module(f"{__name__}.{module}"), function)


def read_platform_ci(parsed: Parsed) -> list[CIPipeline]:
    found: list[CIPipeline] = []
    for module in CI_READERS:
        found.extend(_guarded(parsed, _reader(module), parsed))
    return found


def read_platform_pipelines(python: PythonIndex) -> list[PlatformPipeline]:
    found: list[PlatformPipeline] = []
    for module in PIPELINE_READERS:
        found.extend(_guarded(python.parsed, _reader(module), python))
    from mltestscore.evidence.providers import providers  # orchestrators plugins add (PipelineProvider)

    for provider in providers("pipeline"):
        found.extend(p for p in _guarded(python.parsed, provider.read, python) if isinstance(p, PlatformPipeline))
    return found


def read_platform_triggers(ctx) -> list[Trigger]:
    found: list[Trigger] = []
    for module in TRIGGER_READERS:
        found.extend(_guarded(ctx.parsed, _reader(module, "read_triggers"), ctx))
    return [t for trigger in found for t in _starting_codepipeline(trigger)]


def _starting_codepipeline(trigger: Trigger) -> list[Trigger]:
    """A schedule or event rule whose target is a CodePipeline (a model package approved in the
    registry starts the deploy pipeline) also starts the CodeBuild configs that pipeline runs
    (cisources.py); the rule itself is kept for the platform pipelines it names (with_triggers)."""
    if (
        trigger.kind in (SCHEDULE, EVENT)
        and trigger.target not in CI_TARGETS
        and "codepipeline" in trigger.target.lower()
    ):
        return [trigger, replace(trigger, target="codebuild")]
    return [trigger]


def _guarded(parsed: Parsed, reader, source) -> list:
    try:
        return list(reader(source))
    except Exception as error:  # a shape no reader foresaw: skip that platform, keep auditing
        parsed.warn(".", f"{reader.__module__} could not read this repository ({type(error).__name__}); skipped")
        return []


def with_triggers(pipelines: list[PlatformPipeline], triggers: list[Trigger]) -> list[PlatformPipeline]:
    """Each pipeline with the infrastructure triggers that start it: those naming it, and one naming
    no pipeline of the repository for the only pipeline of its cloud."""
    joined = []
    for pipeline in pipelines:
        same_cloud = [p for p in pipelines if p.cloud and p.cloud == pipeline.cloud]
        found = []
        for trigger in triggers:
            if trigger.target in CI_TARGETS:
                continue  # starts a CI config (cisources.py), which may in turn start the pipeline
            if trigger.target and _names(trigger.target, pipeline):
                found.append(trigger)
            elif (
                not any(_names(trigger.target, p) for p in pipelines)
                and trigger.platform
                and trigger.platform == pipeline.cloud
                and len(same_cloud) == 1
            ):
                found.append(trigger)
        joined.append(replace(pipeline, started_by=pipeline.started_by + tuple(found)) if found else pipeline)
    return joined


def deployed_by_ci(pipelines: list[PlatformPipeline], ci: Callable[[], list[CIPipeline]]) -> list[PlatformPipeline]:
    """A schedule that only takes effect once a command registers it (Metaflow `@schedule` on
    `argo-workflows create`, a ZenML schedule on running the script) is on when a CI job that starts
    without a person runs that command; otherwise the repository only declares it (RUBRIC.md: 0.5)."""
    waiting = [t for p in pipelines for t in p.started_by if t.deploy and not t.enabled]
    if not waiting:
        return pipelines
    return _enable(pipelines, ci())


def _enable(pipelines: list[PlatformPipeline], ci: list[CIPipeline]) -> list[PlatformPipeline]:
    commands = [
        (command, step.cwd, f"{pipeline.path} job '{job.name}'")
        for pipeline in ci
        for job in pipeline.jobs
        if job.triggers & AUTOMATIC_TRIGGERS
        for step in job.steps
        for command in step.commands
    ]
    adjusted = []
    for platform in pipelines:
        started = []
        for trigger in platform.started_by:
            if trigger.deploy and not trigger.enabled:
                by = next((where for c, cwd, where in commands if _registers(c, cwd, trigger.deploy)), None)
                if by is not None:
                    trigger = replace(trigger, enabled=True, source=f"{trigger.source}, registered by {by}")
            started.append(trigger)
        adjusted.append(replace(platform, started_by=tuple(started)))
    return adjusted


def _registers(command: str, cwd: str, deploy: str) -> bool:
    """Does `command` run the registering command `deploy` ("<file> [words|other words]")?"""
    file, _, words = deploy.partition(" ")
    said = [w.strip("'\"") for w in command.split()]
    named = {posixpath.normpath(posixpath.join(cwd, w)) for w in said} | set(said)
    module = file[:-3].replace("/", ".") if file.endswith(".py") else ""
    if file not in named and not (module and any(w.endswith(module) for w in said)):
        return False
    return not words or any(w in " ".join(said) for w in words.split("|"))


def _names(target: str, pipeline: PlatformPipeline) -> bool:
    name = pipeline.name.lower()
    return bool(target) and bool(name) and name in target.lower()


def started_by_ci(pipelines: list[CIPipeline], platform_ci: list[CIPipeline]) -> list[CIPipeline]:
    """All CI pipelines; a platform config that a CI command names (`gcloud builds submit --config
    cloudbuild.yaml`) is started by that command, so it takes on that job's triggers."""
    by_path = {p.path: p for p in platform_ci}
    if by_path:
        for pipeline in pipelines:
            for job in pipeline.jobs:
                for step in job.steps:
                    for command in step.commands:
                        for word in command.replace("=", " ").split():
                            target = by_path.get(posixpath.normpath(posixpath.join(step.cwd, word.strip("'\""))))
                            for started in target.jobs if target is not None else ():
                                started.triggers = frozenset((started.triggers - {MANUAL}) | job.triggers)
    return pipelines + platform_ci


_FAMILY = {"vertex": "kubeflow"}  # Vertex AI Pipelines run KFP pipelines


def with_platform_pipelines(code_pipelines: list, platforms: list[PlatformPipeline]) -> list:
    """The code pipelines pipelines.py found, named and scheduled as the platform readers know them,
    plus the platform pipelines defined in code that it does not know (Flyte workflows...)."""
    from mltestscore.evidence.pipelines import CodePipeline

    by_path = {p.path: p for p in platforms}
    merged = []
    for found in code_pipelines:
        platform = by_path.get(found.path)
        if platform is not None and _FAMILY.get(platform.platform, platform.platform) == _FAMILY.get(
            found.orchestrator, found.orchestrator
        ):
            found = replace(found, name=platform.name, scheduled=found.scheduled or platform.scheduled)
        merged.append(found)
    known = {p.path for p in code_pipelines}
    for pipeline in platforms:
        if pipeline.path not in known and pipeline.path.endswith(".py") and pipeline.platform in _IN_CODE:
            known.add(pipeline.path)
            merged.append(
                CodePipeline(pipeline.platform, pipeline.path, pipeline.line or 1, pipeline.name, pipeline.scheduled)
            )
    return merged


_IN_CODE = frozenset({"sagemaker", "kubeflow", "vertex", "flyte", "dagster"})


def resolve_file(python: PythonIndex, base: str, path: str) -> str | None:
    """A path written in code or config, as a repository file: relative to the declaring file's
    folder, then to the root, then the one source file of the repository ending with it."""
    path = path.strip()
    if not path or "://" in path:
        return None
    files = python.files
    for candidate in (posixpath.normpath(posixpath.join(posixpath.dirname(base), path)), posixpath.normpath(path)):
        if candidate in files:
            return candidate
    tail = "/" + path.lstrip("./")
    ending = [p for p in python.sources if p.endswith(tail)] if path.endswith((".py", ".ipynb")) else []
    return ending[0] if len(ending) == 1 else None


__all__ = ["SCHEDULE", "PlatformPipeline", "PlatformStep", "Trigger"]


# Load the readers now: the dotted names they declare (python.names) must join the vocabulary before
# the first scan of the sources, or a warm audit would see another vocabulary and scan again.
for _module in (*CI_READERS, *PIPELINE_READERS, *TRIGGER_READERS):
    import_module(f"{__name__}.{_module}")
