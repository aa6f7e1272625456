"""CI configs of every supported system become jobs with triggers and shell commands."""

from mltestscore.context import AuditContext
from mltestscore.evidence.ci import MANUAL, PULL_REQUEST, PUSH, SCHEDULE, split_commands

GITHUB_CI = """
name: CI
on:
  push:
    branches: [main]
  pull_request:
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Install
        run: |
          python -m pip install --upgrade pip
          pip install -r requirements.txt
      - name: Tests
        run: pytest -q tests/unit && echo done
"""

DISPATCH_ONLY = """
name: Evaluate
on: workflow_dispatch
jobs:
  evaluate:
    runs-on: ubuntu-latest
    steps:
      - run: python scripts/evaluate.py
"""

GITLAB = """
stages: [test, train]
default:
  image: python:3.11
.python:
  before_script:
    - pip install -r requirements.txt
unit:
  extends: .python
  stage: test
  script:
    - pytest tests/
nightly-train:
  stage: train
  rules:
    - if: $CI_PIPELINE_SOURCE == "schedule"
  script:
    - dvc repro
deploy:
  stage: train
  when: manual
  script:
    - ./deploy.sh
"""


def pipelines(root):
    ctx = AuditContext(root)
    try:
        return {p.path: p for p in ctx.ci}, ctx
    finally:
        ctx.close()


def test_github_actions_on_key_triggers_and_commands(repo):
    root = repo({".github/workflows/ci.yml": GITHUB_CI, ".github/workflows/eval.yml": DISPATCH_ONLY})
    found, _ = pipelines(root)
    ci = found[".github/workflows/ci.yml"]
    job = ci.jobs[0]
    assert ci.system == "github-actions"
    assert job.triggers == {PUSH, PULL_REQUEST}  # `on:` read despite YAML 1.1 turning it into True
    assert job.automatic
    commands = [c for step in job.steps for c in step.commands]
    assert commands == [
        "python -m pip install --upgrade pip",
        "pip install -r requirements.txt",
        "pytest -q tests/unit",
        "echo done",
    ]
    tests_step = job.steps[-1]
    assert tests_step.name == "Tests" and tests_step.line == 19
    assert job.steps[0].uses == "actions/checkout@v4"
    evaluate = found[".github/workflows/eval.yml"].jobs[0]
    assert evaluate.triggers == {MANUAL} and not evaluate.automatic


def test_reusable_workflow_inherits_caller_triggers(repo):
    root = repo(
        {
            ".github/workflows/reusable-tests.yml": """
            on: workflow_call
            jobs:
              run:
                runs-on: ubuntu-latest
                steps:
                  - run: pytest
        """,
            ".github/workflows/main.yml": """
            on:
              schedule:
                - cron: "0 4 * * *"
            jobs:
              call:
                uses: ./.github/workflows/reusable-tests.yml
        """,
        }
    )
    found, _ = pipelines(root)
    assert found[".github/workflows/reusable-tests.yml"].jobs[0].triggers == {SCHEDULE}


def test_gitlab_jobs_templates_rules_and_manual(repo):
    root = repo({".gitlab-ci.yml": GITLAB})
    found, _ = pipelines(root)
    jobs = {j.name: j for j in found[".gitlab-ci.yml"].jobs}
    assert set(jobs) == {"unit", "nightly-train", "deploy"}
    assert jobs["unit"].triggers == {PUSH}
    assert [c for s in jobs["unit"].steps for c in s.commands] == ["pip install -r requirements.txt", "pytest tests/"]
    assert jobs["nightly-train"].triggers == {SCHEDULE}
    assert jobs["deploy"].triggers == {MANUAL} and not jobs["deploy"].automatic


def test_other_ci_systems(repo):
    root = repo(
        {
            "azure-pipelines.yml": """
            trigger: [main]
            schedules:
              - cron: "0 0 * * 0"
                branches: {include: [main]}
            jobs:
              - job: test
                steps:
                  - script: pytest tests
                    displayName: Run tests
        """,
            ".circleci/config.yml": """
            version: 2.1
            jobs:
              build:
                docker: [{image: cimg/python:3.11}]
                steps:
                  - checkout
                  - run: make test
                  - run:
                      name: train
                      command: python train.py --smoke
        """,
            "Jenkinsfile": """
            pipeline {
              agent any
              triggers { cron('H 2 * * *') }
              stages {
                stage('Test') { steps { sh 'pytest -q' } }
                stage('Train') { steps { sh "dvc repro" } }
              }
            }
        """,
            "bitbucket-pipelines.yml": """
            pipelines:
              default:
                - step:
                    name: Unit tests
                    script:
                      - pytest
              custom:
                retrain:
                  - step:
                      script:
                        - dvc repro
        """,
            "buildspec.yml": """
            version: 0.2
            phases:
              build:
                commands:
                  - python -m pytest tests
        """,
        }
    )
    found, _ = pipelines(root)
    azure = found["azure-pipelines.yml"].jobs[0]
    assert {PUSH, SCHEDULE} <= azure.triggers
    assert ["pytest tests"] == [c for s in azure.steps for c in s.commands]
    circle = [c for s in found[".circleci/config.yml"].jobs[0].steps for c in s.commands]
    assert circle == ["make test", "python train.py --smoke"]
    jenkins = found["Jenkinsfile"].jobs[0]
    assert SCHEDULE in jenkins.triggers
    assert PUSH not in jenkins.triggers  # the push hook is set on the Jenkins server, not in the repo
    assert [c for s in jenkins.steps for c in s.commands] == ["pytest -q", "dvc repro"]
    bitbucket = {j.name: j for j in found["bitbucket-pipelines.yml"].jobs}
    assert bitbucket["Unit tests"].triggers == {PUSH}
    assert [j for j in bitbucket.values() if j.triggers == {MANUAL}]
    assert found["buildspec.yml"].jobs[0].steps[0].commands == ["python -m pytest tests"]


def test_malformed_workflow_is_a_warning_not_a_crash(repo):
    root = repo(
        {".github/workflows/broken.yml": "on: [push\njobs: {", ".github/workflows/list.yml": "- just\n- a list\n"}
    )
    found, ctx = pipelines(root)
    assert found == {}
    assert any(w.path == ".github/workflows/broken.yml" and "invalid YAML" in w.message for w in ctx.warnings)


def test_split_commands_handles_continuations_and_comments():
    script = "# setup\npip install \\\n  -r requirements.txt\nmake test || exit 1; echo ok\n"
    assert split_commands(script) == ["pip install -r requirements.txt", "make test", "exit 1", "echo ok"]
