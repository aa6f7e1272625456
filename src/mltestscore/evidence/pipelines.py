"""ML pipelines defined in code: Kubeflow, TFX, SageMaker, Vertex, Airflow, Prefect, Kedro,
Metaflow, ZenML, Dagster. Each is found by its defining call or decorator (resolved imports, not
words), with whether something in the repo schedules it."""

from __future__ import annotations

from dataclasses import dataclass

from mltestscore.evidence.python import PythonIndex, name_matches, names

# resolved name (or dotted suffix) of the defining call/decorator -> orchestrator
DEFINITIONS = {
    "kfp.dsl.pipeline": "kubeflow",
    "kfp.v2.dsl.pipeline": "kubeflow",
    "tfx.orchestration.pipeline.Pipeline": "tfx",
    "tfx.v1.dsl.Pipeline": "tfx",
    "sagemaker.workflow.pipeline.Pipeline": "sagemaker",
    "google.cloud.aiplatform.PipelineJob": "vertex",
    "airflow.DAG": "airflow",
    "airflow.models.DAG": "airflow",
    "airflow.decorators.dag": "airflow",
    "prefect.flow": "prefect",
    "kedro.pipeline.pipeline": "kedro",
    "kedro.pipeline.Pipeline": "kedro",
    "kedro.pipeline.modular_pipeline.pipeline": "kedro",
    "zenml.pipeline": "zenml",
    "zenml.pipelines.pipeline": "zenml",
    "dagster.job": "dagster",
    "metaflow.FlowSpec": "metaflow",
}

SCHEDULES = names(
    "kfp.Client.create_recurring_run",
    "create_recurring_run",
    "google.cloud.aiplatform.PipelineJobSchedule",
    "create_schedule",
    "metaflow.schedule",
    "dagster.ScheduleDefinition",
    "dagster.schedule",
    "serve",  # prefect flow.serve(cron=...)
)


@dataclass(frozen=True)
class CodePipeline:
    orchestrator: str
    path: str
    line: int
    name: str
    scheduled: bool


names(*DEFINITIONS)


def find_code_pipelines(python: PythonIndex) -> list[CodePipeline]:
    found: list[CodePipeline] = []
    names = list(DEFINITIONS)
    for path in python.candidates(names):
        facts = python.facts(path)
        if facts is None:
            continue
        scheduled = _scheduled(facts)
        for call in facts.calls:
            for name, orchestrator in DEFINITIONS.items():
                if call.name == name:
                    found.append(
                        CodePipeline(orchestrator, path, call.line, call.name, scheduled or _airflow_schedule(call))
                    )
        for function, decorator, line in facts.decorators:
            for name, orchestrator in DEFINITIONS.items():
                if decorator == name:
                    found.append(CodePipeline(orchestrator, path, line, function, scheduled))
        for cls, bases, line in facts.classes:
            if "metaflow.FlowSpec" in bases:
                found.append(CodePipeline("metaflow", path, line, cls, scheduled))
    return found


def _airflow_schedule(call) -> bool:
    for key in ("schedule", "schedule_interval", "timetable"):
        value = call.kwarg(key, _ABSENT)
        if value is not _ABSENT and value is not None:
            return True
    return False


_ABSENT = object()


def _scheduled(facts) -> bool:
    for call in facts.calls:
        if call.name.endswith(".serve") and call.kwarg("cron", None) is not None:
            return True
        if any(name_matches(call.name, s) for s in SCHEDULES if s != "serve"):
            return True
    return any(name_matches(d, "metaflow.schedule") for _, d, _ in facts.decorators)
