"""JUnit XML: one testsuite per rubric section, one testcase per rubric test, so any CI's test
tab shows the rubric. A test fails below `fail_below` points (default 1: only automated passes;
0.5 lets manual work pass); skipped and not-assessed tests are <skipped/>."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from mltestscore.report.common import Anchors, score_text
from mltestscore.results import AuditReport, Status, TestResult

DEFAULT_FAIL_BELOW = 1.0
# XML 1.0 forbids most control characters; repository text may hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def render(report: AuditReport, fail_below: float = DEFAULT_FAIL_BELOW) -> str:
    anchors = Anchors(report)
    suites = ET.Element("testsuites", name="mltestscore")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for section in report.sections:
        suite = ET.SubElement(suites, "testsuite", name=section.title, id=section.id)
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="score", value=score_text(section.score))
        ET.SubElement(props, "property", name="max", value=str(section.max))
        for item in section.items:
            outcome = _testcase(suite, item, fail_below, anchors)
            counts["tests"] += 1
            if outcome:
                counts[outcome] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("errors", "0")
        suite.set("time", "0")
    for key, value in totals.items():
        suites.set(key, str(value))
    suites.set("errors", "0")
    suites.set("time", "0")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _testcase(suite: ET.Element, item: TestResult, fail_below: float, anchors: Anchors) -> str | None:
    """Adds the testcase; returns 'failures', 'skipped' or None (passed)."""
    path, line = anchors.location(item)
    case = ET.SubElement(
        suite,
        "testcase",
        classname=f"mltestscore.{item.section}",
        name=_clean(f"{item.id}: {item.title}"),
        file=_clean(path),
        line=str(line),
        time="0",
    )
    outcome = None
    if item.status in (Status.SKIPPED, Status.NOT_ASSESSED):
        ET.SubElement(case, "skipped", message=_clean(item.reason))
        outcome = "skipped"
    elif item.score < fail_below:
        failure = ET.SubElement(
            case, "failure", type=item.status.value, message=_clean(f"{score_text(item.score)}/1: {item.reason}")
        )
        failure.text = _clean(f"How to earn it: {item.missing or item.remediation}")
        outcome = "failures"
    ET.SubElement(case, "system-out").text = _clean(_details(item))  # after <failure>/<skipped>, as the XSD orders them
    return outcome


def _details(item: TestResult) -> str:
    lines = [f"score {score_text(item.score)}/1 ({item.status.value}): {item.reason}"]
    for evidence in item.evidence:
        label = "context, 0 pts: " if evidence.is_context else ""
        lines.append(f"  {label}{evidence.location()}  {evidence.detail}")
        if evidence.runner:
            lines.append(f"    run by {evidence.runner}")
    if item.missing:
        lines.append(f"missing: {item.missing}")
    return "\n".join(lines)


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
