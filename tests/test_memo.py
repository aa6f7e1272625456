"""The whole-report memo: an unchanged tree is answered from the cache; any change is a fresh audit."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import git, git_commit_all, write_tree

from mltestscore.audit import run_audit
from mltestscore.config import parse_config

TRAIN = """
import random

import numpy as np


def train(seed: int = 0):
    random.seed(seed)
    np.random.seed(seed)
    return np.zeros(3)
"""

TEST = """
from train import train


def test_train_is_deterministic():
    assert (train(1) == train(1)).all()
"""

WORKFLOW = """
name: ci
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with: {python-version: "3.11"}
      - run: pip install -r requirements.txt
      - run: pytest -q tests
"""


def _scores(report):
    return {item.id: item.score for item in report.items()}


def _project(repo):
    return repo({"train.py": TRAIN, "tests/test_train.py": TEST, "requirements.txt": "numpy==1.26.4\n"})


def test_unchanged_tree_is_answered_from_the_memo(repo, tmp_path):
    root = _project(repo)
    cache = tmp_path / "cache"
    first = run_audit(root, None, cache)
    second = run_audit(root, None, cache)
    assert _scores(second) == _scores(first)
    assert [(i.id, i.reason, i.evidence) for i in second.items()] == [
        (i.id, i.reason, i.evidence) for i in first.items()
    ]
    assert second.warnings == first.warnings and second.commit == first.commit
    from mltestscore.report.terminal import render

    assert not first.from_memo and second.from_memo
    assert "comes from the cache" in render(second, width=200) and "comes from the cache" not in render(
        first, width=200
    )


def test_an_uncommitted_edit_a_new_file_and_a_commit_each_miss(repo, tmp_path):
    root = _project(repo)
    cache = tmp_path / "cache"
    before = _scores(run_audit(root, None, cache))
    assert before["infra-1"] < 1  # no CI runs anything yet

    write_tree(root, {".github/workflows/ci.yml": WORKFLOW})  # untracked
    with_ci = _scores(run_audit(root, None, cache))
    assert with_ci != before

    (root / ".github/workflows/ci.yml").write_text(WORKFLOW.replace("pytest -q tests", "echo no tests"))
    edited = _scores(run_audit(root, None, cache))  # same path, new content, same size class
    assert edited != with_ci

    git_commit_all(root, "ci")
    committed = run_audit(root, None, cache)
    assert committed.commit == git(root, "rev-parse", "HEAD").strip()


def test_config_changes_miss(repo, tmp_path):
    root = _project(repo)
    cache = tmp_path / "cache"
    plain = run_audit(root, None, cache)
    ignoring = run_audit(root, parse_config({"ignore": {"data-1": "schemas live in another repo"}}, "test"), cache)
    assert plain.item("data-1").status.value != "skipped"
    assert ignoring.item("data-1").status.value == "skipped"


PROBE = (
    "import json, subprocess, sys\n"
    "launched = []\n"
    "class Watched(subprocess.Popen):  # records which git commands the audit starts; runs them as is\n"
    "    def __init__(self, args, *rest, **options):\n"
    "        launched.append(' '.join(args) if isinstance(args, (list, tuple)) else str(args))\n"
    "        super().__init__(args, *rest, **options)\n"
    "subprocess.Popen = Watched\n"
    "from mltestscore.cli import main\n"
    "sys.argv = ['mltestscore', 'audit', sys.argv[1], '-f', 'json', '-o', sys.argv[2]]\n"
    "try:\n    main()\nexcept SystemExit:\n    pass\n"
    "loaded = sorted(m for m in sys.modules if m.startswith(('mltestscore.checks.', 'mltestscore.evidence.python', 'git')))\n"
    "print(json.dumps([loaded, [c for c in launched if c.startswith('git')]]))\n"
)


def _probe(root, tmp_path, n, commands=None):
    """Audit in a fresh interpreter: (modules of interest it loaded, the JSON report); the git
    commands it ran go to `commands` when given."""
    env = {**os.environ, "MLTESTSCORE_CACHE_DIR": str(tmp_path / "cache")}
    out = tmp_path / f"report-{n}.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(root), str(out)], env=env, capture_output=True, text=True, check=True
    )
    loaded, launched = json.loads(done.stdout.strip().splitlines()[-1])
    if commands is not None:
        commands.extend(launched)
    return loaded, json.loads(out.read_text())


def test_a_memo_hit_loads_no_check_and_reads_no_source(repo, tmp_path):
    root = _project(repo)
    (cold_modules, cold_report), (warm_modules, warm_report) = _probe(root, tmp_path, 0), _probe(root, tmp_path, 1)
    assert "mltestscore.checks.data" in cold_modules
    assert warm_modules == []
    for report in (cold_report, warm_report):
        report.pop("generated_at")
    assert warm_report == cold_report


def test_an_edited_tree_reads_history_from_the_cache_without_git_log(repo, tmp_path):
    root = _project(repo)
    write_tree(root, {"train.py": TRAIN + "\n\ndef evaluate():\n    return 0\n"})
    git_commit_all(root, "add evaluate")
    cold_commands, edited_commands = [], []
    cold_modules, cold_report = _probe(root, tmp_path, 0, cold_commands)
    assert any(" log " in c for c in cold_commands)  # history was read with git log
    write_tree(root, {"train.py": TRAIN + "\n\ndef evaluate():\n    return 1\n"})  # uncommitted edit: the memo misses
    edited_modules, edited_report = _probe(root, tmp_path, 1, edited_commands)
    assert "mltestscore.checks.data" in edited_modules and "git" not in edited_modules
    assert edited_commands and not [c for c in edited_commands if " log " in c]  # listing only
    for report in (cold_report, edited_report):
        report.pop("generated_at")
    assert edited_report["sections"] == cold_report["sections"]


def test_a_tracked_file_missing_from_the_work_tree_still_memoises(repo, tmp_path):
    # Sparse checkouts and deleted-but-tracked files have no content to identify; they key as absent.
    root = _project(repo)
    (root / "requirements.txt").unlink()
    cache = tmp_path / "cache"
    first = run_audit(root, None, cache)
    modules, report = _probe(root, tmp_path, 0)
    assert modules == []  # answered from the memo
    assert report["score"] == first.score
    write_tree(root, {"requirements.txt": "numpy==1.26.4\n"})  # back: a different tree
    assert _probe(root, tmp_path, 1)[0] != []
