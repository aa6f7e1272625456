"""Reusable judgements shared by checks: which files are tests, which are project code, and how an
artifact's runner turns into the paper's 0 / 0.5 / 1."""

from __future__ import annotations

from mltestscore.context import AuditContext
from mltestscore.evidence import pipelines as _pipelines  # noqa: F401  (declares its names before the scan)

# Which files are project code or tests is a fact evidence needs too: it lives in evidence/sources.py.
from mltestscore.evidence.sources import Artifact, files_named, is_test_file, notebook_line, project_sources
from mltestscore.results import Evidence, Outcome, automated, manual, missing
from mltestscore.wiring import Runner

__all__ = [
    "Artifact",
    "call_artifacts",
    "files_named",
    "is_test_file",
    "notebook_line",
    "pluralise",
    "project_sources",
    "runner_evidence",
    "score_artifacts",
]


def runner_evidence(ctx: AuditContext, artifact: Artifact) -> tuple[Evidence, Runner | None]:
    runners = ctx.wiring.runners_for(artifact.path)
    runner = runners[0] if runners else None
    return Evidence(artifact.path, artifact.line, artifact.detail, runner.describe() if runner else None), runner


def score_artifacts(
    ctx: AuditContext,
    artifacts: list[Artifact],
    *,
    found: str,
    none: str,
    to_automate: str,
    to_start: str,
    accept_pipeline: bool = True,
    find_runner=runner_evidence,
) -> Outcome:
    """The common rule: an artifact something runs on its own is 1, one a person runs is 0.5.

    `found`: what the artifacts are ("3 test files exercise model code"); `none`: reason at 0;
    `to_automate`: what the 0.5 case is missing; `to_start`: what the 0 case is missing.
    `find_runner(ctx, artifact) -> (Evidence, Runner | None)`: how to find what runs an artifact.
    """
    if not artifacts:
        return missing(none, to_start)
    wired: list[Evidence] = []
    unwired: list[Evidence] = []
    for artifact in artifacts:
        evidence, runner = find_runner(ctx, artifact)
        ok = runner is not None and runner.automatic and (accept_pipeline or runner.kind != "pipeline")
        (wired if ok else unwired).append(evidence)
    if wired:
        return automated(f"{found}; {len(wired)} run automatically", wired + unwired)
    hand_run = [e for e in unwired if e.runner]
    reason = f"{found}, but nothing runs them on its own"
    if hand_run:
        reason = f"{found}, run only when a person starts them"
    return manual(reason, unwired, to_automate)


def pluralise(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def call_artifacts(ctx: AuditContext, names, paths=None, describe=None, limit: int | None = None) -> list[Artifact]:
    """One Artifact per call of any of `names` (resolved imports) in `paths` (default: project code);
    `limit` stops parsing once that many calls are found (evidence needs a few, not all)."""
    paths = project_sources(ctx) if paths is None else paths
    artifacts = []
    for path, call in ctx.python.find_calls(names, paths, limit=limit):
        line, where = notebook_line(ctx, path, call.line)
        detail = describe(call) if describe else f"calls {call.name}"
        artifacts.append(Artifact(path, line, detail + where))
    return artifacts
