"""The pre-commit hook, run by the real pre-commit (from PyPI) exactly as a user's repository would.

A throwaway git repository's .pre-commit-config.yaml points at this checkout (`repo: <path>`,
`rev: <HEAD sha>`), so pre-commit reads our .pre-commit-hooks.yaml, builds its own virtualenv
with `pip install .` of this project at HEAD and runs the `mltestscore` hook. What is tested is
the committed state of this checkout (commit before running it while developing).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import GIT_ENV, git, git_commit_all, write_tree
from report_fixtures import attested_repo

PROJECT = Path(__file__).resolve().parents[1]  # this checkout (the installed package may live elsewhere)
PRE_COMMIT = [sys.executable, "-m", "pre_commit"]


def _project_rev() -> str:
    if not (PROJECT / ".pre-commit-hooks.yaml").is_file() or not (PROJECT / ".git").exists():
        pytest.skip("needs a git checkout of mltestscore (pre-commit clones the hook repository)")
    return git(PROJECT, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    """One hook environment for the module: pre-commit installs it on first use (a few seconds)."""
    pytest.importorskip("pre_commit")
    return tmp_path_factory.mktemp("pre-commit-home")


def hook_repo(root: Path, fail_under: float, rev: str) -> Path:
    attested_repo(root, commit=False, fail_under=fail_under)  # every section 3.5, final 3.5
    config = {"repos": [{"repo": str(PROJECT), "rev": rev, "hooks": [{"id": "mltestscore"}]}]}
    write_tree(root, {".pre-commit-config.yaml": yaml.safe_dump(config), "data/train.csv": "x,y\n1,0\n"})
    git_commit_all(root)
    return root


def pre_commit(root: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    # No GIT_* from a hook that might be running these tests; a fixed identity; no colour codes.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(GIT_ENV, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never", NO_COLOR="1")
    return subprocess.run([*PRE_COMMIT, "run", *args], cwd=root, env=env, capture_output=True, text=True, timeout=600)


def test_manifest_declares_a_repository_level_hook():
    manifest = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in manifest if h["id"] == "mltestscore")
    assert hook["language"] == "python" and hook["entry"].split()[0] == "mltestscore"
    assert hook["pass_filenames"] is False and hook["require_serial"] is True
    import re

    files = re.compile(hook["files"])
    for relevant in (
        "dvc.yaml",
        "dvc.lock",
        "params.yaml",
        ".github/workflows/ci.yml",
        ".gitlab-ci.yml",
        "src/model/train.py",
        "notebooks/eda.ipynb",
        "pyproject.toml",
        "requirements.txt",
        "Dockerfile",
        "deploy/Dockerfile.serve",
        "Makefile",
        ".dvc/config",
        "data/raw.csv.dvc",
        ".mltestscore.yaml",
        "docs/model-review.md",
        "gx/expectations/suite.json",
    ):
        assert files.search(relevant), relevant
    for irrelevant in ("data/train.csv", "data/features.parquet", "models/model.pkl", "docs/figure.png"):
        assert not files.search(irrelevant), irrelevant


def test_hook_passes_above_the_threshold(tmp_path, pre_commit_home):
    root = hook_repo(tmp_path / "above", fail_under=3, rev=_project_rev())
    result = pre_commit(root, pre_commit_home, "--all-files", "--verbose")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "ML Test Score" in output and "Passed" in output
    assert "ML Test Score: 3.5" in output  # --verbose shows the report even when it passes


def test_hook_fails_below_the_threshold_with_the_report_on_the_terminal(tmp_path, pre_commit_home):
    root = hook_repo(tmp_path / "below", fail_under=5, rev=_project_rev())
    result = pre_commit(root, pre_commit_home, "--all-files")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Failed" in output and "exit code: 1" in output
    assert "ML Test Score: 3.5" in output and "Next steps worth most" in output
    assert "final ML Test Score 3.5 is below the fail-under threshold 5" in output


def test_hook_is_skipped_when_no_score_relevant_file_changes(tmp_path, pre_commit_home):
    root = hook_repo(tmp_path / "data-only", fail_under=5, rev=_project_rev())
    result = pre_commit(root, pre_commit_home, "--files", "data/train.csv")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(no files to check)Skipped" in result.stdout
    relevant = pre_commit(root, pre_commit_home, "--files", "train.py")
    assert relevant.returncode == 1  # a Python change runs the audit, which is below 5


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_hook_args_override_the_config_threshold(tmp_path, pre_commit_home):
    root = hook_repo(tmp_path / "args", fail_under=5, rev=_project_rev())
    config = yaml.safe_load((root / ".pre-commit-config.yaml").read_text())
    config["repos"][0]["hooks"][0]["args"] = ["--fail-under", "3"]
    write_tree(root, {".pre-commit-config.yaml": yaml.safe_dump(config)})
    git_commit_all(root, "hook args")
    result = pre_commit(root, pre_commit_home, "--all-files")
    assert result.returncode == 0, result.stdout + result.stderr


def test_manifest_and_the_documented_config_pass_pre_commits_validators(tmp_path):
    pytest.importorskip("pre_commit")
    docs = PROJECT / "docs" / "integrations.md"
    if not docs.is_file():
        pytest.skip("docs/ is not shipped in this distribution")
    import re

    blocks = re.findall(r"```yaml\n(.*?)```", docs.read_text(encoding="utf-8"), re.S)
    for block in blocks:
        yaml.safe_load(block)  # every YAML snippet in the docs parses
    documented = tmp_path / "pre-commit-config.yaml"
    documented.write_text(next(b for b in blocks if b.startswith("# .pre-commit-config.yaml")))
    for command, path in (("validate-manifest", PROJECT / ".pre-commit-hooks.yaml"), ("validate-config", documented)):
        result = subprocess.run([*PRE_COMMIT, command, str(path)], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
