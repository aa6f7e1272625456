"""The monitoring checks on real-shaped repositories with real git history: every check at 0,
0.5 and 1, the git-history signals (dependency-bot commits, model artifact age), shallow clones
and folders outside git."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import audit, git, git_commit_all, make_repo, write_tree

from mltestscore.checks import monitor as M
from mltestscore.config import ConfigError, parse_config
from mltestscore.context import AuditContext
from mltestscore.evidence.history import read_history

DEPENDABOT = {
    "GIT_AUTHOR_NAME": "dependabot[bot]",
    "GIT_AUTHOR_EMAIL": "49699333+dependabot[bot]@users.noreply.github.com",
}
ON_PUSH = "  push:\n    branches: [main]\n  pull_request:"
ON_CRON = '  schedule:\n    - cron: "0 3 * * 1"\n  workflow_dispatch:'
ON_DISPATCH = "  workflow_dispatch:"


def dated(days_ago: int, **identity: str) -> dict[str, str]:
    """Environment that makes a commit look `days_ago` days old (author and committer)."""
    stamp = (datetime.now(timezone.utc) - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    return {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp, **identity}


def workflow(trigger: str, *commands: str, job: str = "job", uses: str | None = None) -> str:
    steps = [f"      - run: {command}" for command in commands]
    if uses:
        steps.append(f"      - uses: {uses}")
    return (
        f"name: {job}\non:\n{trigger}\njobs:\n  {job}:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n" + "\n".join(steps) + "\n"
    )


def notebook(*cells: str) -> str:
    return json.dumps(
        {
            "cells": [
                {"cell_type": "code", "metadata": {}, "source": c, "outputs": [], "execution_count": None}
                for c in cells
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


def check(root: Path, cls, config: dict | None = None):
    """Run one check on `root`: (outcome, warnings)."""
    ctx = AuditContext(root, parse_config(config, "test config") if config else None)
    try:
        return cls().run(ctx), ctx.warnings
    finally:
        ctx.close()


def details(outcome) -> str:
    return " | ".join(f"{e.location()} {e.detail} [{e.runner}]" for e in outcome.evidence)


FEATURES = """
import pandas as pd


