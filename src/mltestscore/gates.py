"""Gates: the final-score threshold, per-section minimums and the baseline ratchet.

A baseline file holds the per-test scores of an earlier audit (`mltestscore baseline save`).
With `--baseline FILE` the audit fails only when a test or the final score drops below it, so a
team can adopt the tool on a low-scoring repository and still stop regressions; thresholds given
on the command line keep applying, thresholds from the config file are then reported only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from mltestscore.config import SECTIONS
from mltestscore.report.common import score_text
from mltestscore.results import AuditReport
from mltestscore.rubric import Rubric
from mltestscore.scoring import below_thresholds

BASELINE_FORMAT = 1
DEFAULT_BASELINE = ".mltestscore-baseline.json"


class GateError(Exception):
    """A gate the user must fix (bad flag value, unreadable baseline): exit code 2."""


@dataclass(frozen=True)
class Baseline:
    source: str
    score: float
    tests: dict[str, float]
    commit: str | None = None


@dataclass
class Gates:
    fail_under: float | None = None
    section_minimums: dict[str, float] = field(default_factory=dict)
    baseline: Baseline | None = None

    def failures(self, report: AuditReport) -> list[str]:
        failures = below_thresholds(report.score, report.sections, self.fail_under, self.section_minimums)
        if self.baseline is not None:
            failures += baseline_drops(report, self.baseline)
        return failures

    def notes(self, report: AuditReport) -> list[str]:
        """Good news worth a line: what rose above the baseline (time to save a new one)."""
        if self.baseline is None:
            return []
        gains = [
            f"{test_id} {score_text(old)} → {score_text(new)}"
            for test_id, old, new in _compare(report, self.baseline)
            if new > old
        ]
        if not gains and report.score <= self.baseline.score:
            return []
        head = f"above the baseline ({self.baseline.source}): final {score_text(self.baseline.score)} → {score_text(report.score)}"
        return [
            head + (f"; {', '.join(gains)}" if gains else "") + "; run `mltestscore baseline save` to ratchet it up"
        ]


def choose_gates(
    config_fail_under: float | None,
    config_minimums: dict[str, float],
    cli_fail_under: float | None,
    cli_minimums: dict[str, float],
    baseline: Baseline | None,
) -> Gates:
    """Command-line thresholds always gate; config thresholds gate unless a baseline is given."""
    if baseline is None:
        minimums = {**config_minimums, **cli_minimums}
        return Gates(cli_fail_under if cli_fail_under is not None else config_fail_under, minimums)
    return Gates(cli_fail_under, dict(cli_minimums), baseline)


def parse_section_minimums(values: tuple[str, ...] | list[str], rubric: Rubric | None = None) -> dict[str, float]:
    """`data=2 infra=3.5` -> {"data": 2.0, "infra": 3.5}, checked against the rubric's sections."""
    maxima = {s.id: s.max for s in rubric.sections} if rubric is not None else dict.fromkeys(SECTIONS, 7.0)
    minimums = {}
    for value in values:
        section, sep, number = value.partition("=")
        section = section.strip()
        if not sep or section not in maxima:
            raise GateError(
                f"--section-minimum takes SECTION=SCORE with SECTION one of {', '.join(maxima)}, got {value!r}"
            )
        try:
            score = float(number)
        except ValueError:
            raise GateError(f"--section-minimum {value!r}: {number!r} is not a number") from None
        if not 0 <= score <= maxima[section]:
            raise GateError(f"--section-minimum {value!r}: section {section} scores from 0 to {maxima[section]:g}")
        minimums[section] = score
    return minimums


# -- baseline ------------------------------------------------------------------------------
def baseline_dict(report: AuditReport) -> dict:
    return {
        "mltestscore_baseline": BASELINE_FORMAT,
        "tool_version": report.tool_version,
        "commit": report.commit,
        "generated_at": report.generated_at,
        "score": report.score,
        "sections": {section.id: section.score for section in report.sections},
        "tests": {item.id: item.score for item in report.items()},
    }


def save_baseline(report: AuditReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(baseline_dict(report), indent=2) + "\n", encoding="utf-8")


def load_baseline(path: Path) -> Baseline:
    """A baseline file, or a JSON report (`--format json`) used as one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GateError(f"baseline not found: {path} (create it with `mltestscore baseline save`)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise GateError(f"baseline {path} cannot be read: {error}") from None
    if not isinstance(data, dict):
        raise GateError(f"baseline {path}: expected a JSON object")
    if "mltestscore_baseline" in data:
        tests = data.get("tests")
    elif data.get("schema_version") == 1 and isinstance(data.get("sections"), dict):
        tests = {
            item.get("id"): item.get("score")
            for section in data["sections"].values()
            if isinstance(section, dict)
            for item in section.get("items", [])
            if isinstance(item, dict)
        }
    else:
        raise GateError(f"baseline {path}: neither a baseline file nor an mltestscore JSON report")
    if (
        not isinstance(tests, dict)
        or not _is_score(data.get("score"))
        or not all(isinstance(k, str) and _is_score(v) for k, v in tests.items())
    ):
        raise GateError(f"baseline {path}: needs a numeric `score` and per-test scores")
    return Baseline(str(path), float(data["score"]), {k: float(v) for k, v in tests.items()}, data.get("commit"))


def baseline_drops(report: AuditReport, baseline: Baseline) -> list[str]:
    drops = [
        f"{test_id} dropped from {score_text(old)} to {score_text(new)} (baseline {baseline.source})"
        for test_id, old, new in _compare(report, baseline)
        if new < old
    ]
    if report.score < baseline.score:
        drops.insert(
            0,
            f"final ML Test Score dropped from {score_text(baseline.score)} to {score_text(report.score)} (baseline {baseline.source})",
        )
    return drops


def _compare(report: AuditReport, baseline: Baseline) -> list[tuple[str, float, float]]:
    """(test id, baseline score, current score) for tests known to both."""
    return [(item.id, baseline.tests[item.id], item.score) for item in report.items() if item.id in baseline.tests]


def _is_score(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
