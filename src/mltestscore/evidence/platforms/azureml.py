"""Azure ML pipelines: each step becomes a pipeline step running its script.

- SDK v1 (`azureml.pipeline.steps`): `PythonScriptStep(script_name=..., source_directory=...)`,
  `CommandStep(command=..., source_directory=...)`, in the file that builds the `Pipeline`;
  `Schedule.create(..., recurrence=...)` schedules it.
- SDK v2 (`azure.ai.ml`): `command(code=..., command=...)` jobs and `load_component(source=X.yml)`
  components used in a `@dsl.pipeline` function; `JobSchedule` with a cron/recurrence trigger
  schedules it.
- YAML jobs (`$schema: ...azureml...`): `type: command` with `command:`/`code:`, `type: pipeline`
  with `jobs:` (inline commands or `component: file:X.yml`), `schedule` YAMLs naming `create_job`.
A file that builds the pipeline is its definition: whatever runs that file (a CI step running
`python -m ml_service.run_pipeline`, `az ml job create -f pipeline.yml`) runs the steps.
"""

from __future__ import annotations

import ast
import posixpath
import re
from typing import Any

from mltestscore.evidence.ci import MANUAL, SCHEDULE
from mltestscore.evidence.platforms import PlatformPipeline, PlatformStep
from mltestscore.evidence.platforms.paths import import_table, localise, resolved, string
from mltestscore.evidence.python import PythonIndex, module_name, names

_V1_STEPS = ("PythonScriptStep", "CommandStep", "ParallelRunStep", "EstimatorStep")
_V1 = names("azureml.pipeline.core.Pipeline", "azureml.pipeline.steps.PythonScriptStep", "azure.ai.ml.command")
_SCHEDULES = ("Schedule.create", "JobSchedule", "CronTrigger", "RecurrenceTrigger", "ScheduleRecurrence")
_AZUREML_YAML = re.compile(rb"azureml|\$schema[^\n]*(command|pipeline)Job")


def read(python: PythonIndex) -> list[PlatformPipeline]:
    found = [p for path in python.candidates(["azureml", "azure"]) for p in _from_code(path, python)]
    found += _from_yaml(python)
    return found


def _from_code(path: str, python: PythonIndex) -> list[PlatformPipeline]:
    if not path.endswith(".py"):
        return []
    tree = python.parsed.python(path)
    if tree is None:
        return []
    table = import_table(tree, module_name(path))
    if not any(v.startswith(("azureml", "azure.ai.ml")) for v in table.values()):
        return []
    files = python.files
    steps: list[PlatformStep] = []
    scheduled = False
    pipeline_line = None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if resolved(target, table).endswith("dsl.pipeline"):
                    pipeline_line = pipeline_line or node.lineno
        if not isinstance(node, ast.Call):
            continue
        name = resolved(node.func, table)
        leaf = name.rsplit(".", 1)[-1]
        if any(name.endswith(s) for s in _SCHEDULES) and name.startswith(("azureml", "azure.ai.ml")):
            scheduled = True
        elif name in ("azureml.pipeline.core.Pipeline", "azureml.pipeline.core.graph.Pipeline"):
            pipeline_line = pipeline_line or node.lineno
        elif name.startswith("azureml") and leaf in _V1_STEPS:
            folder = _folder(string(node, "source_directory"), path)
            script = string(node, "script_name") or string(node, "entry_script")
            command = string(node, "command")
            commands = [f"python {script}"] if script else [command] if command else []
            step_name = string(node, "name") or script or leaf
            steps.append(_step(step_name, node.lineno, commands, folder, files))
        elif name in ("azure.ai.ml.command", "azure.ai.ml.entities.CommandComponent"):
            folder = _folder(string(node, "code"), path)
            command = string(node, "command")
            steps.append(
                _step(string(node, "name") or "command", node.lineno, [command] if command else [], folder, files)
            )
        elif name in ("azure.ai.ml.load_component",):
            source = string(node, "source", 0)
            component = posixpath.normpath(posixpath.join(posixpath.dirname(path), source)) if source else None
            if component is None or component not in files.paths:
                component = _component_by_tail(node, path, python)
            step = _yaml_step(python, component, component or "component", node.lineno) if component else None
            if step is not None:
                steps.append(step)
    if not steps or pipeline_line is None and not any(name.endswith("command") for name in table.values()):
        return []
    triggers = frozenset({SCHEDULE}) if scheduled else frozenset({MANUAL})
    note = "Azure ML schedule in the same file" if scheduled else "submitted when this file runs"
    return [
        PlatformPipeline(
            "azureml", posixpath.basename(path), path, pipeline_line or steps[0].line, tuple(steps), triggers, note
        )
    ]


