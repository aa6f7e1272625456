"""Task runners CI commands reach: Makefile targets, tox envs, nox sessions, shell scripts,
pre-commit hooks. Each maps a name to the shell commands it would run."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from mltestscore.evidence.ci import line_of, split_commands
from mltestscore.index.parsed import Parsed


@dataclass
class Task:
    """A named unit that runs commands: a make target, a tox env, a nox session, a hook."""

    kind: str  # make | tox | nox | script | pre-commit
    path: str
    name: str
    commands: list[str]
    line: int | None = None
    deps: list[str] = field(default_factory=list)  # make prerequisites


_MAKE_TARGET = re.compile(r"^([A-Za-z0-9_.\-/%$(){} ]+?)\s*::?(?!=)\s*(.*)$")


def parse_makefile(path: str, text: str) -> dict[str, Task]:
    targets: dict[str, Task] = {}
    current: list[Task] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.startswith("\t"):
            command = raw.strip().lstrip("@-+").strip()
            if command and not command.startswith("#"):
                for task in current:
                    task.commands.extend(split_commands(command))
            continue
        line = raw.split("#", 1)[0].rstrip()
        if not line or line.startswith((" ", "define", "endef", "ifeq", "ifneq", "ifdef", "endif", "else", "include", "export")):
            if line.strip():
                current = []
            continue
        match = _MAKE_TARGET.match(line)
        if match and "=" not in match.group(1):
            recipe_inline = ""
            deps = match.group(2)
            if ";" in deps:
                deps, recipe_inline = deps.split(";", 1)
            current = []
            for name in match.group(1).split():
                if name.startswith(".") and name.isupper() or name in (".PHONY", ".DEFAULT_GOAL"):
                    continue
                task = targets.setdefault(name, Task("make", path, name, [], number))
                task.deps.extend(d for d in deps.split() if not d.startswith("$"))
                if recipe_inline.strip():
                    task.commands.extend(split_commands(recipe_inline))
                current.append(task)
        else:
            current = []
    return targets


def parse_tox(path: str, parsed: Parsed) -> dict[str, Task]:
    config = parsed.ini(path)
    envs: dict[str, Task] = {}
    if config is None:
        return envs
    text = parsed.files.text(path) or ""
    for section in config.sections():
        if section != "testenv" and not section.startswith("testenv:"):
            continue
        commands = config.get(section, "commands", fallback="")
        name = section.split(":", 1)[1] if ":" in section else "testenv"
        lines = [c.strip() for c in commands.splitlines() if c.strip()]
        line = next((n for n, l in enumerate(text.splitlines(), 1) if l.strip() == f"[{section}]"), None)
        envs[name] = Task("tox", path, name, [c for l in lines for c in split_commands(l)], line)
    return envs


def _call_strings(call: ast.Call) -> str:
    parts = []
    for arg in call.args:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            parts.append(arg.value)
        elif isinstance(arg, ast.Starred):
            parts.append("...")
    return " ".join(parts)


def parse_noxfile(path: str, parsed: Parsed) -> dict[str, Task]:
    tree = parsed.python(path)
    sessions: dict[str, Task] = {}
    if tree is None:
        return sessions
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if not any("session" in ast.unparse(d) for d in node.decorator_list):
            continue
        commands = []
        for inner in ast.walk(node):
            if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr in ("run", "run_always"):
                text = _call_strings(inner)
                if text:
                    commands.append(text)
        sessions[node.name] = Task("nox", path, node.name, commands, node.lineno)
    return sessions


def parse_shell_script(path: str, text: str) -> Task:
    return Task("script", path, path, split_commands(text), 1)


def parse_precommit(path: str, parsed: Parsed) -> list[Task]:
    data = parsed.yaml(path)
    hooks: list[Task] = []
    if not isinstance(data, dict):
        return hooks
    text = parsed.files.text(path)
    repos = data.get("repos")
    for repo in repos if isinstance(repos, list) else []:
        if not isinstance(repo, dict) or not isinstance(repo.get("hooks"), list):
            continue
        for hook in repo["hooks"]:
            if not isinstance(hook, dict) or not isinstance(hook.get("id"), str):
                continue
            entry = hook.get("entry") if repo.get("repo") in ("local", "meta") else None
            commands = [str(entry)] if isinstance(entry, str) else [hook["id"]]
            hooks.append(Task("pre-commit", path, hook["id"], commands, line_of(text, f"id: {hook['id']}")))
    return hooks


@dataclass
class TaskIndex:
    make: dict[str, dict[str, Task]]  # Makefile path -> target -> task
    tox: dict[str, Task]
    nox: dict[str, Task]
    scripts: dict[str, Task]  # shell script path -> task
    precommit: list[Task]


def index_tasks(parsed: Parsed) -> TaskIndex:
    files = parsed.files
    make = {}
    for path in files.named("Makefile", "makefile", "GNUmakefile"):
        text = files.text(path)
        if text is not None:
            make[path] = parse_makefile(path, text)
    tox = {}
    for path in files.named("tox.ini"):
        tox.update(parse_tox(path, parsed))
    nox = {}
    for path in files.named("noxfile.py"):
        nox.update(parse_noxfile(path, parsed))
    scripts = {}
    for path in files.with_suffix(".sh", ".bash"):
        text = files.text(path)
        if text is not None:
            scripts[path] = parse_shell_script(path, text)
    precommit = []
    for path in files.named(".pre-commit-config.yaml", ".pre-commit-config.yml"):
        precommit.extend(parse_precommit(path, parsed))
    return TaskIndex(make, tox, nox, scripts, precommit)
