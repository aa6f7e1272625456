"""ML platform pipelines (SageMaker, Kubeflow/Vertex, Flyte...) and the infrastructure code that
starts them (CloudFormation, CDK, Terraform), read statically into one runner model.

Every reader returns `PlatformPipeline`s whose steps name the commands and files they run; the
infrastructure readers return `Trigger`s (a schedule, an event, a CI source) naming the pipeline
they start when they can. `read_platforms` joins the two once per audit, and wiring.py turns each
step into a runner chain like a CI step or a DVC stage, so every check sees platform steps:

    sagemaker pipeline 'TrainPipeline' step 'EvaluateModel' (on schedule rate(7 days), CloudFormation)
        → src/evaluate.py

Readers are registered in READERS (pipelines) and TRIGGER_READERS (infrastructure); a new
platform is one module and one line here.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from mltestscore.evidence.ci import SCHEDULE
from mltestscore.evidence.python import names

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
    "aws_cdk",
)


@dataclass(frozen=True)
class Trigger:
    """What starts a pipeline without a person (or says it is disabled)."""

    kind: str  # schedule | event | ci (ci.py trigger kinds)
    text: str  # rate(7 days), cron(0 3 * * ? *), push to main...
    path: str  # file declaring it
    line: int | None
    source: str  # CloudFormation, CDK, Terraform, Cloud Scheduler, CI...
    target: str = ""  # the pipeline name (or any text naming it) it starts; "" when unknown
    platform: str = ""  # aws | gcp | "" : which pipelines it can start when it names none
    enabled: bool = True  # a schedule the repo declares disabled (or only in an example) counts 0.5

    def describe(self) -> str:
        state = "" if self.enabled else " (disabled)"
        return f"{self.kind} {self.text}{state}, {self.source}"


@dataclass(frozen=True)
class PlatformStep:
    name: str
    line: int | None
    commands: tuple[str, ...] = ()  # shell commands the step runs (container command/args)
    files: tuple[str, ...] = ()  # repository files it runs (processing code, entry points, functions)
    kind: str = ""  # ProcessingStep, TrainingStep, component...


@dataclass(frozen=True)
class PlatformPipeline:
    platform: str  # sagemaker | kubeflow | vertex | flyte | ...
    path: str
    line: int | None
    name: str
    steps: tuple[PlatformStep, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    cloud: str = ""  # aws | gcp: infrastructure triggers of that cloud may start it

    @property
    def scheduled(self) -> bool:
        return any(t.kind == SCHEDULE and t.enabled for t in self.triggers)

    @property
    def trigger_text(self) -> str:
        return "; ".join(t.describe() for t in self.triggers) or "no trigger in the repository"

    def label(self, step: PlatformStep) -> str:
        return f"{self.platform} pipeline '{self.name}' step '{step.name}' (on {self.trigger_text})"


@dataclass
class Platforms:
    pipelines: list[PlatformPipeline] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)


CI_TARGETS = ("codebuild", "cloudbuild")  # Trigger.target of a source action that starts a CI config

# reader(ctx) -> list[PlatformPipeline]; trigger reader(ctx) -> list[Trigger]
READERS: list[Callable] = []
TRIGGER_READERS: list[Callable] = []


def reader(function: Callable) -> Callable:
    READERS.append(function)
    return function


def trigger_reader(function: Callable) -> Callable:
    TRIGGER_READERS.append(function)
    return function


def read_platforms(ctx) -> Platforms:
    """Every platform pipeline, each with the triggers that start it (computed once: ctx.fact)."""
    from mltestscore.evidence.platforms import iac, kfp, orchestrators, sagemaker  # noqa: F401 (registers)

    pipelines: list[PlatformPipeline] = []
    for read in READERS:
        pipelines.extend(read(ctx))
    triggers: list[Trigger] = []
    for read in TRIGGER_READERS:
        triggers.extend(read(ctx))
    joined = [replace(p, triggers=p.triggers + tuple(_triggers_of(p, pipelines, triggers))) for p in pipelines]
    return Platforms(joined, triggers)


def _triggers_of(pipeline: PlatformPipeline, pipelines: list[PlatformPipeline], triggers: list[Trigger]):
    """Triggers naming this pipeline; one naming no pipeline starts the only pipeline of its cloud."""
    same_cloud = [p for p in pipelines if p.cloud and p.cloud == pipeline.cloud]
    for trigger in triggers:
        if trigger.target in CI_TARGETS:
            continue  # starts a CI config (ci.py), which may in turn start the pipeline
        if trigger.target and _names(trigger.target, pipeline):
            yield trigger
        elif (
            (not trigger.target or not any(_names(trigger.target, p) for p in pipelines))
            and trigger.platform
            and trigger.platform == pipeline.cloud
            and len(same_cloud) == 1
        ):
            yield trigger


def _names(target: str, pipeline: PlatformPipeline) -> bool:
    name = pipeline.name.lower()
    return bool(name) and name in target.lower()


def resolve_file(ctx, base: str, path: str) -> str | None:
    """A path written in code or config, as a repository file: relative to the declaring file's
    folder, then to the root, then the one file of the repository ending with it."""
    path = path.strip().lstrip("./") if path.startswith("./") else path.strip()
    if not path or "://" in path:
        return None
    files = ctx.files
    for candidate in (posixpath.normpath(posixpath.join(posixpath.dirname(base), path)), posixpath.normpath(path)):
        if candidate in files:
            return candidate
    tail = "/" + path.lstrip("/")
    ending = [p for p in ctx.python.sources if p.endswith(tail)] if path.endswith((".py", ".ipynb")) else []
    return ending[0] if len(ending) == 1 else None


_FAMILY = {"vertex": "kubeflow"}  # Vertex AI Pipelines run KFP pipelines


def with_platform_pipelines(code_pipelines: list, platforms: Platforms) -> list:
    """The code pipelines pipelines.py found, marked scheduled when infrastructure code schedules
    them, plus the platform pipelines it does not know (Flyte workflows...)."""
    from mltestscore.evidence.pipelines import CodePipeline

    by_path = {p.path: p for p in platforms.pipelines}
    merged = []
    for found in code_pipelines:  # the platform reader knows the pipeline's own name and its schedules
        platform = by_path.get(found.path)
        if platform is not None and _FAMILY.get(platform.platform, platform.platform) == _FAMILY.get(
            found.orchestrator, found.orchestrator
        ):
            found = replace(found, name=platform.name, scheduled=found.scheduled or platform.scheduled)
        merged.append(found)
    known = {p.path for p in code_pipelines}
    for pipeline in platforms.pipelines:
        if pipeline.path not in known:
            known.add(pipeline.path)
            merged.append(
                CodePipeline(pipeline.platform, pipeline.path, pipeline.line or 1, pipeline.name, pipeline.scheduled)
            )
    return merged
