"""infra-3 evidence judged by what runs, not by names.

- End-to-end tests: a test whose imports reach (within three hops) code that trains a model
  and code that scores one (a metric call): it drives the package from training to evaluation,
  whatever the test or its folder is called. A test under `integration/` that calls a web API
  exercises no ML pipeline.
- Hand-run pipelines: a CI job a person starts (or a platform build with no trigger in the
  repository) whose commands train and then run another stage (evaluate, predict, deploy) runs the
  pipeline end to end by hand (RUBRIC: 0.5). Training alone is no pipeline.
- Platform pipelines (evidence/platforms) with a training step and another step: started by their
  own schedule or by an automatic CI command they are the pipeline's integration run (1), else 0.5.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable

from mltestscore.context import AuditContext
from mltestscore.evidence.evaluation import is_metric_name
from mltestscore.evidence.monitoring import import_closure
from mltestscore.evidence.perfile import grep_code, per_file
from mltestscore.evidence.python import names, parts
from mltestscore.evidence.sources import Artifact, project_sources
from mltestscore.results import Evidence
from mltestscore.wiring import tokens

METRIC_PARTS = parts("score", "accuracy", "auc", "f1", "precision", "recall", "error", "metrics", "report")
_TRAIN_WORD = re.compile(r"(^|[/_.\s-])(re)?train(ing|er)?([/_.\s-]|$)|\bfit\b", re.I)
FIT_WORDS = names("fit", "train", "backward")
_LOGS = re.compile(r"(^|\.)log_\w+$")
_FIT_CALL = re.compile(rb"\.(fit|train)\s*\(|\.backward\s*\(")
_PYTHON_RUN = re.compile(r"^(?:\S*/)?python[\d.]*$")


def _fitting(ctx: AuditContext) -> frozenset[str]:
    """Project modules that train a model: a fit/train call (chained ones too) or a backward pass."""
    sources = [p for p in project_sources(ctx) if p.endswith(".py")]
    return frozenset(grep_code(ctx, _FIT_CALL, ctx.python.candidates(FIT_WORDS, sources)))


def _scoring(ctx: AuditContext) -> Callable[[str], bool]:
    """Whether a project module computes a metric of a model, asked per module: only the modules a
    test's imports reach are parsed (metric-like words are in most files of a large library)."""
    sources = [p for p in project_sources(ctx) if p.endswith(".py")]
    candidates = set(ctx.python.with_parts(METRIC_PARTS, sources))
    answers: dict[str, bool] = {}

    def scores(path: str) -> tuple[bool, bool]:
        facts = ctx.python.facts(path)
        found = bool(facts) and any(is_metric_name(c.name) and not _LOGS.search(c.name) for c in facts.calls)
        return found, facts is not None

    def computes_metric(path: str) -> bool:
        if path not in candidates:
            return False
        if path not in answers:
            [(_, found)] = per_file(ctx, "computes-metric:1", [path], scores)
            answers[path] = bool(found)
        return answers[path]

    return computes_metric


def end_to_end_tests(ctx: AuditContext, imports_project) -> list[Artifact]:
    fitting = ctx.fact(_fitting)
    if not fitting:
        return []
    scoring = ctx.fact(_scoring)
    found = []
    for path in ctx.tests.files:
        if not imports_project(ctx, path):
            continue
        reached = import_closure(ctx, [path], depth=3)
        if any(p in fitting for p in reached) and any(scoring(p) for p in reached):
            trains = next(p for p in reached if p in fitting)
            found.append(Artifact(path, None, f"end-to-end test: drives training ({trains}) through evaluation"))
    return found


def hand_run_pipelines(ctx: AuditContext) -> list[Evidence]:
    """CI jobs a person starts whose commands train and then run another stage."""
    by_job: dict[str, list] = defaultdict(list)
    for wired in ctx.wiring.commands:
        if wired.runner.kind == "ci" and not wired.runner.automatic and wired.runner.job:
            by_job[wired.runner.job].append(wired)
    found = []
    for commands in by_job.values():
        scripts = [c for c in commands if _runs_python(c.command)]
        trains = [c for c in scripts if _TRAIN_WORD.search(c.command)]
        others = [c for c in scripts if c not in trains and not _is_test_command(c.command)]
        if trains and others:
            first = trains[0]
            found.append(
                Evidence(
                    first.runner.path,
                    first.runner.line,
                    f"runs the pipeline end to end when a person starts it: `{first.command}`, then `{others[0].command}`",
                    first.runner.describe(),
                )
            )
    return found


def platform_runs(ctx: AuditContext) -> tuple[list[Evidence], list[Evidence]]:
    """(automatic, by hand) platform pipelines with a training step and at least one more step."""
    started = {
        link for c in ctx.wiring.commands if c.runner.automatic and c.runner.kind == "ci" for link in c.runner.via
    }
    automatic, by_hand = [], []
    for pipeline in ctx.platform_pipelines:
        commands = [c for step in pipeline.steps for c in step.commands]
        if len(pipeline.steps) < 2 or not any(_TRAIN_WORD.search(c) for c in commands):
            continue
        key = f"{pipeline.platform} pipeline '{pipeline.name}'"
        by_ci = any(link.startswith(key) for link in started)
        what = f"{pipeline.platform} pipeline '{pipeline.name}' of {len(pipeline.steps)} step{'' if len(pipeline.steps) == 1 else 's'}"
        if pipeline.scheduled or by_ci:
            how = pipeline.trigger_note if pipeline.scheduled else "started by CI"
            automatic.append(Evidence(pipeline.path, pipeline.line, f"{what} runs on its own ({how})"))
        else:
            by_hand.append(Evidence(pipeline.path, pipeline.line, f"{what} ({pipeline.trigger_note})"))
    return automatic, by_hand


def _runs_python(command: str) -> bool:
    words = tokens(command)
    return bool(words) and (_PYTHON_RUN.match(words[0]) is not None or words[0].endswith(".py"))


def _is_test_command(command: str) -> bool:
    return bool(re.search(r"\b(pytest|unittest|tox|nox)\b", command))
