"""Wiring: what runs a file on its own, through make, tox, nox, scripts, pre-commit and dvc."""

from mltestscore.context import AuditContext

MODEL = """
import torch
from torch import nn


class ChurnNet(nn.Module):
    def __init__(self, n_features: int):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(n_features, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, x):
        return self.layers(x)
"""

TEST_MODEL = """
import torch

from churn.model import ChurnNet


def test_output_shape():
    net = ChurnNet(n_features=4)
    assert net(torch.zeros(8, 4)).shape == (8, 1)
"""

WORKFLOW = """
name: tests
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: {command}
"""


def runners(root, path):
    ctx = AuditContext(root)
    try:
        return ctx.wiring.runners_for(path)
    finally:
        ctx.close()


def base_files(**extra):
    files = {
        "src/churn/__init__.py": "",
        "src/churn/model.py": MODEL,
        "tests/test_model.py": TEST_MODEL,
        "pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
    }
    files.update(extra)
    return files


def test_plain_pytest_in_push_job_runs_every_test_under_testpaths(repo):
    root = repo(base_files(**{".github/workflows/ci.yml": WORKFLOW.format(command="pytest")}))
    found = runners(root, "tests/test_model.py")
    assert len(found) == 1
    assert found[0].automatic and found[0].kind == "ci"
    assert "job 'test'" in found[0].describe() and "push" in found[0].describe()


def test_pytest_on_other_folder_does_not_reach_the_file(repo):
    root = repo(base_files(**{".github/workflows/ci.yml": WORKFLOW.format(command="pytest tests/integration")}))
    assert runners(root, "tests/test_model.py") == []


def test_make_target_chain(repo):
    root = repo(
        base_files(
            **{
                "Makefile": ".PHONY: test lint\nlint:\n\truff check .\n\ntest: lint\n\t@python -m pytest tests -q\n",
                ".github/workflows/ci.yml": WORKFLOW.format(command="make test"),
            }
        )
    )
    found = runners(root, "tests/test_model.py")
    assert found and found[0].automatic
    assert "make test" in found[0].describe()


def test_tox_and_nox_sessions(repo):
    root = repo(
        base_files(
            **{
                "tox.ini": "[tox]\nenvlist = py311\n\n[testenv]\ndeps = pytest\ncommands =\n    pytest {posargs} tests\n",
                "noxfile.py": 'import nox\n\n\n@nox.session\ndef tests(session):\n    session.install("pytest")\n    session.run("pytest", "tests")\n',
                ".github/workflows/tox.yml": WORKFLOW.format(command="tox -e py311"),
                ".gitlab-ci.yml": "tests:\n  script:\n    - nox -s tests\n",
            }
        )
    )
    described = [r.describe() for r in runners(root, "tests/test_model.py")]
    assert any("tox -e py311" in d for d in described)
    assert any("nox -s tests" in d and ".gitlab-ci.yml" in d for d in described)


def test_shell_script_and_poetry_wrapper(repo):
    root = repo(
        base_files(
            **{
                "scripts/ci.sh": "#!/usr/bin/env bash\nset -euo pipefail\npoetry run pytest tests/\n",
                ".github/workflows/ci.yml": WORKFLOW.format(command="bash scripts/ci.sh"),
            }
        )
    )
    found = runners(root, "tests/test_model.py")
    assert found and "scripts/ci.sh" in found[0].describe()


def test_dispatch_only_job_is_manual(repo):
    workflow = WORKFLOW.format(command="pytest").replace("on: [push, pull_request]", "on: workflow_dispatch")
    root = repo(base_files(**{".github/workflows/ci.yml": workflow}))
    found = runners(root, "tests/test_model.py")
    assert found and not found[0].automatic


def test_dvc_repro_in_ci_reaches_stage_scripts(repo):
    root = repo(
        base_files(
            **{
                "dvc.yaml": "stages:\n  train:\n    cmd: python src/churn/train.py\n    deps: [src/churn/train.py]\n    outs: [model.pt]\n",
                "src/churn/train.py": "print('train')\n",
                ".github/workflows/ci.yml": WORKFLOW.format(command="dvc repro"),
            }
        )
    )
    found = runners(root, "src/churn/train.py")
    kinds = {(r.kind, r.automatic) for r in found}
    assert ("ci", True) in kinds and ("pipeline", True) in kinds
    assert "dvc.yaml stage 'train'" in found[0].describe()


def test_precommit_local_hook_runs_script(repo):
    root = repo(
        base_files(
            **{
                ".pre-commit-config.yaml": "repos:\n  - repo: local\n    hooks:\n      - id: validate\n        name: validate data\n        entry: python scripts/validate.py\n        language: system\n        pass_filenames: false\n",
                "scripts/validate.py": "print('ok')\n",
            }
        )
    )
    found = runners(root, "scripts/validate.py")
    assert found and found[0].kind == "pre-commit"


def test_submitted_job_spec_entrypoint_is_followed(repo):
    root = repo(
        base_files(
            **{
                "deploy/jobs/workloads.yaml": "name: workloads\nruntime_env:\n  working_dir: .\nentrypoint: bash deploy/jobs/workloads.sh\n",
                "deploy/jobs/workloads.sh": "#!/bin/bash\nexport PYTHONPATH=$PWD\npython -m pytest tests --verbose > results.txt\n",
                ".github/workflows/ci.yml": WORKFLOW.format(
                    command="anyscale jobs submit deploy/jobs/workloads.yaml --wait"
                ),
            }
        )
    )
    found = runners(root, "tests/test_model.py")
    assert found and found[0].automatic
    assert "deploy/jobs/workloads.yaml → deploy/jobs/workloads.sh" in found[0].describe()


