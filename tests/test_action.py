"""The composite GitHub Action (action.yml): its shape, and its bash steps run here for real with
the runner's files (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP) pointing into tmp_path."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from report_fixtures import attested_repo

ACTION = Path(__file__).resolve().parents[1] / "action.yml"
EXPRESSION = re.compile(r"\$\{\{\s*(inputs|steps)\.([\w-]+)(?:\.outputs\.([\w-]+))?\s*\}\}")

pytestmark = pytest.mark.skipif(not ACTION.is_file(), reason="action.yml is not shipped in this distribution")


@pytest.fixture(scope="module")
def action():
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


def test_action_is_composite_and_keeps_inputs_out_of_scripts(action):
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    for step in steps:
        if "run" in step:
            assert step["shell"] == "bash"
            assert "${{" not in step["run"], f"{step['name']}: pass inputs through env, not into the script"
    setup = steps[0]
    assert setup["uses"].startswith("actions/setup-python@") and setup["with"]["update-environment"] is False
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert "inputs.upload-sarif == 'true'" in upload["if"]
    assert {"score", "band", "passed"} <= set(action["outputs"])


class Runner:
    """Runs the action's bash steps as GitHub's runner would (bash -e -o pipefail)."""

    def __init__(self, action: dict, tmp: Path, workspace: Path, inputs: dict[str, str]) -> None:
        self.steps = {s.get("id") or s["name"]: s for s in action["runs"]["steps"]}
        self.env: dict[str, str] = {}  # the runner's own variables (GITHUB_EVENT_PATH, PATH, ...)
        self.inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()} | inputs
        self.outputs: dict[str, dict[str, str]] = {}
        self.workspace = workspace
        self.files = {"GITHUB_OUTPUT": tmp / "output", "GITHUB_STEP_SUMMARY": tmp / "summary.md"}
        self.runner_temp = tmp / "runner-temp"
        venv_bin = self.runner_temp / "mltestscore-venv" / "bin"  # the install step's venv: ours
        venv_bin.mkdir(parents=True)
        for name in ("python", "mltestscore"):
            (venv_bin / name).symlink_to(Path(sys.executable).parent / name)

    def run(self, step_id: str) -> subprocess.CompletedProcess:
        step = self.steps[step_id]
        self.files["GITHUB_OUTPUT"].write_text("")
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update({k: str(v) for k, v in self.files.items()}, RUNNER_TEMP=str(self.runner_temp))
        env.update(self.env)
        env.update({k: self._expand(str(v)) for k, v in step.get("env", {}).items()})
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=self.workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        lines = self.files["GITHUB_OUTPUT"].read_text().splitlines()
        self.outputs[step_id] = dict(line.split("=", 1) for line in lines if "=" in line)
        return result

    def _expand(self, value: str) -> str:
        def replace(match):
            kind, name, output = match.groups()
            return self.inputs[name] if kind == "inputs" else self.outputs.get(name, {}).get(output, "")

        return EXPRESSION.sub(replace, value)


def test_action_audits_writes_summary_and_reports_and_passes(action, tmp_path):
    workspace = attested_repo(tmp_path / "workspace")
    runner = Runner(action, tmp_path, workspace, {"fail-under": "3", "section-minimums": "data=3 infra=3"})
    audit = runner.run("audit")
    assert audit.returncode == 0, audit.stderr
    assert "ML Test Score: 3.5" in audit.stdout
    assert runner.outputs["audit"] == {
        "exit-code": "0",
        "passed": "true",
        "score": "3.5",
        "band": "Strong levels of automated testing and monitoring, appropriate for mission-critical systems.",
        "report-dir": str(runner.runner_temp / "mltestscore-reports"),
        "sarif": str(runner.runner_temp / "mltestscore-reports" / "mltestscore.sarif"),
    }
    reports = Path(runner.outputs["audit"]["report-dir"])
    assert reports == runner.runner_temp / "mltestscore-reports"  # outside the checkout: never audited
    assert {"mltestscore.md", "mltestscore.sarif", "mltestscore.json", "mltestscore.html", "mltestscore-junit.xml"} <= {
        p.name for p in reports.iterdir()
    }
    assert runner.run("Job summary").returncode == 0
    assert runner.files["GITHUB_STEP_SUMMARY"].read_text().startswith("## ML Test Score: 3.5 / 7")
    assert runner.run("Gate").returncode == 0


def test_action_fails_the_gate_below_the_threshold_after_writing_the_summary(action, tmp_path):
    workspace = attested_repo(tmp_path / "workspace")
    runner = Runner(action, tmp_path, workspace, {"fail-under": "5", "args": "--junit-fail-below 0.5"})
    audit = runner.run("audit")
    assert audit.returncode == 0  # the audit step records the failure; the summary still runs
    assert runner.outputs["audit"]["exit-code"] == "1" and runner.outputs["audit"]["passed"] == "false"
    assert "below the fail-under threshold 5" in audit.stderr
    assert 'failures="0"' in (Path(runner.outputs["audit"]["report-dir"]) / "mltestscore-junit.xml").read_text()
    runner.run("Job summary")
    assert "ML Test Score: 3.5" in runner.files["GITHUB_STEP_SUMMARY"].read_text()
    gate = runner.run("Gate")
    assert gate.returncode == 1 and "::error title=ML Test Score::" in gate.stdout


def test_action_args_keep_quoted_values_whole(action, tmp_path):
    workspace = attested_repo(tmp_path / "workspace")
    runner = Runner(action, tmp_path, workspace, {"args": '--ignore "monitor-3, monitor-4" --junit-fail-below 0.5'})
    audit = runner.run("audit")
    assert runner.outputs["audit"]["exit-code"] == "0", audit.stderr
    report = (Path(runner.outputs["audit"]["report-dir"]) / "mltestscore.json").read_text()
    assert report.count("ignored with --ignore on the command line") == 2


def test_action_sets_an_empty_score_with_an_error_when_the_audit_cannot_run(action, tmp_path):
    workspace = attested_repo(tmp_path / "workspace")
    (workspace / ".mltestscore.yaml").write_text("fail_undr: 2\n")
    runner = Runner(action, tmp_path, workspace, {})
    audit = runner.run("audit")
    assert runner.outputs["audit"]["exit-code"] == "2"
    assert runner.outputs["audit"]["score"] == "" and "::error title=ML Test Score::no score" in audit.stdout


def test_action_uploads_sarif_from_an_absolute_output_dir(action, tmp_path):
    upload = next(s for s in action["runs"]["steps"] if s.get("uses", "").startswith("github/codeql-action/"))
    assert "hashFiles" not in upload["if"]  # hashFiles sees only the workspace: an absolute folder never matched
    assert upload["with"]["sarif_file"] == "${{ steps.audit.outputs.sarif }}"
    workspace = attested_repo(tmp_path / "workspace")
    reports = tmp_path / "elsewhere" / "reports"
    runner = Runner(action, tmp_path, workspace, {"output-dir": str(reports)})
    runner.run("audit")
    assert runner.outputs["audit"]["sarif"] == str(reports / "mltestscore.sarif")


def test_action_caches_pip_and_documents_a_resolvable_pin(action):
    cache = next(s for s in action["runs"]["steps"] if s.get("uses", "").startswith("actions/cache@"))
    assert "inputs.version" in cache["with"]["key"] and "mltestscore-pip-cache" in cache["with"]["path"]
    assert "==0.1.0" not in action["inputs"]["version"]["description"]  # no release exists to resolve


FAKE_GH = """#!/bin/sh
echo "$@" >> "$GH_LOG"
case "$*" in
  *--paginate*) cat "$GH_EXISTING" ;;