def build_features(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["charges_per_month"] = frame["total_charges"] / frame["tenure_months"].clip(lower=1)
    return frame[["tenure_months", "charges_per_month"]]
"""
TRAIN = """
import joblib
import pandas as pd
from sklearn.linear_model import LogisticRegression

from churn.features import build_features


def main() -> None:
    frame = pd.read_csv("data/train.csv")
    model = LogisticRegression().fit(build_features(frame), frame["churned"])
    joblib.dump(model, "models/model.joblib")


if __name__ == "__main__":
    main()
"""
SERVE = """
import joblib
from fastapi import FastAPI
from pydantic import BaseModel, Field

from churn.features import build_features

app = FastAPI()
MODEL = joblib.load("models/model.joblib")


class Customer(BaseModel):
    tenure_months: int = Field(ge=0, le=600)
    total_charges: float = Field(ge=0)


@app.post("/predict")
def predict(customer: Customer) -> dict:
    features = build_features([customer.model_dump()])
    return {"churn_probability": float(MODEL.predict_proba(features)[0, 1])}
"""
SERVE_OWN_FEATURES = """
import joblib
from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()
MODEL = joblib.load("models/model.joblib")


class Customer(BaseModel):
    tenure_months: int
    total_charges: float


@app.post("/predict")
def predict(customer: Customer) -> dict:
    per_month = customer.total_charges / max(customer.tenure_months, 1)
    return {"churn_probability": float(MODEL.predict_proba([[customer.tenure_months, per_month]])[0, 1])}
"""
PROJECT = {
    "pyproject.toml": '[project]\nname = "churn"\nversion = "0.1.0"\n',
    "src/churn/__init__.py": "",
    "src/churn/features.py": FEATURES,
    "src/churn/train.py": TRAIN,
}


# -- git history -------------------------------------------------------------------------------------
def test_history_reads_bot_commits_and_bounds_the_window(tmp_path):
    root = make_repo(tmp_path / "r", {"README.md": "# churn\n"})
    write_tree(root, {"requirements.txt": "requests==2.32.3\n"})
    git_commit_all(root, "Bump requests from 2.31.0 to 2.32.3", env=DEPENDABOT)
    write_tree(root, {"src/app.py": "print('hi')\n"})
    git_commit_all(root, "add app")
    ctx = AuditContext(root, parse_config({"history_max_commits": 2}, "test"))
    try:
        history = read_history(ctx)
        assert history.available and len(history.commits) == 2 and not history.complete
        assert [(c.subject, bot) for c, bot in history.bot_commits()] == [
            ("Bump requests from 2.31.0 to 2.32.3", "dependabot")
        ]
        assert history.touching("requirements.txt")[0].author.startswith("dependabot[bot] <49699333+")
        assert "the last 2 commits" in history.window()
    finally:
        ctx.close()


def test_history_is_unavailable_in_a_folder_outside_git(tmp_path):
    root = make_repo(tmp_path / "plain", {"train.py": "print('train')\n"}, commit=False)
    ctx = AuditContext(root)
    try:
        history = read_history(ctx)
        assert not history.available and history.reason == "not a git work tree"
        assert history.last_change("train.py") is None
    finally:
        ctx.close()


def test_history_of_a_subfolder_keeps_to_that_folder(tmp_path):
    root = make_repo(tmp_path / "mono", {"project/README.md": "# a\n", "other/requirements.txt": "x==1\n"})
    write_tree(root, {"other/requirements.txt": "x==2\n"})
    git_commit_all(root, "Bump x from 1 to 2", env=DEPENDABOT)
    write_tree(root, {"project/models/model.onnx": b"\x08\x01onnx"})
    git_commit_all(root, "ship model", env=dated(30))
    ctx = AuditContext(root / "project")
    try:
        history = read_history(ctx)
        assert history.bot_commits() == []  # the bot only touched another project
        change = history.last_change("models/model.onnx")
        assert change.exact and change.age_days == 30
    finally:
        ctx.close()


# -- monitor-1 -----------------------------------------------------------------------------------------
DEPENDABOT_YML = """
version: 2
updates:
  - package-ecosystem: pip
    directory: "/"
    schedule:
      interval: weekly
  - package-ecosystem: github-actions
    directory: "/"
    schedule:
      interval: monthly
"""


def test_monitor1_dependabot_config_is_automated_and_says_what_it_misses(repo):
    root = repo({**PROJECT, ".github/dependabot.yml": DEPENDABOT_YML, "requirements.txt": "pandas==2.2.2\n"})
    outcome, _ = check(root, M.Monitor1)
    assert outcome.score == 1.0
    assert "Dependabot watches pip (weekly), github-actions (monthly)" in details(outcome)
    assert "software packages only" in outcome.reason
    assert "no bot commit landed" in outcome.reason  # history read, no bot activity yet


def test_monitor1_bot_commits_in_history_prove_notifications_without_config(repo):
    root = repo({**PROJECT, "requirements.txt": "pandas>=2\n"})
    write_tree(root, {"requirements.txt": "pandas>=2.2.2\n"})
    git_commit_all(root, "Bump pandas from 2.2.1 to 2.2.2", env={**DEPENDABOT, **dated(20)})
    outcome, _ = check(root, M.Monitor1)
    assert outcome.score == 1.0
    assert "git history shows dependency-bot updates landing" in outcome.reason
    bot = next(e for e in outcome.evidence if e.path == ".git")
    assert (
        bot.detail.startswith("1 commit by dependabot") and "Bump pandas" in bot.detail and bot.runner == "git history"
    )


def test_monitor1_merge_of_a_dependabot_branch_counts(repo):
    root = repo({**PROJECT, "requirements.txt": "requests>=2\n"})
    git(root, "checkout", "-q", "-b", "dependabot/pip/requests-2.32.3")
    write_tree(root, {"requirements.txt": "requests>=2.32.3\n"})
    git_commit_all(root, "Bump requests")  # authored by a person: only the merge names the bot branch
    git(root, "checkout", "-q", "main")
    git(
        root,
        "merge",
        "--no-ff",
        "-q",
        "-m",
        "Merge pull request #12 from acme/dependabot/pip/requests-2.32.3",
        "dependabot/pip/requests-2.32.3",
    )
    outcome, _ = check(root, M.Monitor1)
    assert outcome.score == 1.0 and "1 commit by dependabot" in details(outcome)


def test_monitor1_a_person_writing_bump_is_not_a_bot(repo):
    root = repo({**PROJECT, "requirements.txt": "requests>=2\n"})
    write_tree(root, {"requirements.txt": "requests>=2.32\n"})
    git_commit_all(root, "Bump requests from 2.31.0 to 2.32.3")
    outcome, _ = check(root, M.Monitor1)
    assert outcome.score == 0.0
    assert not outcome.evidence  # the person's "Bump ..." commit is not cited as a bot's update


def test_monitor1_a_bot_pull_request_squashed_by_a_person_counts(repo):
    root = repo({**PROJECT, "requirements.txt": "requests>=2\n"})
    for subject in (
        "build(deps): bump requests from 2.31.0 to 2.32.3 (#45)",
        "Update dependency pandas to v2.2.3 (#46)",
    ):
        write_tree(root, {"requirements.txt": f"requests>=2.32\n# {subject}\n"})
        git_commit_all(root, subject)  # authored by the person who pressed "squash and merge"
    outcome, _ = check(root, M.Monitor1)
    assert outcome.score == 1.0
    assert {e.detail.split(" in ")[0] for e in outcome.evidence if e.path == ".git"} == {
        "1 commit by dependabot",
        "1 commit by renovate",
    }


def test_monitor1_scheduled_pip_audit_is_automated_and_dispatch_only_is_manual(repo):
    scheduled = repo(
        {
            **PROJECT,
            ".github/workflows/audit.yml": workflow(ON_CRON, "pip install pip-audit", "pip-audit -r requirements.txt"),
        },
        name="cron",
    )
    outcome, _ = check(scheduled, M.Monitor1)
    assert outcome.score == 1.0 and "`pip-audit -r requirements.txt`" in details(outcome)
    by_hand = repo({**PROJECT, ".github/workflows/audit.yml": workflow(ON_DISPATCH, "pip-audit")}, name="dispatch")
    outcome, _ = check(by_hand, M.Monitor1)
    assert outcome.score == 0.5 and "(on manual)" in details(outcome)


def test_monitor1_lock_file_alone_is_context_worth_nothing(repo):
    root = repo({**PROJECT, "poetry.lock": "# This file is automatically @generated by Poetry\n"})
    outcome, _ = check(root, M.Monitor1)
    assert outcome.score == 0
    assert "poetry.lock" in details(outcome) and "dependabot.yml" in outcome.missing
    assert all(e.is_context for e in outcome.evidence) and "pins notify nobody" in outcome.reason


def test_monitor1_pip_audit_in_a_make_target_no_ci_calls_is_manual(repo):
    makefile = "audit:\n\tpip-audit -r requirements.txt\n"
    root = repo({**PROJECT, "Makefile": makefile, "requirements.txt": "pandas==2.2.2\n"})
    outcome, _ = check(root, M.Monitor1)
    assert outcome.score == 0.5 and "pip-audit" in details(outcome)


def test_monitor1_shallow_clone_scores_from_files_and_warns_once(tmp_path):
    source = make_repo(tmp_path / "origin", {**PROJECT, "requirements.txt": "pandas>=2\n"})
    write_tree(source, {"requirements.txt": "pandas>=2.2\n"})
    git_commit_all(source, "Bump pandas", env=DEPENDABOT)
    write_tree(source, {"README.md": "# churn\n"})
    git_commit_all(source, "docs")
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{source}", "shallow")
    shallow = tmp_path / "shallow"
    outcome, _ = check(shallow, M.Monitor1)
    assert outcome.score == 0.0  # the bot commit is cut off: no claim either way
    assert "git history not read (shallow clone" in outcome.reason
    report = audit(shallow)
    messages = [w.message for w in report.warnings]
    assert sum("shallow clone" in m for m in messages) == 1
    assert "model age unknown (git history not read: shallow clone" in report.item("monitor-4").reason


def test_non_git_folder_warns_once_and_scores_from_files(tmp_path):
    root = make_repo(tmp_path / "plain", {**PROJECT, ".github/dependabot.yml": DEPENDABOT_YML}, commit=False)
    report = audit(root)
    assert report.item("monitor-1").score == 1.0  # the config file still counts
    assert [w.message for w in report.warnings].count(
        "no git history (not a git work tree): monitor-1 and monitor-4 are scored from files only"
    ) == 1


# -- monitor-2 -----------------------------------------------------------------------------------------
DRIFT_TESTSUITE = """
import pandas as pd
from evidently.test_suite import TestSuite
from evidently.test_preset import DataDriftTestPreset


def main() -> None:
    reference = pd.read_parquet("data/reference.parquet")
    current = pd.read_parquet("data/served_last_week.parquet")
    suite = TestSuite(tests=[DataDriftTestPreset()])
    suite.run(reference_data=reference, current_data=current)
    if not suite.as_dict()["summary"]["all_passed"]:
        raise SystemExit("input drift detected")


if __name__ == "__main__":
    main()
"""
DRIFT_REPORT = """
import pandas as pd
from evidently.report import Report
from evidently.metric_preset import DataDriftPreset

report = Report(metrics=[DataDriftPreset()])
report.run(reference_data=pd.read_parquet("ref.parquet"), current_data=pd.read_parquet("cur.parquet"))
report.save_html("drift.html")
"""
DRIFT_RULES = """
groups:
  - name: churn-inputs
    rules:
      - alert: ChurnInputDrift
        expr: churn_feature_drift_share > 0.3
        for: 1h
        labels:
          severity: page
"""


def test_monitor2_validated_serving_inputs_are_manual(repo):
    root = repo({**PROJECT, "src/churn/serve.py": SERVE})
    outcome, _ = check(root, M.Monitor2)
    assert outcome.score == 0.5
    assert "request model Customer enforces tenure_months: int = Field(ge=0, le=600)" in details(outcome)
    assert "serving inputs are validated at the entry point" in outcome.reason


def test_monitor2_type_only_request_model_is_not_a_data_invariant(repo):
    root = repo({**PROJECT, "src/churn/serve.py": SERVE_OWN_FEATURES})
    outcome, _ = check(root, M.Monitor2)
    assert outcome.score == 0.0
    assert "Customer (src/churn/serve.py:" in outcome.reason and "check types only" in outcome.reason


def test_monitor2_scheduled_drift_testsuite_is_automated(repo):
    root = repo(
        {
            **PROJECT,
            "monitoring/drift.py": DRIFT_TESTSUITE,
            ".github/workflows/drift.yml": workflow(ON_CRON, "python monitoring/drift.py", job="drift"),
        }
    )
    outcome, _ = check(root, M.Monitor2)
    assert outcome.score == 1.0
    assert "Evidently: DataDriftTestPreset (checks) on a schedule" in details(outcome)
    assert "(on manual, schedule)" in details(outcome)


def test_monitor2_drift_check_on_push_or_report_on_cron_is_manual(repo):
    on_push = repo(
        {
            **PROJECT,
            "monitoring/drift.py": DRIFT_TESTSUITE,
            ".github/workflows/drift.yml": workflow(ON_PUSH, "python monitoring/drift.py"),
        },
        name="push",
    )
    outcome, _ = check(on_push, M.Monitor2)
    assert outcome.score == 0.5 and "not on a schedule" in details(outcome)
    report_only = repo(
        {
            **PROJECT,
            "monitoring/drift.py": DRIFT_REPORT,
            ".github/workflows/drift.yml": workflow(ON_CRON, "python monitoring/drift.py"),
        },
        name="report",
    )
    outcome, _ = check(report_only, M.Monitor2)
    assert outcome.score == 0.5 and "DataDriftPreset (collects): no threshold or test" in details(outcome)


def test_monitor2_drift_alert_rule_deployed_by_kustomize_is_automated(repo):
    kustomization = """
    apiVersion: kustomize.config.k8s.io/v1beta1
    kind: Kustomization
    configMapGenerator:
      - name: prometheus-rules
        files:
          - rules/inputs.yaml
    """
    deployed = repo(
        {
            **PROJECT,
            "deploy/monitoring/rules/inputs.yaml": DRIFT_RULES,
            "deploy/monitoring/kustomization.yaml": kustomization,
        },
        name="deployed",
    )
    outcome, _ = check(deployed, M.Monitor2)
    assert outcome.score == 1.0
    rule = outcome.evidence[0]
    assert (
        rule.detail == "Prometheus alert rule 'ChurnInputDrift'"
        and rule.runner == "deploy/monitoring/kustomization.yaml lists it"
    )
    alone = repo({**PROJECT, "deploy/monitoring/rules/inputs.yaml": DRIFT_RULES}, name="alone")
    outcome, _ = check(alone, M.Monitor2)
    assert outcome.score == 0.5 and "nothing in the repository deploys it" in details(outcome)


def test_monitor2_nothing_is_missing(repo):
    outcome, _ = check(repo(PROJECT), M.Monitor2)
    assert outcome.score == 0.0 and outcome.missing


# -- monitor-3 -----------------------------------------------------------------------------------------
PARITY_TEST = """
import pandas as pd
from pandas.testing import assert_frame_equal

from churn import serve
from churn.train import build_features

ROWS = [{"tenure_months": 5, "total_charges": 400.0}, {"tenure_months": 0, "total_charges": 0.0}]


def test_serving_features_match_training():
    served = pd.concat([serve.build_features([row]) for row in ROWS], ignore_index=True)
    assert_frame_equal(served, build_features(pd.DataFrame(ROWS)))
"""
SERVING_TEST = """
from fastapi.testclient import TestClient

from churn.serve import app
from churn.train import main


def test_predict_returns_a_probability():
    response = TestClient(app).post("/predict", json={"tenure_months": 5, "total_charges": 400.0})
    assert response.status_code == 200
"""


def test_monitor3_shared_feature_module_is_manual(repo):
    root = repo({**PROJECT, "src/churn/serve.py": SERVE})
    outcome, _ = check(root, M.Monitor3)
    assert outcome.score == 0.5
    assert outcome.evidence[0].path == "src/churn/features.py"
    assert (
        "serving code src/churn/serve.py imports it and training code src/churn/train.py imports it"
        in outcome.evidence[0].detail
    )


def test_monitor3_parity_test_run_by_ci_is_automated(repo):
    files = {**PROJECT, "src/churn/serve.py": SERVE, "tests/test_skew.py": PARITY_TEST}
    ci = repo({**files, ".github/workflows/ci.yml": workflow(ON_PUSH, "pip install -e .", "pytest tests/")}, name="ci")
    outcome, _ = check(ci, M.Monitor3)
    assert outcome.score == 1.0
    assert (
        outcome.evidence[0].path == "tests/test_skew.py"
        and "pytest collects tests/test_skew.py" in outcome.evidence[0].runner
    )
    no_ci = repo(files, name="noci")
    outcome, _ = check(no_ci, M.Monitor3)
    assert outcome.score == 0.5 and "tests/test_skew.py" in details(outcome)


def test_monitor3_a_serving_test_that_compares_nothing_is_not_a_parity_test(repo):
    root = repo(
        {
            **PROJECT,
            "src/churn/serve.py": SERVE,
            "tests/test_serve.py": SERVING_TEST,
            ".github/workflows/ci.yml": workflow(ON_PUSH, "pytest tests/"),
        }
    )
    outcome, _ = check(root, M.Monitor3)
    assert outcome.score == 0.5 and "tests/test_serve.py" not in details(outcome)


def test_monitor3_serving_with_its_own_features_is_missing(repo):
    outcome, _ = check(repo({**PROJECT, "src/churn/serve.py": SERVE_OWN_FEATURES}, name="own"), M.Monitor3)
    assert outcome.score == 0.0 and "shares no feature module" in outcome.reason
    outcome, _ = check(repo(PROJECT, name="batch"), M.Monitor3)
    assert outcome.score == 0.0 and "no serving code found" in outcome.reason


# -- monitor-4 -----------------------------------------------------------------------------------------
DVC_YAML = """
stages:
  prepare:
    cmd: python src/churn/prepare.py
    outs:
      - data/prepared
  train:
    cmd: python src/churn/train.py
    deps:
      - data/prepared
    outs:
      - models/model.joblib
"""


def dvc_lock(prepared: str, model: str) -> str:
    return f"""
schema: '2.0'
stages:
  prepare:
    cmd: python src/churn/prepare.py
    outs:
    - path: data/prepared
      md5: {prepared}.dir
  train:
    cmd: python src/churn/train.py
    outs:
    - path: models/model.joblib
      md5: {model}
"""


def test_monitor4_scheduled_retraining_is_automated(repo):
    root = repo(
        {
            **PROJECT,
            ".github/workflows/retrain.yml": workflow(
                ON_CRON, "pip install -e .", "python src/churn/train.py", job="retrain"
            ),
        }
    )
    outcome, _ = check(root, M.Monitor4)
    assert outcome.score == 1.0 and "schedule" in (outcome.evidence[0].runner or "")
    assert "runs `python src/churn/train.py`" in details(outcome)


def test_monitor4_dispatch_only_retraining_watches_no_staleness(repo):
    # RUBRIC (accuracy case r20): training on demand watches no staleness; it is listed, worth 0
    root = repo(
        {**PROJECT, ".github/workflows/retrain.yml": workflow(ON_DISPATCH, "python src/churn/train.py", job="retrain")}
    )
    outcome, _ = check(root, M.Monitor4)
    assert outcome.score == 0.0 and (outcome.evidence[0].runner or "").endswith("(on manual)")
    assert "python src/churn/train.py" in details(outcome)


def test_monitor4_old_model_file_is_stale_against_the_limit(tmp_path):
    root = make_repo(tmp_path / "r", {**PROJECT}, commit=False)
    write_tree(root, {"models/model.joblib": b"\x80\x04joblib"})
    git_commit_all(root, "first model", env=dated(400))
    write_tree(root, {"README.md": "# churn\n"})
    git_commit_all(root, "docs", env=dated(3))
    outcome, _ = check(root, M.Monitor4)
    assert outcome.score == 0.0
    assert "model last changed 400 days ago (over the 180-day limit, models/model.joblib)" in outcome.reason
    assert outcome.evidence[0].runner == "git history" and "'first model'" in outcome.evidence[0].detail
    outcome, _ = check(root, M.Monitor4, {"model_max_age_days": 500})
    assert outcome.score == 0.5 and "within the 500-day limit" in outcome.reason


def test_monitor4_dvc_lock_age_follows_the_model_hash_not_the_file(tmp_path):
    root = make_repo(tmp_path / "r", {**PROJECT, "dvc.yaml": DVC_YAML, "dvc.lock": dvc_lock("aaa", "m1")}, commit=False)
    git_commit_all(root, "train v1", env=dated(300))
    write_tree(root, {"dvc.lock": dvc_lock("bbb", "m1")})
    git_commit_all(root, "refresh prepared data only", env=dated(10))
    outcome, _ = check(root, M.Monitor4)
    assert "model last changed 300 days ago" in outcome.reason and outcome.score == 0.0
    assert "DVC output models/model.joblib of stage 'train'" in outcome.evidence[0].detail
    write_tree(root, {"dvc.lock": dvc_lock("bbb", "m2")})
    git_commit_all(root, "retrain")
    outcome, _ = check(root, M.Monitor4)
    assert "model last changed 0 days ago (within the 180-day limit, dvc.lock)" in outcome.reason
    assert outcome.score == 0.5 and "refreshed by hand" in outcome.reason


def test_monitor4_registry_pin_age_ignores_other_edits_of_the_manifest(tmp_path):
    manifest = """
    apiVersion: serving.kserve.io/v1beta1
    kind: InferenceService
    metadata:
      name: churn
    spec:
      predictor:
        minReplicas: {replicas}
        model:
          modelFormat:
            name: sklearn
          storageUri: s3://acme-ml/churn/models/{version}
    """
    root = make_repo(
        tmp_path / "r", {**PROJECT, "deploy/isvc.yaml": manifest.format(replicas=1, version="v11")}, commit=False
    )
    git_commit_all(root, "serve v11", env=dated(250))
    write_tree(root, {"deploy/isvc.yaml": manifest.format(replicas=3, version="v11")})
    git_commit_all(root, "scale out", env=dated(5))
    outcome, _ = check(root, M.Monitor4)
    assert "model last changed 250 days ago" in outcome.reason
    assert "registry pin storageUri: s3://acme-ml/churn/models/v11" in outcome.evidence[0].detail


def test_monitor4_model_older_than_the_history_read_is_a_lower_bound(tmp_path):
    root = make_repo(tmp_path / "r", {**PROJECT, "models/model.onnx": b"\x08\x07onnx"}, commit=False)
    git_commit_all(root, "model", env=dated(400))
    for days, name in ((200, "a"), (190, "b")):
        write_tree(root, {f"notes/{name}.md": name})
        git_commit_all(root, name, env=dated(days))
    outcome, _ = check(root, M.Monitor4, {"history_max_commits": 2})
    assert "model last changed more than 200 days ago (over the 180-day limit" in outcome.reason
    outcome, _ = check(root, M.Monitor4, {"history_max_commits": 2, "model_max_age_days": 365})
    assert outcome.score == 0.0 and "model age against the 365-day limit unknown" in outcome.reason


def test_monitor4_scheduled_retraining_with_a_stale_model_says_so(tmp_path):
    files = {
        **PROJECT,
        "models/model.joblib": b"\x80\x04old",
        ".github/workflows/retrain.yml": workflow(ON_CRON, "python src/churn/train.py"),
    }
    root = make_repo(tmp_path / "r", files, commit=False)
    git_commit_all(root, "model", env=dated(365))
    outcome, _ = check(root, M.Monitor4)
    assert (
        outcome.score == 1.0
        and "over the limit: check that the scheduled retraining ships its models" in outcome.reason
    )


def test_monitor4_nothing_is_missing(repo):
    outcome, _ = check(repo(PROJECT), M.Monitor4)
    assert outcome.score == 0.0 and "no versioned model artifact in git" in outcome.reason


# -- monitor-5 -----------------------------------------------------------------------------------------
TORCH_TRAIN = """
import torch


def train_step(model, batch, optimizer) -> float:
    loss = model(batch).mean()
    if not torch.isfinite(loss):
        raise FloatingPointError(f"loss became {loss.item()}")
    loss.backward()
    optimizer.step()
    return loss.item()
"""
FINITE_TEST = """
import numpy as np

from churn.features import build_features


def test_features_are_finite():
    features = build_features([{"tenure_months": 0, "total_charges": 0.0}])
    assert np.isfinite(features.to_numpy()).all()
"""


def test_monitor5_guard_in_training_code_is_automated(repo):
    root = repo({**PROJECT, "src/churn/train_loop.py": TORCH_TRAIN})
    outcome, _ = check(root, M.Monitor5)
    assert outcome.score == 1.0
    assert (
        outcome.evidence[0].location() == "src/churn/train_loop.py:6"
        and outcome.evidence[0].runner == "every training run (training code)"
    )


def test_monitor5_keras_terminate_on_nan_in_training_and_in_a_notebook(repo):
    keras_train = "from tensorflow import keras\n\nmodel = keras.Sequential()\nmodel.fit(x, y, callbacks=[keras.callbacks.TerminateOnNaN()])\n"
    outcome, _ = check(repo({**PROJECT, "src/churn/train_keras.py": keras_train}, name="train"), M.Monitor5)
    assert outcome.score == 1.0 and "tensorflow.keras.callbacks.TerminateOnNaN" in details(outcome)
    cells = ("import numpy as np\nproject = !gcloud config get-value project", "assert np.isfinite(preds).all()")
    outcome, _ = check(repo({**PROJECT, "notebooks/explore.ipynb": notebook(*cells)}, name="nb"), M.Monitor5)
    assert outcome.score == 0.5 and "asserts values are finite (cell 2)" in details(
        outcome
    )  # `x = !cmd` does not hide the notebook


def test_monitor5_finite_test_is_automated_only_when_ci_runs_it(repo):
    files = {**PROJECT, "tests/test_features.py": FINITE_TEST}
    outcome, _ = check(
        repo({**files, ".github/workflows/ci.yml": workflow(ON_PUSH, "pytest tests/")}, name="ci"), M.Monitor5
    )
    assert outcome.score == 1.0 and "tests/test_features.py:8" in details(outcome)
    outcome, _ = check(repo(files, name="noci"), M.Monitor5)
    assert outcome.score == 0.5


def test_monitor5_serving_check_is_manual(repo):
    serve = SERVE.replace(
        '    return {"churn_probability"',
        '    score = float(MODEL.predict_proba(features)[0, 1])\n    if np.isnan(score):\n        raise ValueError("NaN prediction")\n    return {"churn_probability"',
    )
    root = repo({**PROJECT, "src/churn/serve.py": "import numpy as np\n" + serve})
    outcome, _ = check(root, M.Monitor5)
    assert outcome.score == 0.5 and "in serving code" in details(outcome)


def test_monitor5_nan_cleaning_and_disabled_anomaly_detection_are_not_checks(repo):
    cleaning = (
        "import numpy as np\n\n\ndef clean(frame):\n    frame.loc[np.isnan(frame['x']), 'x'] = 0\n    return frame\n"
    )
    disabled = "import torch\n\ntorch.autograd.set_detect_anomaly(False)\n"
    outcome, _ = check(
        repo({**PROJECT, "src/churn/clean.py": cleaning, "src/churn/train_fast.py": disabled}), M.Monitor5
    )
    assert outcome.score == 0.0


# -- monitor-6 -----------------------------------------------------------------------------------------
BENCH_TEST = """
from churn.features import build_features

ROWS = [{"tenure_months": n, "total_charges": 10.0 * n} for n in range(1000)]


def test_build_features_speed(benchmark):
    benchmark(build_features, ROWS)
"""
LATENCY_TEST = """
import time

from churn.features import build_features


def test_feature_latency_under_50ms():
    start = time.perf_counter()
    build_features([{"tenure_months": 5, "total_charges": 400.0}])
    assert time.perf_counter() - start < 0.05
"""
METRICS_SERVE = SERVE.replace(
    "app = FastAPI()",
    'from prometheus_client import Histogram\n\napp = FastAPI()\nLATENCY = Histogram("churn_predict_latency_seconds", "Time to score one customer")',
)
LATENCY_RULE = """
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: churn-latency
spec:
  groups:
    - name: churn-serving
      rules:
        - alert: ChurnP99LatencyHigh
          expr: histogram_quantile(0.99, sum(rate(churn_predict_latency_seconds_bucket[5m])) by (le)) > 0.25
          for: 10m
"""


def test_monitor6_benchmark_gate_in_ci_is_automated_and_plain_benchmark_is_manual(repo):
    files = {**PROJECT, "tests/test_speed.py": BENCH_TEST}
    gated = repo(
        {
            **files,
            ".github/workflows/bench.yml": workflow(
                ON_PUSH, "pytest tests/ --benchmark-compare --benchmark-compare-fail=mean:10%"
            ),
        },
        name="gated",
    )
    outcome, _ = check(gated, M.Monitor6)
    assert outcome.score == 1.0 and "fails on a performance regression" in details(outcome)
    plain = repo({**files, ".github/workflows/ci.yml": workflow(ON_PUSH, "pytest tests/")}, name="plain")
    outcome, _ = check(plain, M.Monitor6)
    assert (
        outcome.score == 0.5
        and "benchmark test_build_features_speed: CI measures, nothing fails on a regression" in details(outcome)
    )


def test_monitor6_timing_assertion_run_by_ci_is_automated(repo):
    files = {
        **PROJECT,
        "tests/test_latency.py": LATENCY_TEST,
        ".github/workflows/ci.yml": workflow(ON_PUSH, "pytest tests/"),
    }
    outcome, _ = check(repo(files), M.Monitor6)
    assert outcome.score == 1.0 and "timing test asserting a bound test_feature_latency_under_50ms" in details(outcome)


def test_monitor6_latency_histogram_needs_a_deployed_alert(repo):
    collected = repo({**PROJECT, "src/churn/serve.py": METRICS_SERVE}, name="collected")
    outcome, _ = check(collected, M.Monitor6)
    assert (
        outcome.score == 0.5
        and "exports Histogram churn_predict_latency_seconds (collected; no alert rule on it)" in details(outcome)
    )
    chart = {
        "charts/churn/Chart.yaml": "apiVersion: v2\nname: churn\nversion: 0.1.0\n",
        "charts/churn/templates/alerts.yaml": LATENCY_RULE,
    }
    alerted = repo({**PROJECT, "src/churn/serve.py": METRICS_SERVE, **chart}, name="alerted")
    outcome, _ = check(alerted, M.Monitor6)
    assert outcome.score == 1.0
    assert (
        outcome.evidence[0].detail == "Prometheus alert rule 'ChurnP99LatencyHigh'"
        and outcome.evidence[0].runner == "Helm chart charts/churn includes it"
    )


def test_monitor6_locustfile_alone_is_manual_and_a_test_named_fast_is_not_a_benchmark(repo):
    locust = "from locust import HttpUser, task\n\n\nclass Scorer(HttpUser):\n    @task\n    def predict(self):\n        self.client.post('/predict', json={'tenure_months': 5})\n"
    outcome, _ = check(repo({**PROJECT, "load/locustfile.py": locust}, name="locust"), M.Monitor6)
    assert outcome.score == 0.5 and "load/locustfile.py" in details(outcome)
    named = (
        "from churn.features import build_features\n\n\ndef test_fast_path():\n    assert build_features([]).empty\n"
    )
    outcome, _ = check(
        repo(
            {**PROJECT, "tests/test_fast.py": named, ".github/workflows/ci.yml": workflow(ON_PUSH, "pytest")},
            name="named",
        ),
        M.Monitor6,
    )
    assert outcome.score == 0.0


# -- monitor-7 -----------------------------------------------------------------------------------------
CBPE_MONITOR = """
import nannyml as nml
import pandas as pd


def main() -> None:
    reference = pd.read_parquet("data/reference_scored.parquet")
    served = pd.read_parquet("data/served_last_week.parquet")
    estimator = nml.CBPE(y_pred_proba="proba", y_pred="pred", y_true="churned", metrics=["roc_auc"],
                         problem_type="classification_binary", chunk_period="d")
    estimator.fit(reference)
    estimator.estimate(served).to_df().to_csv("reports/estimated_auc.csv")


if __name__ == "__main__":
    main()
"""
QUALITY_RULES = """
groups:
  - name: churn-quality
    rules:
      - alert: ChurnAccuracyDropped
        expr: churn_model_accuracy_7d < 0.8
        for: 6h
"""
SAGEMAKER_SCHEDULE = """
from sagemaker.model_monitor import CronExpressionGenerator, ModelQualityMonitor

monitor = ModelQualityMonitor(role="arn:aws:iam::123456789012:role/monitor", problem_type="BinaryClassification",
                              instance_count=1, instance_type="ml.m5.xlarge")
monitor.create_monitoring_schedule(
    endpoint_input="churn-endpoint",
    ground_truth_input="s3://acme-ml/churn/ground-truth",
    schedule_cron_expression=CronExpressionGenerator.daily(),
)
"""


def test_monitor7_scheduled_cbpe_is_automated_and_on_push_is_manual(repo):
    files = {**PROJECT, "monitoring/quality.py": CBPE_MONITOR}
    cron = repo(
        {**files, ".github/workflows/quality.yml": workflow(ON_CRON, "python monitoring/quality.py", job="quality")},
        name="cron",
    )
    outcome, _ = check(cron, M.Monitor7)
    assert outcome.score == 1.0 and "NannyML: CBPE (checks) on a schedule" in details(outcome)
    push = repo(
        {**files, ".github/workflows/quality.yml": workflow(ON_PUSH, "python monitoring/quality.py")}, name="push"
    )
    outcome, _ = check(push, M.Monitor7)
    assert outcome.score == 0.5


def test_monitor7_evidently_report_in_a_notebook_is_manual(repo):
    cells = (
        "from evidently.report import Report\nfrom evidently.metric_preset import ClassificationPreset",
        "report = Report(metrics=[ClassificationPreset()])\nreport.run(reference_data=ref, current_data=served)",
    )
    outcome, _ = check(repo({**PROJECT, "notebooks/quality.ipynb": notebook(*cells)}), M.Monitor7)
    assert outcome.score == 0.5 and "Evidently: ClassificationPreset (collects)" in details(outcome)


def test_monitor7_quality_alert_applied_by_ci_is_automated(repo):
    deploy = workflow(ON_PUSH, "kubectl apply -f monitoring/", job="deploy")
    applied = repo(
        {**PROJECT, "monitoring/quality-rules.yaml": QUALITY_RULES, ".github/workflows/deploy.yml": deploy},
        name="applied",
    )
    outcome, _ = check(applied, M.Monitor7)
    assert outcome.score == 1.0 and "runs `kubectl apply -f monitoring/`" in outcome.evidence[0].runner
    alone = repo({**PROJECT, "monitoring/quality-rules.yaml": QUALITY_RULES}, name="alone")
    outcome, _ = check(alone, M.Monitor7)
    assert outcome.score == 0.5 and "ChurnAccuracyDropped' (nothing in the repository deploys it)" in details(outcome)


def test_monitor7_sagemaker_schedule_counts_when_an_automated_job_registers_it(repo):
    by_hand = repo({**PROJECT, "scripts/schedule_monitor.py": SAGEMAKER_SCHEDULE}, name="hand")
    outcome, _ = check(by_hand, M.Monitor7)
    assert outcome.score == 0.5 and "registered by hand (a script or notebook a person runs)" in details(outcome)
    deploy = workflow(ON_PUSH, "python scripts/schedule_monitor.py", job="deploy")
    automated = repo(
        {**PROJECT, "scripts/schedule_monitor.py": SAGEMAKER_SCHEDULE, ".github/workflows/deploy.yml": deploy},
        name="ci",
    )
    outcome, _ = check(automated, M.Monitor7)
    assert outcome.score == 1.0 and "registered by an automated job" in details(outcome)


def test_monitor7_offline_accuracy_is_not_served_quality(repo):
    evaluate = (
        "from sklearn.metrics import accuracy_score\n\n\ndef evaluate(y, pred):\n    return accuracy_score(y, pred)\n"
    )
    outcome, _ = check(repo({**PROJECT, "src/churn/evaluate.py": evaluate}), M.Monitor7)
    assert outcome.score == 0.0 and outcome.missing


# -- config ----------------------------------------------------------------------------------------------
def test_history_limits_are_validated_config_keys():
    config = parse_config({"history_max_commits": 50, "history_max_days": 90, "model_max_age_days": 30}, "test")
    assert (config.history_max_commits, config.history_max_days, config.model_max_age_days) == (50, 90, 30)
    for bad in ({"history_max_commits": 0}, {"history_max_days": "a year"}, {"model_max_age_days": True}):
        with pytest.raises(ConfigError, match="must be a positive whole number"):
            parse_config(bad, "test")


def test_full_audit_reports_every_monitoring_test(repo):
    report = audit(repo({**PROJECT, "src/churn/serve.py": SERVE, ".github/dependabot.yml": DEPENDABOT_YML}))
    scores = {item.id: item.score for item in report.section("monitor").items}
    assert scores == {
        "monitor-1": 1.0,
        "monitor-2": 0.5,
        "monitor-3": 0.5,
        "monitor-4": 0.0,
        "monitor-5": 0.0,
        "monitor-6": 0.0,
        "monitor-7": 0.0,
    }
    assert not [w for w in report.warnings if "failed" in w.message]


# -- more evidence shapes ------------------------------------------------------------------------------
def test_history_days_beyond_1970_still_read_the_history(tmp_path):
    root = make_repo(tmp_path / "r", {"models/model.pt": b"\x80\x02torch"}, commit=False)
    git_commit_all(root, "model", env=dated(400))
    outcome, _ = check(root, M.Monitor4, {"history_max_days": 30000})
    assert "model last changed 400 days ago" in outcome.reason


def test_monitor1_renovate_config_is_automated(repo):
    outcome, _ = check(repo({**PROJECT, "renovate.json": '{"extends": ["config:recommended"]}\n'}), M.Monitor1)
    assert outcome.score == 1.0 and "renovate.json Renovate configuration [Renovate app]" in details(outcome)


def test_monitor6_terraform_alarm_applied_by_ci_is_automated(repo):
    alarm = """
    resource "aws_cloudwatch_metric_alarm" "churn_p99_latency" {
      alarm_name          = "churn-endpoint-p99-latency"
      namespace           = "AWS/SageMaker"
      metric_name         = "ModelLatency"
      extended_statistic  = "p99"
      comparison_operator = "GreaterThanThreshold"
      threshold           = 250000
      evaluation_periods  = 3
      period              = 300
    }
    """
    files = {**PROJECT, "infra/alarms.tf": alarm}
    applied = repo(
        {
            **files,
            ".github/workflows/infra.yml": workflow(
                ON_PUSH, "terraform -chdir=infra init", "terraform -chdir=infra apply -auto-approve", job="infra"
            ),
        },
        name="applied",
    )
    outcome, _ = check(applied, M.Monitor6)
    assert outcome.score == 1.0
    assert outcome.evidence[0].detail == "Terraform aws_cloudwatch_metric_alarm 'churn_p99_latency'"
    assert "terraform -chdir=infra apply -auto-approve" in outcome.evidence[0].runner
    outcome, _ = check(repo(files, name="plan"), M.Monitor6)
    assert outcome.score == 0.5


def test_monitor7_cloudformation_and_grafana_alerts_are_found(repo):
    template = """
    AWSTemplateFormatVersion: "2010-09-09"
    Resources:
      ChurnPredictionBiasAlarm:
        Type: AWS::CloudWatch::Alarm
        Properties:
          MetricName: churn_prediction_mean
          Namespace: Churn/Model
          Threshold: 0.35
          ComparisonOperator: GreaterThanThreshold
    """
    grafana = """
    apiVersion: 1
    groups:
      - orgId: 1
        name: churn-quality
        folder: ml
        interval: 5m
        rules:
          - uid: churn-auc
            title: Churn AUC below 0.75
            condition: C
            data:
              - refId: A
                datasourceUid: prometheus
                model:
                  expr: churn_model_auc_7d
    """
    root = repo(
        {**PROJECT, "cloudformation/monitoring.yaml": template, "grafana/provisioning/alerting/quality.yaml": grafana}
    )
    outcome, _ = check(root, M.Monitor7)
    assert outcome.score == 0.5  # neither is deployed by anything in the repository
    text = details(outcome)
    assert "CloudFormation AWS::CloudWatch::Alarm 'ChurnPredictionBiasAlarm'" in text
    assert "Grafana alert rule 'Churn AUC below 0.75'" in text


def test_monitor2_sagemaker_schedule_declared_in_cloudformation_counts_when_ci_deploys_it(repo):
    template = """
    AWSTemplateFormatVersion: "2010-09-09"
    Resources:
      ChurnDataQualitySchedule:
        Type: AWS::SageMaker::MonitoringSchedule
        Properties:
          MonitoringScheduleName: churn-data-quality
          MonitoringScheduleConfig:
            MonitoringType: DataQuality
            ScheduleConfig:
              ScheduleExpression: cron(0 * ? * * *)
    """
    deploy = workflow(
        ON_PUSH,
        "aws cloudformation deploy --stack-name churn-monitoring --template-file cloudformation/monitoring.yaml",
        job="deploy",
    )
    deployed = repo(
        {**PROJECT, "cloudformation/monitoring.yaml": template, ".github/workflows/deploy.yml": deploy}, name="deployed"
    )
    outcome, _ = check(deployed, M.Monitor2)
    assert outcome.score == 1.0 and "monitoring schedule: Type: AWS::SageMaker::MonitoringSchedule" in details(outcome)
    outcome, _ = check(repo({**PROJECT, "cloudformation/monitoring.yaml": template}, name="undeployed"), M.Monitor2)
    assert outcome.score == 0.5 and "(nothing deploys it)" in details(outcome)


def test_monitor3_tfdv_skew_detection_as_a_pipeline_stage_is_automated(repo):
    validate = """
    import tensorflow_data_validation as tfdv

    schema = tfdv.load_schema_text("schema/schema.pbtxt")
    tfdv.get_feature(schema, "payment_type").skew_comparator.infinity_norm.threshold = 0.01
    training = tfdv.load_statistics("stats/train.tfrecord")
    serving = tfdv.load_statistics("stats/serving.tfrecord")
    anomalies = tfdv.validate_statistics(training, schema, serving_statistics=serving)
    """
    stage = "stages:\n  skew:\n    cmd: python src/churn/validate_skew.py\n    deps:\n      - stats\n"
    outcome, _ = check(
        repo({**PROJECT, "src/churn/validate_skew.py": validate, "dvc.yaml": stage}, name="stage"), M.Monitor3
    )
    assert outcome.score == 1.0 and "TFDV training/serving skew detection (skew_comparator)" in details(outcome)
    assert "dvc.yaml stage 'skew'" in outcome.evidence[0].runner
    outcome, _ = check(repo({**PROJECT, "src/churn/validate_skew.py": validate}, name="script"), M.Monitor3)
    assert outcome.score == 0.5


def test_score_history_measures_model_age_as_of_each_commit(tmp_path):
    from mltestscore.history import open_history

    root = make_repo(tmp_path / "r", {**PROJECT, "models/model.joblib": b"\x80\x04model"}, commit=False)
    git_commit_all(root, "ship model", env=dated(400))
    write_tree(root, {"README.md": "# churn\n"})
    git_commit_all(root, "docs", env=dated(10))
    run = open_history(root, None)
    try:
        points = list(run.audit_each())
    finally:
        run.close()
    assert [p.subject for p in points] == ["ship model", "docs"]
    # as of its own commit the model was fresh (monitor-4: 0.5); 390 days later it is stale (0)
    assert [p.sections["monitor"] for p in points] == [0.5, 0.0]
    assert [p.warnings for p in points] == [0, 0]
