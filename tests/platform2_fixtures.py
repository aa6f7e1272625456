"""Fixture repositories for the second round of platform readers (tests/test_platforms2.py), written
from each platform's documented syntax: Kedro, Metaflow, ZenML, Step Functions (SAM and
CloudFormation), TypeScript CDK, a registry approval event starting a deploy CodePipeline."""

# -- Kedro ------------------------------------------------------------------------------------------
KEDRO_PIPELINE = """
from kedro.pipeline import Pipeline, node, pipeline

from .nodes import evaluate_model, split_data, train_model


def create_pipeline(**kwargs) -> Pipeline:
    return pipeline(
        [
            node(
                func=split_data,
                inputs=["model_input_table", "params:model_options"],
                outputs=["X_train", "X_test", "y_train", "y_test"],
                name="split_data_node",
            ),
            node(func=train_model, inputs=["X_train", "y_train"], outputs="classifier", name="train_model_node"),
            node(
                func=evaluate_model,
                inputs=["classifier", "X_test", "y_test", "params:min_auc"],
                outputs="metrics",
                name="evaluate_model_node",
            ),
        ]
    )
"""

KEDRO_NODES = """
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split


def split_data(data: pd.DataFrame, parameters: dict) -> tuple:
    X = data[parameters["features"]]
    y = data["churn"]
    return train_test_split(X, y, test_size=parameters["test_size"], random_state=parameters["random_state"])


def train_model(X_train: pd.DataFrame, y_train: pd.Series) -> LogisticRegression:
    return LogisticRegression(max_iter=500).fit(X_train, y_train)


def evaluate_model(classifier: LogisticRegression, X_test: pd.DataFrame, y_test: pd.Series, min_auc: float) -> dict:
    auc = roc_auc_score(y_test, classifier.predict_proba(X_test)[:, 1])
    if auc < min_auc:
        raise ValueError(f"AUC {auc:.3f} is below the {min_auc} gate: the model is not saved")
    return {"auc": auc}
"""

KEDRO_REGISTRY = """
from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline


def register_pipelines() -> dict[str, Pipeline]:
    pipelines = find_pipelines()
    pipelines["__default__"] = sum(pipelines.values())
    return pipelines
"""

KEDRO_CI = """
name: retrain
on:
  schedule:
    - cron: "0 3 * * 1"
jobs:
  retrain:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install -r requirements.txt
      - run: kedro run --pipeline data_science
"""


def kedro_repo(ci: str | None = KEDRO_CI) -> dict[str, str]:
    files = {
        "pyproject.toml": '[tool.kedro]\\npackage_name = "churn"\\nproject_name = "churn"\\nkedro_init_version = "0.19.9"\\n',
        "src/churn/__init__.py": "",
        "src/churn/pipeline_registry.py": KEDRO_REGISTRY,
        "src/churn/pipelines/__init__.py": "",
        "src/churn/pipelines/data_science/__init__.py": "from .pipeline import create_pipeline\\n",
        "src/churn/pipelines/data_science/pipeline.py": KEDRO_PIPELINE,
        "src/churn/pipelines/data_science/nodes.py": KEDRO_NODES,
        "conf/base/parameters_data_science.yml": "model_options:\\n  test_size: 0.2\\n  random_state: 3\\n  features: [tenure, plan]\\nmin_auc: 0.75\\n",
    }
    if ci:
        files[".github/workflows/retrain.yml"] = ci
    return files


