"""The result model every stage shares: evidence, a check's outcome, the audit report."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Status(str, Enum):
    AUTOMATED = "automated"
    MANUAL = "manual"
    ATTESTED = "attested"
    MISSING = "missing"
    SKIPPED = "skipped"
    NOT_ASSESSED = "not_assessed"


@dataclass(frozen=True)
class Evidence:
    """One link of proof: an artifact (path, line, what it shows) and what runs it, if anything."""

    path: str
    line: int | None
    detail: str
    runner: str | None = None
    # "proof" earns the outcome's points; "context" is shown next to them but is worth 0 (RUBRIC.md:
    # repository hygiene such as data kept out of git, secret scanning, version pins).
    kind: str = "proof"

    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    @property
    def is_context(self) -> bool:
        return self.kind == CONTEXT


CONTEXT = "context"


def context(path: str, line: int | None, detail: str, runner: str | None = None) -> Evidence:
    """Evidence worth no points that the report lists as context (what it is, and why it does not count)."""
    return Evidence(path, line, detail, runner, CONTEXT)


@dataclass
class Outcome:
    """What a check returns: the paper's points, why, the proof, and what the next level needs."""

    score: float
    status: Status
    reason: str
    evidence: list[Evidence] = field(default_factory=list)
    missing: str = ""


def automated(reason: str, evidence: list[Evidence], missing: str = "") -> Outcome:
    return Outcome(1.0, Status.AUTOMATED, reason, list(evidence), missing)


def manual(reason: str, evidence: list[Evidence], missing: str) -> Outcome:
    return Outcome(0.5, Status.MANUAL, reason, list(evidence), missing)


def missing(reason: str, missing: str, evidence: list[Evidence] | None = None) -> Outcome:
    return Outcome(0.0, Status.MISSING, reason, list(evidence or []), missing)


@dataclass(frozen=True)
class AuditWarning:
    path: str
    message: str


@dataclass
class TestResult:
    __test__ = False  # not a pytest class

    id: str
    section: str
    title: str
    score: float
    status: Status
    reason: str
    evidence: list[Evidence]
    missing: str
    remediation: str
    max: float = 1.0  # the rubric's points for this test when automated (its weight)


@dataclass
class SectionResult:
    id: str
    title: str
    items: list[TestResult]
    max: float = 7  # from the rubric: the sum of its tests' best points
    not_applicable: int = 0  # tests the config declares not applicable (shown "n/a (reason)")
    scaled: bool = False  # na_policy: scale: the sum is rescaled over the applicable tests

    @property
    def score(self) -> float:
        total = sum(item.score for item in self.items)
        if not (self.scaled and self.not_applicable):
            return total
        applicable = len(self.items) - self.not_applicable
        return round(total * self.max / applicable, 2) if applicable > 0 else 0.0

    @property
    def na_note(self) -> str:
        """What the report says next to the section about its n/a tests ('' when there are none)."""
        if not self.not_applicable:
            return ""
        applicable = len(self.items) - self.not_applicable
        if self.scaled:
            raw = sum(item.score for item in self.items)
            return (
                f"scaled: {raw:g} of {applicable} applicable tests × {self.max}/{applicable} "
                f"({self.not_applicable} n/a, na_policy: scale)"
            )
        return (
            f"{self.not_applicable} n/a test(s) score 0, as in the paper (a skipped test is not done); "
            "na_policy: scale rescales over the applicable tests"
        )


@dataclass
class AuditReport:
    tool_version: str
    repository: str
    commit: str | None
    generated_at: str
    sections: list[SectionResult]
    score: float
    band: str
    warnings: list[AuditWarning]
    from_memo: bool = False  # answered from the cache: nothing the audit reads changed (not in JSON)
    # The rubric that scored it (rubric.py): reports print its name and maximum instead of "/ 7".
    rubric: str = "ML Test Score"
    rubric_id: str = "ml-test-score"
    max_score: float = 7.0
    aggregation: str = "min"

    @property
    def aggregation_text(self) -> str:
        from mltestscore.rubric import AGGREGATIONS

        return AGGREGATIONS.get(self.aggregation, self.aggregation)

    @property
    def final_rule(self) -> str:
        """How the sections combine, for a report's header: "minimum of the four section scores"."""
        count = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}.get(len(self.sections), str(len(self.sections)))
        kind = {"sum": "sum", "mean": "mean"}.get(self.aggregation, "minimum")
        return f"{kind} of the {count} section scores"

    @property
    def test_count(self) -> int:
        return sum(len(section.items) for section in self.sections)

    @property
    def scaled(self) -> bool:
        """Whether any section score was rescaled over its applicable tests (na_policy: scale)."""
        return any(section.scaled and section.not_applicable for section in self.sections)

    def items(self) -> list[TestResult]:
        return [item for section in self.sections for item in section.items]

    def section(self, section_id: str) -> SectionResult:
        return next(s for s in self.sections if s.id == section_id)

    def item(self, test_id: str) -> TestResult:
        return next(i for i in self.items() if i.id == test_id)
