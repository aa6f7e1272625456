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


# -- infra-6: Helm-templated weights ----------------------------------------------------------------
VIRTUAL_SERVICE = """
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
spec:
  http:
  - route:
    - destination: {host: stable}
      weight: {{ .Values.traffic.stable }}
    - destination: {host: candidate}
      weight: {{ .Values.traffic.candidate }}
"""


def test_helm_weights_resolved_from_values_count_fully_when_ci_deploys_the_chart(repo):
    files = {
        "deploy/serving/Chart.yaml": "apiVersion: v2\nname: serving\nversion: 1.0.0\n",
        "deploy/serving/values.yaml": "traffic:\n  stable: 80\n  candidate: 20\n",
        "deploy/serving/templates/vs.yaml": VIRTUAL_SERVICE,
    }
    by_hand = repo(files, name="by_hand")
    item = audit(by_hand).item("infra-6")
    assert item.score == 0.5 and "weighted route 80%" in item.evidence[0].detail
    deployed = repo(
        {
            **files,
            ".github/workflows/cd.yml": PUSH_CI.format(command="helm upgrade --install serving deploy/serving"),
            "pipeline/train.py": TRAIN,
        },
        name="deployed",
    )
    assert audit(deployed).item("infra-6").score == 1.0


def test_helm_weight_of_zero_or_hundred_is_no_split(repo):
    root = repo(
        {
            "chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\n",
            "chart/values.yaml": "traffic:\n  stable: 100\n  candidate: 0\n",
            "chart/templates/vs.yaml": VIRTUAL_SERVICE,
        }
    )
    assert audit(root).item("infra-6").score == 0.0


def test_a_range_sanity_check_on_a_metric_is_no_gate(repo):
    root = repo(
        {
            "pipeline/train.py": TRAIN,
            "tests/test_train.py": "from pipeline.train import joblib\n\ndef test_score():\n    cv_score = 0.7\n    assert 0 <= cv_score <= 1\n    assert cv_score > 0\n",
            ".github/workflows/release.yml": PUSH_CI.format(command="pytest tests"),
        }
    )
    assert audit(root).item("infra-4").score == 0.0


def test_a_metric_chosen_stage_or_a_decision_flag_guarding_promotion_is_a_gate(repo):
    chosen = repo(
        {
            "pipeline/train.py": TRAIN,
            "pipeline/registry.py": """
                from mlflow.tracking import MlflowClient

                def promote(name, version, recall, threshold):
                    stage = "Production" if recall >= threshold else "Staging"
                    MlflowClient().transition_model_version_stage(name=name, version=version, stage=stage)
                """,
            ".github/workflows/release.yml": PUSH_CI.format(command="python pipeline/registry.py"),
        },
        name="chosen",
    )
    assert audit(chosen).item("infra-4").score == 1.0
    flagged = repo(
        {
            "pipeline/train.py": TRAIN,
            "pipeline/release.py": """
                class Check:
                    def passes(self, mae, max_mae):
                        return mae < max_mae

                def main(model, mae):
                    model_passes = Check().passes(mae, 3.0)
                    if model_passes:
                        model.promote_to_prod()
                """,
            ".github/workflows/release.yml": PUSH_CI.format(command="python pipeline/release.py"),
        },
        name="flagged",
    )
    assert audit(flagged).item("infra-4").score == 1.0


def test_training_that_keeps_the_best_epoch_and_registers_by_flag_is_no_gate(repo):
    root = repo(
        {
            "pipeline/train.py": """
                import mlflow
                best_acc = 0.0
                for acc in (0.5, 0.7):
                    if acc > best_acc:
                        best_acc = acc
                if __name__ == "__main__":
                    mlflow.register_model("runs:/1/model", "clf")
                """,
            ".github/workflows/release.yml": PUSH_CI.format(command="python pipeline/train.py"),
        }
    )
    assert audit(root).item("infra-4").score < 1.0
