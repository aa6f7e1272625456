"""monitor-7: a model-quality check step inside the pipeline that trains the model scores the candidate
on held-out data, not the predictions the served model makes; the same step in a pipeline of its own
over captured predictions is monitoring."""

from __future__ import annotations

from conftest import audit

CRON = """
on:
  schedule:
    - cron: "0 3 * * *"
jobs:
  run:
    runs-on: ubuntu-latest
    steps:
      - run: python {script}
"""
CHECK = """
check = QualityCheckStep(
    name="ModelQuality",
    quality_check_config=ModelQualityCheckConfig(
        baseline_dataset=predictions_uri,
        dataset_format=DatasetFormat.csv(header=False),
        output_s3_uri="s3://bucket/quality",
        problem_type="BinaryClassification",
        inference_attribute="_c0",
        ground_truth_attribute="_c1",
    ),
    check_job_config=check_job,
    skip_check=False,
    register_new_baseline=False,
)
"""
IMPORTS = """
from sagemaker.drift_check_baselines import DriftCheckBaselines
from sagemaker.model_monitor.dataset_format import DatasetFormat
from sagemaker.workflow.check_job_config import CheckJobConfig
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.quality_check_step import ModelQualityCheckConfig, QualityCheckStep
from sagemaker.workflow.steps import TrainingStep
"""


def test_quality_check_step_in_the_training_pipeline_is_no_served_monitoring(repo):
    root = repo(
        {
            "pipelines/build.py": IMPORTS
            + """
check_job = CheckJobConfig(role="arn", instance_count=1, instance_type="ml.m5.xlarge")
train = TrainingStep(name="Train", estimator=xgb, inputs={"train": train_uri})
predictions_uri = "s3://bucket/test-predictions"
"""
            + CHECK
            + 'pipeline = Pipeline(name="build", steps=[train, check])\npipeline.upsert(role_arn="arn")\npipeline.start()\n',
            ".github/workflows/build.yml": CRON.format(script="pipelines/build.py"),
        }
    )
    assert audit(root).item("monitor-7").score == 0.0


def test_quality_check_step_over_captured_predictions_on_a_schedule_is_monitoring(repo):
    root = repo(
        {
            "pipelines/monitor.py": IMPORTS
            + """
check_job = CheckJobConfig(role="arn", instance_count=1, instance_type="ml.m5.xlarge")
predictions_uri = "s3://bucket/datacapture/merged-with-labels"
"""
            + CHECK
            + 'pipeline = Pipeline(name="monitor", steps=[check])\npipeline.upsert(role_arn="arn")\npipeline.start()\n',
            ".github/workflows/monitor.yml": CRON.format(script="pipelines/monitor.py"),
        }
    )
    assert audit(root).item("monitor-7").score == 1.0
