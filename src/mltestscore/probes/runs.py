"""How a file runs without a person (CI, a pipeline stage, an orchestrated pipeline, or a file that
imports it), a scheduled runner first. Moved here from evidence/monitoring.py: it judges runners,
so it sits above the facts it reads (wiring, code pipelines, the import reach)."""

from __future__ import annotations

from dataclasses import dataclass

from mltestscore.probes.reach import reach_of


@dataclass(frozen=True)
class Run:
    """How a file runs without a person: the runner's description and whether it is on a schedule."""

    describe: str
    scheduled: bool
    kind: str  # ci | pre-commit | pipeline


def automatic_run(ctx, path: str, line: int | None = None, follow_imports: bool = True) -> Run | None:
    """The automatic runner of the code at path:line, a scheduled one first: CI, a pipeline stage,
    an orchestrated pipeline, or (with `follow_imports`) a file importing it (probes/reach.py)."""
    runners = [r for r in ctx.wiring.runners_for(path) if r.automatic]
    runner = next((r for r in runners if "schedule" in r.triggers), None) or (runners[0] if runners else None)
    if runner is None:
        pipeline = next((p for p in ctx.code_pipelines if p.path == path), None)
        if pipeline is not None:
            when = "scheduled " if pipeline.scheduled else ""
            return Run(
                f"{when}{pipeline.orchestrator} pipeline {pipeline.name} ({pipeline.path}:{pipeline.line})",
                pipeline.scheduled,
                "pipeline",
            )
    if runner is None and follow_imports and path.endswith(".py"):
        runner = ctx.fact(reach_of).runner(path, line)
    if runner is None or not runner.automatic:
        return None
    scheduled = "schedule" in runner.triggers or any(p.scheduled and p.path == runner.path for p in ctx.code_pipelines)
    return Run(runner.describe(), scheduled, runner.kind)
