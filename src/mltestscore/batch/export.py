"""CSV (one row per repository, a column per section and per test) and JSON Lines (one object per
repository) for spreadsheets and dashboards."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from mltestscore.batch.leaderboard import Board, Entry


def to_csv(board: Board) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    compare = board.compared_with is not None
    header = ["rank", "name", "status", "final", "band", "failures"]
    header += [s.id for s in board.sections]
    header += [t.id for t in board.tests]
    if compare:
        header += ["change_final", *[f"change_{s.id}" for s in board.sections], "changed_tests"]
    header += ["below_fail_under", "source", "rev", "commit", "report", "error"]
    writer.writerow(header)
    for entry in board.entries:
        row = [entry.rank or "", entry.name, entry.status, _num(entry.final), entry.band or "", entry.failures]
        row += [_num(entry.sections.get(s.id)) for s in board.sections]
        row += [_num(entry.tests.get(t.id)) for t in board.tests]
        if compare:
            change = entry.change
            row += [_num(change.final if change else None)]
            row += [_num(change.sections.get(s.id) if change else None) for s in board.sections]
            row += [changed_tests(change.tests) if change else ""]
        row += [
            "yes" if entry.below else "",
            entry.source,
            entry.rev or "",
            entry.commit or "",
            entry.report or "",
            entry.error or "",
        ]
        writer.writerow(row)
    return buffer.getvalue()


def changed_tests(tests: list[tuple[str, float | None, float | None]]) -> str:
    """`data-1 1→0; model-3 0→0.5`: each test whose points changed."""
    return "; ".join(f"{t} {_num(before) or '-'}→{_num(after) or '-'}" for t, before, after in tests)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def to_jsonl(board: Board) -> str:
    return "".join(json.dumps(entry_dict(board, e), ensure_ascii=False) + "\n" for e in board.entries)


def entry_dict(board: Board, entry: Entry) -> dict:
    data: dict[str, Any] = {
        "rank": entry.rank,
        "name": entry.name,
        "key": entry.key,
        "status": entry.status,
        "error": entry.error,
        "final": entry.final,
        "band": entry.band,
        "failures": entry.failures,
        "sections": {s.id: {"score": entry.sections.get(s.id), "max": s.max} for s in board.sections},
        "tests": entry.tests,
        "below_fail_under": entry.below,
        "source": entry.source,
        "rev": entry.rev,
        "commit": entry.commit,
        "report": entry.report,
        "reused": entry.reused,
    }
    if board.compared_with is not None:
        change = entry.change
        data["change"] = (
            None
            if change is None or change.earlier_status is None
            else {
                "earlier_status": change.earlier_status,
                "final": change.final,
                "sections": change.sections,
                "tests": [{"id": t, "before": b, "after": a} for t, b, a in change.tests],
                "dropped": change.dropped,
            }
        )
    return data