def _component_by_tail(call: ast.Call, path: str, python: PythonIndex) -> str | None:
    """`load_component(source=folder + "/prep.yml")`: the one component YAML of the repository whose
    path ends with the constant tail (nearest the defining file when several do)."""
    node = call.keywords[0].value if call.keywords and call.keywords[0].arg == "source" else None
    node = node or (call.args[0] if call.args else None)
    tails = (
        [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)] if node else []
    )
    tail = tails[-1].lstrip("./") if tails else ""
    if not tail.endswith((".yml", ".yaml")):
        return None
    matches = [p for p in python.files.with_suffix(".yml", ".yaml") if p == tail or p.endswith("/" + tail)]
    if len(matches) > 1:
        top = path.split("/", 1)[0]
        matches = [p for p in matches if p.split("/", 1)[0] == top] or matches
    return matches[0] if len(matches) == 1 else None


def _step(name: str, line: int | None, commands: list[str], folder: str, files, path: str = "") -> PlatformStep:
    return PlatformStep(name, line, tuple(localise(c, files, folder) for c in commands if c), folder, path)


def _folder(value: str | None, defined_in: str) -> str:
    """A code folder given relative to the defining file (Azure ML resolves it from there)."""
    if not value:
        return posixpath.dirname(defined_in)
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(defined_in), value))
    return "" if joined == "." else joined


def _yaml_step(python: PythonIndex, path: str, name: str, line: int | None) -> PlatformStep | None:
    if path not in python.files.paths:
        return None
    data = python.parsed.yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("command"), str):
        return None
    folder = _folder(data.get("code") if isinstance(data.get("code"), str) else None, path)
    return _step(str(data.get("name") or name), line, [data["command"]], folder, python.files, path)


def _from_yaml(python: PythonIndex) -> list[PlatformPipeline]:
    files = python.files
    found: list[PlatformPipeline] = []
    schedules: dict[str, str] = {}
    jobs: dict[str, dict] = {}
    for path in files.with_suffix(".yml", ".yaml"):
        data = files.read_bytes(path, keep=False)
        if not data or not _AZUREML_YAML.search(data):
            continue
        files.keep_bytes(path, data)
        parsed = python.parsed.yaml(path)
        if not isinstance(parsed, dict):
            continue
        kind = parsed.get("type")
        if kind == "schedule" or ("create_job" in parsed and "trigger" in parsed):
            target = parsed.get("create_job")
            if isinstance(target, str):
                schedules[_folder(target.removeprefix("file:"), path)] = path
        elif kind in ("pipeline", "command") or "jobs" in parsed and isinstance(parsed.get("jobs"), dict):
            jobs[path] = parsed
    for path, data in jobs.items():  # type: ignore[assignment]
        steps = _yaml_job_steps(python, path, data)  # type: ignore[arg-type]
        if not steps:
            continue
        schedule = schedules.get(path)
        triggers = frozenset({SCHEDULE}) if schedule else frozenset({MANUAL})
        note = f"scheduled by {schedule}" if schedule else "submitted by hand unless a CI job runs it"
        name = str(data.get("display_name") or data.get("name") or posixpath.basename(path))  # type: ignore[union-attr]
        found.append(PlatformPipeline("azureml", name, path, 1, tuple(steps), triggers, note))
    return found


def _yaml_job_steps(python: PythonIndex, path: str, data: dict[str, Any]) -> list[PlatformStep]:
    text = python.files.text(path) or ""
    if data.get("type") == "command" and isinstance(data.get("command"), str):
        return [_yaml_step(python, path, str(data.get("name") or "command"), 1)] if path else []  # type: ignore[list-item]
    steps = []
    for name, job in (data.get("jobs") or {}).items():
        if not isinstance(job, dict):
            continue
        line = next((i for i, t in enumerate(text.splitlines(), 1) if t.strip().startswith(f"{name}:")), None)
        component = job.get("component")
        if isinstance(component, str) and component.startswith("file:"):
            target = _folder(component[len("file:") :], path)
            step = _yaml_step(python, target, str(name), line)
            if step is not None:
                steps.append(step)
        elif isinstance(job.get("command"), str):
            folder = _folder(job.get("code") if isinstance(job.get("code"), str) else None, path)
            steps.append(_step(str(name), line, [job["command"]], folder, python.files))
    return [s for s in steps if s is not None]
