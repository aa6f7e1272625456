"""`--select` / `--ignore` on the command line: the same effect as `ignore` in config.

Each value is a comma-separated list of test ids (infra-1) or section ids (data). A test left out
by --select, or named by --ignore, is skipped with the reason shown in the report; a test the
config already ignores keeps the config's reason.
"""

from __future__ import annotations

import difflib

from mltestscore.config import Config
from mltestscore.rubric import Rubric, load_rubric


class SelectionError(Exception):
    """A --select/--ignore value names no test or section: exit code 2."""


def expand(values: tuple[str, ...] | list[str], option: str, rubric: Rubric | None = None) -> set[str]:
    """Test ids named by `values` (sections expand to their tests), in the rubric (default: the paper's)."""
    rubric = rubric or load_rubric()
    ids = [t.id for t in rubric.tests]
    SECTIONS = rubric.section_ids  # noqa: N806
    chosen: set[str] = set()
    for value in values:
        for name in (part.strip().lower() for part in value.split(",")):
            if not name:
                continue
            if name in SECTIONS:
                chosen.update(t.id for t in rubric.section(name).tests)
            elif name in ids:
                chosen.add(name)
            else:
                close = difflib.get_close_matches(name, [*SECTIONS, *ids], n=1, cutoff=0.6)
                hint = f"; did you mean `{close[0]}`?" if close else " (see `mltestscore checks`)"
                raise SelectionError(f"{option}: {name!r} is no test id or section{hint}")
    return chosen


def apply_selection(config: Config, select: tuple[str, ...], ignore: tuple[str, ...]) -> None:
    if not select and not ignore:
        return
    rubric = config.rubric()
    selected = expand(select, "--select", rubric) if select else None
    ignored = expand(ignore, "--ignore", rubric)
    for test in rubric.tests:
        if test.id in config.ignore:
            continue
        if selected is not None and test.id not in selected:
            config.ignore[test.id] = "not selected (--select on the command line)"
        elif test.id in ignored:
            config.ignore[test.id] = "ignored with --ignore on the command line"
    config.origins["ignore"] = "command line" + (
        f" and {config.origins['ignore']}" if "ignore" in config.origins else ""
    )
