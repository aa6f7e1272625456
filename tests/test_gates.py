"""Gates on real repositories: --fail-under, per-section minimums, the baseline ratchet, badges."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner
from conftest import git_commit_all, write_tree
from report_fixtures import all_test_ids, attested_config, attested_repo

from mltestscore.cli import cli


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def scored(tmp_path):
    """All 28 tests attested: every section 3.5, final 3.5."""
    return attested_repo(tmp_path / "repo")


def test_fail_under_passes_above_and_fails_below(scored):
    assert run("audit", str(scored), "--fail-under", "3.5").exit_code == 0
    below = run("audit", str(scored), "--fail-under", "4")
    assert below.exit_code == 1
    assert "final ML Test Score 3.5 is below the fail-under threshold 4" in below.stderr
    assert run("audit", str(scored), "--fail-under", "4", "--exit-zero").exit_code == 0


def test_section_minimums_from_flags_add_to_config(tmp_path):
    root = attested_repo(
        tmp_path / "repo", test_ids=[t for t in all_test_ids() if t != "infra-7"], section_minimums={"data": 3}
    )
    assert run("audit", str(root)).exit_code == 0  # infra 3, data 3.5: config minimum data=3 holds
    result = run("audit", str(root), "--section-minimum", "infra=3.5", "--section-minimum", "model=1")
    assert result.exit_code == 1
    assert "section infra scores 3, below its minimum 3.5" in result.stderr
    assert "section model" not in result.stderr


@pytest.mark.parametrize("value", ["infra", "infra=", "infra=x", "ops=1", "data=8"])
def test_bad_section_minimum_is_a_usage_error(scored, value):
    result = run("audit", str(scored), "--section-minimum", value)
    assert result.exit_code == 2 and "--section-minimum" in result.stderr


def test_baseline_ratchet_fails_only_on_drops_and_lists_them(tmp_path):
    root = attested_repo(tmp_path / "repo", fail_under=6)  # a target the team has not reached yet
    assert run("audit", str(root)).exit_code == 1
    saved = run("baseline", "save", str(root))
    assert saved.exit_code == 0, saved.output
    baseline = json.loads((root / ".mltestscore-baseline.json").read_text())
    assert baseline["score"] == 3.5 and baseline["tests"]["infra-1"] == 0.5 and len(baseline["tests"]) == 28
    git_commit_all(root, "save baseline")

    same = run("audit", str(root), "--baseline", str(root / ".mltestscore-baseline.json"))
    assert same.exit_code == 0, same.stderr  # config fail_under 6 reports only under a baseline

    dropped = [t for t in all_test_ids() if t not in ("data-1", "infra-4")]
    write_tree(root, {".mltestscore.yaml": attested_config(dropped, fail_under=6)})
    worse = run("audit", str(root), "--baseline", str(root / ".mltestscore-baseline.json"))
    assert worse.exit_code == 1
    assert "final ML Test Score dropped from 3.5 to 3" in worse.stderr
    assert "data-1 dropped from 0.5 to 0" in worse.stderr and "infra-4 dropped from 0.5 to 0" in worse.stderr
    assert "model-1" not in worse.stderr


def test_baseline_keeps_command_line_thresholds_and_reports_gains(tmp_path):
    root = attested_repo(tmp_path / "repo", test_ids=all_test_ids()[:27])  # monitor-7 not attested: final 3
    base = tmp_path / "baseline.json"
    assert run("baseline", "save", str(root), "-o", str(base)).exit_code == 0
    write_tree(root, {".mltestscore.yaml": attested_config(all_test_ids())})
    better = run("audit", str(root), "--baseline", str(base))
    assert better.exit_code == 0
    assert "above the baseline" in better.stderr and "monitor-7 0 → 0.5" in better.stderr
    assert "baseline save" in better.stderr
    strict = run("audit", str(root), "--baseline", str(base), "--fail-under", "5")
    assert strict.exit_code == 1 and "below the fail-under threshold 5" in strict.stderr


def test_a_json_report_serves_as_a_baseline(scored, tmp_path):
    report = tmp_path / "report.json"
    assert run("audit", str(scored), "-f", "json", "-o", str(report)).exit_code == 0
    assert run("audit", str(scored), "--baseline", str(report)).exit_code == 0
    write_tree(scored, {".mltestscore.yaml": attested_config(all_test_ids()[1:])})
    result = run("audit", str(scored), "--baseline", str(report))
    assert result.exit_code == 1 and "data-1 dropped from 0.5 to 0" in result.stderr


@pytest.mark.parametrize(
    "content", [None, "not json", "[1, 2]", '{"score": 1}', '{"mltestscore_baseline": 1, "score": "x", "tests": {}}']
)
def test_unusable_baseline_is_a_usage_error(scored, tmp_path, content):
    path = tmp_path / "baseline.json"
    if content is not None:
        path.write_text(content)
    result = run("audit", str(scored), "--baseline", str(path))
    assert result.exit_code == 2 and "baseline" in result.stderr


# -- badge -----------------------------------------------------------------------------------
def test_badge_svg_shows_the_score_in_the_band_colour(scored, tmp_path):
    out = tmp_path / "badge.svg"
    assert run("badge", str(scored), "-o", str(out)).exit_code == 0
    svg = ET.parse(out).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert svg.find(f"{ns}title").text == "ML Test Score: 3.5 / 7"
    assert "#97ca00" in {rect.get("fill") for rect in svg.iter(f"{ns}rect")}  # green: 3 < score <= 5
    assert float(svg.get("width")) > 100


def test_badge_endpoint_json_from_an_existing_report(scored, tmp_path):
    report = tmp_path / "report.json"
    run("audit", str(scored), "-f", "json", "-o", str(report))
    result = run("badge", "--style", "endpoint", "--from-report", str(report))
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "schemaVersion": 1,
        "label": "ML Test Score",
        "message": "3.5 / 7",
        "color": "green",
    }
    broken = tmp_path / "broken.json"
    broken.write_text('{"score": 9}')
    assert run("badge", "--from-report", str(broken)).exit_code == 2


@pytest.mark.parametrize(
    "score, color",
    [
        (0, "red"),
        (0.5, "orange"),
        (1, "orange"),
        (2, "yellow"),
        (2.5, "yellowgreen"),
        (5, "green"),
        (5.5, "brightgreen"),
    ],
)
def test_band_colours_follow_the_papers_bands(score, color):
    from mltestscore.badge import endpoint_json

    assert json.loads(endpoint_json(score))["color"] == color
