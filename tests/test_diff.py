"""`mltestscore diff` and `audit --diff-base` on a real git history built here: a base commit
whose CI runs unit tests, and a head commit that deletes them."""

import json

import pytest
from conftest import git, git_commit_all, make_repo, write_tree
from test_cli import run

from mltestscore.diffing import MARKER

CI = """\
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install -e .
      - run: pytest tests
"""
MODEL = (
    "import sklearn.linear_model\n\ndef train(X, y):\n    return sklearn.linear_model.LogisticRegression().fit(X, y)\n"
)
TESTS = """\
import numpy as np
from src.model import train

def test_train_is_reproducible():
    X = np.random.RandomState(0).rand(20, 3)
    y = (X[:, 0] > 0.5).astype(int)
    assert (train(X, y).coef_ == train(X, y).coef_).all()
"""


@pytest.fixture
def history(tmp_path):
    root = make_repo(
        tmp_path / "repo", {".github/workflows/ci.yml": CI, "src/model.py": MODEL, "tests/test_model.py": TESTS}
    )
    base = git(root, "rev-parse", "HEAD").strip()
    git(root, "rm", "-q", "tests/test_model.py")
    git_commit_all(root, "drop the unit tests")
    return root, base


def test_diff_names_the_dropped_test_and_the_deleted_evidence(history):
    root, base = history
    result = run("diff", base, "HEAD", "-C", str(root), "--no-cache")
    assert "↓ infra-2 1 → 0: tests/test_model.py deleted" in result.stdout
    assert "section infra 1 → 0" in result.stdout
    assert result.returncode == 0  # the final score (the minimum section) did not move
    strict = run("diff", base, "-C", str(root), "--fail-on", "any", "--no-cache")
    assert strict.returncode == 1 and "infra-2" in strict.stderr


def test_diff_json_and_markdown_comment(history):
    root, base = history
    data = json.loads(run("diff", base, "HEAD", "-C", str(root), "-f", "json").stdout)
    change = next(c for c in data["changes"] if c["id"] == "infra-2")
    assert change["before"] == 1 and change["after"] == 0 and change["vanished"] == ["tests/test_model.py deleted"]
    body = run("diff", base, "HEAD", "-C", str(root), "-f", "markdown").stdout
    assert body.startswith(MARKER + "\n")
    assert "| 🔻 `infra-2` Model specs are unit tested | 1 → 0 | tests/test_model.py deleted |" in body


def test_diff_exits_1_when_the_final_score_dropped(tmp_path):
    docs = {f"docs/{i}.md": "procedure\n" for i in range(4)}
    sections = ("data", "model", "infra", "monitor")
    config = "attestations:\n" + "".join(f"  {s}-1: docs/{i}.md\n" for i, s in enumerate(sections))
    root = make_repo(tmp_path, {**docs, ".mltestscore.yaml": config, "train.py": "print(1)\n"})
    base = git(root, "rev-parse", "HEAD").strip()
    write_tree(root, {".mltestscore.yaml": config.replace("  monitor-1: docs/3.md\n", "")})
    git_commit_all(root, "stop attesting monitor-1")
    result = run("diff", base, "-C", str(root), "--no-cache")
    assert result.returncode == 1 and "dropped from 0.5" in result.stderr
    assert run("diff", base, "-C", str(root), "--exit-zero").returncode == 0
    # the work tree against a ref: the same finding, and a PR comment body in the output folder
    audit = run("audit", str(root), "--diff-base", base, "-d", str(tmp_path / "out"), "-q")
    assert audit.returncode == 1 and "dropped from 0.5" in audit.stderr
    assert (tmp_path / "out" / "mltestscore-diff.md").read_text().startswith(MARKER)


def test_diff_unknown_ref_exits_2(history):
    root, _ = history
    result = run("diff", "no-such-branch", "-C", str(root))
    assert result.returncode == 2 and "unknown commit or ref 'no-such-branch'" in result.stderr
