"""The audit's work grows linearly with the repository: counters (not timings) on a generated
repository shaped like great_expectations' own (S suites × R runs that name no suite × T tests).
A loop over files inside a loop over sites shows here as a counter that quadruples when S, R and T
double."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import make_repo

from mltestscore.audit import run_audit
from mltestscore.context import AuditContext

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from shapes import gx_shape  # noqa: E402


def _work(tmp_path: Path, suites: int, runs: int, tests: int) -> tuple[dict[str, int], object]:
    root = make_repo(tmp_path / f"shape-{suites}-{runs}-{tests}", gx_shape(suites, runs, tests))
    ctx = AuditContext(root)
    report = run_audit(root, ctx=ctx)
    return ctx.stats.as_dict(), report.item("data-1")


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("shapes")
    return {shape: _work(tmp_path, *shape) for shape in [(8, 8, 8), (16, 16, 16), (32, 8, 8)]}


def test_the_shape_exercises_every_cross_file_question(measured):
    work, data1 = measured[(8, 8, 8)]
    # every run is a site of every suite; half reach CI through imports, the rest only through tests
    assert data1.score == 1 and data1.reason.startswith("8 schemas checked automatically on real data")
    assert work["regex_compiles"] > 0 and work["imports_resolved"] > 0


def test_counters_grow_linearly_when_suites_runs_and_tests_double(measured):
    base, _ = measured[(8, 8, 8)]
    doubled, _ = measured[(16, 16, 16)]
    for counter, value in base.items():
        assert doubled[counter] <= 2 * value + 4, (counter, value, doubled[counter])


def test_each_distinct_site_is_judged_once_whatever_the_number_of_suites(measured):
    few, _ = measured[(8, 8, 8)]
    many, _ = measured[(32, 8, 8)]
    # 8 runs, each attached to all 8 suites: 64 sites, 8 distinct (plus a site per test that asserts on
    # the data it reads, where a check reads those): never one per suite and run
    assert 8 <= few["sites_judged"] <= 8 + 8
    assert many == few  # four times the suites: not one more site judged, import resolved or regex built
