"""`--format csv`: one row per test (a course's grading spreadsheet)."""

from __future__ import annotations

import csv
import io


def render(report, **_options) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["rubric", "section", "id", "title", "score", "max", "status"])
    for section in report.sections:
        for item in section.items:
            writer.writerow([report.rubric, section.id, item.id, item.title, item.score, item.max, item.status.value])
    writer.writerow([report.rubric, "final", "", "", report.score, report.max_score, ""])
    return out.getvalue()
