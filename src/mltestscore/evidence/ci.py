"""CI pipelines: which jobs exist, what starts them, and the shell commands their steps run.

Supported: GitHub Actions, GitLab CI, Azure Pipelines, CircleCI, Bitbucket Pipelines, AWS
CodeBuild buildspec, Jenkinsfile (declarative `sh` steps). Each becomes CIPipeline > CIJob > CIStep.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mltestscore.index.parsed import Parsed

# Trigger kinds. "manual" alone means a person must start the job.
PUSH, PULL_REQUEST, SCHEDULE, MANUAL, EVENT = "push", "pull_request", "schedule", "manual", "event"
AUTOMATIC_TRIGGERS = frozenset({PUSH, PULL_REQUEST, SCHEDULE, EVENT})


@dataclass
class CIStep:
    name: str
    commands: list[str]
    line: int | None = None
    uses: str | None = None  # GitHub action or orb reference, e.g. iterative/setup-cml@v2
    cwd: str = ""  # working directory of the commands, relative to the repo root
    condition: str = ""  # when the step runs (GitHub `if:`, Azure `condition:`), e.g. failure()


def _working_directory(node: Any) -> str | None:
    """`defaults: run: working-directory:` of a GitHub workflow or job."""
    value = _dict(_dict(_dict(node).get("defaults")).get("run")).get("working-directory")
    return value.strip("./") if isinstance(value, str) and "${{" not in value else None


@dataclass
class CIJob:
    name: str
    triggers: frozenset[str]
    steps: list[CIStep] = field(default_factory=list)
    line: int | None = None
    needs: tuple[str, ...] = ()

    @property
    def automatic(self) -> bool:
        return bool(self.triggers & AUTOMATIC_TRIGGERS)


@dataclass
class CIPipeline:
    path: str
    system: str
    jobs: list[CIJob]


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def line_of(text: str | None, needle: str, start: int = 1) -> int | None:
    """1-based line of the first occurrence of needle's first line, at or after `start`."""
    if not text or not needle:
        return None
    first = needle.strip().splitlines()[0].strip() if needle.strip() else ""
    if not first:
        return None
    for number, line in enumerate(text.splitlines()[start - 1 :], start=start):
        if first in line:
            return number
    return None


def split_commands(script: Any) -> list[str]:
    """Shell text (str or list of str) to single commands: joins `\\` continuations, splits &&, ;, ||."""
    if isinstance(script, list):
        parts: list[str] = []
        for item in script:
            parts.extend(split_commands(item))
        return parts
    if not isinstance(script, str):
        return []
    joined = re.sub(r"\\\r?\n\s*", " ", script)
    commands = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        for piece in _unquoted_pieces(line):
            if piece.strip():
                commands.append(" ".join(piece.split()))
    return commands


def _unquoted_pieces(line: str) -> list[str]:
    """Split one shell line at &&, || and ; outside quotes (`python -c "a; b"` stays one command)."""
    if not any(q in line for q in "'\"\\"):
        return re.split(r"&&|\|\||;", line)
    pieces, start, quote, i = [], 0, "", 0
    while i < len(line):
        char = line[i]
        if char == "\\" and quote != "'":
            i += 2
            continue
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == ";" or line.startswith(("&&", "||"), i):
            pieces.append(line[start:i])
            i += 1 if char == ";" else 2
            start = i
            continue
        i += 1
    pieces.append(line[start:])
    return pieces


# -- GitHub Actions ---------------------------------------------------------------------------
_GHA_TRIGGERS = {
    "push": PUSH,
    "pull_request": PULL_REQUEST,
    "pull_request_target": PULL_REQUEST,
    "merge_group": PULL_REQUEST,
    "schedule": SCHEDULE,
    "workflow_dispatch": MANUAL,
    "repository_dispatch": EVENT,
    "workflow_call": "called",
}


def _gha_triggers(on: Any) -> set[str]:
    if isinstance(on, str):
        names = [on]
    elif isinstance(on, list):
        names = [n for n in on if isinstance(n, str)]
    elif isinstance(on, dict):
        names = [n for n in on if isinstance(n, str)]
    else:
        names = []
    return {_GHA_TRIGGERS.get(name, EVENT) for name in names}