# -- Metaflow ---------------------------------------------------------------------------------------
METAFLOW_FLOW = """
from metaflow import FlowSpec, Parameter, schedule, step


@schedule(weekly=True)
class ChurnTrainFlow(FlowSpec):
    min_auc = Parameter("min_auc", default=0.75)

    @step
    def start(self):
        import pandas as pd

        self.df = pd.read_parquet("s3://acme-churn/features.parquet")
        self.next(self.train)

    @step
    def train(self):
        from sklearn.linear_model import LogisticRegression

        self.model = LogisticRegression(max_iter=500).fit(self.df.drop(columns=["churn"]), self.df["churn"])
        self.next(self.evaluate)

    @step
    def evaluate(self):
        from sklearn.metrics import roc_auc_score

        self.auc = roc_auc_score(self.df["churn"], self.model.predict_proba(self.df.drop(columns=["churn"]))[:, 1])
        if self.auc < self.min_auc:
            raise ValueError(f"AUC {self.auc:.3f} below the gate")
        self.next(self.end)

    @step
    def end(self):
        print("trained", self.auc)


if __name__ == "__main__":
    ChurnTrainFlow()
"""

METAFLOW_DEPLOY_CI = """
name: deploy-flows
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install metaflow scikit-learn pandas
      - run: python flows/train_flow.py --with retry argo-workflows create
"""


# -- ZenML ------------------------------------------------------------------------------------------
ZENML_PIPELINE = """
from zenml import pipeline

from steps.evaluate import evaluate_model
from steps.load import load_data
from steps.train import train_model


@pipeline(enable_cache=False)
def training_pipeline(min_accuracy: float = 0.8):
    df = load_data()
    model = train_model(df)
    evaluate_model(model, df, min_accuracy)
"""

ZENML_LOAD = """
import pandas as pd
from zenml import step


@step
def load_data() -> pd.DataFrame:
    return pd.read_parquet("gs://acme-churn/features.parquet")
"""

ZENML_TRAIN = """
import pandas as pd
from sklearn.base import ClassifierMixin
from sklearn.ensemble import RandomForestClassifier
from zenml import step


@step
def train_model(df: pd.DataFrame) -> ClassifierMixin:
    return RandomForestClassifier(n_estimators=200).fit(df.drop(columns=["churn"]), df["churn"])
"""

ZENML_EVALUATE = """
import pandas as pd
from sklearn.base import ClassifierMixin
from zenml import step


@step
def evaluate_model(model: ClassifierMixin, df: pd.DataFrame, min_accuracy: float) -> float:
    accuracy = model.score(df.drop(columns=["churn"]), df["churn"])
    if accuracy < min_accuracy:
        raise RuntimeError(f"accuracy {accuracy:.3f} below {min_accuracy}")
    return accuracy
"""

ZENML_RUN = """
from zenml.config.schedule import Schedule

from pipelines.training import training_pipeline

if __name__ == "__main__":
    schedule = Schedule(cron_expression="0 4 * * 1")
    training_pipeline.with_options(schedule=schedule)()
"""

ZENML_CI = """
name: register-schedule
on:
  push:
    branches: [main]
jobs:
  schedule:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install "zenml[server]" scikit-learn
      - run: python run.py
"""


def zenml_repo(ci: str | None = ZENML_CI) -> dict[str, str]:
    files = {
        "pipelines/__init__.py": "",
        "pipelines/training.py": ZENML_PIPELINE,
        "steps/__init__.py": "",
        "steps/load.py": ZENML_LOAD,
        "steps/train.py": ZENML_TRAIN,
        "steps/evaluate.py": ZENML_EVALUATE,
        "run.py": ZENML_RUN,
    }
    if ci:
        files[".github/workflows/schedule.yml"] = ci
    return files


