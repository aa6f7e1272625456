"""CI configs whose trigger lives outside them (AWS CodeBuild's buildspec): started on a push only
when infrastructure code in the repository creates that trigger (a CodePipeline source action, a
CodeBuild webhook, in CloudFormation, CDK or Terraform). Otherwise the trigger was made in a
console, and RUBRIC.md counts the config as hand-run."""

from __future__ import annotations

from dataclasses import replace

from mltestscore.evidence.ci import MANUAL, CIPipeline

# CI system (ci.py) -> Trigger.target of the infrastructure trigger that starts it
_STARTED_BY = {"aws-codebuild": "codebuild"}


def started_by_infrastructure(ctx, pipelines: list[CIPipeline]) -> list[CIPipeline]:
    if not any(p.system in _STARTED_BY for p in pipelines):
        return pipelines
    triggers = ctx.platform_triggers
    adjusted = []
    for pipeline in pipelines:
        target = _STARTED_BY.get(pipeline.system)
        if target:
            # started as the infrastructure says: on a source change, on an event (a model package
            # approved in the registry), on a schedule; by hand when nothing in the repo starts it
            kinds = frozenset(t.kind for t in triggers if t.target == target and t.enabled) or frozenset({MANUAL})
            pipeline = replace(pipeline, jobs=[replace(job, triggers=kinds) for job in pipeline.jobs])
        adjusted.append(pipeline)
    return adjusted
