"""Stage 5, the arithmetic: section score = sum of its tests; final = the rubric's aggregation of
the sections (the paper's: the minimum)."""

from __future__ import annotations

from mltestscore.results import SectionResult
from mltestscore.rubric import Rubric


def final_score(sections: list[SectionResult], rubric: Rubric | None = None) -> float:
    """The paper's minimum of section sums, or the rubric's own aggregation."""
    if rubric is not None:
        return rubric.aggregate([section.score for section in sections])
    return min(section.score for section in sections) if sections else 0.0


def band(rubric: Rubric, score: float) -> str:
    return rubric.band(score)


def below_thresholds(
    score: float, sections: list[SectionResult], fail_under: float | None, minimums: dict[str, float]
) -> list[str]:
    """Human-readable reasons the audit fails its gates (empty when it passes)."""
    failures = []
    if fail_under is not None and score < fail_under:
        failures.append(f"final ML Test Score {score:g} is below the fail-under threshold {fail_under:g}")
    for section in sections:
        minimum = minimums.get(section.id)
        if minimum is not None and section.score < minimum:
            failures.append(f"section {section.id} scores {section.score:g}, below its minimum {minimum:g}")
    return failures
