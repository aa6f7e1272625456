"""Metric functions of benchmarks/accuracy/measure.py and the shape of its label files.

The benchmark itself needs fetched mirrors and is never run here; these tests only check its arithmetic
on hand-computed numbers and that every committed label file is complete and pinned.
"""

import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks" / "accuracy"


def _load_measure():
    spec = importlib.util.spec_from_file_location("accuracy_measure", BENCH / "measure.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


m = _load_measure()


def test_agreement_counts_equal_scores():
    assert m.agreement([0, 0.5, 1, 1], [0, 1, 1, 0]) == 0.5


def test_kappa_matches_hand_computation():
    # labels: 0,0,0.5,1,1,1   tools: 0,0.5,0.5,1,1,0
    labels = [0, 0, 0.5, 1, 1, 1]
    tools = [0, 0.5, 0.5, 1, 1, 0]
    p_o = 4 / 6
    p_e = (3 / 6) * (2 / 6) + (1 / 6) * (2 / 6) + (2 / 6) * (2 / 6)
    assert m.cohen_kappa(labels, tools) == pytest.approx((p_o - p_e) / (1 - p_e))


def test_kappa_perfect_and_chance():
    assert m.cohen_kappa([0, 0.5, 1], [0, 0.5, 1]) == pytest.approx(1.0)
    # One rater constant, other split: observed agreement equals chance agreement.
    assert m.cohen_kappa([0, 0, 0, 0], [0, 0, 1, 1]) == pytest.approx(0.0)
    # Both constant and equal: no disagreement possible.
    assert m.cohen_kappa([1, 1], [1, 1]) == 1.0


def test_recall_precision_of_awarded_points():
    recall, precision = m.recall_precision([1, 0.5, 0, 1], [0.5, 0.5, 1, 1])
    assert recall == pytest.approx(2.0 / 2.5)
    assert precision == pytest.approx(2.0 / 3.0)
    r, p = m.recall_precision([0, 0], [0, 0])
    assert math.isnan(r) and math.isnan(p)


def test_alt_is_accepted_only_when_tool_chose_it():
    a = m.Pair("o/r", "data-1", label=0.5, tool=1.0, alt=1.0)
    b = m.Pair("o/r", "data-2", label=0.5, tool=0.0, alt=1.0)
    assert a.label_accepting_alt == 1.0
    assert b.label_accepting_alt == 0.5


def test_summary_sections_kinds_and_platforms():
    pairs = [
        m.Pair("a/x", "data-1", 1.0, 1.0, kind="student", platform="gha"),
        m.Pair("a/x", "data-2", 0.5, 0.0, kind="student", platform="gha"),
        m.Pair("a/x", "model-1", 0.5, 1.0, alt=1.0, kind="student", platform="gha"),
        m.Pair("b/y", "data-1", 1.0, 0.0, kind="production", platform="sagemaker"),
    ]
    s = m.summarise(pairs)
    assert s.n == 4
    assert s.agreement == pytest.approx(0.25)
    assert s.agreement_alt == pytest.approx(0.5)
    # sections: a/x data |1.5-1.0|, a/x model |0.5-1.0|, b/y data |1-0|
    assert s.mean_section_error == pytest.approx((0.5 + 0.5 + 1.0) / 3)
    assert s.recall_by_kind["production"] == 0.0
    assert s.recall_by_kind["student"] == pytest.approx(1.5 / 2.0)
    assert s.per_test_agreement["data-1"] == 0.5


def test_split_selection_and_per_split_summaries():
    repos = [{"repo": "a/x", "split": "dev"}, {"repo": "b/y", "split": "holdout"}, {"repo": "c/z"}]
    assert [r["repo"] for r in m.select_split(repos, "all")] == ["a/x", "b/y", "c/z"]
    assert [r["repo"] for r in m.select_split(repos, "holdout")] == ["b/y"]
    # An entry without a split belongs to dev (the set fixers tune on).
    assert [r["repo"] for r in m.select_split(repos, "dev")] == ["a/x", "c/z"]
    pairs = [
        m.Pair("b/y", "data-1", 1.0, 0.0, split="holdout"),
        m.Pair("a/x", "data-1", 1.0, 1.0, split="dev"),
        m.Pair("a/x", "data-2", 0.5, 0.0, split="dev"),
    ]
    by_split = m.summarise_by_split(pairs)
    assert list(by_split) == ["dev", "holdout"]
    assert by_split["dev"].agreement == pytest.approx(0.5)
    assert by_split["dev"].recall == pytest.approx(1.0 / 1.5)
    assert by_split["holdout"].n == 1 and by_split["holdout"].recall == 0.0
    # pairs_for carries the entry's split (dev when absent).
    label = {"tests": {t: {"score": 0, "evidence": "x"} for t in m.TEST_IDS}}
    assert {p.split for p in m.pairs_for({"repo": "c/z"}, label, {})} == {"dev"}
    assert {p.split for p in m.pairs_for({"repo": "b/y", "split": "holdout"}, label, {})} == {"holdout"}


def test_tool_scores_reads_section_items():
    report = {"sections": {"data": {"items": [{"id": "data-1", "score": 0.5}]}, "infra": {"items": []}}}
    assert m.tool_scores(report) == {"data-1": 0.5}


def test_every_label_file_is_complete_and_pinned():
    repos = yaml.safe_load((BENCH / "repos.yaml").read_text())
    assert len(repos) >= 20
    kept_aside = ROOT.parent / "shared" / "kept-aside.txt"
    aside = set(kept_aside.read_text().split()) if kept_aside.exists() else set()
    assert {entry.get("split") for entry in repos} == {"dev", "holdout"}
    assert len({entry["repo"] for entry in repos}) == len(repos)
    for entry in repos:
        assert entry["repo"] not in aside
        assert len(entry["commit"]) == 40 and int(entry["commit"], 16) >= 0
        label = m.load_label(BENCH / "labels" / f"{entry['repo'].replace('/', '__')}.yaml")
        assert label["commit"] == entry["commit"]
        for test in m.TEST_IDS:
            t = label["tests"][test]
            m.as_score(t["score"])
            assert t["evidence"].strip()
            if "alt" in t:
                assert m.as_score(t["alt"]) != m.as_score(t["score"])


def test_materialise_checks_out_the_pinned_commit(tmp_path):
    src = tmp_path / "src"
    src.mkdir()

    def run(*args):
        subprocess.run(["git", *args], cwd=src, check=True, capture_output=True)

    run("init", "-q")
    (src / "a.txt").write_text("one\n")
    run("add", "a.txt")
    run("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one")
    first = subprocess.run(["git", "rev-parse", "HEAD"], cwd=src, capture_output=True, text=True).stdout.strip()
    (src / "a.txt").write_text("two\n")
    run("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "two")
    mirror = tmp_path / "mirror" / "o+r"
    mirror.mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(src), str(mirror / "repo")], check=True)
    git_dir = m.find_git_dir(tmp_path / "mirror", "o/r")
    assert git_dir == mirror / "repo"
    assert m.materialise(git_dir, first, tmp_path / "clone") == []
    assert (tmp_path / "clone" / "a.txt").read_text() == "one\n"