esac
"""


def test_action_posts_then_updates_one_pr_comment(action, tmp_path):
    import json

    from conftest import git, git_commit_all

    from mltestscore.diffing import MARKER

    workspace = attested_repo(tmp_path / "workspace")
    git_commit_all(workspace, "base")
    base = git(workspace, "rev-parse", "HEAD").strip()
    (workspace / ".mltestscore.yaml").write_text("exclude: []\n")  # drops the attestations
    git_commit_all(workspace, "head")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7, "base": {"sha": base}}}))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(FAKE_GH)
    (bin_dir / "gh").chmod(0o755)
    existing = tmp_path / "existing"
    existing.write_text("")
    log = tmp_path / "gh.log"
    runner = Runner(action, tmp_path, workspace, {"comment": "true"})
    runner.env = {
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "acme/models",
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "GH_LOG": str(log),
        "GH_EXISTING": str(existing),
    }
    runner.run("audit")
    diff = runner.run("diff")
    assert runner.outputs["diff"]["exit-code"] == "0", diff.stderr  # fail-on-drop is off by default
    body = Path(runner.outputs["diff"]["body"])
    assert body.read_text().startswith(MARKER) and "dropped" in body.read_text()
    post = runner.run("Post or update the PR comment")
    assert post.returncode == 0, post.stderr
    assert "--method POST repos/acme/models/issues/7/comments" in log.read_text()
    existing.write_text("4242\n")  # the second push finds the marked comment and edits it
    runner.run("Post or update the PR comment")
    assert "--method PATCH repos/acme/models/issues/comments/4242" in log.read_text().splitlines()[-1]
    runner.run("Job summary")
    assert MARKER in runner.files["GITHUB_STEP_SUMMARY"].read_text()
    runner.inputs["fail-on-drop"] = "true"
    runner.run("diff")
    assert runner.outputs["diff"]["exit-code"] == "1"
    gate = runner.run("Gate")
    assert gate.returncode == 1 and "dropped against the PR base" in gate.stdout


@pytest.mark.parametrize("doc", ["README.md", "docs/integrations.md"])
def test_documented_action_snippets_use_only_real_inputs_and_no_missing_release(action, doc):
    text = (ACTION.parent / doc).read_text(encoding="utf-8")
    snippets = [
        yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, re.S) if "uses: mltestscore/" in block
    ]
    assert snippets
    for snippet in snippets:
        for job in snippet["jobs"].values():
            for step in job["steps"]:
                if step.get("uses", "").startswith("mltestscore/mltestscore@"):
                    assert step["uses"] != "mltestscore/mltestscore@v0.1.0"  # no such release
                    assert set(step.get("with", {})) <= set(action["inputs"])
