"""The terminal leaderboard (rich): the repositories that dropped first (with --compare), then
rank, name, final, each section, band and failures, and the rows that could not be audited."""

from __future__ import annotations

from mltestscore.batch.leaderboard import Board, Entry
from mltestscore.report.common import score_text


def _delta(value: float | None) -> str:
    if value is None or value == 0:
        return ""
    colour = "green" if value > 0 else "red"
    return f"[{colour}]{value:+g}[/{colour}]"


def tables(board: Board) -> list:
    from rich.table import Table

    out = []
    if board.compared_with is not None and board.dropped:
        dropped = Table(title=f"Dropped since {board.compared_with}", title_justify="left", title_style="bold red")
        dropped.add_column("name")
        dropped.add_column("final", justify="right")
        for section in board.sections:
            dropped.add_column(section.id, justify="right")
        dropped.add_column("tests that lost points")
        for entry in board.dropped:
            change = entry.change
            assert change is not None
            if entry.status != "ok":
                dropped.add_row(entry.name, "[red]error[/red]", *[""] * len(board.sections), entry.error or "")
                continue
            lost = [f"{t} {score_text(b or 0)}→{score_text(a or 0)}" for t, b, a in change.tests if (a or 0) < (b or 0)]
            dropped.add_row(
                entry.name,
                f"{score_text(entry.final or 0)} {_delta(change.final)}",
                *[_delta(change.sections.get(s.id)) for s in board.sections],
                ", ".join(lost[:4]) + (f" +{len(lost) - 4}" if len(lost) > 4 else ""),
            )
        out.append(dropped)
    table = Table(title="ML Test Score leaderboard", title_justify="left")
    table.add_column("rank", justify="right")
    table.add_column("name")
    table.add_column("final", justify="right")
    for section in board.sections:
        table.add_column(f"{section.id}/{section.max:g}", justify="right")
    table.add_column("band", max_width=40, overflow="ellipsis", no_wrap=True)
    table.add_column("failures", justify="right")
    if board.compared_with is not None:
        table.add_column("Δ final", justify="right")
    for entry in board.audited:
        table.add_row(*_cells(board, entry))
    for entry in board.errors:
        cells = ["—", entry.name, "[red]error[/red]", *[""] * len(board.sections), "", ""]
        if board.compared_with is not None:
            cells.append("")
        table.add_row(*cells)
    table.caption = summary(board)
    table.caption_justify = "left"
    out.append(table)
    if board.errors:
        errors = Table(title="Could not be audited", title_justify="left", title_style="bold red")
        errors.add_column("name")
        errors.add_column("error", overflow="fold")
        for entry in board.errors:
            errors.add_row(entry.name, entry.error or "")
        out.append(errors)
    return out


def _cells(board: Board, entry: Entry) -> list[str]:
    final = score_text(entry.final or 0)
    if entry.below:
        final = f"[bold red]{final} ✗[/bold red]"
    cells = [
        str(entry.rank),
        entry.name,
        final,
        *[score_text(entry.sections[s.id]) if s.id in entry.sections else "" for s in board.sections],
        entry.band or "",
        str(entry.failures),
    ]
    if board.compared_with is not None:
        change = entry.change
        if change is None or change.earlier_status is None:
            cells.append("new")
        else:
            cells.append(_delta(change.final))
    return cells


def summary(board: Board) -> str:
    parts = [f"{len(board.audited)} audited"]
    if board.errors:
        parts.append(f"{len(board.errors)} could not be audited")
    if board.fail_under is not None:
        parts.append(f"{len(board.below)} below --fail-under {board.fail_under:g}")
    if board.compared_with is not None:
        parts.append(f"{len(board.dropped)} dropped")
    missed = board.most_missed(3)
    if missed:
        parts.append("most missed: " + ", ".join(f"{r.test.id} ({r.zero:.0%} at 0)" for r in missed))
    return "; ".join(parts)


def print_board(board: Board, console) -> None:
    for table in tables(board):
        console.print(table)
