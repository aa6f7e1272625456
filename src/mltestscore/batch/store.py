"""The output folder: one JSON row per repository (repos/<key>.json), written as each finishes,
with that repository's own HTML report beside it (repos/<key>.html, the `audit --format html`
page). A re-run reads the rows back to skip unchanged repositories; `--compare` reads an earlier
folder the same way.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from mltestscore.results import AuditReport, AuditWarning, Evidence, SectionResult, Status, TestResult

ROWS = "repos"


class Store:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.rows = folder / ROWS

    def load(self, key: str) -> dict | None:
        try:
            row = json.loads((self.rows / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return row if isinstance(row, dict) and row.get("key") == key else None

    def save(self, row: dict) -> None:
        """Writes the row (atomically: a reader never sees half a file) and its HTML report."""
        self.rows.mkdir(parents=True, exist_ok=True)
        _write(self.rows / f"{row['key']}.json", json.dumps(row, indent=1, ensure_ascii=False) + "\n")
        if row.get("report"):
            self.write_report(row)

    def write_report(self, row: dict) -> None:
        from mltestscore.report.html import render

        _write(self.report_path(row["key"]), render(report_from_dict(row["report"])))

    def report_path(self, key: str) -> Path:
        return self.rows / f"{key}.html"

    def report_link(self, key: str) -> str:
        return f"{ROWS}/{key}.html"


def _write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def report_from_dict(data: dict) -> AuditReport:
    """An AuditReport from its JSON form (report/json_report.py, schema_version 1; fields added
    since then default as the report model does, for rows stored by an older version)."""
    sections = [
        SectionResult(
            section_id,
            section["title"],
            [
                TestResult(
                    item["id"],
                    section_id,
                    item["title"],
                    item["score"],
                    Status(item["status"]),
                    item["reason"],
                    [
                        Evidence(e["path"], e["line"], e["detail"], e.get("runner"), e.get("kind", "proof"))
                        for e in item["evidence"]
                    ],
                    item["missing"],
                    item["remediation"],
                    item.get("max", 1.0),
                )
                for item in section["items"]
            ],
            section["max"],
            section.get("not_applicable", 0),
            bool(section.get("scaled", False)),
        )
        for section_id, section in data["sections"].items()
    ]
    rubric = data.get("rubric") or {}
    return AuditReport(
        data["tool"]["version"],
        data["repository"]["path"],
        data["repository"]["commit"],
        data["generated_at"],
        sections,
        data["score"],
        data["band"],
        [AuditWarning(w["path"], w["message"]) for w in data["warnings"]],
        rubric=rubric.get("name", "ML Test Score"),
        rubric_id=rubric.get("id", "ml-test-score"),
        max_score=rubric.get("max", 7.0),
        aggregation=rubric.get("aggregation", "min"),
    )
