"""The rubric as data: sections, tests (id, title, the check that implements each, weight), how
section sums combine into the final score, and the bands that interpret it.

The package's default is rubrics/ml-test-score.yaml (the paper: 4 sections × 7 tests, final =
minimum of section sums). A user picks another with `rubric:` in config or `--rubric FILE|NAME`:
a file path, a rubric shipped with the package (rubrics/NAME.yaml), or one a plugin registers in
the `mltestscore.rubrics` entry-point group. Everything that says "7", "28" or names the four
sections reads the chosen Rubric (section maxima, the final maximum, gates, reports, help).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from hashlib import sha1
from pathlib import Path
from typing import Any

RUBRIC_FILE = "ml-test-score.yaml"
DEFAULT_RUBRIC = "ml-test-score"
RUBRIC_GROUP = "mltestscore.rubrics"
AGGREGATIONS = {
    "min": "the weakest section's sum",
    "sum": "the sum of the section sums",
    "mean": "the mean of the section sums",
}
_TEST_KEYS = {"title", "check", "weight"}


class RubricError(Exception):
    """A rubric the user must fix or name differently: exit code 2 with this message."""


@dataclass(frozen=True)
class RubricTest:
    id: str
    section: str
    title: str
    check: str = ""  # the id of the check that implements it ("" = the test's own id)
    weight: float = 1.0

    @property
    def check_id(self) -> str:
        return self.check or self.id


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    tests: tuple[RubricTest, ...]
    max: float = 0.0  # the sum of its tests' best points (7 in the paper)


@dataclass(frozen=True)
class Points:
    """What each level earns (the YAML's `points:` block): the paper's 0 / 0.5 / 1."""

    missing: float = 0.0
    manual: float = 0.5
    automated: float = 1.0

    def scale(self, score: float, weight: float = 1.0) -> float:
        """A check's 0 / 0.5 / 1 in this rubric's points, times the test's weight."""
        level = {0.0: self.missing, 0.5: self.manual, 1.0: self.automated}.get(score, score)
        return tidy(round(level * weight, 4))


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
    id: str = DEFAULT_RUBRIC
    aggregation: str = "min"
    points: Points = Points()
    citation: str = ""
    digest: str = ""  # of the source text: part of the report memo's key

    @property
    def tests(self) -> tuple[RubricTest, ...]:
        return tuple(t for s in self.sections for t in s.tests)

    @property
    def section_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.sections)

    @property
    def max_score(self) -> float:
        """The best final score this rubric gives (7 for the paper's)."""
        return tidy(self.aggregate([s.max for s in self.sections]))

    @property
    def max_section(self) -> float:
        return max((s.max for s in self.sections), default=0.0)

    @property
    def aggregation_text(self) -> str:
        return AGGREGATIONS[self.aggregation]

    def aggregate(self, section_scores: list[float]) -> float:
        if not section_scores:
            return 0.0
        if self.aggregation == "sum":
            return float(sum(section_scores))
        if self.aggregation == "mean":
            return round(sum(section_scores) / len(section_scores), 4)
        return float(min(section_scores))

    def section(self, section_id: str) -> Section:
        return next(s for s in self.sections if s.id == section_id)

    def test(self, test_id: str) -> RubricTest:
        for t in self.tests:
            if t.id == test_id:
                return t
        raise KeyError(test_id)

    def band(self, score: float) -> str:
        for band in self.bands:
            if band.contains(score):
                return band.text
        return self.bands[-1].text if self.bands else ""


def tidy(value: float) -> float:
    """7.0 -> 7 (an int prints as "7" in every template), 3.5 stays."""
    return int(value) if float(value).is_integer() else value


def _package_rubrics() -> Path:
    here = Path(__file__).resolve().parent
    installed = here / "rubrics"  # wheel: force-included next to the package
    if (installed / RUBRIC_FILE).is_file():
        return installed
    return here.parents[1] / "rubrics"  # source checkout / editable install


def _rubric_path() -> Path:
    return _package_rubrics() / RUBRIC_FILE


def shipped_rubrics() -> list[str]:
    """Names of the rubrics shipped with the package and registered by plugins."""
    names = sorted(p.stem for p in _package_rubrics().glob("*.yaml"))
    return names + sorted(n for n in _plugin_rubrics() if n not in names)


def _plugin_rubrics() -> dict[str, Any]:
    from mltestscore.plugins import discover

    return {p.name: p for p in discover() if p.group == RUBRIC_GROUP}


def resolve_rubric(spec: str | None, base: Path | None = None) -> Path:
    """The file a rubric spec names: None/default, a path (relative to `base`), a shipped or plugin name."""
    if not spec or spec == DEFAULT_RUBRIC:
        return _rubric_path()
    looks_like_path = spec.endswith((".yaml", ".yml")) or "/" in spec or "\\" in spec
    if looks_like_path:
        path = Path(spec).expanduser()
        if not path.is_absolute() and base is not None:
            path = base / path
        if not path.is_file():
            raise RubricError(f"rubric file not found: {path}")
        return path.resolve()
    shipped = _package_rubrics() / f"{spec}.yaml"
    if shipped.is_file():
        return shipped
    plugin = _plugin_rubrics().get(spec)
    if plugin is not None:
        from mltestscore.plugins import load

        try:
            loaded = load(plugin)
            path = Path(loaded() if callable(loaded) else loaded)
        except Exception as error:
            raise RubricError(
                f"rubric {spec!r} from a plugin failed to load ({type(error).__name__}: {error})"
            ) from None
        if not path.is_file():
            raise RubricError(f"rubric {spec!r} from a plugin names a missing file: {path}")
        return path
    raise RubricError(f"unknown rubric {spec!r}: give a YAML file or one of {', '.join(shipped_rubrics())}")


