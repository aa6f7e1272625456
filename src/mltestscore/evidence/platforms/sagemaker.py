"""SageMaker Pipelines defined in Python (sagemaker.workflow), read with ast.

Each `Pipeline(name=..., steps=[...])` becomes a PlatformPipeline; each step constructor in its
file a PlatformStep with the files it runs: `ProcessingStep(code=...)` or `step_args=processor.run(
code=...)`, a `TrainingStep`'s estimator `entry_point` (under `source_dir`), a tuner's estimator,
and functions decorated with `@step` (the SageMaker Python SDK's function steps). Gates, registry
and monitoring steps are steps too (ConditionStep, RegisterModel, QualityCheckStep...), named so the
report can show them.
"""

from __future__ import annotations

import ast

from mltestscore.evidence.platforms import PlatformPipeline, PlatformStep, resolve_file
from mltestscore.evidence.platforms.pyast import Bindings, kwargs, leaf

STEP_CLASSES = frozenset(
    {
        "ProcessingStep",
        "TrainingStep",
        "TuningStep",
        "TransformStep",
        "ConditionStep",
        "QualityCheckStep",
        "ClarifyCheckStep",
        "ModelStep",
        "RegisterModel",
        "CreateModelStep",
        "LambdaStep",
        "EMRStep",
        "EMRServerlessStep",
        "FailStep",
        "CallbackStep",
        "NotebookJobStep",
        "AutoMLStep",
    }
)


def read(python) -> list[PlatformPipeline]:
    found = []
    for path in python.candidates(["sagemaker.workflow.pipeline.Pipeline", "sagemaker.workflow.function_step.step"]):
        if not path.endswith(".py"):
            continue
        tree = python.parsed.python(path)
        if tree is None or not _imports_sagemaker_workflow(tree):
            continue
        found.extend(_pipelines_in(python, path, tree))
    return found


def _imports_sagemaker_workflow(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sagemaker"):
            return True
        if isinstance(node, ast.Import) and any(a.name.startswith("sagemaker") for a in node.names):
            return True
    return False


def _pipelines_in(python, path: str, tree: ast.Module) -> list[PlatformPipeline]:
    bindings = Bindings(tree)
    steps: list[PlatformStep] = []
    pipelines: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            kind = leaf(node)
            if kind in STEP_CLASSES:
                steps.append(_step(python, path, node, kind, bindings))
            elif kind == "Pipeline" and "steps" in kwargs(node):
                name = bindings.string(kwargs(node).get("name")) or "pipeline"
                pipelines.append((name, node.lineno))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _function_step(node):
            # @step functions run in the pipeline's own job: this file (the function) is the step's code
            steps.append(PlatformStep(node.name, node.lineno, (f"python {path}",), files=(path,), kind="@step"))
    steps.sort(key=lambda s: s.line or 0)
    return [PlatformPipeline("sagemaker", name, path, line, tuple(steps), cloud="aws") for name, line in pipelines]


def _function_step(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, (ast.Name, ast.Attribute)) and ast.unparse(target) in ("step", "function_step.step"):
            return True
    return False


def _step(python, path: str, call: ast.Call, kind: str, bindings: Bindings) -> PlatformStep:
    args = kwargs(call)
    name = bindings.string(args.get("name")) or kind
    files = []
    for code in _code_of(args, bindings, training=kind in ("TrainingStep", "TuningStep")):
        resolved = resolve_file(python, path, code)
        if resolved and resolved not in files:
            files.append(resolved)
    commands = tuple(f"{'bash' if f.endswith('.sh') else 'python'} {f}" for f in files)
    return PlatformStep(name, call.lineno, commands, files=tuple(files), kind=kind)


def _code_of(args: dict[str, ast.AST], bindings: Bindings, training: bool) -> list[str]:
    """Paths a step's arguments name as its code (an estimator's entry point only for the steps
    that train with it: RegisterModel(estimator=...) registers, it does not train)."""
    found = []
    if "code" in args:
        found.append(bindings.string(args["code"]))
    step_args = bindings.value(args.get("step_args"))
    if isinstance(step_args, ast.Call):
        inner = kwargs(step_args)
        method = leaf(step_args)
        if method == "run" and "code" in inner:  # processor.run(code=..., source_dir=...)
            found.append(_under(bindings.string(inner.get("source_dir")), bindings.string(inner["code"])))
        elif method == "fit" and isinstance(step_args.func, ast.Attribute):  # estimator.fit() / tuner.fit()
            found += _estimator_code(bindings.value(step_args.func.value), bindings)
    for key in ("estimator", "tuner") if training else ():
        found += _estimator_code(bindings.value(args.get(key)), bindings)
    return [f for f in found if f]


def _estimator_code(node: ast.AST | None, bindings: Bindings, depth: int = 0) -> list[str]:
    if not isinstance(node, ast.Call) or depth > 2:
        return []
    args = kwargs(node)
    if leaf(node) == "HyperparameterTuner":  # HyperparameterTuner(estimator, ...)
        estimator = node.args[0] if node.args else args.get("estimator")
        return _estimator_code(bindings.value(estimator), bindings, depth + 1)
    entry = bindings.string(args.get("entry_point"))
    return [_under(bindings.string(args.get("source_dir")), entry)] if entry else []  # type: ignore[list-item]


def _under(folder: str | None, path: str | None) -> str | None:
    if not path:
        return None
    if folder and not folder.startswith("s3://") and not path.startswith("/"):
        return f"{folder.rstrip('/')}/{path}"
    return path
