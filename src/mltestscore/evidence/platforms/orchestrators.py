"""Workflow orchestrators whose schedules live next to the workflow: Flyte launch plans
(`LaunchPlan.get_or_create(workflow, schedule=CronSchedule(...))`, read with ast) and Prefect
deployments (`prefect.yaml`: `deployments[].entrypoint` with `schedules`/`schedule`, read as data)
and Dagster jobs (`define_asset_job` / `@job`) with their `ScheduleDefinition` / `@schedule`.

A Flyte `@workflow` is a PlatformPipeline whose steps are the `@task` functions it calls (their file
runs in the task's container); a launch plan with a schedule is its trigger (a launch plan's
schedule is activated on registration, which `pyflyte register` in CI or by hand does; the launch
plan itself is what the repository declares).
"""

from __future__ import annotations

import ast

from mltestscore.evidence.ci import SCHEDULE
from mltestscore.evidence.platforms import PlatformPipeline, PlatformStep, Trigger
from mltestscore.evidence.platforms.pyast import Bindings, kwargs, leaf


def read(python) -> list[PlatformPipeline]:
    return flyte_workflows(python) + prefect_deployments(python) + dagster_jobs(python)


def flyte_workflows(python) -> list[PlatformPipeline]:
    found = []
    for path in python.candidates(["flytekit.workflow"]):
        tree = python.parsed.python(path) if path.endswith(".py") else None
        if tree is None:
            continue
        bindings = Bindings(tree)
        tasks = {
            n.name: n.lineno
            for n in ast.walk(tree)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and _decorated(n, "task")
        }
        schedules = _launch_plans(path, tree, bindings)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _decorated(node, "workflow"):
                steps = [
                    PlatformStep(leaf(c), c.lineno, (f"python {path}",), files=(path,), kind="task")
                    for c in ast.walk(node)
                    if isinstance(c, ast.Call) and leaf(c) in tasks
                ]
                triggers = tuple(t for t in schedules if t.target == node.name)
                found.append(PlatformPipeline("flyte", node.name, path, node.lineno, tuple(steps), started_by=triggers))
    return found


def _decorated(node, name: str) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, (ast.Name, ast.Attribute)) and ast.unparse(target).rsplit(".", 1)[-1] == name:
            return True
    return False


def _launch_plans(path: str, tree: ast.Module, bindings: Bindings) -> list[Trigger]:
    triggers = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and leaf(node) in ("get_or_create", "create")
            and "LaunchPlan" in ast.unparse(node.func)
        ):
            args = kwargs(node)
            schedule = bindings.value(args.get("schedule"))
            workflow = node.args[0] if node.args else args.get("workflow")
            if not isinstance(schedule, ast.Call) or not isinstance(workflow, ast.Name):
                continue
            expression = kwargs(schedule).get("schedule") or kwargs(schedule).get("cron_expression")
            expression = (
                expression or kwargs(schedule).get("fixed_rate") or (schedule.args[0] if schedule.args else None)
            )
            text = bindings.string(expression) or (ast.unparse(expression) if expression else leaf(schedule))
            active = args.get("auto_activate")
            enabled = not (isinstance(active, ast.Constant) and active.value is False)
            triggers.append(Trigger(SCHEDULE, text, path, node.lineno, "Flyte launch plan", workflow.id, "", enabled))
    return triggers


