"""Metaflow flows: a `FlowSpec` subclass whose `@step` methods are the steps (all run from the
flow's file). `@schedule(weekly=True)` / `@schedule(cron=...)` and `@trigger`/`@trigger_on_finish`
take effect only when the flow is deployed to a production scheduler (`python flow.py
argo-workflows create`, `step-functions create`, `airflow create`): the trigger is on when a CI job
that starts by itself deploys the flow, otherwise it is only declared (RUBRIC.md: 0.5).
`python flow.py run` in CI names the file, so it runs the steps through that job (wiring.py).
"""

from __future__ import annotations

import ast

from mltestscore.evidence.ci import EVENT, SCHEDULE
from mltestscore.evidence.platforms import PlatformPipeline, PlatformStep, Trigger
from mltestscore.evidence.platforms.pyast import kwargs
from mltestscore.evidence.python import names

names("metaflow.FlowSpec", "metaflow.step", "metaflow.schedule")
_DEPLOYERS = ("argo-workflows create", "step-functions create", "airflow create")


def read(python) -> list[PlatformPipeline]:
    found = []
    for path in python.candidates(["metaflow.FlowSpec"]):
        tree = python.parsed.python(path) if path.endswith(".py") else None
        if tree is None:
            continue
        for cls in ast.walk(tree):
            if not isinstance(cls, ast.ClassDef) or not any(ast.unparse(b).endswith("FlowSpec") for b in cls.bases):
                continue
            steps = tuple(
                PlatformStep(f.name, f.lineno, (f"python {path}",), files=(path,), kind="step")
                for f in cls.body
                if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and _decorator(f, "step") is not None
            )
            if steps:
                found.append(
                    PlatformPipeline("metaflow", cls.name, path, cls.lineno, steps, started_by=_triggers(path, cls))
                )
    return found


def _decorator(node, name: str):
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if ast.unparse(target).rsplit(".", 1)[-1] == name:
            return decorator
    return None


def _triggers(path: str, cls: ast.ClassDef) -> tuple[Trigger, ...]:
    found = []
    for name, kind in (("schedule", SCHEDULE), ("trigger", EVENT), ("trigger_on_finish", EVENT)):
        decorator = _decorator(cls, name)
        if decorator is None:
            continue
        args = kwargs(decorator) if isinstance(decorator, ast.Call) else {}
        if kind == SCHEDULE:
            text = next(
                (
                    ast.unparse(v).strip("'\"") if k == "cron" else k
                    for k, v in args.items()
                    if k in ("cron", "hourly", "daily", "weekly")
                    and not (isinstance(v, ast.Constant) and v.value is False)
                ),
                "daily",  # @schedule alone runs daily
            )
        else:
            text = f"@{name}({', '.join(f'{k}={ast.unparse(v)}' for k, v in args.items())})"
        source = f"Metaflow @{name} (on once deployed: argo-workflows/step-functions/airflow create)"
        deploy = f"{path} {'|'.join(_DEPLOYERS)}"
        found.append(Trigger(kind, text, path, decorator.lineno, source, cls.name, "", False, deploy=deploy))
    return tuple(found)
