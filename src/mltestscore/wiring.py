"""Stage 3, wiring: for any artifact, what runs it without a person.

Starting points are CI jobs and pre-commit hooks. Their shell commands are followed through
task runners (make, tox, nox, shell scripts, pre-commit, `dvc repro`) down to leaf commands, and
each leaf is resolved to the repository files it runs: test files a pytest invocation collects,
scripts and modules `python` runs, notebooks papermill or nbconvert execute. Every result keeps
the chain that led to it, so the report can show artifact + runner.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

from mltestscore.evidence.ci import AUTOMATIC_TRIGGERS, CIJob, CIPipeline, CIStep, split_commands
from mltestscore.evidence.dvc import DvcProject
from mltestscore.evidence.platforms import PlatformPipeline
from mltestscore.evidence.python import PythonIndex
from mltestscore.evidence.scripts import Task, TaskIndex
from mltestscore.evidence.testsuite import TestSuite

MAX_DEPTH = 6
_WRAPPERS = {
    ("poetry", "run"),
    ("uv", "run"),
    ("pipenv", "run"),
    ("pdm", "run"),
    ("hatch", "run"),
    ("rye", "run"),
    ("pixi", "run"),
    ("conda", "run"),
    ("mamba", "run"),
    ("micromamba", "run"),
}
_PREFIXES = {"time", "xvfb-run", "sudo", "exec", "env", "nohup", "timeout"}
_PYTHON = re.compile(r"^(?:.*/)?python(?:\d(?:\.\d+)?)?$")
_RUNNABLE_SUFFIXES = (".py", ".ipynb", ".sh", ".bash", ".R", ".r")


def _command_lines(files, path: str, commands: list[str], start: int | None) -> list[int | None]:
    """The line of each command of a step in its CI file, searched in order from the step's line,
    so evidence points at `pytest tests/` rather than at the `run:` block's first command. A
    command not found verbatim (joined continuations, YAML folding) keeps the step's line."""
    if len(commands) < 2 or not start:
        return [start] * len(commands)
    text = files.text(path)
    if not text:
        return [start] * len(commands)
    rows = text.splitlines()
    found: list[int | None] = []
    at = start
    for command in commands:
        head = re.compile(r"\s+".join(re.escape(word) for word in command.split()[:3]))
        line = next((n for n in range(at, len(rows) + 1) if head.search(rows[n - 1])), None)
        found.append(line or start)
        at = line or at
    return found


@dataclass(frozen=True)
class Runner:
    """Something that runs commands: a CI job step, a pre-commit hook, a pipeline stage."""

    kind: str  # ci | pre-commit | pipeline
    automatic: bool  # starts without a person: push/PR/schedule CI, a hook, a pipeline step
    path: str
    line: int | None
    label: str
    triggers: frozenset[str] = frozenset()
    via: tuple[str, ...] = ()
    job: str = ""  # "<file>::<job>" for CI runners: steps of one job share it

    def describe(self) -> str:
        text = self.label
        if self.via:
            text += " → " + " → ".join(self.via)
        return text

    def through(self, link: str) -> Runner:
        # Built directly, not with dataclasses.replace: a test suite makes thousands of these.
        return Runner(
            self.kind, self.automatic, self.path, self.line, self.label, self.triggers, (*self.via, link), self.job
        )

    @property
    def rank(self) -> int:
        """Higher is stronger evidence of automation."""
        if self.kind == "ci" and self.automatic:
            return 4
        if self.kind == "pipeline" and self.automatic:
            return 3
        if self.kind == "pre-commit":
            return 2
        return 1


@dataclass(frozen=True)
class WiredCommand:
    command: str
    runner: Runner
    cwd: str = ""  # folder the command runs in, relative to the repo root


def tokens(command: str) -> list[str]:
    """The words of a shell command, with env assignments, wrappers and prefixes removed."""
    return list(_tokens(command))


# Printable ASCII without quotes, backslashes or '#': shlex splits such a command on whitespace alone.
_PLAIN_COMMAND = re.compile(r"[\t\n\r -!$-&(-\[\]-~]*")