# -- Step Functions -----------------------------------------------------------------------------------
SFN_ASL = """{
  "Comment": "Weekly churn retraining",
  "StartAt": "Preprocess",
  "States": {
    "Preprocess": {
      "Type": "Task",
      "Resource": "arn:aws:states:::sagemaker:createProcessingJob.sync",
      "Parameters": {
        "ProcessingJobName.$": "$.PreprocessingJobName",
        "RoleArn": "${SageMakerRoleArn}",
        "AppSpecification": {
          "ImageUri": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
          "ContainerEntrypoint": ["python3", "/opt/ml/processing/input/code/preprocess.py"]
        },
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge", "VolumeSizeInGB": 30}}
      },
      "Next": "Train"
    },
    "Train": {
      "Type": "Task",
      "Resource": "arn:aws:states:::sagemaker:createTrainingJob.sync",
      "Parameters": {
        "TrainingJobName.$": "$.TrainingJobName",
        "AlgorithmSpecification": {
          "TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
          "TrainingInputMode": "File"
        },
        "HyperParameters": {
          "sagemaker_program": "\\"train.py\\"",
          "sagemaker_submit_directory": "\\"s3://acme-churn/code/sourcedir.tar.gz\\""
        },
        "ResourceConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge", "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600}
      },
      "Next": "Evaluate"
    },
    "Evaluate": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {"FunctionName": "${EvaluateFunctionArn}", "Payload.$": "$"},
      "ResultSelector": {"auc.$": "$.Payload.auc"},
      "Next": "GoodEnough"
    },
    "GoodEnough": {
      "Type": "Choice",
      "Choices": [{"Variable": "$.auc", "NumericGreaterThanEquals": 0.75, "Next": "CreateModel"}],
      "Default": "Rejected"
    },
    "CreateModel": {
      "Type": "Task",
      "Resource": "arn:aws:states:::sagemaker:createModel",
      "Parameters": {"ModelName.$": "$.TrainingJobName", "ExecutionRoleArn": "${SageMakerRoleArn}"},
      "End": true
    },
    "Rejected": {"Type": "Fail", "Error": "ModelBelowGate"}
  }
}
"""

SFN_SAM = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Description: Churn retraining state machine
Resources:
  TrainingStateMachine:
    Type: AWS::Serverless::StateMachine
    Properties:
      Name: churn-training
      DefinitionUri: statemachine/training.asl.json
      DefinitionSubstitutions:
        EvaluateFunctionArn: !GetAtt EvaluateFunction.Arn
        SageMakerRoleArn: !GetAtt SageMakerRole.Arn
      Policies:
        - LambdaInvokePolicy:
            FunctionName: !Ref EvaluateFunction
      Events:
        WeeklyRetrain:
          Type: Schedule
          Properties:
            Schedule: rate(7 days)
            Enabled: true
  EvaluateFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/evaluate/
      Handler: app.lambda_handler
      Runtime: python3.11
      Timeout: 300
  SageMakerRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: sagemaker.amazonaws.com}
            Action: sts:AssumeRole
"""

SFN_PREPROCESS = """
import pandas as pd

if __name__ == "__main__":
    df = pd.read_csv("/opt/ml/processing/input/raw.csv")
    df = df.dropna(subset=["churn"])
    df.to_parquet("/opt/ml/processing/output/features.parquet")
"""

SFN_TRAIN = """
import os

import joblib
import pandas as pd
from sklearn.linear_model import LogisticRegression

if __name__ == "__main__":
    df = pd.read_parquet(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "features.parquet"))
    model = LogisticRegression(max_iter=500).fit(df.drop(columns=["churn"]), df["churn"])
    joblib.dump(model, os.path.join(os.environ["SM_MODEL_DIR"], "model.joblib"))
"""

SFN_EVALUATE = """
import json

import boto3


def lambda_handler(event, context):
    sagemaker = boto3.client("sagemaker")
    job = sagemaker.describe_training_job(TrainingJobName=event["TrainingJobName"])
    metrics = {m["MetricName"]: m["Value"] for m in job.get("FinalMetricDataList", [])}
    return {"auc": metrics.get("validation:auc", 0.0), "detail": json.dumps(metrics)}
"""


def stepfunctions_repo() -> dict[str, str]:
    return {
        "template.yaml": SFN_SAM,
        "statemachine/training.asl.json": SFN_ASL,
        "src/preprocess.py": SFN_PREPROCESS,
        "src/train.py": SFN_TRAIN,
        "functions/evaluate/app.py": SFN_EVALUATE,
    }


SFN_CLOUDFORMATION = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  RetrainStateMachine:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      StateMachineName: churn-retrain
      RoleArn: !GetAtt StatesRole.Arn
      Definition:
        StartAt: Train
        States:
          Train:
            Type: Task
            Resource: arn:aws:states:::sagemaker:createTrainingJob.sync
            Parameters:
              TrainingJobName.$: $.TrainingJobName
              AlgorithmSpecification:
                TrainingImage: 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3
                TrainingInputMode: File
              HyperParameters:
                sagemaker_program: '"train.py"'
            End: true
  MonthlyRetrainRule:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: cron(0 5 1 * ? *)
      State: ENABLED
      Targets:
        - Arn: !Ref RetrainStateMachine
          Id: RetrainTarget
          RoleArn: !GetAtt EventsRole.Arn
"""