def parse_github_workflow(path: str, data: Any, text: str | None) -> CIPipeline | None:
    if not isinstance(data, dict):
        return None
    # PyYAML (YAML 1.1) reads the key `on` as the boolean True.
    on = data.get("on", data.get(True))
    triggers = _gha_triggers(on)
    jobs = []
    raw_jobs = data.get("jobs")
    workflow_cwd = _working_directory(data) or ""
    for job_name, job in raw_jobs.items() if isinstance(raw_jobs, dict) else []:
        if not isinstance(job, dict):
            continue
        job_cwd = _working_directory(job) or workflow_cwd
        job_line = line_of(text, f"{job_name}:")
        steps = []
        if isinstance(job.get("uses"), str):  # a reusable workflow called as a whole job
            steps.append(CIStep(f"uses {job['uses']}", [], job_line, job["uses"]))
        for index, step in enumerate(_list(job.get("steps")), start=1):
            if not isinstance(step, dict):
                continue
            run = step.get("run")
            uses = step.get("uses") if isinstance(step.get("uses"), str) else None
            if run is None and uses:  # actions that run a shell script given as an input (azure/cli inlineScript)
                run = _action_script(uses, _dict(step.get("with")))
            name = str(
                step.get("name")
                or (uses or (run.strip().splitlines()[0] if isinstance(run, str) and run.strip() else f"step {index}"))
            )
            anchor = run if isinstance(run, str) and run.strip() else (uses or name)
            step_cwd = step.get("working-directory")
            cwd = step_cwd.strip("./") if isinstance(step_cwd, str) and "${{" not in step_cwd else job_cwd
            condition = " ".join(str(c) for c in (job.get("if"), step.get("if")) if c)
            steps.append(CIStep(name, split_commands(run), line_of(text, anchor, job_line or 1), uses, cwd, condition))
        needs = job.get("needs")
        needs = (needs,) if isinstance(needs, str) else tuple(n for n in _list(needs) if isinstance(n, str))
        jobs.append(CIJob(str(job_name), frozenset(triggers), steps, job_line, needs))
    return CIPipeline(path, "github-actions", jobs)


_SCRIPT_ACTIONS = {"appleboy/ssh-action": "script", "azure/powershell": "inlineScript", "azure/cli": "inlineScript"}


def _action_script(uses: str, inputs: dict) -> str | None:
    """The shell script an action runs from its inputs: `inlineScript` (Azure CLI/PowerShell actions and
    their kin), or the script input of a known remote-shell action. JavaScript inputs are not shell."""
    key = _SCRIPT_ACTIONS.get(uses.split("@")[0].lower(), "inlineScript")
    value = inputs.get(key)
    return value if isinstance(value, str) else None


def resolve_reusable_workflows(pipelines: list[CIPipeline]) -> None:
    """A workflow started only by `workflow_call` inherits the triggers of the jobs that call it."""
    by_path = {p.path: p for p in pipelines}
    for _ in range(3):  # callers may themselves be called; three levels is plenty
        for caller in pipelines:
            for job in caller.jobs:
                for step in job.steps:
                    ref = (step.uses or "").split("@")[0]
                    if ref.startswith("./"):
                        callee = by_path.get(ref[2:])
                        if callee is None:
                            continue
                        for callee_job in callee.jobs:
                            callee_job.triggers = frozenset((callee_job.triggers - {"called"}) | job.triggers)


# -- GitLab CI --------------------------------------------------------------------------------
_GITLAB_RESERVED = frozenset(
    {
        "stages",
        "variables",
        "default",
        "include",
        "workflow",
        "image",
        "services",
        "before_script",
        "after_script",
        "cache",
        "pages:deploy",
    }
)


def _gitlab_job_triggers(job: dict) -> set[str]:
    text = repr(job.get("rules", "")) + repr(job.get("only", "")) + repr(job.get("except", ""))
    triggers: set[str] = set()
    if job.get("when") == "manual":
        return {MANUAL}
    rules = job.get("rules")
    if isinstance(rules, list) and rules:
        for rule in rules:
            if not isinstance(rule, dict):
                continue
            condition = str(rule.get("if", ""))
            if rule.get("when") == "never":
                continue
            if rule.get("when") == "manual":
                triggers.add(MANUAL)
            elif "schedule" in condition:
                triggers.add(SCHEDULE)
            elif "merge_request" in condition:
                triggers.add(PULL_REQUEST)
            elif "web" in condition and "PIPELINE_SOURCE" in condition:
                triggers.add(MANUAL)
            else:
                triggers.add(PUSH)
        return triggers or {MANUAL}
    if "schedules" in text and "except" not in text:
        only = job.get("only")
        if only == ["schedules"] or (isinstance(only, dict) and only.get("refs") == ["schedules"]):
            return {SCHEDULE}
        triggers.add(SCHEDULE)
    triggers.add(PUSH)
    return triggers


