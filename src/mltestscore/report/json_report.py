"""The JSON report: schema_version 1, documented in docs/report.schema.json. Keep it stable:
add fields, never rename or remove them without bumping schema_version."""

from __future__ import annotations

import json

from mltestscore.results import AuditReport

SCHEMA_VERSION = 1


def to_dict(report: AuditReport) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "mltestscore", "version": report.tool_version},
        "repository": {"path": report.repository, "commit": report.commit},
        "generated_at": report.generated_at,
        "score": report.score,
        "scaled": report.scaled,
        "band": report.band,
        "rubric": {
            "id": report.rubric_id,
            "name": report.rubric,
            "aggregation": report.aggregation,
            "max": report.max_score,
        },
        "sections": {
            section.id: {
                "title": section.title,
                "score": section.score,
                "max": section.max,
                "not_applicable": section.not_applicable,
                "scaled": bool(section.scaled and section.not_applicable),
                "na_note": section.na_note,
                "items": [
                    {
                        "id": item.id,
                        "title": item.title,
                        "score": item.score,
                        "status": item.status.value,
                        "reason": item.reason,
                        "evidence": [
                            {"path": e.path, "line": e.line, "detail": e.detail, "runner": e.runner, "kind": e.kind}
                            for e in item.evidence
                        ],
                        "missing": item.missing,
                        "remediation": item.remediation,
                        "max": item.max,
                    }
                    for item in section.items
                ],
            }
            for section in report.sections
        },
        "warnings": [{"path": w.path, "message": w.message} for w in report.warnings],
    }


def render(report: AuditReport) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False) + "\n"
