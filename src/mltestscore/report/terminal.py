"""The terminal report (rich): the final score and band first, then each section with every test,
its score and strongest evidence, then the next steps worth most points, then warnings."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from mltestscore.report.common import next_steps
from mltestscore.results import AuditReport, Status, TestResult

_MARK = {
    Status.AUTOMATED: ("●", "green"),
    Status.MANUAL: ("◐", "yellow"),
    Status.ATTESTED: ("◐", "cyan"),
    Status.MISSING: ("○", "red"),
    Status.SKIPPED: ("–", "dim"),
    Status.NOT_ASSESSED: ("?", "dim"),
}
MAX_WARNINGS = 15
# One symbol per outcome, as the tables use them; the pts column always shows the real points.
LEGEND = Text.assemble(
    ("● ", "green"),
    "1 automated (or attested with a runner)   ",
    ("◐ ", "yellow"),
    "0.5 by hand or attested   ",
    ("○ ", "red"),
    "0 missing   ",
    ("– ", "dim"),
    "skipped or n/a   ",
    ("? ", "dim"),
    "not assessed",
    style="dim",
)


def _score_text(score: float) -> str:
    return f"{score:g}"


def _section_table(section, verbose: bool = False) -> Table:
    table = Table(show_header=True, header_style="bold", expand=True, box=None, pad_edge=False)
    table.add_column("", width=1)
    table.add_column("test", no_wrap=True, width=9)
    table.add_column("pts", justify="right", width=3)
    table.add_column("finding", ratio=1)
    for item in section.items:
        mark, color = _MARK[item.status]
        if item.status == Status.ATTESTED and item.score >= 1:
            mark = "●"  # attested with a verified runner earns full points: the symbol says so
        table.add_row(Text(mark, style=color), item.id, _score_text(item.score), _finding(item, verbose))
    return table


def _finding(item: TestResult, verbose: bool = False) -> Text:
    text = Text()
    text.append(item.title, style="bold")
    text.append("\n")
    text.append(item.reason, style="italic" if item.status in (Status.SKIPPED, Status.NOT_ASSESSED) else "")
    proof = [e for e in item.evidence if not e.is_context]
    shown = proof if verbose else proof[:2]
    for evidence in shown:
        text.append("\n  ")
        text.append(evidence.location(), style="cyan")
        text.append(f"  {evidence.detail}")
        if evidence.runner:
            text.append(f"\n    ↳ run by {evidence.runner}", style="dim")
    if len(proof) > len(shown):
        text.append(f"\n  … {len(proof) - len(shown)} more (-v shows all)", style="dim")
    # Context (hygiene, pins) is listed so the team sees it was found, marked as worth no points.
    context = [e for e in item.evidence if e.is_context]
    listed = context if verbose else context[:2]
    for evidence in listed:
        text.append("\n  context, 0 pts: ", style="dim")
        text.append(evidence.location(), style="cyan")
        text.append(f"  {evidence.detail}", style="dim")
    if len(context) > len(listed):
        text.append(f"\n  … {len(context) - len(listed)} more context (-v shows all)", style="dim")
    return text


def build(report: AuditReport, detail: str = "full", verbose: bool = False):
    """The report as rich renderables. detail: "full"; "summary" (the scores panel only);
    "quiet" (one line: the final score). verbose: every evidence line, every warning."""
    if detail == "quiet":
        return Text(f"ML Test Score: {_score_text(report.score)} ({report.band.splitlines()[0]})")
    header = Text()
    header.append(f"{report.rubric}: {_score_text(report.score)} / {_score_text(report.max_score)}", style="bold")
    header.append(f"   ({report.final_rule})\n", style="dim")
    header.append(report.band)
    if report.scaled:
        header.append("\n* scaled over the applicable tests (na_policy: scale); the paper scores n/a as 0", style="dim")
    if report.from_memo:
        header.append(
            "\nNothing changed since the last audit: this report comes from the cache (--no-cache recomputes).",
            style="dim",
        )
    sections_line = Text()
    for section in report.sections:
        sections_line.append(f"{section.title} ", style="bold")
        scaled = "*" if section.scaled and section.not_applicable else ""
        sections_line.append(f"{_score_text(section.score)}{scaled}/{section.max}   ")
    parts: list[Any] = [
        Panel(Group(header, Text(), sections_line), title="mltestscore", subtitle=escape(report.repository))
    ]
    if detail == "summary":
        return Group(*parts)
    parts.append(LEGEND)
    for section in report.sections:
        parts.append(
            Panel(
                _section_table(section, verbose),
                title=f"{section.title}: {_score_text(section.score)}/{section.max}"
                + (" (scaled)" if section.scaled and section.not_applicable else ""),
                subtitle=section.na_note or None,
                subtitle_align="left",
                title_align="left",
            )
        )
    steps = next_steps(report)
    if steps:
        text = Text()
        for item in steps:
            gain = 1 - item.score
            text.append(f"+{gain:g} {item.id} ", style="bold green")
            text.append(f"{item.missing or item.remediation}\n")
        parts.append(Panel(text, title="Next steps worth most (they lift your weakest section)", title_align="left"))
    if report.warnings:
        text = Text()
        limit = len(report.warnings) if verbose else MAX_WARNINGS
        for warning in report.warnings[:limit]:
            text.append(f"{warning.path}: ", style="yellow")
            text.append(f"{warning.message}\n")
        if len(report.warnings) > limit:
            text.append(f"… {len(report.warnings) - limit} more (-v or --format json)\n", style="dim")
        parts.append(Panel(text, title=f"Warnings ({len(report.warnings)})", title_align="left", border_style="yellow"))
    return Group(*parts)


def render(report: AuditReport, width: int | None = None, color: bool | None = None) -> str:
    console = Console(record=True, width=width or 100, force_terminal=color, no_color=color is False, file=_Null())  # type: ignore[arg-type]
    console.print(build(report))
    return console.export_text(styles=bool(color))


def print_report(report: AuditReport, console: Console, detail: str = "full", verbose: bool = False) -> None:
    console.print(build(report, detail, verbose))


class _Null:
    def write(self, _text: str) -> int:
        return 0

    def flush(self) -> None:
        pass
