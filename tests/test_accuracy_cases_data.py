"""Accuracy cases for data, model and import resolution: small repositories, each a shape where the
audit and a careful human auditor (RUBRIC.md) disagreed. Each case file under tests/data/accuracy_cases
is a repository in one file (`=== path` starts a file); the test commits it with real git, audits
it, and asserts the score RUBRIC.md asks for. Variants below check the general cause, not the case.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import audit, make_repo

from mltestscore.index.own_output import is_own_output
from mltestscore.report import html as html_report
from mltestscore.report import terminal

CASES = Path(__file__).parent / "data" / "accuracy_cases"


def case_files(name: str) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {}
    current, lines = None, []
    for line in (CASES / f"{name}.txt").read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("=== "):
            if current:
                files[current] = "".join(lines).encode()
            current, lines = line[4:].strip(), []
        else:
            lines.append(line)
    if current:
        files[current] = "".join(lines).encode()
    return files


def audit_case(tmp_path: Path, name: str, extra: dict[str, str | bytes] | None = None):
    files = case_files(name)
    files.update(extra or {})
    return audit(make_repo(tmp_path / name, files))


EXPECTED = [
    ("r01_privacy_hygiene", {"data-5": 0}),
    ("r01b_privacy_gitleaks", {"data-5": 0}),
    ("r02_pins", {"monitor-1": 0}),
    ("r08_feature_method", {"data-7": 1}),
    ("r08b_datamodule", {"data-7": 1}),
    ("r08c_columntransformer", {"data-7": 1}),
    ("r09_sibling_imports", {"monitor-3": 0.5}),
    ("r09c_test_parent_import", {"infra-2": 1}),
    ("r10_assert_expectations", {"data-1": 1}),
    ("r12_notebook_continuation", {"model-3": 0.5}),
    ("r13_strict_schema_data4", {"data-4": 0}),
    ("r14_profile_not_feature_cost", {"data-3": 0}),
    ("r22_non_ml_models", {"infra-2": 0, "model-1": 0}),
]


@pytest.mark.parametrize(("name", "expected"), EXPECTED, ids=[name for name, _ in EXPECTED])
def test_accuracy_case(tmp_path, name, expected):
    report = audit_case(tmp_path, name)
    got = {test_id: report.item(test_id).score for test_id in expected}
    assert got == expected, {t: report.item(t).reason for t in expected}


# -- data-5: controls on the data count; hygiene and settings on other resources are context -------
BUCKET = """
resource "aws_s3_bucket" "training_data" {
  bucket = "acme-training-data"
}

resource "aws_s3_bucket_lifecycle_configuration" "training_data" {
  bucket = aws_s3_bucket.training_data.id
  rule {
    id     = "expire-raw"
    status = "Enabled"
    expiration {
      days = 90
    }
  }
}

resource "aws_kinesis_stream" "clicks" {
  name             = "clicks"
  retention_period = 24
  kms_key_id       = "alias/aws/kinesis"
}
"""


def test_data5_retention_on_a_data_store_counts_and_a_stream_does_not(tmp_path):
    deploy = "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: terraform apply -auto-approve\n"
    stream_only = "\n".join(BUCKET.split("\n")[-6:])
    result = audit_case(tmp_path, "r01_privacy_hygiene", {"infra/main.tf": stream_only}).item("data-5")
    assert result.score == 0 and all(e.is_context for e in result.evidence)
    assert any("aws_kinesis_stream clicks" in e.detail for e in result.evidence)
    root = tmp_path / "bucket"
    result = audit(make_repo(root, {"infra/main.tf": BUCKET, ".github/workflows/deploy.yml": deploy})).item("data-5")
    assert result.score == 1
    assert "on resource aws_s3_bucket_lifecycle_configuration training_data" in result.evidence[0].detail


def test_data5_cloudformation_key_on_a_bucket_counts_and_on_a_queue_does_not(tmp_path):
    template = """
Resources:
  Events:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: alias/aws/sqs
  Raw:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: raw-data
