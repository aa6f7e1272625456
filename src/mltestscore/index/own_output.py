"""mltestscore's own output, recognised by its content wherever it was written: the tool never reads
its own reports as evidence of what a repository does (a JSON report left in the repository holds
every check's evidence list and would otherwise match their keywords on the next audit).

Recognised: the JSON report, SARIF, JUnit, GitLab Code Quality, HTML and Markdown reports, the
baseline file, badges (SVG and shields.io endpoint JSON). Only the first bytes are looked at.
"""

from __future__ import annotations

import re

_HEAD = 4096
_QUICK = re.compile(rb"mltestscore|ML Test Score|\"check_name\"")
_SIGNATURES = re.compile(
    rb'"name"\s*:\s*"mltestscore"'  # JSON report ("tool") and SARIF ("driver")
    rb'|<meta name="generator" content="mltestscore'  # HTML report
    rb'|<testsuites name="mltestscore"'  # JUnit
    rb'|"mltestscore_baseline"\s*:'  # baseline
    rb'|aria-label="ML Test Score:'  # SVG badge
    rb'|"label"\s*:\s*"ML Test Score"'  # shields.io endpoint badge
    rb"|^## ML Test Score: [\d.]+ / 7"  # Markdown report
    rb'|^\[\s*\{\s*"type"\s*:\s*"issue"\s*,\s*"check_name"\s*:\s*"(data|model|infra|monitor)-[1-7]"',  # GitLab
    re.M,
)


def is_own_output(data: bytes | None) -> bool:
    if not data:
        return False
    head = data[:_HEAD]
    return bool(_QUICK.search(head)) and bool(_SIGNATURES.search(head))
