"""The rubric as data (rubrics/ml-test-score.yaml): sections, test ids and titles, bands."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

RUBRIC_FILE = "ml-test-score.yaml"


@dataclass(frozen=True)
class RubricTest:
    id: str
    section: str
    title: str


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    tests: tuple[RubricTest, ...]


@dataclass(frozen=True)
class Band:
    lower: float | None
    upper: float | None
    text: str

    def contains(self, score: float) -> bool:
        above = self.lower is None or score > self.lower
        below = self.upper is None or score <= self.upper
        return above and below


@dataclass(frozen=True)
class Rubric:
    name: str
    sections: tuple[Section, ...]
    bands: tuple[Band, ...]

    @property
    def tests(self) -> tuple[RubricTest, ...]:
        return tuple(t for s in self.sections for t in s.tests)

    def test(self, test_id: str) -> RubricTest:
        for t in self.tests:
            if t.id == test_id:
                return t
        raise KeyError(test_id)

    def band(self, score: float) -> str:
        for band in self.bands:
            if band.contains(score):
                return band.text
        return self.bands[-1].text


def _rubric_path() -> Path:
    here = Path(__file__).resolve().parent
    installed = here / "rubrics" / RUBRIC_FILE  # wheel: force-included next to the package
    if installed.is_file():
        return installed
    return here.parents[1] / "rubrics" / RUBRIC_FILE  # source checkout / editable install


@lru_cache(maxsize=1)
def load_rubric() -> Rubric:
    import yaml

    data = yaml.safe_load(_rubric_path().read_text(encoding="utf-8"))
    sections = tuple(
        Section(
            id=s["id"],
            title=s["title"],
            tests=tuple(RubricTest(tid, s["id"], title) for tid, title in s["tests"].items()),
        )
        for s in data["sections"]
    )
    bands = tuple(Band(b.get("lower"), b.get("upper"), b["text"]) for b in data["bands"])
    return Rubric(data["name"], sections, bands)