# -- TypeScript CDK -------------------------------------------------------------------------------------
CDK_TS_STACK = """
import * as cdk from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as codepipeline_actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';

export class ModelBuildStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props?: cdk.StackProps) {
    super(scope, id, props);

    const repo = codecommit.Repository.fromRepositoryName(this, 'Repo', 'churn-model-build');
    const build = new codebuild.PipelineProject(this, 'TrainProject', {
      buildSpec: codebuild.BuildSpec.fromSourceFilename('buildspec.yml'),
    });
    const sourceOutput = new codepipeline.Artifact();

    const pipeline = new codepipeline.Pipeline(this, 'ModelBuildPipeline', {
      stages: [
        {
          stageName: 'Source',
          actions: [
            new codepipeline_actions.CodeCommitSourceAction({
              actionName: 'Source',
              repository: repo,
              branch: 'main',
              output: sourceOutput,
            }),
          ],
        },
        {
          stageName: 'Train',
          actions: [new codepipeline_actions.CodeBuildAction({ actionName: 'Train', project: build, input: sourceOutput })],
        },
      ],
    });

    new events.Rule(this, 'WeeklyRetrain', {
      schedule: events.Schedule.rate(cdk.Duration.days(7)),
      targets: [new targets.CodePipeline(pipeline)],
    });
  }
}
"""

BUILDSPEC_TRAIN = """
version: 0.2
phases:
  install:
    runtime-versions:
      python: 3.11
    commands:
      - pip install -r requirements.txt
  build:
    commands:
      - python src/train_job.py
"""

TRAIN_JOB = """
import pandas as pd
from sklearn.linear_model import LogisticRegression
import joblib

if __name__ == "__main__":
    df = pd.read_parquet("s3://acme-churn/features.parquet")
    model = LogisticRegression(max_iter=500).fit(df.drop(columns=["churn"]), df["churn"])
    joblib.dump(model, "model.joblib")
"""


# -- Registry approval event starting the deploy CodePipeline ------------------------------------------
DEPLOY_CFN = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  ModelPackageGroupName:
    Type: String
    Default: churn-models
Resources:
  ModelDeployPipeline:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      Name: churn-model-deploy
      RoleArn: !GetAtt PipelineRole.Arn
      Stages:
        - Name: Source
          Actions:
            - Name: ModelDeployCode
              ActionTypeId: {Category: Source, Owner: AWS, Provider: CodeCommit, Version: "1"}
              Configuration:
                RepositoryName: churn-model-deploy
                BranchName: main
                PollForSourceChanges: false
              OutputArtifacts: [{Name: SourceArtifact}]
        - Name: Build
          Actions:
            - Name: BuildDeployTemplates
              ActionTypeId: {Category: Build, Owner: AWS, Provider: CodeBuild, Version: "1"}
              Configuration: {ProjectName: !Ref DeployBuildProject}
              InputArtifacts: [{Name: SourceArtifact}]
  DeployBuildProject:
    Type: AWS::CodeBuild::Project
    Properties:
      Source: {Type: CODEPIPELINE, BuildSpec: deploy/buildspec.yml}
      Artifacts: {Type: CODEPIPELINE}
      Environment: {Type: LINUX_CONTAINER, ComputeType: BUILD_GENERAL1_SMALL, Image: aws/codebuild/standard:7.0}
      ServiceRole: !GetAtt PipelineRole.Arn
  ModelApprovedRule:
    Type: AWS::Events::Rule
    Properties:
      Description: Deploy when a model package is approved in the registry
      EventPattern:
        source: [aws.sagemaker]
        detail-type: [SageMaker Model Package State Change]
        detail:
          ModelPackageGroupName: [!Ref ModelPackageGroupName]
          ModelApprovalStatus: [Approved]
      Targets:
        - Arn: !Sub arn:${AWS::Partition}:codepipeline:${AWS::Region}:${AWS::AccountId}:${ModelDeployPipeline}
          Id: ModelDeployPipelineTarget
          RoleArn: !GetAtt EventsRole.Arn
