"""A compact Markdown summary for $GITHUB_STEP_SUMMARY and pull-request comments.

Repository text is escaped: GitHub renders HTML inside Markdown, and a `|` would break a table.
Cells are cut short so the summary stays far below GitHub's 1 MiB step-summary limit."""

from __future__ import annotations

from mltestscore.report.common import findings, next_steps, score_text
from mltestscore.results import AuditReport, Status

MAX_CELL = 240
STATUS_MARK = {
    Status.AUTOMATED: "🟢",
    Status.MANUAL: "🟡",
    Status.ATTESTED: "🔵",
    Status.MISSING: "🔴",
    Status.SKIPPED: "⚪",
    Status.NOT_ASSESSED: "⚫",
}


def render(report: AuditReport) -> str:
    weakest = min(report.sections, key=lambda s: s.score)
    out = [
        f"## {report.rubric}: {score_text(report.score)} / {score_text(report.max_score)}",
        "",
        f"> {_cell(report.band)}",
        "",
        "| Section | Score | |",
        "|---|---:|---|",
    ]
    for section in report.sections:
        name = f"**{section.title}** (weakest)" if section is weakest else section.title
        shown = f"{score_text(section.score)} / {section.max}" + (
            f" ({_cell(section.na_note)})" if section.na_note else ""
        )
        out.append(f"| {name} | {shown} | `{_bar(section.score, section.max)}` |")
    source = "Breck et al. 2017" if report.rubric_id == "ml-test-score" else f"rubric: {report.rubric}"
    out += ["", f"The final score is {report.aggregation_text} ({source}).", ""]
    steps = next_steps(report)
    if steps:
        out.append("**Next steps worth most:**")
        out += [
            f"- **+{score_text(1 - item.score)} {item.id}** {_cell(item.missing or item.remediation)}" for item in steps
        ]
        out.append("")
    below = findings(report)
    out.append(f"<details><summary>All {len(report.items())} tests ({len(below)} below full credit)</summary>")
    out += ["", "| | Test | Points | Finding |", "|---|---|---:|---|"]
    for item in report.items():
        out.append(
            f"| {STATUS_MARK[item.status]} | `{item.id}` {_cell(item.title)} | {score_text(item.score)} | {_cell(item.reason)} |"
        )
    out += ["", "</details>", ""]
    if report.warnings:
        out.append(f"{len(report.warnings)} warning(s); see the full report.")
        out.append("")
    commit = f" · commit `{report.commit[:12]}`" if report.commit else ""
    out.append(f"<sub>mltestscore {_cell(report.tool_version)}{commit} · {_cell(report.generated_at)}</sub>")
    return "\n".join(out) + "\n"


def _bar(score: float, maximum: float) -> str:
    halves = round(score * 2)
    return "█" * (halves // 2) + ("▌" if halves % 2 else "") + "·" * (int(maximum) - (halves + 1) // 2)


def _cell(text: str) -> str:
    """Escaped for a Markdown table cell: no HTML, no pipes, one line, bounded length."""
    text = " ".join(str(text).split())
    if len(text) > MAX_CELL:
        text = text[: MAX_CELL - 1] + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for char in "\\|`*_[]":
        text = text.replace(char, "\\" + char)
    return text