"""
    queue = audit(make_repo(tmp_path / "queue", {"template.yaml": template.replace("KmsMasterKeyId", "KmsKeyId")}))
    assert queue.item("data-5").score == 0
    bucket = template + "      BucketEncryption:\n        KmsKeyId: alias/data\n"
    result = audit(make_repo(tmp_path / "bucket", {"template.yaml": bucket})).item("data-5")
    assert result.score == 0.5 and "AWS::S3::Bucket" in result.evidence[0].detail


def test_context_evidence_is_shown_as_context_in_terminal_html_and_json(tmp_path):
    from mltestscore.report import json_report

    report = audit_case(tmp_path, "r01b_privacy_gitleaks")
    text = terminal.render(report, width=160)
    assert "context, 0 pts: .pre-commit-config.yaml" in text
    page = html_report.render(report)
    assert '<li class="context"><span class="ctx">context, 0 pts</span>' in page
    data = json.loads(json_report.render(report))
    [item] = [i for i in data["sections"]["data"]["items"] if i["id"] == "data-5"]
    assert item["score"] == 0 and [e["kind"] for e in item["evidence"]] == ["context"]


# -- data-7: feature code is found by what it does ------------------------------------------------
CI = "on: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest tests\n"


@pytest.mark.parametrize(
    "code",
    [
        "import pandas as pd\n\ndef run(df):\n    return pd.get_dummies(df, columns=['city'])\n",
        "import albumentations as A\n\nAUG = A.Compose([A.HorizontalFlip(p=0.5)])\n\ndef run(image):\n    return AUG(image=image)\n",
        "from sklearn.compose import make_column_transformer\nfrom sklearn.preprocessing import StandardScaler\n\n"
        "def run(df):\n    return make_column_transformer((StandardScaler(), ['age'])).fit_transform(df)\n",
        "class Pipeline:\n    def prepare_inputs(self, x):\n        return x\n\n    def _build_feature(self, row):\n        return row['a'] * 2\n",
    ],
    ids=["get_dummies", "albumentations", "make_column_transformer", "method_build_feature"],
)
def test_data7_feature_code_under_any_module_name(tmp_path, code):
    test = "from shop.core import run\n\ndef test_run():\n    assert run is not None\n"
    if "class Pipeline" in code:
        test = "from shop.core import Pipeline\n\ndef test_feature():\n    assert Pipeline()._build_feature({'a': 2}) == 4\n"
    files = {"src/shop/__init__.py": "", "src/shop/core.py": code, "tests/test_core.py": test}
    report = audit(make_repo(tmp_path / "r", {**files, ".github/workflows/ci.yml": CI}))
    assert report.item("data-7").score == 1, report.item("data-7").reason


def test_data7_a_split_or_a_model_fit_is_not_feature_code(tmp_path):
    code = (
        "from sklearn.model_selection import train_test_split\nfrom sklearn.linear_model import LogisticRegression\n\n"
        "def run(x, y):\n    a, b, c, d = train_test_split(x, y)\n    return LogisticRegression().fit(a, c)\n"
    )
    test = "from shop.core import run\n\ndef test_run():\n    assert run is not None\n"
    files = {"src/shop/__init__.py": "", "src/shop/core.py": code, "tests/test_core.py": test}
    report = audit(make_repo(tmp_path / "r", {**files, ".github/workflows/ci.yml": CI}))
    assert report.item("data-7").score == 0


# -- imports resolve as Python resolves them ------------------------------------------------------
@pytest.mark.parametrize(
    "extra",
    [
        {
            "tests/conftest.py": "import os, sys\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'code'))\n"
        },
        {
            "tests/conftest.py": "import sys\nfrom pathlib import Path\nsys.path.append(str(Path(__file__).resolve().parents[1] / 'code'))\n"
        },
        {"pytest.ini": "[pytest]\npythonpath = code\n"},
    ],
    ids=["conftest_os_path", "conftest_pathlib", "pytest_pythonpath"],
)
def test_imports_resolve_through_conftest_inserts_and_pytest_pythonpath(tmp_path, extra):
    files = {
        "code/model.py": "import torch\n\nclass Net(torch.nn.Module):\n    def forward(self, x):\n        return x\n",
        "tests/test_net.py": "import model\n\ndef test_forward():\n    assert model.Net()(1) == 1\n",
        ".github/workflows/ci.yml": CI,
        **extra,
    }
    report = audit(make_repo(tmp_path / "r", files))
    assert report.item("infra-2").score == 1, report.item("infra-2").reason


def test_a_bare_import_with_no_such_module_anywhere_resolves_to_nothing(tmp_path):
    files = {
        "code/model.py": "import torch\n\nclass Net(torch.nn.Module):\n    pass\n",
        "tests/test_net.py": "import model\n\ndef test_forward():\n    assert model\n",
        ".github/workflows/ci.yml": CI,
    }
    assert audit(make_repo(tmp_path / "r", files)).item("infra-2").score == 0


# -- data-1: plain asserts on real data ------------------------------------------------------------
def test_data1_dtype_only_asserts_on_real_data_are_half(tmp_path):
    test = (
        "import pandas as pd\n\ndef test_types():\n    df = pd.read_csv('data/diabetes.csv')\n"
        "    assert df['age'].dtype == float\n    assert len(df.columns) == 4\n"
    )
    result = audit_case(tmp_path, "r10_assert_expectations", {"tests/test_data.py": test}).item("data-1")
    assert result.score == 0.5 and "structural" in result.reason


def test_data1_asserts_on_a_frame_the_test_builds_are_no_schema_of_the_data(tmp_path):
    test = "import pandas as pd\n\ndef test_frame():\n    df = pd.DataFrame({'a': [1]})\n    assert df['a'].notna().all()\n"
    result = audit_case(tmp_path, "r10_assert_expectations", {"tests/test_data.py": test}).item("data-1")
    assert result.score == 0


# -- notebooks parse per cell ------------------------------------------------------------------------
def _notebook(*cells: str) -> str:
    return json.dumps(
        {
            "cells": [
                {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": c}
                for c in cells
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


def test_notebook_magic_alone_in_a_block_and_a_broken_cell_do_not_hide_the_rest(tmp_path):
    notebook = _notebook(
        "import optuna\nIN_COLAB = True\n",
        "if IN_COLAB:\n    !pip install optuna \\\n        --quiet\n    %load_ext autoreload\n",
        "def broken(:\n    pass\n",
        "study = optuna.create_study(direction='maximize')\nstudy.optimize(lambda t: t.suggest_float('lr', 0, 1), n_trials=5)\n",
    )
    report = audit(make_repo(tmp_path / "nb", {"tune.ipynb": notebook}))
    assert report.item("model-3").score == 0.5, report.item("model-3").reason
    messages = [w.message for w in report.warnings if w.path == "tune.ipynb"]
    assert messages == ["Python syntax error cell 3, line 1; cell skipped"]


# -- data-3: cost per feature, not one timer around a whole step -----------------------------------
def test_data3_timer_in_a_loop_over_feature_functions_is_a_per_feature_cost(tmp_path):
    profile = (
        "import time\nimport pandas as pd\nfrom proj import features\n\n"
        "df = pd.read_csv('data/train.csv')\n"
        "for name in ['ratio']:\n    start = time.perf_counter()\n    features.build_features(df)\n"
        "    print(name, time.perf_counter() - start)\n"
    )
    result = audit_case(tmp_path, "r14_profile_not_feature_cost", {"src/proj/profile_training.py": profile})
    assert result.item("data-3").score == 0.5
    assert "in a loop" in result.item("data-3").evidence[0].detail


# -- model code is found by what it does -------------------------------------------------------------
def test_pydantic_api_models_are_not_ml_model_code_but_an_estimator_module_is(tmp_path):
    api = "from pydantic import BaseModel\n\nclass PredictRequest(BaseModel):\n    text: str\n"
    test = "from app.models import PredictRequest\n\ndef test_request():\n    assert PredictRequest(text='x').text == 'x'\n"
    files = {
        "src/app/__init__.py": "",
        "src/app/models.py": api,
        "tests/test_models.py": test,
        ".github/workflows/ci.yml": CI,
    }
    report = audit(make_repo(tmp_path / "api", files))
    assert report.item("infra-2").score == 0
    estimator = (
        api
        + "\nfrom sklearn.linear_model import LogisticRegression\n\ndef fit(x, y):\n    return LogisticRegression().fit(x, y)\n"
    )
    report = audit(make_repo(tmp_path / "ml", {**files, "src/app/models.py": estimator}))
    assert report.item("infra-2").score == 1


# -- tox substitutions run pytest like a bare pytest -------------------------------------------------
@pytest.mark.parametrize(
    "command",
    ["pytest {posargs}", "{envpython} -m pytest {toxinidir}/tests", "- {envbindir}/pytest {posargs:tests}"],
)
def test_tox_commands_with_substitutions_run_pytest(tmp_path, command):
    tox = f"[tox]\nenvlist = py311\n\n[testenv]\ndeps = pytest\ncommands =\n    {command}\n"
    ci = CI.replace("pytest tests", "tox -e py311")
    report = audit_case(tmp_path, "r08c_columntransformer", {"tox.ini": tox, ".github/workflows/ci.yml": ci})
    result = report.item("data-7")
    assert result.score == 1 and "tox -e py311" in result.evidence[0].runner


# -- GX 1.x: a checkpoint or validation definition fetched by name and run validates its suite -------
GX1 = {
    "gx/great_expectations.yml": "config_version: 4.0\n",
    "gx/expectations/taxi_suite.json": json.dumps(
        {
            "name": "taxi_suite",
            "expectations": [
                {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "fare"}},
                {"type": "expect_column_values_to_be_between", "kwargs": {"column": "fare", "min_value": 0}},
            ],
        }
    ),
    "gx/validation_definitions/taxi_vd.json": json.dumps(
        {"name": "taxi_vd", "data": {"asset": {"name": "taxi"}}, "suite": {"name": "taxi_suite", "id": "1"}}
    ),
    "gx/checkpoints/taxi_checkpoint.json": json.dumps(
        {"name": "taxi_checkpoint", "validation_definitions": [{"name": "taxi_vd", "id": "2"}], "actions": []}
    ),
}


@pytest.mark.parametrize(
    "call", ['context.checkpoints.get("taxi_checkpoint").run()', 'context.validation_definitions.get("taxi_vd").run()']
)
def test_gx1_checkpoint_or_validation_definition_run_by_name_validates_the_suite(tmp_path, call):
    script = f"import great_expectations as gx\n\ncontext = gx.get_context(mode='file')\nresult = {call}\n"
    ci = CI.replace("pytest tests", "python scripts/validate.py")
    files = {**GX1, "scripts/validate.py": script, ".github/workflows/ci.yml": ci}
    result = audit(make_repo(tmp_path / "gx", files)).item("data-1")
    assert result.score == 1 and result.evidence[0].path == "scripts/validate.py"


# -- the tool never reads its own output as evidence ---------------------------------------------------
def test_reports_baselines_and_badges_left_in_the_repository_are_not_evidence(tmp_path):
    import subprocess
    import sys

    from conftest import git_commit_all

    root = make_repo(tmp_path / "r", case_files("r08c_columntransformer"))
    before = {i.id: i.score for i in audit(root).items()}
    cli = [sys.executable, "-m", "mltestscore"]
    run = lambda *args: subprocess.run([*cli, *args], capture_output=True, text=True, check=False)  # noqa: E731
    formats = [arg for fmt in ("json", "html", "sarif", "junit", "gitlab") for arg in ("-f", fmt)]
    run("audit", str(root), "--no-cache", *formats, "--output-dir", str(root / "reports" / "ci"))
    run("audit", str(root), "--no-cache", "-f", "json", "-o", str(root / "score.json"))
    run("audit", str(root), "--no-cache", "-f", "markdown", "-o", str(root / "docs" / "ml-test-score.md"))
    run("baseline", "save", str(root))
    run("badge", str(root), "-o", str(root / "badge.svg"))
    run("badge", str(root), "--style", "endpoint", "-o", str(root / "badge.json"))
    written = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts)
    assert (
        "score.json" in written
        and "reports/ci/mltestscore.sarif" in written
        and ".mltestscore-baseline.json" in written
    )
    git_commit_all(root, "reports")
    report = audit(root)
    assert {i.id: i.score for i in report.items()} == before
    skipped = {w.path for w in report.warnings if "mltestscore's own output" in w.message}
    assert {"score.json", "badge.json", ".mltestscore-baseline.json", "reports/ci/mltestscore.json"} <= skipped
    ours = [p for p in written if p not in case_files("r08c_columntransformer")]
    assert len(ours) == 10 and all(is_own_output((root / p).read_bytes()) for p in ours)


def test_keywords_in_json_prose_are_not_config_evidence(tmp_path):
    notes = json.dumps({"title": "ideas", "notes": ["try TFX InfraValidator and FairnessIndicators later"]}, indent=1)
    config = json.dumps({"Resources": {"Variant": {"InitialVariantWeight": 0.1}}}, indent=1)
    report = audit(make_repo(tmp_path / "prose", {"notes/ideas.json": notes}))
    assert report.item("infra-6").score == 0 and report.item("model-7").score == 0
    report = audit(make_repo(tmp_path / "config", {"infra/endpoint.json": config}))
    assert report.item("infra-6").score > 0


# -- evidence must show what it claims -------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import mlflow\n\nmlflow.log_artifact('predictions.png')\n", 0),
        ("import wandb\n\nrun = wandb.init()\nart = wandb.Artifact('clf', type='model')\nrun.log_artifact(art)\n", 0.5),
        ("import mlflow\n\nmlflow.sklearn.log_model(m, 'model', registered_model_name='churn')\n", 0.5),
    ],
    ids=["mlflow_file", "wandb_model_artifact", "mlflow_registered"],
)
def test_infra7_a_logged_file_is_no_model_registry(tmp_path, code, expected):
    report = audit(make_repo(tmp_path / "r", {"src/train.py": code}))
    assert report.item("infra-7").score == expected, report.item("infra-7").evidence


@pytest.mark.parametrize(
    ("condition", "expected"),
    [("metric > 0.0", 0), ("0 <= accuracy <= 1", 0), ("accuracy >= 0.8", 1), ("rmse < baseline_rmse", 1)],
)
def test_infra4_a_range_check_is_not_a_quality_gate(tmp_path, condition, expected):
    test = (
        "from shop.train import evaluate\n\n"
        f"def test_quality():\n    metric = accuracy = rmse = baseline_rmse = evaluate()\n    assert {condition}\n"
    )
    files = {
        "src/shop/__init__.py": "",
        "src/shop/train.py": "def evaluate():\n    return 0.9\n",
        "tests/test_quality.py": test,
        ".github/workflows/ci.yml": CI,
    }
    report = audit(make_repo(tmp_path / "r", files))
    assert report.item("infra-4").score == expected, report.item("infra-4").reason
