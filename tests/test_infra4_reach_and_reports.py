"""infra-4: a promotion rule in a helper module counts when a pipeline step imports and uses it; a
training-loss bound in a unit test is no evaluation gate; an Evidently quality report in an evaluate
stage is a reported (0.5) evaluation."""

from __future__ import annotations

from conftest import audit

DVC = """
stages:
  train:
    cmd: python pipeline/train.py
    outs: [model.pkl]
  register:
    cmd: python pipeline/register.py
    deps: [model.pkl]
"""
TRAIN = "import joblib\nfrom sklearn.linear_model import LogisticRegression\njoblib.dump(LogisticRegression(), 'model.pkl')\n"


def test_promotion_rule_in_a_helper_used_by_a_pipeline_step_is_a_gate(repo):
    root = repo(
        {
            "dvc.yaml": DVC,
            "pipeline/train.py": TRAIN,
            "tracking/registry.py": """
                from mlflow.tracking import MlflowClient


                class Registry:
                    def __init__(self):
                        self.client = MlflowClient()

                    def promote(self, name, version, recall, threshold):
                        stage = "Production" if recall >= threshold else "Staging"
                        self.client.transition_model_version_stage(name=name, version=version, stage=stage)
                        return stage
                """,
            "pipeline/register.py": """
                import json

                from tracking.registry import Registry

                metrics = json.load(open("metrics.json"))
                Registry().promote("churn", 3, metrics["recall"], 0.7)
                """,
        }
    )
    item = audit(root).item("infra-4")
    assert item.score == 1.0
    assert item.evidence[0].path == "tracking/registry.py"
    assert "register" in (item.evidence[0].runner or "")


def test_overfit_one_batch_loss_assertion_is_no_evaluation_gate(repo):
    root = repo(
        {
            "src/net.py": "import torch\n\n\nclass Net(torch.nn.Module):\n    pass\n",
            "tests/test_net.py": """
                from pytorch_lightning import Trainer

                from src.net import Net


                def test_overfits_one_batch(batch):
                    trainer = Trainer(max_epochs=30, overfit_batches=1)
                    trainer.fit(Net(), batch)
                    assert trainer.logged_metrics["train_loss"].item() < 0.1
                """,
            ".github/workflows/tests.yml": "on: [push]\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n",
        }
    )
    assert audit(root).item("infra-4").score == 0.0


def test_quality_assertion_in_a_ci_test_still_gates(repo):
    root = repo(
        {
            "src/net.py": "import torch\n\n\nclass Net(torch.nn.Module):\n    pass\n",
            "tests/test_quality.py": """
                from src.net import Net


                def test_validation_accuracy(trained):
                    assert trained.metrics["val_accuracy"] > 0.8
                """,
            ".github/workflows/tests.yml": "on: [push]\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n",
        }
    )
    assert audit(root).item("infra-4").score == 1.0


def test_evidently_quality_report_of_an_evaluate_stage_is_reported(repo):
    root = repo(
        {
            "dvc.yaml": """
                stages:
                  train:
                    cmd: python stages/train.py
                    outs: [model.pkl]
                  evaluate:
                    cmd: python stages/evaluate.py
                    deps: [model.pkl]
                """,
            "stages/train.py": TRAIN.replace("model.pkl", "model.pkl"),
            "stages/evaluate.py": """
                import joblib
                import pandas as pd
                from dvclive import Live
                from evidently.metric_preset import RegressionPreset
                from evidently.report import Report

                model = joblib.load("model.pkl")
                test = pd.read_csv("test.csv")
                test["prediction"] = model.predict(test.drop(columns=["target"]))
                report = Report(metrics=[RegressionPreset()])
                report.run(reference_data=None, current_data=test)
                result = report.as_dict()["metrics"][0]["result"]["current"]
                with Live(dir="reports") as live:
                    live.log_metric("rmse", result["rmse"])
                """,
        }
    )
    item = audit(root).item("infra-4")
    assert item.score == 0.5
    assert item.evidence[0].path == "stages/evaluate.py"
