"""Airflow DAGs: each task becomes a pipeline step running what the operator runs.

BashOperator `bash_command`, KubernetesPodOperator `cmds` + `arguments`, DockerOperator `command`,
SSHOperator `command`: shell commands (container paths mapped back to repository files).
PythonOperator-family `python_callable` (and TaskFlow `@task` functions): the module that holds the
callable runs, written as `python <file>`. The DAG's `schedule`/`schedule_interval`/`timetable`
is its trigger: None or "@once" means a person starts it; no schedule given counts as none.
"""

from __future__ import annotations

import ast

from mltestscore.evidence.ci import MANUAL, SCHEDULE, split_commands
from mltestscore.evidence.platforms import PlatformPipeline, PlatformStep
from mltestscore.evidence.platforms.paths import constant_words, import_table, keyword, localise, resolved, string
from mltestscore.evidence.python import PythonIndex, module_name, names

_DAG = names("airflow.DAG", "airflow.models.DAG", "airflow.models.dag.DAG", "airflow.sdk.DAG")
_DAG_DECORATORS = ("airflow.decorators.dag", "airflow.sdk.dag")
_SHELL_OPERATORS = {"BashOperator": "bash_command", "SSHOperator": "command", "DockerOperator": "command"}
_POD_OPERATORS = ("KubernetesPodOperator", "GKEStartPodOperator", "EksPodOperator")
_PYTHON_OPERATORS = (
    "PythonOperator",
    "PythonVirtualenvOperator",
    "ExternalPythonOperator",
    "BranchPythonOperator",
    "ShortCircuitOperator",
)
_NO_SCHEDULE = (None, "@once", "None")


def read(python: PythonIndex) -> list[PlatformPipeline]:
    found: list[PlatformPipeline] = []
    for path in python.candidates(["airflow"]):
        if not path.endswith(".py"):
            continue
        tree = python.parsed.python(path)
        if tree is None:
            continue
        found.extend(_dags(tree, path, python))
    return found


def _dags(tree: ast.Module, path: str, python: PythonIndex) -> list[PlatformPipeline]:
    table = import_table(tree, module_name(path))
    dags: list[tuple[str, int, ast.Call | None]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and resolved(node.func, table) in _DAG:
            name = string(node, "dag_id", 0) or "dag"
            dags.append((name, node.lineno, node))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if resolved(target, table) in _DAG_DECORATORS:
                    dags.append((node.name, node.lineno, decorator if isinstance(decorator, ast.Call) else None))
    if not dags:
        return []
    steps = _tasks(tree, path, table, python)
    pipelines = []
    for name, line, call in dags[:1] if len(dags) == 1 else dags:
        triggers, note = _schedule(call)
        # several DAGs in one file: each holds the tasks declared after it (a good enough split)
        own = steps if len(dags) == 1 else [s for s in steps if s.line and s.line >= line]
        pipelines.append(PlatformPipeline("airflow", name, path, line, tuple(own), triggers, note))
    return pipelines


def _schedule(call: ast.Call | None) -> tuple[frozenset[str], str]:
    for key in ("schedule", "schedule_interval", "timetable"):
        node = keyword(call, key) if call is not None else None
        if node is None:
            continue
        if isinstance(node, ast.Constant) and node.value in _NO_SCHEDULE:
            return frozenset({MANUAL}), f"{key}={node.value!r}: started by hand"
        shown = ast.unparse(node)
        return frozenset({SCHEDULE}), f"schedule {shown[:40]}"
    return frozenset({MANUAL}), "no schedule: started by hand"


def _tasks(tree: ast.Module, path: str, table: dict[str, str], python: PythonIndex) -> list[PlatformStep]:
    files = python.files
    functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    steps: list[PlatformStep] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_task(node, table):
            steps.append(PlatformStep(node.name, node.lineno, (f"python {path}",)))
            continue
        if not isinstance(node, ast.Call):
            continue
        operator = resolved(node.func, table).rsplit(".", 1)[-1]
        task_id = string(node, "task_id") or operator
        commands: list[str] = []
        if operator in _SHELL_OPERATORS:
            text = string(node, _SHELL_OPERATORS[operator])
            words = None if text is not None else constant_words(keyword(node, "command"))
            if text is not None:
                commands = split_commands(text)
            elif words:
                commands = [" ".join(words)]
        elif operator in _POD_OPERATORS:
            words = (constant_words(keyword(node, "cmds")) or []) + (constant_words(keyword(node, "arguments")) or [])
            if len(words) >= 3 and words[0] in ("bash", "sh", "/bin/bash", "/bin/sh") and words[1] == "-c":
                commands = split_commands(words[2])
            elif words:
                commands = [" ".join(words)]
        elif operator in _PYTHON_OPERATORS:
            callable_path = _callable_file(keyword(node, "python_callable"), path, table, functions, python)
            if callable_path:
                commands = [f"python {callable_path}"]
        else:
            continue
        commands = [localise(c, files) for c in commands]
        steps.append(PlatformStep(task_id, node.lineno, tuple(commands)))
    return steps


def _is_task(node: ast.FunctionDef | ast.AsyncFunctionDef, table: dict[str, str]) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = resolved(target, table)
        if name.startswith(("airflow.decorators.task", "airflow.sdk.task")):
            return True
    return False


def _callable_file(node, path: str, table: dict[str, str], functions: dict, python: PythonIndex) -> str | None:
    """The file holding a python_callable: this DAG file, or the project module it is imported from."""
    if node is None:
        return None
    name = resolved(node, table)
    if "." not in name and name in functions:
        return path
    module = name.rsplit(".", 1)[0] if "." in name else name
    for candidate in (name, module):
        found = python.resolve_import(candidate)
        if found:
            return found
    return path if isinstance(node, ast.Lambda) else None