@lru_cache(maxsize=4096)  # expansion and file resolution split the same commands again
def _tokens(command: str) -> tuple[str, ...]:
    if _PLAIN_COMMAND.fullmatch(command):
        words = command.split()  # the same words, without shlex's character-by-character lexer
    else:
        try:
            words = shlex.split(command, comments=True)
        except ValueError:
            words = command.split()
    while words:
        if "=" in words[0] and not words[0].startswith(("-", "/")) and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
            words = words[1:]  # VAR=value command
        elif words[0] in _PREFIXES:
            words = words[1:]
            while words and (words[0].startswith("-") or re.match(r"^[A-Za-z_]\w*=|^\d+[smh]?$", words[0])):
                words = words[1:]
        elif len(words) > 1 and (words[0], words[1]) in _WRAPPERS:
            words = words[2:]
            while words and words[0].startswith("-"):  # conda run -n env python ...
                words = words[2:] if words[0] in ("-n", "--name", "-p", "--prefix", "-e", "--env") else words[1:]
        else:
            break
    return tuple(words)


def _python_module_args(words: list[str]) -> tuple[str | None, list[str], str | None]:
    """For a python invocation: (module for -m, remaining args, script path)."""
    rest = words[1:]
    while rest and rest[0].startswith("-") and rest[0] != "-m":
        rest = rest[1:]
    if rest and rest[0] == "-m" and len(rest) > 1:
        return rest[1], rest[2:], None
    if rest and not rest[0].startswith("-"):
        return None, rest[1:], rest[0]
    return None, rest, None


def pytest_args(words: list[str]) -> list[str] | None:
    """The argument list of a pytest run, or None when the command is not one."""
    if not words:
        return None
    program = words[0].rsplit("/", 1)[-1]
    if program in ("pytest", "py.test"):
        return words[1:]
    if _PYTHON.match(words[0]):
        module, args, _ = _python_module_args(words)
        if module == "pytest":
            return args
    if program == "coverage" or (_PYTHON.match(words[0]) and words[1:3] == ["-m", "coverage"]):
        # coverage run [--source X ...] -m pytest ARGS
        for index in range(len(words) - 1):
            if words[index] == "-m" and words[index + 1] == "pytest":
                return words[index + 2 :]
    return None


# pytest options whose value is a separate word (so it is not read as a path to test)
_PYTEST_VALUE_OPTIONS = frozenset(
    {
        "-k",
        "-m",
        "-o",
        "-c",
        "-p",
        "-W",
        "-r",
        "--rootdir",
        "--confcutdir",
        "--basetemp",
        "--ignore",
        "--ignore-glob",
        "--deselect",
        "--maxfail",
        "--timeout",
        "--durations",
        "--cov",
        "--cov-report",
        "--junitxml",
        "--junit-xml",
        "--log-level",
        "-n",
        "--dist",
        "--import-mode",
        "--override-ini",
    }
)


def pytest_targets(args: list[str]) -> list[str]:
    """The paths a pytest argument list names (option values skipped)."""
    targets = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in _PYTEST_VALUE_OPTIONS:
            skip = True
        elif not arg.startswith("-"):
            targets.append(arg)
    return targets


def pytest_named_files(pipelines: list[CIPipeline], tasks: TaskIndex, paths) -> list[str]:
    """Python files that a pytest command in CI or a task runner names on its command line."""
    named = []
    commands = [(c, step.cwd) for p in pipelines for j in p.jobs for step in j.steps for c in step.commands]
    for table in (
        *tasks.make.values(),
        *tasks.just.values(),
        tasks.tox,
        tasks.nox,
        tasks.scripts,
        tasks.mise,
        tasks.poe,
    ):
        commands += [(c, "") for task in table.values() for c in task.commands]
    for command, cwd in commands:
        if "py" not in command:
            continue
        args = pytest_args(tokens(command))
        for target in pytest_targets(args or []):
            path = _join(cwd, target.split("::")[0])
            if path.endswith(".py") and path in paths:
                named.append(path)
    return named


