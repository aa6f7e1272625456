"""Real-shaped repositories that run their checks through ML platforms (SageMaker, Kubeflow/Vertex,
Flyte, serving configs), written from each platform's documented syntax."""

SAGEMAKER_PIPELINE = '''
"""Churn model pipeline: preprocess, train, evaluate, register when the AUC is good enough."""
import os

import boto3
import sagemaker
from sagemaker.inputs import TrainingInput
from sagemaker.model_metrics import MetricsSource, ModelMetrics
from sagemaker.processing import ProcessingInput, ProcessingOutput, ScriptProcessor
from sagemaker.sklearn.estimator import SKLearn
from sagemaker.sklearn.processing import SKLearnProcessor
from sagemaker.workflow.condition_step import ConditionStep
from sagemaker.workflow.conditions import ConditionGreaterThanOrEqualTo
from sagemaker.workflow.functions import JsonGet
from sagemaker.workflow.parameters import ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.pipeline_context import PipelineSession
from sagemaker.workflow.properties import PropertyFile
from sagemaker.workflow.step_collections import RegisterModel
from sagemaker.workflow.steps import ProcessingStep, TrainingStep

BASE_DIR = os.path.dirname(os.path.realpath(__file__))


def get_pipeline(region, role=None, default_bucket=None, pipeline_name="ChurnTrainPipeline",
                 model_package_group_name="ChurnModels"):
    session = PipelineSession()
    input_data = ParameterString(name="InputDataUrl", default_value="s3://churn-data/raw/churn.csv")
    model_approval_status = ParameterString(name="ModelApprovalStatus", default_value="PendingManualApproval")

    processor = SKLearnProcessor(framework_version="1.2-1", instance_type="ml.m5.xlarge", instance_count=1,
                                 role=role, sagemaker_session=session)
    step_args = processor.run(
        outputs=[ProcessingOutput(output_name="train", source="/opt/ml/processing/train")],
        code=os.path.join(BASE_DIR, "preprocess.py"),
        arguments=["--input-data", input_data],
    )
    step_process = ProcessingStep(name="PreprocessChurnData", step_args=step_args)

    estimator = SKLearn(
        entry_point="train.py",
        source_dir=os.path.join(BASE_DIR, "..", "..", "src"),
        framework_version="1.2-1",
        instance_type="ml.m5.xlarge",
        role=role,
        sagemaker_session=session,
    )
    step_train = TrainingStep(
        name="TrainChurnModel",
        step_args=estimator.fit(inputs={"train": TrainingInput(s3_data="s3://x")}),
    )

    evaluator = ScriptProcessor(image_uri="sklearn", command=["python3"], instance_type="ml.m5.xlarge",
                                instance_count=1, role=role, sagemaker_session=session)
    evaluation_report = PropertyFile(name="EvaluationReport", output_name="evaluation", path="evaluation.json")
    step_eval = ProcessingStep(
        name="EvaluateChurnModel",
        processor=evaluator,
        code=os.path.join(BASE_DIR, "evaluate.py"),
        property_files=[evaluation_report],
    )
    step_register = RegisterModel(
        name="RegisterChurnModel",
        estimator=estimator,
        model_data=step_train.properties.ModelArtifacts.S3ModelArtifacts,
        content_types=["text/csv"],
        response_types=["text/csv"],
        model_package_group_name=model_package_group_name,
        approval_status=model_approval_status,
    )
    cond_auc = ConditionGreaterThanOrEqualTo(
        left=JsonGet(step_name=step_eval.name, property_file=evaluation_report,
                     json_path="classification_metrics.auc.value"),
        right=0.8,
    )
    step_cond = ConditionStep(name="CheckAUCChurnEvaluation", conditions=[cond_auc],
                              if_steps=[step_register], else_steps=[])
    return Pipeline(
        name=pipeline_name,
        parameters=[input_data, model_approval_status],
        steps=[step_process, step_train, step_eval, step_cond],
        sagemaker_session=session,
    )
'''

SAGEMAKER_PREPROCESS = """
import argparse

import pandas as pd

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--input-data")
    args = parser.parse_args()
    df = pd.read_csv("/opt/ml/processing/input/churn.csv")
    df = df.dropna()
    df.to_csv("/opt/ml/processing/train/train.csv", index=False)
"""

SAGEMAKER_TRAIN = """
import joblib
import pandas as pd
from sklearn.ensemble import RandomForestClassifier

if __name__ == "__main__":
    df = pd.read_csv("/opt/ml/input/data/train/train.csv")
    model = RandomForestClassifier(random_state=0).fit(df.drop(columns=["churn"]), df["churn"])
    joblib.dump(model, "/opt/ml/model/model.joblib")
"""

