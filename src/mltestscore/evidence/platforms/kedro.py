"""Kedro pipelines: `pipeline([node(func, inputs, outputs, name=...)])` in a project's
`pipelines/<name>/pipeline.py` (or any module building one). Each node is a step that runs the
module defining its function (`from .nodes import train_model` -> pipelines/<name>/nodes.py).

Kedro has no scheduler of its own: `kedro run` (all registered pipelines, or `--pipeline NAME`)
starts it, so the pipeline's `cli` is that command and a CI job or Makefile target running it
starts the steps (wiring.py). Pipelines are named as Kedro's `find_pipelines()` names them: by
their folder under `pipelines/`.
"""

from __future__ import annotations

import ast
import posixpath

from mltestscore.evidence.platforms import PlatformPipeline, PlatformStep
from mltestscore.evidence.platforms.pyast import imported_names, kwargs, leaf
from mltestscore.evidence.python import names

_NAMES = names(
    "kedro.pipeline.node",
    "kedro.pipeline.pipeline",
    "kedro.pipeline.Pipeline",
    "kedro.pipeline.modular_pipeline.pipeline",
)


def read(python) -> list[PlatformPipeline]:
    found = []
    for path in python.candidates(list(_NAMES)):
        tree = python.parsed.python(path) if path.endswith(".py") else None
        if tree is None or "kedro" not in (python.files.text(path) or ""):
            continue
        imported = imported_names(tree, path, python)
        local = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        steps = []
        for call in ast.walk(tree):
            if not (isinstance(call, ast.Call) and leaf(call) == "node"):
                continue
            func = call.args[0] if call.args else kwargs(call).get("func")
            if not isinstance(func, (ast.Name, ast.Attribute)):
                continue
            function = ast.unparse(func)
            file = imported.get(function.split(".")[0]) or (path if function in local else None)
            named = kwargs(call).get("name")
            step_name = named.value if isinstance(named, ast.Constant) and isinstance(named.value, str) else function
            commands = (f"python {file}",) if file else ()
            steps.append(
                PlatformStep(str(step_name), call.lineno, commands, files=(file,) if file else (), kind="node")
            )
        if not steps:
            continue
        line = min(s.line or 1 for s in steps)
        found.append(PlatformPipeline("kedro", _pipeline_name(path), path, line, tuple(steps), cli="kedro run"))
    return found


def _pipeline_name(path: str) -> str:
    """pipelines/data_science/pipeline.py -> data_science; other modules by their stem."""
    folder, file = posixpath.split(path)
    if file in ("pipeline.py", "__init__.py") and posixpath.basename(posixpath.dirname(folder)) == "pipelines":
        return posixpath.basename(folder)
    return file[:-3]