class Wiring:
    def __init__(
        self,
        pipelines: list[CIPipeline],
        tasks: TaskIndex,
        dvc: DvcProject,
        tests: TestSuite,
        python: PythonIndex,
        platform_pipelines: Sequence[PlatformPipeline] = (),
    ) -> None:
        self.pipelines = pipelines
        self.tasks = tasks
        self.dvc = dvc
        self.tests = tests
        self.python = python
        self.parsed = python.parsed
        self._repo_files = python.files
        self._collected: dict[tuple[str, ...], list[str]] = {}
        self.platform_pipelines = list(platform_pipelines)
        self._platforms_by_path: dict[str, list[PlatformPipeline]] = defaultdict(list)
        for platform in self.platform_pipelines:
            self._platforms_by_path[platform.path].append(platform)

    # -- starting points -----------------------------------------------------------------
    @staticmethod
    def ci_runner(pipeline: CIPipeline, job: CIJob, step: CIStep) -> Runner:
        triggers = ", ".join(sorted(job.triggers)) or "no trigger"
        label = f"{pipeline.path} job '{job.name}' step '{_short(step.name)}' (on {triggers})"
        automatic = bool(job.triggers & AUTOMATIC_TRIGGERS)
        return Runner(
            "ci",
            automatic,
            pipeline.path,
            step.line or job.line,
            label,
            job.triggers,
            job=f"{pipeline.path}::{job.name}",
        )

    @cached_property
    def commands(self) -> list[WiredCommand]:
        """Every command reachable from CI and pre-commit, each with its chain."""
        found: list[WiredCommand] = []
        for pipeline in self.pipelines:
            for job in pipeline.jobs:
                for step in job.steps:
                    runner = self.ci_runner(pipeline, job, step)
                    cwd = step.cwd
                    lines = _command_lines(self._repo_files, pipeline.path, step.commands, runner.line)
                    for command, line in zip(step.commands, lines):
                        words = tokens(command)
                        if words[:1] == ["cd"] and len(words) == 2:  # `cd dir` moves the commands after it
                            cwd = _join(cwd, words[1])
                            continue
                        at = runner if line in (None, runner.line) else replace(runner, line=line)
                        self._expand(command, at, cwd, found, 0)
        for hook in self.tasks.precommit:
            runner = Runner("pre-commit", True, hook.path, hook.line, f"{hook.path} hook '{hook.name}'")
            for command in hook.commands:
                self._expand(command, runner, "", found, 0)
        return found

    @cached_property
    def stage_commands(self) -> list[WiredCommand]:
        """Commands of DVC stages as pipeline steps, whoever starts the pipeline."""
        found: list[WiredCommand] = []
        for stage in self.dvc.stages:
            runner = Runner("pipeline", True, stage.path, stage.line, f"{stage.path} stage '{stage.name}'")
            for command in stage.commands:
                self._expand(command, runner, stage.wdir, found, 0)
        for platform in self.platform_pipelines:  # SageMaker, Airflow, Azure ML...: a step every model passes through
            triggers = platform.trigger_kinds
            for step in platform.steps:
                runner = Runner(
                    "pipeline",
                    True,
                    step.path or platform.path,
                    step.line,
                    f"{platform.describe()} step '{_short(step.name)}'",
                    triggers,
                )
                for command in step.commands:
                    if platform.path in command.split():  # a component in the pipeline's own file: no re-entry
                        found.append(WiredCommand(command, runner, step.cwd))
                    else:
                        self._expand(command, runner, step.cwd, found, 0)
            if platform.path.endswith(".py"):
                # the definition itself (its condition steps, registration, gates) is part of every run;
                # not expanded: that would start its steps again
                runner = Runner("pipeline", True, platform.path, platform.line, platform.describe(), triggers)
                found.append(WiredCommand(f"python {platform.path}", runner))
        return found

    # -- queries -------------------------------------------------------------------------
    def find(self, pattern: str | re.Pattern[str], include_stages: bool = False) -> list[WiredCommand]:
        """Wired commands whose text matches `pattern` (a regex), strongest runners first."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        pool = self.commands + (self.stage_commands if include_stages else [])
        matching = {
            text for text in {c.command for c in pool} if regex.search(text)
        }  # each text once: CI repeats commands
        hits = [c for c in pool if c.command in matching]
        return sorted(hits, key=lambda c: -c.runner.rank)

    @cached_property
    def _runners_by_file(self) -> dict[str, list[Runner]]:
        table: dict[str, list[Runner]] = defaultdict(list)
        for wired in self.commands + self.stage_commands:
            for path, runner in self._files_run(wired):
                if runner not in table[path]:
                    table[path].append(runner)
        for runners in table.values():
            runners.sort(key=lambda r: -r.rank)
        return dict(table)

    def runners_for(self, path: str) -> list[Runner]:
        """What runs this file, strongest first (empty when nothing does)."""
        return self._runners_by_file.get(path, [])

    def automatic_runner(self, path: str) -> Runner | None:
        return next((r for r in self.runners_for(path) if r.automatic), None)

    def ci_starts(self, pattern: str) -> list[WiredCommand]:
        """CI/pre-commit commands matching `pattern` that start without a person."""
        return [c for c in self.find(pattern) if c.runner.automatic]

    # -- expansion -----------------------------------------------------------------------
    def _expand(self, command: str, runner: Runner, cwd: str, out: list[WiredCommand], depth: int) -> None:
        out.append(WiredCommand(command, runner, cwd))
        if depth >= MAX_DEPTH:
            return
        words = tokens(command)
        if not words:
            return
        program = words[0].rsplit("/", 1)[-1]
        for link, task, task_cwd in self._tasks_for(program, words, cwd):
            if task.kind == "platform-step" and _in_chain(link.split(" step '", 1)[0], runner):
                continue  # a step running its pipeline's own file (a Metaflow step): no re-entry
            inner = runner.through(link)
            for sub in task.commands:
                self._expand(sub, inner, task_cwd, out, depth + 1)

    def _tasks_for(self, program: str, words: list[str], cwd: str):
        args = words[1:]
        if program in ("make", "gmake"):
            yield from self._make(args, cwd)
        elif program == "tox":
            yield from self._named(self.tasks.tox, _option_values(args, ("-e",)), "tox -e", all_if_empty=True)
        elif program == "nox":
            yield from self._named(
                self.tasks.nox, _option_values(args, ("-s", "--session", "--sessions")), "nox -s", all_if_empty=True
            )
        elif program == "just":
            yield from self._just(args, cwd)
        elif program == "mise" and args and (args[0] in ("run", "r") or args[0] in self.tasks.mise):
            names = _task_names(args[1:] if args[0] in ("run", "r") else args, self.tasks.mise)
            yield from _with_deps(self.tasks.mise, names, "mise run", "")
        elif program == "poe" and args:
            yield from _with_deps(self.tasks.poe, _task_names(args, self.tasks.poe)[:1], "poe", "")
        elif program == "pre-commit" and args[:1] == ["run"]:
            for hook in self.tasks.precommit:
                yield f"pre-commit hook '{hook.name}'", hook, cwd
        elif program == "dvc" and (args[:1] == ["repro"] or args[:2] == ["exp", "run"]):
            for stage in self.dvc.stages:
                if not stage.frozen:
                    yield (
                        f"{stage.path} stage '{stage.name}'",
                        Task("dvc", stage.path, stage.name, stage.commands, stage.line),
                        stage.wdir,
                    )
        else:
            script = self._script_path(program, words, cwd)
            if script and script in self.tasks.scripts:
                yield f"{script}", self.tasks.scripts[script], cwd
            for spec in self._job_specs(words, cwd):
                yield spec.path, spec, cwd
            yield from self._platform_steps(words, cwd)

    def _platform_steps(self, words: list[str], cwd: str):
        """A command that runs or names the file defining a platform pipeline (`python -m
        ml_service.run_pipeline`, `az ml job create -f pipeline.yml`) starts that pipeline's steps."""
        if not self._platforms_by_path:
            return
        named = {_join(cwd, w) for w in words[1:] if not w.startswith("-")}
        named |= {_join(cwd, w.split("=", 1)[1]) for w in words[1:] if w.startswith("--") and "=" in w}
        if _PYTHON.match(words[0]):
            module, _, script = _python_module_args(words)
            if module and module in self.python.modules:
                named.add(self.python.modules[module])
        # a dotted module name as an argument (`run-pipeline --module-name pipelines.churn.pipeline`)
        named |= {self.python.modules[w] for w in words[1:] if "." in w and w in self.python.modules}
        chosen = [p for path in sorted(named & self._platforms_by_path.keys()) for p in self._platforms_by_path[path]]
        chosen += _cli_started(self.platform_pipelines, words)
        for platform in chosen:
            for step in platform.steps:
                link = f"{platform.platform} pipeline '{platform.name}' step '{_short(step.name)}'"
                yield link, Task("platform-step", platform.path, step.name, list(step.commands), step.line), step.cwd

    def _job_specs(self, words: list[str], cwd: str):
        """A command that submits a job spec (`anyscale jobs submit job.yaml`, `kubectl apply -f
        job.yaml`...) runs the spec's entrypoint/command: follow it."""
        for word in words[1:]:
            if not word.endswith((".yaml", ".yml")):
                continue
            path = _join(cwd, word)
            if path not in self._repo_files or path.startswith(".github/"):
                continue
            data = self.parsed.yaml(path)
            commands: list[str] = []
            for document in [data] if isinstance(data, dict) else []:
                for key in ("entrypoint", "command", "cmd", "script", "run"):
                    value = document.get(key)
                    if isinstance(value, str):
                        commands.extend(split_commands(value))
                    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                        commands.append(" ".join(value))
            if commands:
                yield Task("job-spec", path, path, commands, None)

    def _make(self, args: list[str], cwd: str):
        folder = cwd
        makefile = None
        targets = []
        skip = False
        for i, arg in enumerate(args):
            if skip:
                skip = False
                continue
            if arg in ("-C", "--directory") and i + 1 < len(args):
                folder = _join(cwd, args[i + 1])
                skip = True
            elif arg in ("-f", "--file") and i + 1 < len(args):
                makefile = _join(cwd, args[i + 1])
                skip = True
            elif not arg.startswith("-") and "=" not in arg:
                targets.append(arg)
        candidates = [makefile] if makefile else [_join(folder, n) for n in ("GNUmakefile", "makefile", "Makefile")]
        table = next((self.tasks.make[c] for c in candidates if c in self.tasks.make), None)
        if not table:
            return
        yield from _with_deps(table, targets or [next(iter(table))], "make", folder)

    def _just(self, args: list[str], cwd: str):
        folder, justfile, rest, skip = cwd, None, [], False
        for i, arg in enumerate(args):
            if skip:
                skip = False
            elif arg in ("-f", "--justfile") and i + 1 < len(args):
                justfile, skip = _join(cwd, args[i + 1]), True
            elif arg in ("-d", "--working-directory") and i + 1 < len(args):
                folder, skip = _join(cwd, args[i + 1]), True
            else:
                rest.append(arg)
        candidates = (
            [justfile]
            if justfile
            else [_join(d, n) for d in _upwards(folder) for n in ("justfile", "Justfile", ".justfile")]
        )
        table = next((self.tasks.just[c] for c in candidates if c in self.tasks.just), None)
        if table:
            yield from _with_deps(table, _task_names(rest, table) or [next(iter(table))], "just", folder)

    @staticmethod
    def _named(table: dict[str, Task], names: list[str], link: str, all_if_empty: bool):
        chosen = names or (list(table) if all_if_empty else [])
        for name in chosen:
            task = table.get(name) or table.get("testenv")
            if task is not None:
                yield f"{link} {name}", task, ""

    def _script_path(self, program: str, words: list[str], cwd: str) -> str | None:
        if program in ("bash", "sh", "zsh", "source", "."):
            target = next((w for w in words[1:] if not w.startswith("-")), None)
        else:
            target = words[0]
        if not target:
            return None
        path = _join(cwd, target)
        return path if path in self.tasks.scripts else None

    # -- what a leaf runs ----------------------------------------------------------------
    def _collected_by(self, targets: tuple[str, ...]) -> list[str]:
        if targets not in self._collected:  # many CI steps run pytest on the same folders
            self._collected[targets] = self.tests.collected_by(list(targets))
        return self._collected[targets]

    def _files_run(self, wired: WiredCommand):
        words = tokens(wired.command)
        if not words:
            return
        args = pytest_args(words)
        if args is not None:
            targets = [_join(wired.cwd, t) for t in pytest_targets(args)] or ([wired.cwd] if wired.cwd else [])
            for test_file in self._collected_by(tuple(targets)):
                yield test_file, wired.runner.through(f"pytest collects {test_file}")
            return
        if _PYTHON.match(words[0]):
            module, _, script = _python_module_args(words)
            if module == "unittest":
                for test_file in self.tests.files:
                    yield test_file, wired.runner
                return
            if module:
                path = self.python.modules.get(module)
                if path:
                    yield path, wired.runner
                return
            if script:
                path = _join(wired.cwd, script)
                if path in self._repo_files:
                    yield path, wired.runner
            return
        for word in words:
            if word.endswith(_RUNNABLE_SUFFIXES):
                path = _join(wired.cwd, word)
                if path in self._repo_files:
                    yield path, wired.runner