# -- Prefect deployments ------------------------------------------------------------------------------
def prefect_deployments(python) -> list[PlatformPipeline]:
    """Each deployment of a prefect.yaml: its entrypoint file is the flow it runs, its schedules
    (active unless `active: false`) its trigger."""
    from mltestscore.evidence.ci import MANUAL, line_of
    from mltestscore.evidence.platforms import resolve_file

    found = []
    for path in python.files.paths:
        if path.rsplit("/", 1)[-1] not in ("prefect.yaml", "prefect.yml"):
            continue
        data = python.parsed.yaml(path)
        text = python.files.text(path)
        for deployment in data.get("deployments") or [] if isinstance(data, dict) else []:
            if not isinstance(deployment, dict) or not isinstance(deployment.get("entrypoint"), str):
                continue
            file, _, flow = deployment["entrypoint"].partition(":")
            resolved = resolve_file(python, path, file)
            name = str(deployment.get("name") or flow)
            line = line_of(text, f"name: {name}") or line_of(text, deployment["entrypoint"])
            step = PlatformStep(
                flow or file, line, (f"python {resolved or file}",), files=(resolved,) if resolved else ()
            )
            schedules = deployment.get("schedules") or ([deployment["schedule"]] if deployment.get("schedule") else [])
            active = [
                s
                for s in schedules
                if isinstance(s, dict)
                and s.get("active", True) is not False
                and (s.get("cron") or s.get("interval") or s.get("rrule"))
            ]
            when = next((str(s.get("cron") or s.get("interval") or s.get("rrule")) for s in active), "")
            paused = tuple(
                Trigger(
                    SCHEDULE,
                    str(s.get("cron") or s.get("interval") or s.get("rrule")),
                    path,
                    line,
                    "prefect.yaml (active: false)",
                    name,
                    "",
                    False,
                )
                for s in schedules
                if isinstance(s, dict) and s not in active and (s.get("cron") or s.get("interval") or s.get("rrule"))
            )
            found.append(
                PlatformPipeline(
                    "prefect",
                    name,
                    path,
                    line,
                    (step,),
                    triggers=frozenset({SCHEDULE}) if active else frozenset({MANUAL}),
                    trigger_note=f"schedule {when}" if active else "no active schedule: started by hand",
                    started_by=paused,
                )
            )
    return found


# -- Dagster ------------------------------------------------------------------------------------------
def dagster_jobs(python) -> list[PlatformPipeline]:
    """Each Dagster job of a file (`define_asset_job("name")`, `@job`) runs the file's assets and ops;
    a schedule naming the job is its trigger. Dagster starts schedules STOPPED unless the code says
    `default_status=DefaultScheduleStatus.RUNNING`: otherwise a person turns it on in the UI, so the
    repository only declares it (a disabled schedule for RUBRIC.md)."""
    found = []
    for path in python.candidates(["dagster.define_asset_job", "dagster.job"]):
        tree = python.parsed.python(path) if path.endswith(".py") else None
        if tree is None:
            continue
        functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        work = [f for f in functions if any(_decorated(f, d) for d in ("asset", "multi_asset", "op", "graph_asset"))]
        jobs: dict[str, tuple[str, int]] = {}  # variable or function -> (job name, line)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and leaf(node.value) == "define_asset_job"
            ):
                call = node.value
                name = call.args[0].value if call.args and isinstance(call.args[0], ast.Constant) else None
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        jobs[target.id] = (
                            str(name or kwargs(call).get("name") and ast.unparse(kwargs(call)["name"]) or target.id),
                            node.lineno,
                        )
        jobs.update({f.name: (f.name, f.lineno) for f in functions if _decorated(f, "job")})
        if not jobs:
            continue
        schedules = _dagster_schedules(path, tree)
        steps = tuple(PlatformStep(f.name, f.lineno, (f"python {path}",), files=(path,), kind="asset") for f in work)
        for variable, (name, line) in jobs.items():
            started = tuple(t for t in schedules if t.target in (variable, name))
            found.append(PlatformPipeline("dagster", name, path, line, steps, started_by=started))
    return found


def _dagster_schedules(path: str, tree: ast.Module) -> list[Trigger]:
    triggers = []
    for node in ast.walk(tree):
        call = None
        if isinstance(node, ast.Call) and leaf(node) == "ScheduleDefinition":
            call = node
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            call = next((d for d in node.decorator_list if isinstance(d, ast.Call) and leaf(d) == "schedule"), None)
        if call is None:
            continue
        args = kwargs(call)
        job = args.get("job") or args.get("job_name")
        target = job.id if isinstance(job, ast.Name) else job.value if isinstance(job, ast.Constant) else ""
        cron = args.get("cron_schedule")
        text = cron.value if isinstance(cron, ast.Constant) else ast.unparse(cron) if cron else "schedule"
        running = "RUNNING" in ast.unparse(args["default_status"]) if "default_status" in args else False
        source = "Dagster schedule" + ("" if running else " (STOPPED until turned on in the UI)")
        triggers.append(Trigger(SCHEDULE, str(text), path, call.lineno, source, str(target), "", running))
    return triggers
