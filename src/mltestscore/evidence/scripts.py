"""Task runners CI commands reach: Makefile targets, tox envs, nox sessions, just recipes, mise
tasks, poe tasks, shell scripts, pre-commit hooks. Each maps a name to the shell commands it would run."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from mltestscore.evidence.ci import line_of, split_commands
from mltestscore.index.parsed import Parsed


@dataclass
class Task:
    """A named unit that runs commands: a make target, a tox env, a nox session, a hook."""

    kind: str  # make | tox | nox | just | mise | poe | script | pre-commit
    path: str
    name: str
    commands: list[str]
    line: int | None = None
    deps: list[str] = field(default_factory=list)  # prerequisites run first (make, just, mise, poe sequences)


_MAKE_NAMES = re.compile(r"[A-Za-z0-9_.\-/%$(){} ]+")
MAX_RULE_TARGETS = 64  # names one rule line declares; more is not a real Makefile


def _rule_header(line: str) -> tuple[str, str] | None:
    """(targets, rest) of `targets: rest` or `targets:: rest` (not `:=`), split at the first colon:
    a regex with both a lazy name part and `\\s*` backtracks quadratically on long lines."""
    head, colon, rest = line.partition(":")
    if not colon:
        return None
    rest = rest[1:] if rest.startswith(":") else rest
    if rest.startswith("=") or not head.strip() or not _MAKE_NAMES.fullmatch(head):
        return None
    return head.strip(), rest.strip()


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
        if not line or line.startswith(
            (" ", "define", "endef", "ifeq", "ifneq", "ifdef", "endif", "else", "include", "export")
        ):
            if line.strip():
                current = []
            continue
        header = _rule_header(line)
        if header:
            recipe_inline = ""
            deps = header[1]
            if ";" in deps:
                deps, recipe_inline = deps.split(";", 1)
            current = []
            for name in header[0].split()[:MAX_RULE_TARGETS]:
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


# tox substitutions, read as what they stand for where it matters: `{envpython} -m pytest` runs
# pytest, `pytest {posargs}` is a bare pytest, `{toxinidir}/tests` is the tests folder.
_TOX_TOOL = re.compile(r"\{(envbindir|envdir)\}/(?:bin/)?")
_TOX_DEFAULT = re.compile(r"\{(posargs|env:[^:}]+)(?::([^}]*))?\}")
_TOX_VALUES = {"{envpython}": "python", "{toxinidir}": ".", "{tox_root}": ".", "{envtmpdir}": "/tmp"}


def _tox_substitute(command: str) -> str:
    command = command.strip()
    if command.startswith("- "):  # `- cmd`: tox ignores the exit code, the command still runs
        command = command[2:].strip()
    command = _TOX_TOOL.sub("", command)
    command = _TOX_DEFAULT.sub(lambda m: m.group(2) or "", command)
    for key, value in _TOX_VALUES.items():
        command = command.replace(key, value)
    command = re.sub(r"(^|\s)\./", r"\1", command)  # ./tests -> tests, as paths are kept elsewhere
    return " ".join(command.split())


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
        lines = [_tox_substitute(c) for c in commands.replace("\\\n", " ").splitlines() if c.strip()]
        lines = [c for c in lines if c]
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
            if (
                isinstance(inner, ast.Call)
                and isinstance(inner.func, ast.Attribute)
                and inner.func.attr in ("run", "run_always")
            ):
                text = _call_strings(inner)
                if text:
                    commands.append(text)
        sessions[node.name] = Task("nox", path, node.name, commands, node.lineno)
    return sessions


def parse_shell_script(path: str, text: str) -> Task:
    return Task("script", path, path, split_commands(text), 1)


_JUST_NAME = re.compile(r"@?[A-Za-z_][\w-]*")
_JUST_ALIAS = re.compile(r"^alias\s+([\w-]+)\s*:=\s*([\w-]+)")


def parse_justfile(path: str, text: str) -> dict[str, Task]:
    """Recipes of a justfile: a header at column 0 (`name args: deps`), an indented body. The
    first recipe is the default (`just` alone); aliases name the recipe they stand for."""
    recipes: dict[str, Task] = {}
    aliases: dict[str, str] = {}
    current: Task | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw[:1] in (" ", "\t"):
            command = raw.strip().lstrip("@-").strip()
            if current is not None and command and not command.startswith("#"):
                current.commands.extend(split_commands(command))
            continue
        current = None
        line = raw.split("#", 1)[0].rstrip()
        alias = _JUST_ALIAS.match(line)
        if alias:
            aliases[alias.group(1)] = alias.group(2)
            continue
        head, colon, rest = line.partition(":")
        words = head.split()
        if (
            colon
            and words
            and not rest.startswith("=")
            and _JUST_NAME.fullmatch(words[0])
            and not line.startswith(("set ", "export ", "import ", "mod ", "["))
        ):
            name = words[0].lstrip("@")
            deps = [d for d in rest.split() if re.fullmatch(r"[\w-]+", d)]
            current = recipes.setdefault(name, Task("just", path, name, [], number, deps))
    for alias, target in aliases.items():  # type: ignore[assignment]
        if target in recipes and alias not in recipes:
            recipes[alias] = recipes[target]  # type: ignore[index]
    return recipes


MISE_CONFIGS = (
    "mise.toml",
    ".mise.toml",
    "mise/config.toml",
    ".mise/config.toml",
    ".config/mise.toml",
    ".config/mise/config.toml",
)
MISE_TASK_DIRS = ("mise-tasks/", ".mise-tasks/", ".mise/tasks/", ".config/mise/tasks/", "mise/tasks/")


def parse_mise(path: str, parsed: Parsed) -> dict[str, Task]:
    """`[tasks]` of a mise config: `name = "cmd"`, a list of commands, or a table with run/depends/file."""
    data = parsed.toml(path)
    tasks = data.get("tasks") if isinstance(data, dict) else None
    found: dict[str, Task] = {}
    text = parsed.files.text(path) or ""
    for name, spec in tasks.items() if isinstance(tasks, dict) else ():
        line = line_of(text, f"[tasks.{name}]") or line_of(text, f'[tasks."{name}"]') or line_of(text, f"{name} =")
        if isinstance(spec, (str, list)):
            spec = {"run": spec}
        if not isinstance(spec, dict):
            continue
        run = spec.get("run")
        runs = run if isinstance(run, list) else [run]
        commands = [c for r in runs if isinstance(r, str) for c in split_commands(r)]
        deps = [r["task"] for r in runs if isinstance(r, dict) and isinstance(r.get("task"), str)]
        depends = spec.get("depends")
        deps = [d for d in ([depends] if isinstance(depends, str) else depends or []) if isinstance(d, str)] + deps
        if isinstance(spec.get("file"), str):
            commands.append(spec["file"])
        task = Task("mise", path, str(name), commands, line, deps)
        found[str(name)] = task
        alias = spec.get("alias")
        for other in [alias] if isinstance(alias, str) else alias if isinstance(alias, list) else []:
            if isinstance(other, str):
                found.setdefault(other, task)
    return found


def parse_mise_file_task(path: str, text: str) -> tuple[str, Task]:
    """An executable file in a mise task folder: its name is its path there, with ':' for '/'."""
    folder = next(d for d in MISE_TASK_DIRS if path.startswith(d))
    name = path.split(folder, 1)[1].rsplit(".", 1)[0] if "." in path.rsplit("/", 1)[-1] else path.split(folder, 1)[1]
    first = text.split("\n", 1)[0]
    commands = [f"python {path}"] if first.startswith("#!") and "python" in first else split_commands(text)
    deps = re.findall(r"^#\s*MISE\s+depends\s*=\s*\[([^\]]*)\]", text, re.M)
    names = [d.strip().strip("'\"") for group in deps for d in group.split(",") if d.strip()]
    return name.replace("/", ":"), Task("mise", path, name.replace("/", ":"), commands, 1, names)


def parse_poe(path: str, parsed: Parsed) -> dict[str, Task]:
    """[tool.poe.tasks] of a pyproject: `name = "cmd"`, {cmd|shell = ...}, or a sequence of tasks."""
    data = parsed.toml(path)
    tool = data.get("tool") if isinstance(data, dict) else None
    poe = tool.get("poe") if isinstance(tool, dict) else None
    tasks = poe.get("tasks") if isinstance(poe, dict) else None
    found: dict[str, Task] = {}
    text = parsed.files.text(path) or ""
    for name, spec in tasks.items() if isinstance(tasks, dict) else ():
        line = line_of(text, f"[tool.poe.tasks.{name}]") or line_of(text, f"{name} =")
        if isinstance(spec, list):
            spec = {"sequence": spec}
        if isinstance(spec, str):
            spec = {"cmd": spec}
        if not isinstance(spec, dict):
            continue
        commands = [c for key in ("cmd", "shell") if isinstance(spec.get(key), str) for c in split_commands(spec[key])]
        sequence = spec.get("sequence") if isinstance(spec.get("sequence"), list) else []
        deps = [step for step in sequence if isinstance(step, str)]  # type: ignore[union-attr]
        deps += [step["ref"] for step in sequence if isinstance(step, dict) and isinstance(step.get("ref"), str)]  # type: ignore[union-attr]
        commands += [
            step[k]
            for step in sequence  # type: ignore[union-attr]
            if isinstance(step, dict)
            for k in ("cmd", "shell")
            if isinstance(step.get(k), str)
        ]
        found[str(name)] = Task("poe", path, str(name), commands, line, deps)
    return found


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


LEFTHOOK_CONFIGS = ("lefthook.yml", "lefthook.yaml", ".lefthook.yml", ".lefthook.yaml")
_LEFTHOOK_HOOKS = ("pre-commit", "pre-push", "pre-merge-commit", "post-merge", "post-checkout")


def parse_lefthook(path: str, parsed: Parsed) -> list[Task]:
    """Commands lefthook runs at git hooks (`commands: {name: {run: ...}}`, `jobs: [{run: ...}]`):
    they start on every commit or push, as pre-commit hooks do."""
    data = parsed.yaml(path)
    hooks: list[Task] = []
    if not isinstance(data, dict):
        return hooks
    text = parsed.files.text(path)
    for hook_name in _LEFTHOOK_HOOKS:
        hook = data.get(hook_name)
        if not isinstance(hook, dict):
            continue
        named = hook.get("commands") if isinstance(hook.get("commands"), dict) else {}
        jobs = hook.get("jobs") if isinstance(hook.get("jobs"), list) else []
        entries = [(str(k), v) for k, v in named.items()] + [  # type: ignore[union-attr]
            (str(j.get("name") or f"job {n + 1}"), j)
            for n, j in enumerate(jobs)  # type: ignore[arg-type]
            if isinstance(j, dict)
        ]
        for name, spec in entries:
            run = spec.get("run") if isinstance(spec, dict) else None
            if isinstance(run, str):
                command = run.replace("{staged_files}", "").replace("{push_files}", "").replace("{all_files}", "")
                hooks.append(
                    Task(
                        "pre-commit",
                        path,
                        f"{hook_name}: {name}",
                        split_commands(command),
                        line_of(text, f"run: {run}"),
                    )
                )
    return hooks


@dataclass
class TaskIndex:
    make: dict[str, dict[str, Task]]  # Makefile path -> target -> task
    tox: dict[str, Task]
    nox: dict[str, Task]
    scripts: dict[str, Task]  # shell script path -> task
    precommit: list[Task]
    just: dict[str, dict[str, Task]] = field(default_factory=dict)  # justfile path -> recipe -> task
    mise: dict[str, Task] = field(default_factory=dict)
    poe: dict[str, Task] = field(default_factory=dict)


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
    for path in [p for p in LEFTHOOK_CONFIGS if p in files]:
        precommit.extend(parse_lefthook(path, parsed))
    just = {}
    for path in files.named("justfile", "Justfile", ".justfile"):
        text = files.text(path)
        if text is not None:
            just[path] = parse_justfile(path, text)
    mise: dict[str, Task] = {}
    for path in [p for p in MISE_CONFIGS if p in files]:
        mise.update(parse_mise(path, parsed))
    for path in [p for p in files if p.startswith(MISE_TASK_DIRS)]:
        text = files.text(path)
        if text is not None:
            name, task = parse_mise_file_task(path, text)
            mise.setdefault(name, task)
    poe = parse_poe("pyproject.toml", parsed) if "pyproject.toml" in files else {}
    return TaskIndex(make, tox, nox, scripts, precommit, just, mise, poe)