SAGEMAKER_EVALUATE = """
import json

import joblib
import pandas as pd
from sklearn.metrics import roc_auc_score

if __name__ == "__main__":
    model = joblib.load("/opt/ml/processing/model/model.joblib")
    test = pd.read_csv("/opt/ml/processing/test/test.csv")
    auc = roc_auc_score(test["churn"], model.predict_proba(test.drop(columns=["churn"]))[:, 1])
    with open("/opt/ml/processing/evaluation/evaluation.json", "w") as f:
        json.dump({"classification_metrics": {"auc": {"value": auc}}}, f)
"""

# CloudFormation (YAML with short tags): a weekly EventBridge schedule starts the pipeline; the
# endpoint rolls out with a canary and rolls back on alarms.
SAGEMAKER_CFN = """
AWSTemplateFormatVersion: "2010-09-09"
Description: Retraining schedule and endpoint for the churn model
Parameters:
  PipelineName:
    Type: String
    Default: ChurnTrainPipeline
Resources:
  RetrainRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: events.amazonaws.com}
            Action: sts:AssumeRole
  WeeklyRetrainRule:
    Type: AWS::Events::Rule
    Properties:
      Description: Retrain the churn model every week
      ScheduleExpression: rate(7 days)
      State: ENABLED
      Targets:
        - Id: churn-pipeline
          Arn: !Sub arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:pipeline/${PipelineName}
          RoleArn: !GetAtt RetrainRole.Arn
          SageMakerPipelineParameters:
            PipelineParameterList:
              - Name: InputDataUrl
                Value: s3://churn-data/raw/churn.csv
  ChurnEndpoint:
    Type: AWS::SageMaker::Endpoint
    Properties:
      EndpointConfigName: !GetAtt ChurnEndpointConfig.EndpointConfigName
      DeploymentConfig:
        BlueGreenUpdatePolicy:
          TrafficRoutingConfiguration:
            Type: CANARY
            CanarySize:
              Type: CAPACITY_PERCENT
              Value: 10
            WaitIntervalInSeconds: 600
          MaximumExecutionTimeoutInSeconds: 3600
        AutoRollbackConfiguration:
          Alarms:
            - AlarmName: !Ref ChurnEndpointErrors
  ChurnEndpointConfig:
    Type: AWS::SageMaker::EndpointConfig
    Properties:
      ProductionVariants:
        - ModelName: churn
          VariantName: AllTraffic
          InitialInstanceCount: 1
          InstanceType: ml.m5.large
          InitialVariantWeight: 1.0
  ChurnEndpointErrors:
    Type: AWS::CloudWatch::Alarm
    Properties:
      MetricName: Invocation5XXErrors
      Namespace: AWS/SageMaker
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
"""


def sagemaker_repo(schedule: str = SAGEMAKER_CFN) -> dict[str, str]:
    files = {
        "pipelines/churn/__init__.py": "",
        "pipelines/__init__.py": "",
        "pipelines/churn/pipeline.py": SAGEMAKER_PIPELINE,
        "pipelines/churn/preprocess.py": SAGEMAKER_PREPROCESS,
        "pipelines/churn/evaluate.py": SAGEMAKER_EVALUATE,
        "src/train.py": SAGEMAKER_TRAIN,
        "requirements.txt": "sagemaker==2.200.0\nscikit-learn==1.3.2\npandas==2.1.0\n",
    }
    if schedule:
        files["infra/retrain-schedule.yaml"] = schedule
    return files


