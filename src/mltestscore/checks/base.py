"""What a check is: one rubric test, its documentation, and the logic that scores it.

A check is a small class. Its metadata (id, title, rationale, what counts as evidence, how to
earn the points) sits next to `run`, so `mltestscore explain`, `mltestscore checks` and
docs/checks.md all come from the code.
"""

from __future__ import annotations

from typing import ClassVar

from mltestscore.context import AuditContext
from mltestscore.results import Evidence, Outcome, Status

NOT_ASSESSED_REASON = "not yet assessed"


class Check:
    id: ClassVar[str]
    section: ClassVar[str]
    title: ClassVar[str]
    rationale: ClassVar[str]  # why the paper asks for it
    evidence: ClassVar[tuple[str, ...]] = ()  # what the check recognises
    manual: ClassVar[str] = ""  # what earns 0.5
    automated: ClassVar[str] = ""  # what earns 1
    remediation: ClassVar[str]  # how to earn the points
    observable: ClassVar[bool] = True  # False: rarely visible in files; the report asks for attestation
    implemented: ClassVar[bool] = True

    def run(self, ctx: AuditContext) -> Outcome:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<check {self.id}>"


class NotAssessed(Check):
    """Placeholder for a rubric test whose check has not been written yet: scores 0, says so."""

    implemented = False
    remediation = "This test is not assessed by this version of mltestscore; attest it in config if it is done."

    def run(self, ctx: AuditContext) -> Outcome:
        return Outcome(0.0, Status.NOT_ASSESSED, NOT_ASSESSED_REASON, [], self.remediation)


def placeholders(section: str) -> tuple[type[Check], ...]:
    """NotAssessed checks for every test of a section (its issue has not landed yet)."""
    from mltestscore.rubric import load_rubric

    rubric = load_rubric()
    tests = next(s for s in rubric.sections if s.id == section).tests
    return tuple(
        type(
            t.id.replace("-", "_").title(),
            (NotAssessed,),
            {
                "id": t.id,
                "section": section,
                "title": t.title,
                "rationale": "See the ML Test Score paper (Breck et al. 2017).",
            },
        )
        for t in tests
    )


def ev(path: str, line: int | None, detail: str, runner=None) -> Evidence:
    """Evidence from a path/line, with the runner's description when a runner is given."""
    return Evidence(
        path, line, detail, runner.describe() if runner is not None and hasattr(runner, "describe") else runner
    )