def parse_gitlab_ci(path: str, data: Any, text: str | None) -> CIPipeline | None:
    if not isinstance(data, dict):
        return None
    default: Any = data.get("default") if isinstance(data.get("default"), dict) else {}
    global_before = data.get("before_script", default.get("before_script", []))
    templates = {k: v for k, v in data.items() if isinstance(k, str) and k.startswith(".") and isinstance(v, dict)}
    jobs = []
    for name, job in data.items():
        if not isinstance(name, str) or name in _GITLAB_RESERVED or name.startswith("."):
            continue
        if not isinstance(job, dict):
            continue
        merged: dict = {}
        extends = job.get("extends")
        for parent in [extends] if isinstance(extends, str) else _list(extends):
            if isinstance(parent, str) and parent in templates:
                merged.update(templates[parent])
        merged.update(job)
        if not any(k in merged for k in ("script", "trigger", "run")):
            continue
        job_line = line_of(text, f"{name}:")
        steps = []
        for key in ("before_script", "script", "after_script"):
            value = merged.get(key, global_before if key == "before_script" else None)
            commands = split_commands(value)
            if commands:
                steps.append(CIStep(key, commands, line_of(text, commands[0], job_line or 1)))
        needs = tuple(
            str(n if isinstance(n, str) else n.get("job", ""))
            for n in _list(merged.get("needs"))
            if isinstance(n, (str, dict))
        )
        jobs.append(CIJob(name, frozenset(_gitlab_job_triggers(merged)), steps, job_line, needs))
    return CIPipeline(path, "gitlab-ci", jobs)


# -- Azure Pipelines --------------------------------------------------------------------------
def parse_azure(path: str, data: Any, text: str | None) -> CIPipeline | None:
    """One Azure Pipelines file alone (templates unexpanded); discovery and templates: platforms/azure_pipelines.py."""
    from mltestscore.evidence.platforms.azure_pipelines import parse_azure_pipeline

    return parse_azure_pipeline(path, data, text)


# -- CircleCI -----------------------------------------------------------------------------------
def parse_circleci(path: str, data: Any, text: str | None) -> CIPipeline | None:
    if not isinstance(data, dict) or not isinstance(data.get("jobs"), dict):
        return None
    scheduled: set[str] = set()
    for workflow in _dict(data.get("workflows")).values():
        if isinstance(workflow, dict) and workflow.get("triggers"):
            for job in _list(workflow.get("jobs")):
                scheduled.add(
                    job if isinstance(job, str) else str(next(iter(job), "")) if isinstance(job, dict) else ""
                )
    jobs = []
    for name, job in data["jobs"].items():
        if not isinstance(job, dict):
            continue
        steps = []
        for step in _list(job.get("steps")):
            run = step.get("run") if isinstance(step, dict) else None
            if isinstance(run, dict):
                run = run.get("command")
            if isinstance(run, str):
                commands = split_commands(run)
                steps.append(CIStep(commands[0] if commands else "run", commands, line_of(text, run)))
        triggers = {PUSH} | ({SCHEDULE} if name in scheduled else set())
        jobs.append(CIJob(str(name), frozenset(triggers), steps, line_of(text, f"{name}:")))
    return CIPipeline(path, "circleci", jobs)


# -- Bitbucket Pipelines ---------------------------------------------------------------------
def parse_bitbucket(path: str, data: Any, text: str | None) -> CIPipeline | None:
    if not isinstance(data, dict) or not isinstance(data.get("pipelines"), dict):
        return None
    jobs = []
    for kind, body in data["pipelines"].items():
        trigger = {
            "default": PUSH,
            "branches": PUSH,
            "tags": PUSH,
            "pull-requests": PULL_REQUEST,
            "custom": MANUAL,
        }.get(kind, PUSH)
        groups = body.values() if isinstance(body, dict) else [body]
        for group in groups:
            for item in _list(group):
                step = item.get("step") if isinstance(item, dict) else None
                if not isinstance(step, dict):
                    continue
                commands = split_commands(step.get("script"))
                name = str(step.get("name") or f"{kind} step")
                trig = MANUAL if step.get("trigger") == "manual" else trigger
                jobs.append(
                    CIJob(
                        name,
                        frozenset({trig}),
                        [CIStep(name, commands, line_of(text, commands[0]) if commands else None)],
                    )
                )
    return CIPipeline(path, "bitbucket-pipelines", jobs)


