"""The cohort's view of a batch: ranked entries, the repo × test grid, pass rates, the tests most
repositories miss, and (with an earlier run) each repository's change and the ones that dropped.

Sections, their maxima and tests are read from the rows' JSON reports (in rubric order), never
assumed: a rubric with other sections gives a board with those sections.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NOT_COUNTED = ("skipped", "not_assessed")  # zero points that are no shortfall of the repository


@dataclass(frozen=True)
class SectionInfo:
    id: str
    title: str
    max: float


@dataclass(frozen=True)
class TestInfo:
    __test__ = False  # not a pytest class

    id: str
    section: str
    title: str
    remediation: str
    max: float = 1.0  # the test's points when automated (the rubric's weight)


@dataclass
class Change:
    """This run minus the earlier one (None where either side has no score)."""

    final: float | None
    sections: dict[str, float | None]
    tests: list[tuple[str, float | None, float | None]]  # (test id, before, after) for tests that changed
    earlier_status: str | None  # None: the repository was not in the earlier run

    @property
    def dropped(self) -> bool:
        if self.earlier_status == "ok" and self.final is None:
            return True  # audited before, fails now
        return (self.final or 0) < 0 or any((d or 0) < 0 for d in self.sections.values())

    @property
    def total(self) -> float:
        return sum(d or 0 for d in self.sections.values())


@dataclass
class Entry:
    name: str
    key: str
    source: str
    rev: str | None
    status: str  # ok | error
    error: str | None
    commit: str | None
    final: float | None
    band: str | None
    sections: dict[str, float]
    tests: dict[str, float]
    statuses: dict[str, str]
    failures: int  # tests at 0 points that count (not skipped, not unassessable)
    report: str | None  # link to the repository's HTML report, relative to the output folder
    reused: bool = False  # unchanged since the stored result: not audited again
    seconds: float | None = None
    rank: int | None = None
    below: bool = False  # under --fail-under (an error row counts as below)
    change: Change | None = None

    @property
    def total(self) -> float:
        return sum(self.sections.values())


@dataclass(frozen=True)
class TestRate:
    __test__ = False

    test: TestInfo
    full: float  # share of audited repositories earning 1
    partial: float  # share earning 0.5
    zero: float  # share at 0 (not counting skipped)
    mean: float


@dataclass
class Board:
    entries: list[Entry]  # ranked ones first, then the errors
    sections: list[SectionInfo]
    tests: list[TestInfo]
    rates: list[TestRate] = field(default_factory=list)
    fail_under: float | None = None
    compared_with: str | None = None

    @property
    def audited(self) -> list[Entry]:
        return [e for e in self.entries if e.status == "ok"]

    @property
    def errors(self) -> list[Entry]:
        return [e for e in self.entries if e.status != "ok"]

    @property
    def below(self) -> list[Entry]:
        return [e for e in self.entries if e.below]

    @property
    def dropped(self) -> list[Entry]:
        """Repositories that lost points (or now fail to audit) since the earlier run, worst first."""
        changed = [(e, e.change) for e in self.entries if e.change is not None and e.change.dropped]
        changed.sort(key=lambda pair: (pair[1].final if pair[1].final is not None else -99, pair[1].total))
        return [entry for entry, _ in changed]

    def most_missed(self, limit: int = 5) -> list[TestRate]:
        missed = [r for r in self.rates if r.zero > 0]
        return sorted(missed, key=lambda r: (-r.zero, r.mean, r.test.id))[:limit]


def build_board(
    rows: list[dict],
    links: dict[str, str] | None = None,
    fail_under: float | None = None,
    earlier: dict[str, dict] | None = None,
    compared_with: str | None = None,
) -> Board:
    """`rows` in list order (result rows, store.py); `earlier`: key → the earlier run's row."""
    sections, tests = _layout(rows)
    entries = [_entry(row, (links or {}).get(row["key"])) for row in rows]
    for entry in entries:
        entry.below = fail_under is not None and (entry.final is None or entry.final < fail_under)
        if earlier is not None:
            entry.change = _change(entry, earlier.get(entry.key))
    ranked = sorted((e for e in entries if e.status == "ok"), key=lambda e: (-(e.final or 0), -e.total, e.name.lower()))
    previous: tuple | None = None
    for position, entry in enumerate(ranked, start=1):
        score = (entry.final, entry.total)
        entry.rank = previous[1] if previous and previous[0] == score else position  # ties share a rank
        previous = (score, entry.rank)
    errors = [e for e in entries if e.status != "ok"]
    board = Board(ranked + errors, sections, tests, fail_under=fail_under, compared_with=compared_with)
    board.rates = _rates(ranked, tests)
    return board


def _layout(rows: list[dict]) -> tuple[list[SectionInfo], list[TestInfo]]:
    sections: dict[str, SectionInfo] = {}
    tests: dict[str, TestInfo] = {}
    for row in rows:
        report = row.get("report")
        if not report:
            continue
        for section_id, section in report["sections"].items():
            sections.setdefault(section_id, SectionInfo(section_id, section["title"], section["max"]))
            for item in section["items"]:
                tests.setdefault(
                    item["id"],
                    TestInfo(item["id"], section_id, item["title"], item.get("remediation", ""), item.get("max", 1.0)),
                )
    return list(sections.values()), list(tests.values())


def _entry(row: dict, link: str | None) -> Entry:
    report = row.get("report") if row.get("status") == "ok" else None
    section_scores: dict[str, float] = {}
    test_scores: dict[str, float] = {}
    statuses: dict[str, str] = {}
    if report:
        for section_id, section in report["sections"].items():
            section_scores[section_id] = section["score"]
            for item in section["items"]:
                test_scores[item["id"]] = item["score"]
                statuses[item["id"]] = item["status"]
    failures = sum(1 for t, s in test_scores.items() if s == 0 and statuses[t] not in NOT_COUNTED)
    return Entry(
        name=row["name"],
        key=row["key"],
        source=row["source"],
        rev=row.get("rev"),
        status="ok" if report else "error",
        error=None if report else (row.get("error") or "no report"),
        commit=row.get("commit"),
        final=report["score"] if report else None,
        band=report["band"] if report else None,
        sections=section_scores,
        tests=test_scores,
        statuses=statuses,
        failures=failures,
        report=link if report else None,
        reused=bool(row.get("reused")),
        seconds=row.get("seconds"),
    )


def _change(entry: Entry, before_row: dict | None) -> Change:
    if before_row is None:
        return Change(None, {}, [], None)
    before = _entry(before_row, None)
    if entry.status != "ok" or before.status != "ok":
        return Change(None, {}, [], before.status)
    final = entry.final - before.final if entry.final is not None and before.final is not None else None
    sections = {s: entry.sections[s] - before.sections[s] if s in before.sections else None for s in entry.sections}
    tests = [
        (t, before.tests.get(t), entry.tests.get(t))
        for t in dict.fromkeys([*entry.tests, *before.tests])
        if before.tests.get(t) != entry.tests.get(t)
    ]
    return Change(final, sections, tests, before.status)


def _rates(entries: list[Entry], tests: list[TestInfo]) -> list[TestRate]:
    rates = []
    for test in tests:
        scores = [(e.tests[test.id], e.statuses[test.id]) for e in entries if test.id in e.tests]
        counted = [s for s, status in scores if status != "skipped"]
        n = len(counted) or 1
        rates.append(
            TestRate(
                test,
                full=sum(1 for s in counted if s >= test.max) / n,
                partial=sum(1 for s in counted if 0 < s < test.max) / n,
                zero=sum(1 for s in counted if s == 0) / n,
                mean=sum(counted) / n,
            )
        )
    return rates
