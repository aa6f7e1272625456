"""AWS CDK in TypeScript, read as text (no TypeScript parser): the constructs that start pipelines
are few and written in one way by the CDK's own API, so a modest pattern is honest here.

- `new events.Rule(this, 'Id', { schedule: events.Schedule.rate(Duration.days(7)), targets: [...] })`
  (also `Schedule.cron({...})`, `Schedule.expression('...')`, `enabled: false`) and an
  `eventPattern` rule; `new scheduler.CfnSchedule(this, 'Id', { scheduleExpression: '...' })`;
- CodePipeline source actions (`new codepipeline_actions.CodeCommitSourceAction(...)`, GitHub,
  CodeStar connections, S3, ECR) and CDK Pipelines sources (`CodePipelineSource.gitHub(...)`):
  a push starts the CodeBuild projects (cisources.py).
Anything computed (a schedule from a variable) stays as written in the report.
"""

from __future__ import annotations

import re

from mltestscore.evidence.ci import EVENT, PUSH, SCHEDULE
from mltestscore.evidence.platforms import Trigger

_RULE = re.compile(r"new\s+(?:[\w.]+\.)?(Rule|CfnRule|CfnSchedule)\s*\(\s*this\s*,\s*['\"`]([^'\"`]+)['\"`]\s*,\s*\{")
_SCHEDULE = re.compile(r"\bschedule\s*:\s*(?:[\w.]+\.)?Schedule\.(rate|cron|expression)\s*\(")
_EXPRESSION = re.compile(r"\bscheduleExpression\s*:\s*['\"`]([^'\"`]+)['\"`]")
_SOURCE = re.compile(
    r"new\s+(?:[\w.]+\.)?(CodeCommitSourceAction|GitHubSourceAction|CodeStarConnectionsSourceAction|"
    r"BitBucketSourceAction|S3SourceAction|EcrSourceAction)\s*\(|CodePipelineSource\.(gitHub|connection|codeCommit|s3)\s*\("
)
_DISABLED = re.compile(r"\benabled\s*:\s*false\b|\bstate\s*:\s*['\"`]DISABLED")


def read_triggers(ctx) -> list[Trigger]:
    triggers = []
    for path in ctx.files.with_suffix(".ts"):
        if path.endswith(".d.ts") or "node_modules/" in path:
            continue
        text = ctx.files.text(path) or ""
        if "aws-cdk-lib" not in text and "@aws-cdk/" not in text:
            continue
        for match in _RULE.finditer(text):
            body = _block(text, match.end() - 1)
            line = text.count("\n", 0, match.start()) + 1
            enabled = not _DISABLED.search(body)
            target = _after(body, "targets") or _after(body, "target")
            source = f"CDK (TypeScript) {match.group(2)}"
            schedule = _SCHEDULE.search(body)
            expression = _EXPRESSION.search(body)
            if schedule or expression:
                text_of = expression.group(1) if expression else _schedule_text(schedule.group(1), body, schedule.end())  # type: ignore[union-attr]
                triggers.append(Trigger(SCHEDULE, text_of, path, line, source, target, "aws", enabled))
            elif "eventPattern" in body:
                what = re.search(r"detailType\s*:\s*\[\s*['\"`]([^'\"`]+)", body)
                text_of = f"event {what.group(1) if what else 'rule'}"
                triggers.append(Trigger(EVENT, text_of, path, line, source, target, "aws", enabled))
        for match in _SOURCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            triggers.append(Trigger(PUSH, "source change", path, line, "CDK (TypeScript) CodePipeline", "codebuild"))
    return triggers


def _block(text: str, start: int) -> str:
    """The `{...}` (or `(...)`) starting at `start`, by bracket depth (strings are rare in these bodies)."""
    opening = text[start]
    closing = {"{": "}", "(": ")", "[": "]"}[opening]
    depth = 0
    for i in range(start, min(len(text), start + 5000)):
        if text[i] == opening:
            depth += 1
        elif text[i] == closing:
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
    return text[start : start + 5000]


def _after(body: str, key: str) -> str:
    match = re.search(rf"\b{key}\s*:\s*", body)
    if not match:
        return ""
    rest = body[match.end() :]
    return _block(rest, 0) if rest[:1] in "[({" else rest.split(",", 1)[0]


def _schedule_text(method: str, body: str, at: int) -> str:
    """Schedule.rate(Duration.days(7)) -> rate(7 days); cron({ hour: '3' }) -> cron(hour=3)."""
    argument = _block(body, at - 1)[1:-1].strip()
    if method == "expression":
        return argument.strip("'\"`")
    if method == "rate":
        duration = re.search(r"Duration\.(\w+)\s*\(\s*([^)]+)\)", argument)
        return f"rate({duration.group(2).strip()} {duration.group(1)})" if duration else f"rate({argument})"
    fields = re.findall(r"(\w+)\s*:\s*['\"`]?([^,'\"`}\s]+)", argument)
    return "cron(" + " ".join(f"{k}={v}" for k, v in fields) + ")"
