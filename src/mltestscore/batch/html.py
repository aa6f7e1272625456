"""The HTML leaderboard: one self-contained page (inline CSS and a small inline sorting script,
no external URL) from the same templates and styles as the single report. Autoescaped: names,
URLs and errors come from the repository list and from git."""

from __future__ import annotations

from statistics import median

from mltestscore import __version__
from mltestscore.batch.leaderboard import Board


def _cell_class(value: float | None, status: str, best: float = 1.0) -> str:
    if status == "skipped":
        return "vs"
    if status == "not_assessed" or value is None:
        return "vn"
    return "v1" if value >= best else "v05" if value > 0 else "v0"


def _delta(value: float | None) -> str:
    return "" if value is None or value == 0 else f"{value:+g}"


def _updown(value: float | None) -> str:
    return "" if not value else ("up" if value > 0 else "down")


def render(board: Board, generated_at: str) -> str:
    from mltestscore.report.html import _environment

    finals = [e.final for e in board.audited if e.final is not None]
    tests_of = {s.id: [t for t in board.tests if t.section == s.id] for s in board.sections}
    env = _environment()
    from mltestscore.batch.export import changed_tests

    env.globals.update(delta=_delta, updown=_updown, cell_class=_cell_class, changed_tests=changed_tests)
    return env.get_template("leaderboard.html.j2").render(
        board=board,
        generated_at=generated_at,
        tool_version=__version__,
        median=median(finals) if finals else None,
        missed=board.most_missed(5),
        tests_of=tests_of,
        rates={r.test.id: r for r in board.rates},
    )