# -- AWS CodeBuild --------------------------------------------------------------------------
def parse_buildspec(path: str, data: Any, text: str | None) -> CIPipeline | None:
    if not isinstance(data, dict) or not isinstance(data.get("phases"), dict):
        return None
    steps = []
    for phase, body in data["phases"].items():
        if isinstance(body, dict):
            commands = split_commands(body.get("commands"))
            steps.append(CIStep(str(phase), commands, line_of(text, commands[0]) if commands else None))
    return CIPipeline(path, "aws-codebuild", [CIJob("build", frozenset({PUSH}), steps, 1)])


# -- Jenkinsfile ------------------------------------------------------------------------------
_JENKINS_SH = re.compile(r"""\b(?:sh|bat)\s*\(?\s*(?:script\s*:\s*)?('''|\"\"\"|'|")(.*?)\1""", re.S)


def parse_jenkinsfile(path: str, text: str | None) -> CIPipeline | None:
    if not text:
        return None
    # Which events start a Jenkins job is configured on the Jenkins server (job or multibranch
    # settings, webhooks), not in the repository: a Jenkinsfile alone is hand-run (RUBRIC.md, CI
    # whose trigger lives outside the repo) unless its `triggers {}` block declares cron / pollSCM /
    # a push or upstream trigger.
    triggers = {MANUAL}
    if re.search(r"\bcron\s*\(", text):
        triggers.add(SCHEDULE)
    if re.search(r"\b(pollSCM|githubPush|gitlab|GenericTrigger|upstream|bitbucketPush)\s*\(", text):
        triggers.add(PUSH)
    steps = []
    for match in _JENKINS_SH.finditer(text):
        commands = split_commands(match.group(2))
        line = text.count("\n", 0, match.start()) + 1
        steps.append(CIStep(commands[0] if commands else "sh", commands, line))
    return CIPipeline(path, "jenkins", [CIJob("pipeline", frozenset(triggers), steps, 1)])


# -- discovery ---------------------------------------------------------------------------------
def find_pipelines(parsed: Parsed) -> list[CIPipeline]:
    files = parsed.files
    pipelines: list[CIPipeline] = []

    def add(path: str, parser) -> None:
        try:
            pipeline = parser(path, parsed.yaml(path), files.text(path))
        except Exception as error:  # a shape no parser foresaw: skip the file, keep auditing
            parsed.warn(path, f"CI config of an unexpected shape ({type(error).__name__}); skipped")
            return
        if pipeline is not None:
            pipelines.append(pipeline)

    yamls = files.with_suffix(".yml", ".yaml")  # every CI format but Jenkins is YAML: search those only

    def among(pattern: str) -> list[str]:
        regex = re.compile(pattern)
        return [p for p in yamls if regex.search(p)]

    for path in among(r"^\.github/workflows/[^/]+\.ya?ml$"):
        add(path, parse_github_workflow)
    for path in among(r"(^|/)\.gitlab-ci\.ya?ml$|^\.gitlab/ci/.+\.ya?ml$"):
        add(path, parse_gitlab_ci)
    for path in among(r"^\.circleci/config\.ya?ml$"):
        add(path, parse_circleci)
    for path in among(r"^bitbucket-pipelines\.ya?ml$"):
        add(path, parse_bitbucket)
    for path in among(r"(^|/)[^/]*buildspec[^/]*\.ya?ml$"):  # codebuild-buildspec.yml too
        add(path, parse_buildspec)
    for path in [p for p in files.paths if "Jenkinsfile" in p and re.search(r"(^|/)Jenkinsfile[^/]*$", p)]:
        pipeline = parse_jenkinsfile(path, files.text(path))
        if pipeline is not None:
            pipelines.append(pipeline)
    pipelines += _plugin_pipelines(parsed)
    resolve_reusable_workflows(pipelines)
    return pipelines


def _plugin_pipelines(parsed: Parsed) -> list[CIPipeline]:
    """CI systems that plugins register (evidence/providers.py): each reads the files its pattern selects."""
    from mltestscore.evidence.providers import providers

    found: list[CIPipeline] = []
    for provider in providers("ci"):
        for path in parsed.files.matching(provider.regex):
            try:
                data = parsed.yaml(path) if provider.yaml else None
                pipeline = provider.parse(path, data, parsed.files.text(path))
            except Exception as error:  # a plugin's parser must not sink the audit either
                parsed.warn(path, f"{provider.system} CI config could not be read ({type(error).__name__}); skipped")
                continue
            if pipeline is not None:
                found.append(pipeline)
    return found
