"""GitLab Code Quality JSON (a Code Climate subset): one issue per test below full credit.

GitLab keeps only the first issue of a fingerprint, so fingerprints are unique (salted when two
would collide) and built from the test id and audited folder, never from line numbers."""

from __future__ import annotations

import json

from mltestscore.report.common import REPOSITORY_LEVEL, Anchors, finding_message, findings, fingerprint
from mltestscore.results import AuditReport, Status

SEVERITY = {Status.MISSING: "major", Status.MANUAL: "minor", Status.ATTESTED: "minor", Status.NOT_ASSESSED: "info"}


def to_list(report: AuditReport) -> list[dict]:
    anchors = Anchors(report)
    seen: set[str] = set()
    issues = []
    for item in findings(report):
        path, line = anchors.location(item)
        key = fingerprint("mltestscore", item.id, anchors.prefix)
        salt = 0
        while key in seen:
            salt += 1
            key = fingerprint("mltestscore", item.id, anchors.prefix, str(salt))
        seen.add(key)
        issues.append(
            {
                "type": "issue",
                "check_name": item.id,
                "description": finding_message(item)
                + (f" {REPOSITORY_LEVEL}" if anchors.evidence_location(item) is None else ""),
                "categories": ["Bug Risk"],
                "severity": SEVERITY.get(item.status, "major"),
                "fingerprint": key,
                "location": {"path": path, "lines": {"begin": line}},
            }
        )
    return issues


def render(report: AuditReport) -> str:
    return json.dumps(to_list(report), indent=2, ensure_ascii=False) + "\n"