def test_working_directory_cd_and_coverage_wrapper(repo):
    workflow = """
name: tests
on: [push]
defaults:
  run:
    working-directory: .
jobs:
  unit:
    runs-on: ubuntu-latest
    steps:
      - name: Testing
        working-directory: tests/unit
        run: |
          python -m coverage run --source churn \\
            -m pytest . -v --timeout 90 -o junit_family=legacy
  smoke:
    runs-on: ubuntu-latest
    steps:
      - run: |
          cd tests/smoke
          pytest --ignore tests/unit
"""
    root = repo(
        base_files(
            **{
                "tests/unit/test_model.py": TEST_MODEL,
                "tests/smoke/test_smoke.py": TEST_MODEL,
                "tests/other/test_x.py": TEST_MODEL,
                ".github/workflows/ci.yml": workflow,
            }
        )
    )
    assert runners(root, "tests/unit/test_model.py")[0].describe().startswith(".github/workflows/ci.yml job 'unit'")
    assert runners(root, "tests/smoke/test_smoke.py")[0].describe().startswith(".github/workflows/ci.yml job 'smoke'")
    assert runners(root, "tests/other/test_x.py") == []


JUSTFILE = """
set dotenv-load

# list recipes
default:
    @just --list

alias t := test

install:
    uv sync --frozen

# run the unit tests
test *ARGS: install
    uv run pytest tests {{ARGS}}

train epochs="10":
    uv run python src/churn/train.py --epochs {{epochs}}
"""


def test_just_recipe_with_dependencies_and_alias(repo):
    root = repo(
        base_files(
            **{
                "justfile": JUSTFILE,
                ".github/workflows/ci.yml": WORKFLOW.format(command="just t -x"),
                ".gitlab-ci.yml": "train:\n  script:\n    - just train 3\n",
                "src/churn/train.py": "print('train')\n",
            }
        )
    )
    found = runners(root, "tests/test_model.py")
    assert found and found[0].automatic
    assert "just t" in found[0].describe()
    trained = runners(root, "src/churn/train.py")
    assert trained and "just train" in trained[0].describe() and ".gitlab-ci.yml" in trained[0].describe()


def test_just_without_a_recipe_runs_the_first_one(repo):
    root = repo(
        base_files(
            **{
                "justfile": "check: lint\n    uv run pytest\n\nlint:\n    ruff check .\n",
                ".github/workflows/ci.yml": WORKFLOW.format(command="just"),
            }
        )
    )
    assert runners(root, "tests/test_model.py")


def test_mise_toml_tasks_and_file_tasks(repo):
    root = repo(
        base_files(
            **{
                "mise.toml": """
[tools]
python = "3.11"

[tasks.ci]
depends = ["test"]
run = "echo done"

[tasks.test]
description = "unit tests"
run = ["uv sync", "uv run pytest tests -q"]
alias = "t"
""",
                "mise-tasks/data/validate": "#!/usr/bin/env python\nprint('validate')\n",
                ".github/workflows/ci.yml": WORKFLOW.format(command="mise run ci"),
                ".github/workflows/data.yml": WORKFLOW.format(command="mise run data:validate"),
            }
        )
    )
    found = runners(root, "tests/test_model.py")
    assert found and found[0].automatic and "mise run test" in found[0].describe()
    validated = runners(root, "mise-tasks/data/validate")
    assert validated and "mise run data:validate" in validated[0].describe()


def test_poe_tasks_from_pyproject(repo):
    pyproject = """
[tool.pytest.ini_options]
testpaths = ["tests"]

[tool.poe.tasks]
lint = "ruff check ."
unit = { cmd = "pytest tests -q", help = "unit tests" }
check = ["lint", "unit"]
"""
    root = repo(
        base_files(
            **{"pyproject.toml": pyproject, ".github/workflows/ci.yml": WORKFLOW.format(command="poetry run poe check")}
        )
    )
    found = runners(root, "tests/test_model.py")
    assert found and found[0].automatic and "poe unit" in found[0].describe()


def test_unrelated_runner_words_reach_nothing(repo):
    root = repo(
        base_files(
            **{
                "justfile": "docs:\n    mkdocs build\n",
                "mise.toml": '[tasks.docs]\nrun = "mkdocs build"\n',
                ".github/workflows/ci.yml": WORKFLOW.format(command="just docs && mise run docs && poe docs"),
            }
        )
    )
    assert runners(root, "tests/test_model.py") == []


def test_separators_inside_quotes_do_not_split_a_command(repo):
    # A message that mentions pytest after a `;` is not a pytest run.
    command = 'echo "unit tests moved to nightly; pytest tests is not run here" && ruff check .'
    root = repo(base_files(**{".github/workflows/ci.yml": WORKFLOW.format(command=f"'{command}'")}))
    assert runners(root, "tests/test_model.py") == []


def test_lefthook_commands_start_like_pre_commit_hooks(repo):
    lefthook = """
pre-commit:
  parallel: true
  commands:
    lint:
      glob: "*.py"
      run: uv run ruff check {staged_files}
pre-push:
  commands:
    test:
      run: uv run pytest tests -q
"""
    root = repo(base_files(**{"lefthook.yml": lefthook}))
    found = runners(root, "tests/test_model.py")
    assert found and found[0].kind == "pre-commit" and found[0].automatic
    assert "lefthook.yml" in found[0].describe() and "pre-push: test" in found[0].describe()
