"""Drone CI (`.drone.yml`): a multi-document YAML file, one `kind: pipeline` per document.

kind: pipeline
name: test
trigger: {event: [push, pull_request]}
steps:
  - name: unit
    image: python:3.11
    commands: [pip install -r requirements.txt, pytest tests]
"""

from __future__ import annotations

import yaml

from mltestscore.evidence.ci import CIJob, CIPipeline, CIStep, line_of, split_commands
from mltestscore.evidence.providers import CIProvider

# Drone events -> mltestscore trigger kinds (a `promote` or `rollback` is started by a person).
EVENTS = {"push": "push", "pull_request": "pull_request", "tag": "push", "cron": "schedule", "custom": "event"}
MANUAL_EVENTS = {"promote", "rollback"}


def parse_drone(path: str, _data, text: str | None) -> CIPipeline | None:
    if not text:
        return None
    jobs = []
    for document in yaml.safe_load_all(text):
        if not isinstance(document, dict) or document.get("kind", "pipeline") != "pipeline":
            continue
        events = (document.get("trigger") or {}).get("event") if isinstance(document.get("trigger"), dict) else None
        events = (
            [events] if isinstance(events, str) else events if isinstance(events, list) else ["push", "pull_request"]
        )
        triggers = {EVENTS[e] for e in events if e in EVENTS} | {"manual" for e in events if e in MANUAL_EVENTS}
        steps = []
        for step in document.get("steps") or []:
            if not isinstance(step, dict):
                continue
            commands = split_commands(step.get("commands") or [])
            name = str(step.get("name") or (commands[0] if commands else "step"))
            steps.append(CIStep(name, commands, line_of(text, f"name: {name}")))
        name = str(document.get("name") or "default")
        jobs.append(CIJob(name, frozenset(triggers), steps, line_of(text, f"name: {name}")))
    return CIPipeline(path, "drone", jobs) if jobs else None


PROVIDERS = [CIProvider("drone", r"(^|/)\.drone\.ya?ml$", parse_drone, yaml=False)]