# -- Kubeflow Pipelines v2 on Vertex AI, scheduled by Cloud Scheduler in Terraform ------------------
KFP_PIPELINE = '''
"""Churn training pipeline for Vertex AI Pipelines (KFP v2)."""
from google_cloud_pipeline_components.v1.model import ModelUploadOp
from kfp import compiler, components, dsl

evaluate_op = components.load_component_from_file("components/evaluate/component.yaml")


@dsl.component(base_image="python:3.11", packages_to_install=["pandas", "scikit-learn"])
def make_features(raw: dsl.Input[dsl.Dataset], features: dsl.Output[dsl.Dataset]):
    import pandas as pd

    from churn.features import build_features

    build_features(pd.read_csv(raw.path)).to_csv(features.path, index=False)


@dsl.container_component
def train(features: dsl.Input[dsl.Dataset], model: dsl.Output[dsl.Model]):
    return dsl.ContainerSpec(
        image="europe-docker.pkg.dev/acme/churn/trainer:latest",
        command=["python", "-m", "churn.train"],
        args=["--features", features.path, "--model-dir", model.path],
    )


@dsl.pipeline(name="churn-training", description="Features, training, evaluation, registration")
def churn_pipeline(raw_uri: str = "gs://acme-churn/raw.csv", min_auc: float = 0.8):
    raw = dsl.importer(artifact_uri=raw_uri, artifact_class=dsl.Dataset)
    features_task = make_features(raw=raw.output)
    train_task = train(features=features_task.outputs["features"])
    eval_task = evaluate_op(model=train_task.outputs["model"], features=features_task.outputs["features"])
    with dsl.If(eval_task.outputs["auc"] >= min_auc, name="auc-good-enough"):
        ModelUploadOp(
            project="acme-ml",
            display_name="churn",
            unmanaged_container_model=train_task.outputs["model"],
        )


if __name__ == "__main__":
    compiler.Compiler().compile(churn_pipeline, "churn_pipeline.json")
'''

KFP_COMPONENT_YAML = """
name: Evaluate churn model
inputs:
- {name: model, type: Model}
- {name: features, type: Dataset}
outputs:
- {name: auc, type: Float}
implementation:
  container:
    image: europe-docker.pkg.dev/acme/churn/trainer:latest
    command: [python, src/evaluate.py]
    args:
    - --model
    - {inputPath: model}
    - --features
    - {inputPath: features}
    - --auc-output
    - {outputPath: auc}
"""

KFP_FEATURES = """
import pandas as pd


def build_features(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["tenure_years"] = out["tenure_months"] / 12
    return out
"""

KFP_TRAIN = """
import argparse

import joblib
import pandas as pd
from sklearn.linear_model import LogisticRegression


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--features")
    parser.add_argument("--model-dir")
    args = parser.parse_args()
    df = pd.read_csv(args.features)
    model = LogisticRegression(max_iter=200).fit(df.drop(columns=["churn"]), df["churn"])
    joblib.dump(model, f"{args.model_dir}/model.joblib")


if __name__ == "__main__":
    main()
"""

KFP_TERRAFORM = """
variable "project" {
  type = string
}

resource "google_cloud_scheduler_job" "weekly_training" {
  name        = "churn-weekly-training"
  description = "Submit the churn training pipeline every Monday"
  schedule    = "0 4 * * 1"
  time_zone   = "Europe/Berlin"

  http_target {
    http_method = "POST"
    uri         = "https://europe-west4-aiplatform.googleapis.com/v1/projects/${var.project}/locations/europe-west4/pipelineJobs"
    body        = base64encode(jsonencode({ displayName = "churn-training", templateUri = "gs://acme-churn/churn_pipeline.json" }))

    oauth_token {
      service_account_email = "pipelines@${var.project}.iam.gserviceaccount.com"
    }
  }
}
"""


def kfp_repo(terraform: str = KFP_TERRAFORM) -> dict[str, str]:
    files = {
        "pipeline/churn_pipeline.py": KFP_PIPELINE,
        "components/evaluate/component.yaml": KFP_COMPONENT_YAML,
        "src/churn/__init__.py": "",
        "src/churn/features.py": KFP_FEATURES,
        "src/churn/train.py": KFP_TRAIN,
        "src/evaluate.py": SAGEMAKER_EVALUATE,
        "requirements.txt": "kfp==2.7.0\ngoogle-cloud-pipeline-components==2.14.0\n",
    }
    if terraform:
        files["infra/scheduler.tf"] = terraform
    return files


# -- Flyte: a workflow and a launch plan with a cron schedule ----------------------------------------
FLYTE_WORKFLOW = """
from datetime import timedelta

import pandas as pd
from flytekit import CronSchedule, LaunchPlan, task, workflow
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score


@task(retries=2)
def load_data(uri: str) -> pd.DataFrame:
    return pd.read_parquet(uri)


@task
def train_model(df: pd.DataFrame) -> LogisticRegression:
    return LogisticRegression(max_iter=200).fit(df.drop(columns=["label"]), df["label"])


@task
def evaluate(model: LogisticRegression, df: pd.DataFrame) -> float:
    auc = roc_auc_score(df["label"], model.predict_proba(df.drop(columns=["label"]))[:, 1])
    if auc < 0.75:
        raise ValueError(f"AUC {auc:.3f} below the 0.75 gate")
    return auc


@workflow
def training_workflow(uri: str = "s3://acme/churn.parquet") -> float:
    df = load_data(uri=uri)
    model = train_model(df=df)
    return evaluate(model=model, df=df)


nightly = LaunchPlan.get_or_create(
    training_workflow,
    name="churn_nightly",
    schedule=CronSchedule(schedule="0 2 * * *"),
)
"""


