"""SARIF 2.1.0 for GitHub code scanning: one rule per rubric test, one result per test below 1.

Every result has a real file location (GitHub rejects results without one) and a stable
partialFingerprint built from the test id and the audited folder, never from line numbers, so
an alert survives edits that move its anchor.
"""

from __future__ import annotations

import json
import re

from mltestscore.report.common import (
    CHECKS_DOC_URL,
    PROJECT_URL,
    REPOSITORY_LEVEL,
    Anchors,
    finding_message,
    findings,
    fingerprint,
)
from mltestscore.results import AuditReport, Status, TestResult

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "mltestscoreFinding/v1"
LEVELS = {Status.MISSING: "warning", Status.MANUAL: "note", Status.ATTESTED: "note", Status.NOT_ASSESSED: "note"}


def to_dict(report: AuditReport) -> dict:
    checks = _checks()
    items = report.items()
    rule_index = {item.id: index for index, item in enumerate(items)}
    anchors = Anchors(report)
    results = [_result(item, rule_index[item.id], anchors) for item in findings(report)]
    run = {
        "tool": {
            "driver": {
                "name": "mltestscore",
                "version": report.tool_version,
                "semanticVersion": report.tool_version,
                "informationUri": PROJECT_URL,
                "rules": [_rule(item, checks.get(item.id), report.rubric_id) for item in items],
            }
        },
        "invocations": [{"executionSuccessful": True, "endTimeUtc": _utc(report.generated_at)}],
        "results": results,
        **_provenance(report),
        "properties": {
            "score": report.score,
            "band": report.band,
            "rubric": report.rubric,
            "maxScore": report.max_score,
            "sections": {s.id: s.score for s in report.sections},
            "commit": report.commit,
        },
    }
    return {"version": "2.1.0", "$schema": SCHEMA_URI, "runs": [run]}


def render(report: AuditReport) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False) + "\n"


def _rule(item: TestResult, check, rubric_id: str = "ml-test-score") -> dict:
    text, markdown = _help(item, check)
    return {
        "id": item.id,
        "name": _pascal(item.title),
        "shortDescription": {"text": item.title},
        "fullDescription": {"text": getattr(check, "rationale", "") or item.title},
        "helpUri": f"{CHECKS_DOC_URL}#{_anchor(item.id, item.title)}",
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": [rubric_id, item.section]},
    }


def _result(item: TestResult, index: int, anchors: Anchors) -> dict:
    """A finding with evidence in a file points at it. A repository-level finding (nothing found)
    says so in its message and points at the project's config file (GitHub code scanning rejects
    a result without a location), not at one arbitrary workflow line shared by every finding."""
    repository_level = anchors.evidence_location(item) is None
    path, line = anchors.location(item)
    message = finding_message(item)
    if repository_level:
        message = f"{message} {REPOSITORY_LEVEL} (Anchored at {path}.)"
    result: dict = {
        "ruleId": item.id,
        "ruleIndex": index,
        "level": LEVELS.get(item.status, "warning"),
        "message": {"text": message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": line},
                }
            }
        ],
    }
    result["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint(item.id, anchors.prefix)}
    result["properties"] = {
        "score": item.score,
        "status": item.status.value,
        "evidence": [e.location() for e in item.evidence],
        "repositoryLevel": repository_level,
    }
    return result


def _provenance(report: AuditReport) -> dict:
    """versionControlProvenance: the repository's web URL and the audited commit, from git remote."""
    from mltestscore.report.links import remote_for

    remote = remote_for(report.repository)
    if remote is None or not report.commit:
        return {}
    entry = {"repositoryUri": remote.web_url, "revisionId": report.commit, "mappedTo": {"uriBaseId": "%SRCROOT%"}}
    return {"versionControlProvenance": [entry]}


def _help(item: TestResult, check) -> tuple[str, str]:
    """Plain and Markdown help from the check's own metadata (what `mltestscore explain` prints)."""
    if check is None:
        text = f"{item.title}\n\nHow to earn it: {item.remediation}"
        return text, f"**{item.title}**\n\nHow to earn it: {item.remediation}"
    from mltestscore.docs import explain_text

    lines = [f"**{item.id}: {item.title}**", "", check.rationale, ""]
    if check.evidence:
        lines += ["Evidence mltestscore recognises:", *[f"- {e}" for e in check.evidence], ""]
    lines.append(
        "Points: 0 nothing found"
        + (f"; 0.5 {check.manual}" if check.manual else "")
        + (f"; 1 {check.automated}" if check.automated else "")
    )
    lines += ["", f"How to earn it: {check.remediation}"]
    return explain_text(check), "\n".join(lines)


def _checks() -> dict:
    try:
        from mltestscore.checks.registry import all_checks

        return all_checks()
    except Exception:  # a broken plugin must not stop the report: rules fall back to the report's text
        return {}


def _pascal(title: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in re.findall(r"[A-Za-z0-9]+", title))


def _anchor(test_id: str, title: str) -> str:
    """GitHub's heading anchor for `### data-1: Title` in docs/checks.md."""
    text = re.sub(r"[^\w\- ]", "", f"{test_id}: {title}".lower())
    return text.replace(" ", "-")


def _utc(stamp: str) -> str:
    return stamp.replace("+00:00", "Z")
