"""Rollbacks CI/CD runs on its own: a step that runs only when the deployment fails (GitHub
`if: failure()`, an Azure Pipelines stage with `condition: failed()`) and puts the previous model
or release back (helm rollback, kubectl rollout undo, traffic moved back to the stable deployment,
a registry alias reset, a rollback script)."""

from __future__ import annotations

import re

from mltestscore.results import Evidence

_ON_FAILURE = re.compile(r"\bfail(ure|ed)\s*\(")
_ROLLS_BACK = re.compile(
    r"\brollback\b|\brollout\s+undo\b|\bhelm\s+rollback\b|--traffic\b|update-traffic|\brevert\b|\bprevious\b|"
    r"set[-_]registered[-_]model[-_]alias|\bswap\b|roll[-_]?back",
    re.I,
)


def failure_rollbacks(ctx) -> list[Evidence]:
    found = []
    for pipeline in ctx.ci:
        for job in pipeline.jobs:
            for step in job.steps:
                if not _ON_FAILURE.search(step.condition):
                    continue
                text = " ".join([step.name, *step.commands])
                if _ROLLS_BACK.search(text):
                    runner = ctx.wiring.ci_runner(pipeline, job, step)
                    what = step.commands[0] if step.commands else step.name
                    found.append(
                        Evidence(
                            pipeline.path,
                            step.line,
                            f"rolls back when the deployment fails ({step.condition}): `{what}`",
                            runner.describe(),
                        )
                    )
    return found