def flyte_repo() -> dict[str, str]:
    return {"workflows/churn.py": FLYTE_WORKFLOW, "requirements.txt": "flytekit==1.12.0\nscikit-learn==1.4.0\n"}


# -- Serving configs ----------------------------------------------------------------------------------
KSERVE = """
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: churn
spec:
  predictor:
    canaryTrafficPercent: 10
    model:
      modelFormat:
        name: sklearn
      storageUri: gs://acme-models/churn/v7
"""

TORCHSERVE_PROPERTIES = """
inference_address=http://0.0.0.0:8080
management_address=http://0.0.0.0:8081
metrics_address=http://0.0.0.0:8082
model_store=/home/model-server/model-store
load_models=churn.mar
default_workers_per_model=2
"""

TORCHSERVE_PACKAGE = """
#!/usr/bin/env bash
set -euo pipefail
VERSION=$(git describe --tags)
torch-model-archiver --model-name churn --version "$VERSION" --serialized-file model.pt \\
  --handler serving/handler.py --export-path model-store --force
"""

TRITON_CONFIG = """
name: "churn"
backend: "onnxruntime"
max_batch_size: 64
version_policy: { latest: { num_versions: 2 } }
input [ { name: "features" data_type: TYPE_FP32 dims: [ 12 ] } ]
output [ { name: "probability" data_type: TYPE_FP32 dims: [ 1 ] } ]
"""


def serving_repo(**extra: str) -> dict[str, str]:
    return {
        "serving/handler.py": "from ts.torch_handler.base_handler import BaseHandler\n\n\nclass Handler(BaseHandler):\n    pass\n",
        **extra,
    }


ARGO_ROLLOUT = """
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: churn-api
spec:
  replicas: 4
  strategy:
    canary:
      steps:
      - setWeight: 20
      - pause: {duration: 10m}
      - analysis:
          templates:
          - templateName: churn-error-rate
      - setWeight: 100
  template:
    spec:
      containers:
      - name: api
        image: ghcr.io/acme/churn-api:1.4.2
"""

SELDON = """
apiVersion: machinelearning.seldon.io/v1
kind: SeldonDeployment
metadata:
  name: churn
spec:
  predictors:
  - name: main
    traffic: 90
    graph: {name: classifier, implementation: SKLEARN_SERVER, modelUri: gs://acme-models/churn/v7}
  - name: candidate
    traffic: 10
    graph: {name: classifier, implementation: SKLEARN_SERVER, modelUri: gs://acme-models/churn/v8}
"""


# -- Differentially private training --------------------------------------------------------------
OPACUS_TRAIN = """
import torch
from opacus import PrivacyEngine
from torch.utils.data import DataLoader, TensorDataset


def train(features: torch.Tensor, labels: torch.Tensor, epochs: int = 5) -> torch.nn.Module:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(features.shape[1], 1), torch.nn.Sigmoid())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    loader = DataLoader(TensorDataset(features, labels), batch_size=64)
    engine = PrivacyEngine()
    model, optimizer, loader = engine.make_private(
        module=model, optimizer=optimizer, data_loader=loader, noise_multiplier=1.1, max_grad_norm=1.0
    )
    for _ in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            torch.nn.functional.binary_cross_entropy(model(x).squeeze(1), y).backward()
            optimizer.step()
    return model


if __name__ == "__main__":
    data = torch.load("data/prepared.pt")
    torch.save(train(data["x"], data["y"]).state_dict(), "models/model.pt")
"""

TF_PRIVACY_TRAIN = """
import tensorflow as tf
from tensorflow_privacy.privacy.optimizers.dp_optimizer_keras import DPKerasSGDOptimizer


def build_model() -> tf.keras.Model:
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, activation="sigmoid")])
    optimizer = DPKerasSGDOptimizer(l2_norm_clip=1.0, noise_multiplier=1.1, num_microbatches=32, learning_rate=0.1)
    model.compile(optimizer=optimizer, loss=tf.keras.losses.BinaryCrossentropy(reduction="none"))
    return model
"""

