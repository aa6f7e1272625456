"""Azure Pipelines, found by content in any folder (`.pipelines/`, `ci/`, `azure-pipelines.yml`...).

Steps come from `script`/`bash`/`pwsh`/`powershell` steps and from task inputs (`inlineScript`,
`script`, `scriptPath`/`filePath` with `arguments`, `workingDirectory`), and `- template:`
references (steps, jobs, stages, `extends`) are expanded from the repository, relative to the file
that names them. A file only ever used as a template is not a pipeline of its own. Stage and job
`condition`s show in the step names (a `failed()` rollback stage reads as such).
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from mltestscore.evidence.ci import (
    MANUAL,
    PULL_REQUEST,
    PUSH,
    SCHEDULE,
    CIJob,
    CIPipeline,
    CIStep,
    line_of,
    split_commands,
)
from mltestscore.index.parsed import Parsed

_CONTAINERS = (
    "steps",
    "jobs",
    "stages",
    "job",
    "stage",
    "deployment",
    "strategy",
    "deploy",
    "on",
    "success",
    "failure",
    "runOnce",
    "canary",
    "rolling",
    "preDeploy",
    "routeTraffic",
    "postRouteTraffic",
)
_SHELL_KEYS = ("script", "bash", "pwsh", "powershell")
_AZURE_ITEM = re.compile(
    rb"(?m)^[ \t]*-[ \t]*(?:script|bash|pwsh|powershell|task|template|job|stage|deployment|checkout)[ \t]*:"
)
_TOP_KEYS = re.compile(rb"(?m)^(?:trigger|pr|schedules|stages|jobs|steps|extends|pool)[ \t]*:")
_PIPELINE_KEYS = ("trigger", "pr", "schedules", "pool", "resources", "extends", "name", "variables")
_NAMED = re.compile(r"(^|/)azure-pipelines[^/]*\.ya?ml$")
MAX_TEMPLATE_DEPTH = 5

Loader = Any  # (path) -> (data, text) or None


def read(parsed: Parsed) -> list[CIPipeline]:
    files = parsed.files
    candidates = []
    for path in files.with_suffix(".yml", ".yaml"):
        if path.startswith((".github/", ".gitlab", ".circleci/")):
            continue
        data = files.read_bytes(path, keep=False)  # most YAML files are no pipeline: do not hold them
        if data and _TOP_KEYS.search(data) and (_AZURE_ITEM.search(data) or b"extends" in data):
            files.keep_bytes(path, data)
            candidates.append(path)
    shaped = {}
    for path in candidates:
        data = parsed.yaml(path)
        if isinstance(data, dict) and _is_azure(data):
            shaped[path] = data
    referenced = {
        ref
        for path, data in shaped.items()
        for ref in _template_refs(data, path)
        if ref in files.paths or ref in shaped
    }

    def load(path: str):
        if path not in shaped and path not in files.paths:
            return None
        return parsed.yaml(path), files.text(path)

    pipelines = []
    for path, data in shaped.items():  # type: ignore[assignment]
        if path in referenced:
            continue  # a template: it runs where it is included
        if not any(k in data for k in _PIPELINE_KEYS) and not _NAMED.search(path):  # type: ignore[operator]
            continue  # template-shaped and included from elsewhere (another repository), not a pipeline
        try:
            pipelines.append(parse_azure_pipeline(path, data, files.text(path), load))
        except Exception as error:
            parsed.warn(path, f"Azure Pipelines file of an unexpected shape ({type(error).__name__}); skipped")
    return pipelines  # type: ignore[return-value]


def _is_azure(data: dict) -> bool:
    if isinstance(data.get("extends"), dict) and "template" in data["extends"]:
        return True
    for key, item_keys in (
        ("steps", (*_SHELL_KEYS, "task", "template", "checkout", "download", "publish")),
        ("jobs", ("job", "deployment", "template")),
        ("stages", ("stage", "template")),
    ):
        items = data.get(key)
        if isinstance(items, list) and any(isinstance(i, dict) and any(k in i for k in item_keys) for i in items):
            return True
    return False


def _template_refs(node: Any, path: str):
    if isinstance(node, dict):
        ref = node.get("template")
        if isinstance(ref, str):
            resolved = _resolve(ref, path)
            if resolved:
                yield resolved
        for value in node.values():
            yield from _template_refs(value, path)
    elif isinstance(node, list):
        for item in node:
            yield from _template_refs(item, path)


def _resolve(ref: str, including: str) -> str | None:
    if "@" in ref or "${{" in ref or "$(" in ref:
        return None  # another repository's template, or a path chosen at run time
    if ref.startswith("/"):
        return posixpath.normpath(ref.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(including), ref))


def parse_azure_pipeline(path: str, data: Any, text: str | None, load: Loader = None) -> CIPipeline | None:
    if not isinstance(data, dict):
        return None
    triggers: set[str] = set()
    if data.get("trigger", "default") not in ("none", None) or "trigger" not in data:
        triggers.add(PUSH)
    if data.get("pr", "default") not in ("none", None):
        triggers.add(PULL_REQUEST)
    if data.get("schedules"):
        triggers.add(SCHEDULE)
    if data.get("trigger") == "none" and data.get("pr") in (None, "none") and not data.get("schedules"):
        triggers = {MANUAL}
    walker = _Walker(path, text, load)
    steps = walker.steps(data, path, "", 0)
    return CIPipeline(path, "azure-pipelines", [CIJob("pipeline", frozenset(triggers), steps, 1)])


class _Walker:
    def __init__(self, root: str, text: str | None, load: Loader) -> None:
        self.root = root
        self.text = text
        self.load = load
        self.conditions: list[str] = []  # conditions of the stages and jobs around the current node

    def steps(self, node: Any, where: str, note: str, depth: int, line: int | None = None) -> list[CIStep]:
        """Steps under `node` (from file `where`); `note` prefixes names (template, condition);
        `line`: the root file's line the node hangs from when it comes from a template."""
        found: list[CIStep] = []
        if isinstance(node, list):
            for item in node:
                found.extend(self.steps(item, where, note, depth, line))
            return found
        if not isinstance(node, dict):
            return found
        condition = node.get("condition")
        if isinstance(condition, str) and any(k in node for k in ("stage", "job", "deployment")):
            note = f"{note}[{_short(condition)}] "
            self.conditions.append(condition)
            try:
                return self._steps_under(node, where, note, depth, line)
            finally:
                self.conditions.pop()
        return self._steps_under(node, where, note, depth, line)

    def _steps_under(self, node: dict, where: str, note: str, depth: int, line: int | None) -> list[CIStep]:
        found: list[CIStep] = []
        ref = node.get("template")
        if isinstance(ref, str) and depth < MAX_TEMPLATE_DEPTH and self.load is not None:
            target = _resolve(ref, where)
            loaded = self.load(target) if target else None
            if loaded is not None:
                at = line if line is not None else line_of(self.text, f"template: {ref}")
                found.extend(self.steps(loaded[0], target, f"{note}template {target}: ", depth + 1, at))  # type: ignore[arg-type]
        for key in _SHELL_KEYS:
            if isinstance(node.get(key), str):
                found.append(self._step(node, split_commands(node[key]), note, line, key))
        if isinstance(node.get("task"), str):
            found.append(self._step(node, task_commands(node["task"], node.get("inputs")), note, line, node["task"]))
        extends = node.get("extends")
        if isinstance(extends, dict):
            found.extend(self.steps(extends, where, note, depth, line))
        for key, value in node.items():
            if key in _CONTAINERS:
                found.extend(self.steps(value, where, note, depth, line))
        return found

    def _step(self, node: dict, commands: list[str], note: str, line: int | None, fallback: str) -> CIStep:
        task = node.get("task") if isinstance(node.get("task"), str) else None
        name = str(node.get("displayName") or task or (commands[0] if commands else fallback))
        anchor = line if line is not None else line_of(self.text, commands[0] if commands else fallback)
        cwd = node.get("workingDirectory") or _dict(node.get("inputs")).get("workingDirectory")
        own = str(node["condition"]) if isinstance(node.get("condition"), str) else ""
        condition = " ".join([*self.conditions, own]).strip()
        return CIStep(f"{note}{name}", commands, anchor, task, _folder(cwd), condition)


