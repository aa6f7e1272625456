"""ZenML pipelines: an `@pipeline` function calling `@step` functions (defined in the same file or
imported from the project: each step runs the file defining it). A `Schedule(cron_expression=...)`
passed through `my_pipeline.with_options(schedule=...)` is registered with the orchestrator when
the script calling the pipeline runs: it is on when a CI job that starts by itself runs that script,
otherwise the repository only declares it (RUBRIC.md: 0.5).
"""

from __future__ import annotations

import ast

from mltestscore.evidence.ci import SCHEDULE
from mltestscore.evidence.platforms import PlatformPipeline, PlatformStep, Trigger
from mltestscore.evidence.platforms.pyast import Bindings, imported_names, kwargs, leaf
from mltestscore.evidence.python import names

_NAMES = names("zenml.pipeline", "zenml.step", "zenml.pipelines.pipeline", "zenml.steps.step")
_SCHEDULE = names("zenml.config.schedule.Schedule", "zenml.Schedule")


def read(python) -> list[PlatformPipeline]:
    pipelines = []
    for path in python.candidates(list(_NAMES)):
        tree = python.parsed.python(path) if path.endswith(".py") else None
        if tree is None or "zenml" not in (python.files.text(path) or ""):
            continue
        imported = imported_names(tree, path, python)
        functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        local_steps = {f.name for f in functions if _decorated(f, "step")}
        for function in functions:
            if not _decorated(function, "pipeline"):
                continue
            steps = []
            for call in ast.walk(function):
                if not isinstance(call, ast.Call):
                    continue
                name = leaf(call)
                file = path if name in local_steps else imported.get(name)
                if file:
                    steps.append(PlatformStep(name, call.lineno, (f"python {file}",), files=(file,), kind="step"))
            if steps:
                pipelines.append(PlatformPipeline("zenml", function.name, path, function.lineno, tuple(steps)))
    if not pipelines:
        return []
    schedules = _schedules(python)
    return [
        PlatformPipeline(
            p.platform, p.name, p.path, p.line, p.steps, started_by=tuple(t for t in schedules if t.target == p.name)
        )
        for p in pipelines
    ]


def _decorated(node, name: str) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if ast.unparse(target).rsplit(".", 1)[-1] == name:
            return True
    return False


def _schedules(python) -> list[Trigger]:
    """`pipeline_fn.with_options(schedule=Schedule(...))`: a schedule the script registers when run."""
    found = []
    for path in python.candidates(list(_SCHEDULE)):
        tree = python.parsed.python(path) if path.endswith(".py") else None
        if tree is None:
            continue
        bindings = Bindings(tree)
        aliases = {
            a.asname: a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names if a.asname
        }
        for call in ast.walk(tree):
            if not (isinstance(call, ast.Call) and leaf(call) == "with_options" and "schedule" in kwargs(call)):
                continue
            schedule = bindings.value(kwargs(call)["schedule"])
            if not (isinstance(schedule, ast.Call) and leaf(schedule) == "Schedule"):
                continue
            receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
            name = (
                ast.unparse(receiver).rsplit(".", 1)[-1] if receiver is not None else ""
            )  # not rebound: x = x.with_options()
            args = kwargs(schedule)
            text = next(
                (
                    bindings.string(args[k]) or ast.unparse(args[k])
                    for k in ("cron_expression", "interval_second")
                    if k in args
                ),
                "schedule",
            )
            source = f"ZenML Schedule registered by running {path}"
            found.append(
                Trigger(SCHEDULE, text, path, call.lineno, source, aliases.get(name, name), "", False, deploy=path)
            )
    return found