def _in_chain(pipeline: str, runner: Runner) -> bool:
    return pipeline in runner.label or any(v.startswith(pipeline) for v in runner.via)


def _cli_started(platforms: list[PlatformPipeline], words: list[str]) -> list[PlatformPipeline]:
    """Pipelines a command runs without naming their file (`kedro run`, `kedro run --pipeline=train`)."""
    if len(words) > 2 and _PYTHON.match(words[0]) and words[1] == "-m":
        words = words[2:]  # python -m kedro run
    said = " ".join(w.rsplit("/", 1)[-1] if i == 0 else w for i, w in enumerate(words))
    started = [p for p in platforms if p.cli and (said + " ").startswith(p.cli + " ")]
    chosen = {n for v in _option_values(words[1:], ("--pipeline", "--pipelines", "-p")) for n in v.split(",")}
    if chosen - {"__default__"}:
        started = [p for p in started if p.name in chosen]
    return started


def _option_values(args: list[str], options: tuple[str, ...]) -> list[str]:
    values: list[str] = []
    for i, arg in enumerate(args):
        for option in options:
            if arg == option and i + 1 < len(args):
                values.extend(v for v in args[i + 1].split(",") if v)
            elif arg.startswith(option + "="):
                values.extend(v for v in arg.split("=", 1)[1].split(",") if v)
    return values


def _task_names(args: list[str], table: dict[str, Task]) -> list[str]:
    """Task names among a runner's arguments (options, `--` tails and recipe parameters left out)."""
    names = []
    for arg in args:
        if arg == "--":
            break
        if arg in table:
            names.append(arg)
    return names


def _with_deps(table: dict[str, Task], names: list[str], link: str, folder: str):
    """Each named task after the tasks it depends on (just recipes, mise depends, poe sequences)."""
    seen: set[str] = set()
    queue = list(names)
    while queue:
        name = queue.pop(0)
        task = table.get(name)
        if task is None or name in seen:
            continue
        seen.add(name)
        queue.extend(task.deps)
        yield f"{link} {name}", task, folder


def _upwards(folder: str) -> list[str]:
    """`folder` and each parent up to the repository root ("")."""
    parts = [p for p in folder.split("/") if p]
    return ["/".join(parts[:n]) for n in range(len(parts), -1, -1)]


def _join(cwd: str, path: str) -> str:
    joined = posixpath.normpath(posixpath.join(cwd, path)) if cwd else posixpath.normpath(path)
    return "" if joined == "." else joined


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