def task_commands(task: str, inputs: Any) -> list[str]:
    """Shell commands an Azure task runs, from its inputs: inline scripts, or a script file with arguments."""
    inputs = _dict(inputs)
    kind = task.split("@")[0].lower()
    arguments = inputs.get("arguments") if isinstance(inputs.get("arguments"), str) else ""
    if kind == "pythonscript":
        target = inputs.get("scriptPath")
        if inputs.get("scriptSource", "filePath") == "filePath" and isinstance(target, str):
            return [f"python {target} {arguments}".strip()]
        return []  # inline Python code, not shell
    commands: list[str] = []
    for key in ("inlineScript", "script"):
        if isinstance(inputs.get(key), str) and inputs.get("targetType", "inline") == "inline":
            commands.extend(split_commands(inputs[key]))
    location = inputs.get("scriptLocation")
    for key in ("scriptPath", "filePath"):
        target = inputs.get(key)
        if isinstance(target, str) and (location in (None, "scriptPath") or key == "filePath"):
            if kind in ("bash", "shellscript", "azurecli") or not target.endswith(".py"):
                shell = "pwsh" if target.endswith(".ps1") else "bash"
                commands.append(f"{shell} {target} {arguments}".strip())
            else:
                commands.append(f"python {target} {arguments}".strip())
    return commands


def _folder(value: Any) -> str:
    if not isinstance(value, str) or "$(" in value and not value.startswith("$(System.DefaultWorkingDirectory)"):
        return ""
    value = re.sub(r"^\$\((?:System\.DefaultWorkingDirectory|Build\.SourcesDirectory)\)/?", "", value)
    value = posixpath.normpath(value) if value else ""
    return "" if value in (".", "") else value.strip("/")


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