def rubric_digest(spec: str | None = None) -> str:
    """The hash of the rubric file's text, without parsing it (the report memo's key needs only this)."""
    try:
        return sha1(resolve_rubric(spec).read_bytes()).hexdigest()
    except OSError as error:
        raise RubricError(f"cannot read rubric {spec}: {error.strerror}") from None


def load_rubric(spec: str | None = None, base: Path | None = None) -> Rubric:
    """The rubric `spec` names (the paper's ML Test Score when None)."""
    path = resolve_rubric(spec, base)
    try:
        info = path.stat()
    except OSError as error:
        raise RubricError(f"cannot read rubric {path}: {error.strerror}") from None
    return _load(str(path), info.st_size, info.st_mtime_ns)


@lru_cache(maxsize=16)
def _load(path: str, _size: int, _mtime: int) -> Rubric:  # size and time: an edited file loads again
    import yaml

    try:
        text = Path(path).read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise RubricError(f"cannot read rubric {path}: {str(error).splitlines()[0]}") from None
    return parse_rubric(data, path, sha1(text.encode("utf-8")).hexdigest())  # = rubric_digest()


def parse_rubric(data: Any, where: str, digest: str = "") -> Rubric:
    """A Rubric from its YAML mapping; any shape error is a RubricError that says where."""
    if not isinstance(data, dict):
        raise RubricError(f"{where}: a rubric is a mapping with name, sections and bands")
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        raise RubricError(f"{where}: `name` is required (shown in every report)")
    aggregation = data.get("aggregation", "min")
    if aggregation not in AGGREGATIONS:
        raise RubricError(f"{where}: aggregation must be one of {', '.join(AGGREGATIONS)}, got {aggregation!r}")
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        raise RubricError(f"{where}: `sections` must be a non-empty list of {{id, title, tests}}")
    sections, seen = [], set()
    for raw in raw_sections:
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not isinstance(raw.get("tests"), dict):
            raise RubricError(f"{where}: each section needs `id` and `tests` (a mapping of test id to title)")
        sid = raw["id"]
        tests = []
        for tid, body in raw["tests"].items():
            tid = str(tid)
            if tid in seen:
                raise RubricError(f"{where}: test id {tid!r} appears twice")
            seen.add(tid)
            tests.append(_test(tid, sid, body, where))
        if not tests:
            raise RubricError(f"{where}: section {sid!r} has no tests")
        sections.append(Section(sid, str(raw.get("title") or sid), tuple(tests)))
    if len({s.id for s in sections}) != len(sections):
        raise RubricError(f"{where}: section ids must be unique")
    bands = []
    for raw in data.get("bands") or []:
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
            raise RubricError(f"{where}: each band needs `text` (and `lower`/`upper` bounds)")
        bands.append(Band(raw.get("lower"), raw.get("upper"), raw["text"]))
    points = _points(data.get("points"), where)
    sections = [
        Section(s.id, s.title, s.tests, tidy(sum(points.scale(1.0, t.weight) for t in s.tests))) for s in sections
    ]
    rubric_id = Path(where).stem if where.endswith((".yaml", ".yml")) else str(data.get("id") or data["name"])
    return Rubric(
        name=data["name"].strip(),
        sections=tuple(sections),
        bands=tuple(bands),
        id=str(data.get("id") or rubric_id),
        aggregation=aggregation,
        points=points,
        citation=str(data.get("citation") or ""),
        digest=digest,
    )


def _test(tid: str, section: str, body: Any, where: str) -> RubricTest:
    if isinstance(body, str):
        return RubricTest(tid, section, body)
    if not isinstance(body, dict) or not isinstance(body.get("title"), str):
        raise RubricError(
            f"{where}: test {tid!r} needs a title (`{tid}: Title` or `{tid}: {{title: ..., check: ...}}`)"
        )
    extra = sorted(set(body) - _TEST_KEYS)
    if extra:
        raise RubricError(
            f"{where}: test {tid!r}: unknown key {', '.join(extra)}; known: {', '.join(sorted(_TEST_KEYS))}"
        )
    weight = body.get("weight", 1)
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight <= 0:
        raise RubricError(f"{where}: test {tid!r}: weight must be a positive number")
    check = body.get("check", "")
    if not isinstance(check, str):
        raise RubricError(f"{where}: test {tid!r}: check must be a check id (see `mltestscore checks`)")
    return RubricTest(tid, section, body["title"], check, float(weight))


def _points(raw: Any, where: str) -> Points:
    if raw is None:
        return Points()
    if not isinstance(raw, dict) or set(raw) - {"missing", "manual", "automated"}:
        raise RubricError(f"{where}: points maps missing, manual and automated to numbers")
    values = {k: raw.get(k, getattr(Points, k)) for k in ("missing", "manual", "automated")}
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in values.values()):
        raise RubricError(f"{where}: points must be numbers")
    if not values["missing"] <= values["manual"] <= values["automated"] or values["automated"] <= 0:
        raise RubricError(f"{where}: points must rise: missing <= manual <= automated, automated > 0")
    return Points(float(values["missing"]), float(values["manual"]), float(values["automated"]))
