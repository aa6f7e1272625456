"""infra-4: comparisons that decide a promotion are gates; evaluations that only report are 0.5."""

from __future__ import annotations

from conftest import audit

PUSH_CI = """
on: [push]
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - run: python pipeline/train.py
      - run: {command}
"""
TRAIN = (
    "import joblib\nfrom sklearn.linear_model import LogisticRegression\njoblib.dump(LogisticRegression(), 'm.pkl')\n"
)


def test_metric_comparison_approving_a_model_package_is_a_gate(repo):
    root = repo(
        {
            "pipeline/train.py": TRAIN,
            "pipeline/approve.py": """
                import boto3
                sm = boto3.client("sagemaker")
                candidate_rmse = 0.3
                if candidate_rmse <= 0.5:
                    sm.update_model_package(ModelPackageArn="arn", ModelApprovalStatus="Approved")
                """,
            ".github/workflows/release.yml": PUSH_CI.format(command="python pipeline/approve.py"),
        }
    )
    item = audit(root).item("infra-4")
    assert item.score == 1.0
    assert "decides the model's promotion" in item.evidence[0].detail


def test_cml_comment_carrying_metrics_is_manual_and_one_without_is_nothing(repo):
    with_metrics = repo(
        {
            "pipeline/train.py": TRAIN,
            ".github/workflows/release.yml": PUSH_CI.format(
                command="cat metrics.json >> report.md && cml comment create report.md"
            ),
        },
        name="with",
    )
    assert audit(with_metrics).item("infra-4").score == 0.5
    without = repo(
        {
            "pipeline/train.py": TRAIN,
            ".github/workflows/release.yml": PUSH_CI.format(
                command="echo done > report.md && cml comment create report.md"
            ),
        },
        name="without",
    )
    assert audit(without).item("infra-4").score == 0.0


def test_training_script_logging_metrics_of_the_model_it_fits_is_not_an_evaluation_of_a_candidate(repo):
    root = repo(
        {
            "pipeline/train.py": """
                import json
                from sklearn.linear_model import LogisticRegression
                from sklearn.metrics import accuracy_score
                model = LogisticRegression().fit([[0], [1]], [0, 1])
                json.dump({"acc": accuracy_score([0, 1], model.predict([[0], [1]]))}, open("m.json", "w"))
                """,
        }
    )
    assert audit(root).item("infra-4").score == 0.0