DVC_TRAIN_STAGE = """
stages:
  train:
    cmd: python src/train.py
    deps: [src/train.py, data/prepared.pt]
    outs: [models/model.pt]
"""


# -- Experiment trackers ---------------------------------------------------------------------------
TRACKED_TRAIN = """
import mlflow
import wandb
from dvclive import Live
from sklearn.ensemble import GradientBoostingClassifier


def train(x, y, params):
    mlflow.autolog(log_system_metrics=True)
    run = wandb.init(project="churn", config=params)
    with Live(monitor_system=True) as live:
        model = GradientBoostingClassifier(**params).fit(x, y)
        live.log_metric("train_accuracy", model.score(x, y))
    run.finish()
    return model
"""

UNTRACKED_TRAIN = """
import mlflow
from torch.utils.tensorboard import SummaryWriter


def train(model, batches):
    writer = SummaryWriter()
    with mlflow.start_run():
        for step, loss in enumerate(model.fit_batches(batches)):
            writer.add_scalar("loss", loss, step)
            mlflow.log_metric("loss", loss, step=step)
    return model
"""


# -- Prefect deployment with a schedule ------------------------------------------------------------
PREFECT_FLOW = """
from prefect import flow, task
from sklearn.linear_model import LogisticRegression
import joblib
import pandas as pd


@task
def load() -> pd.DataFrame:
    return pd.read_parquet("s3://acme/churn.parquet")


@task
def fit(df: pd.DataFrame) -> LogisticRegression:
    return LogisticRegression(max_iter=200).fit(df.drop(columns=["label"]), df["label"])


@flow(name="churn-training")
def training_flow():
    model = fit(load())
    joblib.dump(model, "model.joblib")
"""

PREFECT_YAML = """
name: churn
prefect-version: 2.14.0
pull:
- prefect.deployments.steps.git_clone:
    repository: https://github.com/acme/churn.git
deployments:
- name: weekly-training
  entrypoint: flows/train_flow.py:training_flow
  work_pool:
    name: k8s-pool
  schedules:
  - cron: "0 5 * * 1"
    timezone: Europe/Berlin
    active: true
"""


# -- Dagster asset job with a schedule -------------------------------------------------------------
DAGSTER = """
import joblib
from dagster import Definitions, ScheduleDefinition, asset, define_asset_job
from sklearn.linear_model import LogisticRegression


@asset
def churn_model():
    model = LogisticRegression().fit([[0], [1]], [0, 1])
    joblib.dump(model, "model.joblib")
    return model


training_job = define_asset_job("training_job", selection=[churn_model])
defs = Definitions(
    assets=[churn_model],
    jobs=[training_job],
    schedules=[ScheduleDefinition(job=training_job, cron_schedule="0 6 * * 1")],
)
"""


# -- Terraform on AWS: an EventBridge rule starting the SageMaker pipeline, CodePipeline from GitHub --
AWS_TERRAFORM = """
resource "aws_cloudwatch_event_rule" "monthly_retrain" {
  name                = "churn-monthly-retrain"
  schedule_expression = "cron(0 3 1 * ? *)"
}

resource "aws_cloudwatch_event_target" "churn_pipeline" {
  rule     = aws_cloudwatch_event_rule.monthly_retrain.name
  arn      = "arn:aws:sagemaker:eu-west-1:123456789012:pipeline/ChurnTrainPipeline"
  role_arn = aws_iam_role.events.arn

  sagemaker_pipeline_target {
    pipeline_parameter_list {
      name  = "InputDataUrl"
      value = "s3://churn-data/raw/churn.csv"
    }
  }
}

resource "aws_codepipeline" "model_build" {
  name     = "churn-model-build"
  role_arn = aws_iam_role.codepipeline.arn

  artifact_store {
    location = "acme-artifacts"
    type     = "S3"
  }

  stage {
    name = "Source"
    action {
      name             = "Source"
      category         = "Source"
      owner            = "AWS"
      provider         = "CodeStarSourceConnection"
      version          = "1"
      output_artifacts = ["source"]
      configuration = {
        ConnectionArn    = "arn:aws:codestar-connections:eu-west-1:123456789012:connection/x"
        FullRepositoryId = "acme/churn"
        BranchName       = "main"
      }
    }
  }

  stage {
    name = "Build"
    action {
      name            = "Build"
      category        = "Build"
      owner           = "AWS"
      provider        = "CodeBuild"
      version         = "1"
      input_artifacts = ["source"]
      configuration = {
        ProjectName = "churn-model-build"
      }
    }
  }
}
"""
