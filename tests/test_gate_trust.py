"""What a team must be able to trust in the report: attestations stay inside the repository,
unaudited nested repositories are named, and n/a is its own outcome with a stated policy."""

import json
import os

from conftest import audit, git, git_commit_all, make_repo, write_tree
from test_cli import run

from mltestscore.badge import svg
from mltestscore.report.html import render as render_html
from mltestscore.report.terminal import render as render_terminal
from mltestscore.results import Status

SECRET = "root:x:0:0:secret outside the repository\n"


def test_attestation_outside_the_repository_is_rejected(tmp_path):
    outside = tmp_path / "outside"
    write_tree(outside, {"passwd": SECRET})
    root = make_repo(tmp_path / "repo", {"train.py": "print(1)\n", "docs/ok.md": "review\n"})
    os.symlink(outside / "passwd", root / "docs" / "linked.md")
    git_commit_all(root, "link")
    report = audit(
        root,
        {
            "attestations": {
                "data-5": {"path": "../outside/passwd"},
                "data-3": {"path": "docs/linked.md"},
                "data-4": {"path": "docs/../../outside/passwd"},
                "data-6": {"path": "docs/ok.md"},
            }
        },
    )
    for test_id in ("data-5", "data-3", "data-4"):
        assert report.item(test_id).status != Status.ATTESTED, test_id
    rejected = [w for w in report.warnings if "outside the repository" in w.message]
    assert len(rejected) == 3
    assert report.item("data-6").status == Status.ATTESTED


def test_attested_in_names_the_config_relative_to_the_repository(tmp_path):
    root = make_repo(
        tmp_path,
        {
            "train.py": "print(1)\n",
            "docs/privacy.md": "review\n",
            ".mltestscore.yaml": "attestations:\n  data-5: docs/privacy.md\n",
        },
    )
    result = run("audit", str(root), "-f", "json", "--no-cache")
    items = {t["id"]: t for s in json.loads(result.stdout)["sections"].values() for t in s["items"]}
    assert items["data-5"]["reason"] == "attested in .mltestscore.yaml"


def test_submodules_and_nested_repositories_are_named_as_not_audited(tmp_path):
    library = make_repo(tmp_path / "library", {"lib.py": "x = 1\n"})
    root = make_repo(tmp_path / "repo", {"train.py": "print(1)\n"})
    git(root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), "vendor/library")
    git_commit_all(root, "submodule")
    make_repo(root / "experiments", {"exp.py": "y = 2\n"})
    report = audit(root)
    unaudited = {w.path: w.message for w in report.warnings if "not audited" in w.message}
    assert unaudited.keys() == {"vendor/library", "experiments"}
    assert unaudited["vendor/library"].startswith("git submodule")
    assert unaudited["experiments"].startswith("nested git repository")


def test_not_applicable_scores_zero_by_default_and_says_so(tmp_path):
    root = make_repo(tmp_path, {"train.py": "print(1)\n"})
    report = audit(root, {"not_applicable": {"monitor-3": "batch scoring only"}})
    item = report.item("monitor-3")
    assert item.reason == "n/a (batch scoring only)" and item.score == 0
    monitor = report.section("monitor")
    assert monitor.not_applicable == 1 and not monitor.scaled and not report.scaled
    assert "as in the paper" in render_terminal(report, width=160)


def test_na_policy_scale_rescales_and_marks_every_output(tmp_path):
    root = make_repo(
        tmp_path,
        {
            "docs/a.md": "procedure\n",
            "docs/b.md": "procedure\n",
            "train.py": "print(1)\n",
        },
    )
    config = {
        "not_applicable": {"monitor-3": "batch scoring only"},
        "na_policy": "scale",
        "attestations": {"monitor-1": "docs/a.md", "monitor-2": "docs/b.md"},
    }
    report = audit(root, config)
    monitor = report.section("monitor")
    raw = sum(i.score for i in monitor.items)
    assert raw == 1.0 and monitor.score == round(1.0 * 7 / 6, 2)
    assert report.scaled
    assert "(scaled)" in render_terminal(report, width=160)
    assert "scaled" in render_html(report)
    assert "(scaled)" in svg(report.score, report.scaled)
    write_tree(root, {".mltestscore.yaml": json.dumps(config)})
    result = run("audit", str(root), "-f", "json", "--no-cache")
    data = json.loads(result.stdout)
    assert data["scaled"] is True and data["sections"]["monitor"]["scaled"] is True
    badge = run("badge", str(root))
    assert "(scaled)" in badge.stdout


def test_bad_not_applicable_and_policy_exit_2(tmp_path):
    make_repo(tmp_path, {"train.py": "", ".mltestscore.yaml": "na_policy: scaled\n"})
    result = run("audit", str(tmp_path))
    assert result.returncode == 2 and "did you mean `scale`?" in result.stderr
    write_tree(tmp_path, {".mltestscore.yaml": "not_applicable: {monitor-9: x}\n"})
    assert run("audit", str(tmp_path)).returncode == 2


def test_notebook_syntax_warning_names_the_cell(tmp_path):
    cells = [
        {"cell_type": "markdown", "source": ["# title\n"]},
        {
            "cell_type": "code",
            "source": ["import pandas as pd\n", "from sklearn.linear_model import LogisticRegression\n"],
        },
        {"cell_type": "code", "source": ["model = LogisticRegression().fit(X, y)\n", "import pytest\n"]},
        {"cell_type": "code", "source": ["y = 2\n", "def broken(:\n"]},
    ]
    notebook = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    root = make_repo(tmp_path, {"explore.ipynb": notebook})
    report = audit(root)
    messages = [w.message for w in report.warnings if w.path == "explore.ipynb"]
    assert any("syntax error cell 4, line 2" in m for m in messages), messages


def test_attested_with_a_runner_shows_the_full_symbol_and_the_legend_says_so(tmp_path):
    workflow = "on:\n  schedule:\n    - cron: '0 6 * * *'\njobs:\n  drill:\n    runs-on: x\n    steps:\n      - run: ./drill.sh\n"
    root = make_repo(tmp_path, {"docs/canary.md": "procedure\n", ".github/workflows/canary.yml": workflow})
    config = {"attestations": {"infra-6": {"path": "docs/canary.md", "runner": ".github/workflows/canary.yml"}}}
    text = render_terminal(audit(root, config), width=200)
    row = next(line for line in text.splitlines() if "infra-6" in line)
    assert "●" in row and "◐" not in row
    assert "● 1 automated (or attested with a runner)" in text
