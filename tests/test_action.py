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
    }
    reports = workspace / "mltestscore-reports"
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
    assert 'failures="0"' in (workspace / "mltestscore-reports" / "mltestscore-junit.xml").read_text()
    runner.run("Job summary")
    assert "ML Test Score: 3.5" in runner.files["GITHUB_STEP_SUMMARY"].read_text()
    gate = runner.run("Gate")
    assert gate.returncode == 1 and "::error title=ML Test Score::" in gate.stdout
