"""Kubeflow Pipelines v1/v2 and Vertex AI Pipelines, read with ast (and component YAML as data).

A `@dsl.pipeline` function is a PlatformPipeline; each component it calls is a step:
- a lightweight Python component (`@dsl.component`, `create_component_from_func`) runs its own
  function, and the project modules it imports: those files are the step's;
- a container component (`@dsl.container_component` returning `dsl.ContainerSpec(command, args)`),
  a v1 `dsl.ContainerOp(command=..., arguments=...)` or a component YAML loaded with
  `load_component_from_file` (`implementation.container.command/args`) runs its command.
Pipelines that use Vertex AI (google.cloud.aiplatform, google_cloud_pipeline_components) are
"vertex" pipelines of the gcp cloud, so a Cloud Scheduler job in Terraform can start them.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from mltestscore.evidence.ci import split_commands
from mltestscore.evidence.platforms import PlatformPipeline, PlatformStep, resolve_file
from mltestscore.evidence.platforms.pyast import Bindings, kwargs, leaf

_COMPONENT_DECORATORS = ("component", "container_component", "create_component_from_func", "func_to_container_op")
_LOADERS = ("load_component_from_file", "load_component")


def read(python) -> list[PlatformPipeline]:
    paths = [p for p in python.candidates(["kfp.dsl.pipeline", "kfp.dsl.component"]) if p.endswith(".py")]
    modules = {}
    components: dict[str, PlatformStep] = {}
    defined: dict[str, list[PlatformStep]] = {}  # function components by name, from every module
    own: dict[str, dict[str, PlatformStep]] = {}  # each module's components win over same-named ones elsewhere
    for path in paths:
        tree = python.parsed.python(path)
        if tree is None or not _imports(tree, "kfp"):
            continue
        modules[path] = tree
        made = _components(python, path, tree)
        for name, step in made.items():
            if step.files:
                defined.setdefault(name, []).append(step)
        own[path] = made
    for path, made in own.items():
        own[path] = _link_compiled(python, made, defined)
        components.update(own[path])
    found = []
    for path, tree in modules.items():
        vertex = _imports(tree, "google.cloud.aiplatform") or _imports(tree, "google_cloud_pipeline_components")
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _decorated(node, ("pipeline",)):
                name = _decorator_name(node) or node.name
                steps = _steps(node, {**components, **own.get(path, {})}, Bindings(tree))
                found.append(
                    PlatformPipeline(
                        "vertex" if vertex else "kubeflow",
                        name,
                        path,
                        node.lineno,
                        tuple(steps),
                        cloud="gcp" if vertex else "",
                    )
                )
    return found


def _imports(tree: ast.Module, module: str) -> bool:
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(module):
            return True
        if isinstance(node, ast.Import) and any(a.name.startswith(module) for a in node.names):
            return True
    return False


def _decorated(node, names: tuple[str, ...]) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, (ast.Name, ast.Attribute)) and ast.unparse(target).rsplit(".", 1)[-1] in names:
            return True
    return False


def _decorator_name(node) -> str | None:
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call):
            value = kwargs(decorator).get("name")
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                return value.value
    return None


def _components(python, path: str, tree: ast.Module) -> dict[str, PlatformStep]:
    """Component name (as the pipeline calls it) -> the step it makes."""
    found: dict[str, PlatformStep] = {}
    bindings = Bindings(tree)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _decorated(node, _COMPONENT_DECORATORS):
            commands = tuple(_container_commands(node, bindings))
            files = (path, *_imported_modules(python, node)) if not commands else ()
            runs = commands + tuple(f"python {f}" for f in files)
            found[node.name] = PlatformStep(node.name, node.lineno, runs, files=files, kind="component")
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and len(node.targets) == 1:
            target = node.targets[0]
            if not isinstance(target, ast.Name):
                continue
            call = node.value
            if leaf(call) in _LOADERS:
                spec = bindings.string(call.args[0] if call.args else kwargs(call).get("filename"))
                component = resolve_file(python, path, spec) if spec else None
                commands = tuple(_yaml_commands(python, component)) if component else ()
                found[target.id] = PlatformStep(
                    target.id, node.lineno, commands, path=component or "", kind="component"
                )
            elif leaf(call) in ("create_component_from_func", "func_to_container_op") and call.args:
                if isinstance(call.args[0], ast.Name):
                    found[target.id] = PlatformStep(
                        target.id, node.lineno, (f"python {path}",), files=(path,), kind="component"
                    )
    return found


def _container_commands(function, bindings: Bindings) -> list[str]:
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and leaf(node) in ("ContainerSpec", "ContainerOp"):
            return [_command(node, bindings)]
    return []


def _command(call: ast.Call, bindings: Bindings) -> str:
    args = kwargs(call)
    words = []
    for key in ("command", "args", "arguments"):
        value = bindings.value(args.get(key))
        if isinstance(value, (ast.List, ast.Tuple)):
            words += [bindings.string(e) or "ARG" for e in value.elts]
        elif value is not None:
            words.append(bindings.string(value) or "ARG")
    text = " ".join(words)
    if words[:2] in (["sh", "-c"], ["bash", "-c"]) and len(words) > 2:
        text = words[2]
    return text


def _yaml_commands(python, path: str) -> list[str]:
    data = python.parsed.yaml(path)
    container = _dict(_dict(_dict(data).get("implementation")).get("container"))
    words = [w if isinstance(w, str) else "ARG" for key in ("command", "args") for w in container.get(key) or []]
    if words[:2] in (["sh", "-c"], ["bash", "-c"]) and len(words) > 2:
        return split_commands(words[2])
    return [" ".join(words)] if words else []


def _link_compiled(
    python, components: dict[str, PlatformStep], defined: dict[str, list[PlatformStep]]
) -> dict[str, PlatformStep]:
    """A compiled KFP v2 component YAML (`deploymentSpec` executors running `--function_to_execute f`)
    loaded by a pipeline runs the project's `@dsl.component def f`: give the step that function's files."""
    linked = dict(components)
    for name, step in components.items():
        if not step.path or step.commands:
            continue
        for function in _compiled_functions(python, step.path):
            # the definition nearest the YAML (most shared folders) when several modules define it
            sources = sorted(defined.get(function, ()), key=lambda s: -_shared_folders(s.files[0], step.path))
            source = sources[0] if sources else None
            if source is not None:
                linked[name] = replace(step, commands=source.commands, files=source.files)
                break
    return linked


def _shared_folders(a: str, b: str) -> int:
    count = 0
    for x, y in zip(a.split("/")[:-1], b.split("/")[:-1]):
        if x != y:
            break
        count += 1
    return count


def _compiled_functions(python, path: str) -> list[str]:
    executors = _dict(_dict(_dict(python.parsed.yaml(path)).get("deploymentSpec")).get("executors"))
    found = []
    for executor in executors.values():
        args = _dict(_dict(executor).get("container")).get("args") or []
        for flag, value in zip(args, args[1:]):
            if flag == "--function_to_execute" and isinstance(value, str):
                found.append(value)
    return found


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _imported_modules(python, function) -> list[str]:
    """Project modules a lightweight component imports in its body (they run in its container)."""
    found = []
    for node in ast.walk(function):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            path = python.modules.get(name)
            if path and path not in found:
                found.append(path)
    return found


def _steps(function, components: dict[str, PlatformStep], bindings: Bindings) -> list[PlatformStep]:
    steps = []
    for node in ast.walk(function):
        if not isinstance(node, ast.Call):
            continue
        name = leaf(node)
        if name in components:
            component = components[name]
            steps.append(replace(component, line=node.lineno))
        elif name == "ContainerOp":  # KFP v1 inline op
            label = bindings.string(kwargs(node).get("name")) or "container-op"
            steps.append(PlatformStep(label, node.lineno, (_command(node, bindings),), kind="ContainerOp"))
    steps.sort(key=lambda s: s.line or 0)
    return steps
