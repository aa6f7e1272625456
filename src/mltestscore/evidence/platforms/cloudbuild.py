"""Google Cloud Build configs (`cloudbuild.yaml` and any YAML/JSON of its shape).

Each build step runs a container: `entrypoint` + `args` (or `bash -c SCRIPT`), a `script`, or the
builder image's own program (`gcr.io/cloud-builders/docker` runs `docker ARGS`), in `dir`.
A build's trigger lives in Google Cloud, not in the file: the build is hand-run (RUBRIC: a CI/CD
config whose trigger lives outside the repo) unless Terraform in the repository declares a
`google_cloudbuild_trigger` for it, or a CI job of the repository submits it (platforms.started_by_ci).
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from mltestscore.evidence.ci import MANUAL, PUSH, SCHEDULE, CIJob, CIPipeline, CIStep, line_of, split_commands
from mltestscore.index.parsed import Parsed

_NAMED = re.compile(r"(^|/)cloudbuild[^/]*\.(ya?ml|json)$")
_SHAPE = re.compile(rb"(?m)^steps[ \t]*:|\"steps\"[ \t]*:")
_STEP_KEYS = ("args", "entrypoint", "script")
_TRIGGER = re.compile(r'resource\s+"google_cloudbuild_trigger"\s+"[^"]+"\s*\{')
_FILENAME = re.compile(r'\bfilename\s*=\s*"([^"]+)"')
_SHELLS = ("bash", "sh", "/bin/bash", "/bin/sh")


def read(parsed: Parsed) -> list[CIPipeline]:
    files = parsed.files
    triggered = _terraform_triggers(parsed)
    pipelines = []
    for path in files.with_suffix(".yml", ".yaml", ".json"):
        named = bool(_NAMED.search(path))
        if not named:
            if path.startswith((".github/", ".gitlab", ".circleci/")) or path.endswith(".json"):
                continue
            data = files.read_bytes(path, keep=False)
            if not data or not _SHAPE.search(data):
                continue
        data = parsed.json(path) if path.endswith(".json") else parsed.yaml(path)
        if not _is_cloudbuild(data, named):
            continue
        text = files.text(path)
        steps = [
            _step(step, index, text) for index, step in enumerate(data["steps"], start=1) if isinstance(step, dict)
        ]
        how = triggered.get(path) or triggered.get("*" if posixpath.basename(path).startswith("cloudbuild") else "")
        triggers = frozenset(how) if how else frozenset({MANUAL})
        name = "build (trigger declared in Terraform)" if how else "build (no trigger in the repository: hand-run)"
        pipelines.append(CIPipeline(path, "cloud-build", [CIJob(name, triggers, steps, 1)]))
    return pipelines


def _is_cloudbuild(data: Any, named: bool) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        return False
    steps = [s for s in data["steps"] if isinstance(s, dict)]
    if not steps or not all(isinstance(s.get("name"), str) for s in steps):
        return False
    # Azure Pipelines steps also carry `name`; Cloud Build's never carry task/script-shell keys
    if any(k in s for s in steps for k in ("task", "template", "bash", "pwsh", "checkout", "run", "uses")):
        return False
    return named or any(k in s for s in steps for k in _STEP_KEYS)


def _step(step: dict, index: int, text: str | None) -> CIStep:
    image = str(step.get("name", ""))
    entrypoint = step.get("entrypoint")
    args = [str(a) for a in step.get("args", [])] if isinstance(step.get("args"), list) else []
    if isinstance(step.get("script"), str):
        commands = split_commands(step["script"])
    elif isinstance(entrypoint, str) and entrypoint in _SHELLS and args[:1] == ["-c"] and len(args) > 1:
        commands = split_commands(args[1])
    elif isinstance(entrypoint, str):
        commands = [" ".join([entrypoint, *args])]
    else:
        program = image.rsplit("/", 1)[-1].split(":")[0].split("@")[0]
        commands = [" ".join([program, *args])] if program else []
    cwd = step.get("dir")
    cwd = posixpath.normpath(cwd).strip("/") if isinstance(cwd, str) and cwd not in ("", ".") else ""
    name = str(step.get("id") or (commands[0] if commands else image or f"step {index}"))
    return CIStep(name, commands, line_of(text, image) if image else None, image, cwd)


def _terraform_triggers(parsed: Parsed) -> dict[str, set[str]]:
    """Config path (or '*' for the default cloudbuild.yaml) -> triggers a Terraform trigger gives it."""
    found: dict[str, set[str]] = {}
    files = parsed.files
    for path in files.with_suffix(".tf"):
        text = files.text(path) or ""
        for match in _TRIGGER.finditer(text):
            body = text[match.end() : match.end() + 4000].split('\nresource "', 1)[0]
            kinds = {SCHEDULE} if "cron" in body or "schedule" in body else {PUSH}
            config = _FILENAME.search(body)
            found.setdefault(config.group(1).lstrip("/") if config else "*", set()).update(kinds)
    return found