"""

DEPLOY_BUILDSPEC = """
version: 0.2
phases:
  build:
    commands:
      - python deploy/build.py --model-package-group-name "$MODEL_PACKAGE_GROUP_NAME"
      - aws cloudformation deploy --template-file deploy/endpoint.yml --stack-name churn-endpoint
"""

DEPLOY_BUILD = """
import argparse

import boto3


def latest_approved(group: str) -> str:
    sm = boto3.client("sagemaker")
    packages = sm.list_model_packages(
        ModelPackageGroupName=group, ModelApprovalStatus="Approved", SortBy="CreationTime", SortOrder="Descending"
    )["ModelPackageSummaryList"]
    return packages[0]["ModelPackageArn"]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-package-group-name", required=True)
    args = parser.parse_args()
    print(latest_approved(args.model_package_group_name))
"""

CDK_TS_SAGEMAKER_SCHEDULE = """
import { Stack, StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';

export class RetrainScheduleStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const trainPipeline = sagemaker.CfnPipeline.fromPipelineName?.(this, 'Train', 'ChurnTrainPipeline');

    new events.Rule(this, 'MondayRetrain', {
      schedule: events.Schedule.cron({ minute: '0', hour: '4', weekDay: 'MON' }),
      targets: [new targets.SageMakerPipeline(trainPipeline)],
      enabled: ENABLED,
    });
  }
}
"""


# -- Serving rollouts ---------------------------------------------------------------------------------
FLAGGER_CANARY = """
apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: churn-api
  namespace: serving
spec:
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: churn-api
  service:
    port: 8080
  analysis:
    interval: 1m
    threshold: 5
    maxWeight: 50
    stepWeight: 10
    metrics:
      - name: request-success-rate
        thresholdRange:
          min: 99
        interval: 1m
      - name: request-duration
        thresholdRange:
          max: 500
        interval: 1m
"""

ARGO_ROLLOUT_NO_ANALYSIS = """
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: churn-api
spec:
  replicas: 4
  strategy:
    canary:
      steps:
        - setWeight: 25
        - pause: {}
        - setWeight: 100
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/churn-api:1.4.2
"""

TF_SERVING_MODEL_CONFIG = """
model_config_list {
  config {
    name: "churn"
    base_path: "/models/churn"
    model_platform: "tensorflow"
    model_version_policy {
      specific {
        versions: 7
        versions: 8
      }
    }
    version_labels {
      key: "stable"
      value: 7
    }
    version_labels {
      key: "canary"
      value: 8
    }
  }
}
"""

SAGEMAKER_ENDPOINT_CFN = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  ProductionModelName: {Type: String}
  CandidateModelName: {Type: String}
Resources:
  ChurnEndpointConfig:
    Type: AWS::SageMaker::EndpointConfig
    Properties:
      ProductionVariants:
        - VariantName: production
          ModelName: !Ref ProductionModelName
          InitialInstanceCount: 2
          InstanceType: ml.m5.large
          InitialVariantWeight: 0.9
        - VariantName: candidate
          ModelName: !Ref CandidateModelName
          InitialInstanceCount: 1
          InstanceType: ml.m5.large
          InitialVariantWeight: 0.1
  ChurnEndpoint:
    Type: AWS::SageMaker::Endpoint
    Properties:
      EndpointConfigName: !GetAtt ChurnEndpointConfig.EndpointConfigName
"""
