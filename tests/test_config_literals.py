"""The literal prefilter of config searches: every match holds one of the literals (so skipping a
file that holds none is exact), and patterns it cannot reason about get no prefilter."""

import re

import pytest

from mltestscore.evidence.configs import required_literals

CASES = {
    r"^\s*(warn_after|error_after)\s*:": (b"error_after", b"warn_after"),
    r"\bfeature_keys\b": (b"feature_keys",),
    r"^\s*-\s+alert:\s*\S": (b"alert:",),
    r"x(ab)+y": (b"ab",),
    r"(a|b?)c": (b"c",),
}


@pytest.mark.parametrize("pattern,expected", CASES.items())
def test_required_literals(pattern, expected):
    assert required_literals(pattern) == expected


@pytest.mark.parametrize("pattern", [r"(?i)alert", r"a?b?", r"\w+", r"(a|\d)"])
def test_no_prefilter_where_no_literal_is_required(pattern):
    assert required_literals(pattern) is None


def test_scoped_ignorecase_is_not_a_requirement():
    assert required_literals(r"x(?i:alert)") == (b"x",)


@pytest.mark.parametrize(
    "pattern",
    [*CASES, r"x(?i:alert)", r"class_name:\s*(Slack|Teams)\w*Action", r"^\s*kind:\s*(CronJob|CronWorkflow)\b"],
)
def test_every_match_holds_a_literal(pattern):
    texts = ["warn_after: 1", "  - alert: Down", "xababy", "bc", "c", "class_name: SlackNotifyAction", "X ALERT"]
    texts += ["kind: CronWorkflow", "kind: CronJob", "feature_keys = 3", "xALERT", "nothing here"]
    needs = required_literals(pattern)
    for text in texts:
        if re.search(pattern, text, re.M):
            assert needs is None or any(n in text.encode() for n in needs), (pattern, text)
