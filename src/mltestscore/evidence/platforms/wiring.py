"""Platform pipeline steps as runners, for wiring.py: each step's commands with the runner chain
"<platform> pipeline '<name>' step '<step>' (on <triggers>)". A CI command that runs the file
defining a pipeline (or names its module: `run-pipeline --module-name pipelines.churn.pipeline`)
is one more trigger of it."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from mltestscore.evidence.ci import MANUAL, PUSH, SCHEDULE
from mltestscore.evidence.platforms import PlatformPipeline, Platforms, Trigger
from mltestscore.evidence.python import module_name

if TYPE_CHECKING:
    from mltestscore.wiring import Runner, WiredCommand


def platform_commands(platforms: Platforms, ci_commands: list[WiredCommand]) -> list[tuple[str, Runner]]:
    from mltestscore.wiring import Runner

    found = []
    for pipeline in platforms.pipelines:
        pipeline = with_ci_triggers(pipeline, ci_commands)
        kinds = frozenset(t.kind for t in pipeline.triggers if t.enabled)
        # the definition itself (its gates, conditions, registration) is part of every run
        definition = Runner(
            "pipeline",
            True,
            pipeline.path,
            pipeline.line,
            f"{pipeline.platform} pipeline '{pipeline.name}' (on {pipeline.trigger_text})",
            kinds,
        )
        found.append((f"python {pipeline.path}", definition))
        for step in pipeline.steps:
            runner = Runner("pipeline", True, pipeline.path, step.line, pipeline.label(step), kinds)
            for command in step.commands:
                found.append((command, runner))
    return found


def with_ci_triggers(pipeline: PlatformPipeline, ci_commands: list[WiredCommand]) -> PlatformPipeline:
    names = {pipeline.path, module_name(pipeline.path), module_name(pipeline.path, strip_root=False)}
    added: list[Trigger] = []
    seen = set()
    for wired in ci_commands:
        runner = wired.runner
        if runner.kind != "ci" or runner.job in seen:
            continue
        words = set(wired.command.split())
        if not words & names and not any(w.endswith("/" + pipeline.path) for w in words):
            continue
        seen.add(runner.job)
        kind = SCHEDULE if SCHEDULE in runner.triggers else PUSH if runner.automatic else MANUAL
        added.append(Trigger(kind, f"`{wired.command}`", runner.path, runner.line, runner.describe(), enabled=True))
    return replace(pipeline, triggers=pipeline.triggers + tuple(added)) if added else pipeline
