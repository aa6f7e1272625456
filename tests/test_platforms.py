"""ML platforms as runners: each platform's steps become runner chains, its infrastructure code
starts them, and the checks score them as RUBRIC.md asks."""

from __future__ import annotations

import subprocess
import sys

import platform_fixtures as pf
import pytest
from conftest import audit, make_repo

from mltestscore.context import AuditContext
from mltestscore.evidence.platforms.iac import load_cloudformation


def runners(root, path):
    ctx = AuditContext(root)
    try:
        return [r.describe() for r in ctx.wiring.runners_for(path)]
    finally:
        ctx.close()


def terminal_report(root) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "mltestscore", "audit", str(root), "--no-cache", "-f", "terminal"],
        capture_output=True,
        text=True,
        env={"COLUMNS": "400", "PATH": "/usr/bin:/bin", "HOME": str(root)},
    )
    return result.stdout


# -- SageMaker ------------------------------------------------------------------------------------
def test_cloudformation_short_tags_load_as_plain_data():
    data = load_cloudformation(pf.SAGEMAKER_CFN)
    target = data["Resources"]["WeeklyRetrainRule"]["Properties"]["Targets"][0]
    assert (
        target["Arn"] == {"Fn::Sub": target["Arn"]["Fn::Sub"]}
        and "pipeline/${PipelineName}" in target["Arn"]["Fn::Sub"]
    )
    assert target["RoleArn"] == {"Fn::GetAtt": "RetrainRole.Arn"}
    assert load_cloudformation("Resources:\n  X:\n    Type: AWS::S3::Bucket\n    Name: !Join ['-', [a, b]]\n")[
        "Resources"
    ]["X"]["Name"] == {"Fn::Join": ["-", ["a", "b"]]}


def test_sagemaker_steps_are_runner_chains_started_by_the_cloudformation_schedule(repo):
    root = repo(pf.sagemaker_repo())
    chain = runners(root, "pipelines/churn/evaluate.py")
    assert chain == [
        "pipelines/churn/pipeline.py sagemaker pipeline 'ChurnTrainPipeline' "
        "(on schedule rate(7 days), CloudFormation WeeklyRetrainRule) step 'EvaluateChurnModel'"
    ]
    assert any("step 'TrainChurnModel'" in r for r in runners(root, "src/train.py"))  # entry_point under source_dir
    assert any("step 'PreprocessChurnData'" in r for r in runners(root, "pipelines/churn/preprocess.py"))
    report = terminal_report(root)
    assert "run by pipelines/churn/pipeline.py sagemaker pipeline 'ChurnTrainPipeline' (on schedule" in report


def test_sagemaker_scores(repo):
    report = audit(repo(pf.sagemaker_repo()))
    gate = report.item("infra-4")
    assert gate.score == 1 and "ConditionStep" in gate.evidence[0].detail
    assert "sagemaker pipeline 'ChurnTrainPipeline'" in gate.evidence[0].runner
    stale = report.item("monitor-4")
    assert stale.score == 1 and "rate(7 days)" in stale.evidence[0].runner
    assert report.item("infra-3").score == 1  # a schedule starts the whole pipeline
    approval = report.item("model-1")
    assert approval.score == 0.5 and "registry approval status" in approval.evidence[0].detail
    assert report.item("infra-6").score == 1  # canary traffic routing on the endpoint
    assert report.item("infra-7").score == 1  # auto rollback on alarms


def test_sagemaker_pipeline_without_schedule_still_runs_its_steps_but_is_not_retraining(repo):
    root = repo(pf.sagemaker_repo(schedule=""))
    assert runners(root, "pipelines/churn/evaluate.py") == [
        "pipelines/churn/pipeline.py sagemaker pipeline 'ChurnTrainPipeline' step 'EvaluateChurnModel'"
    ]
    report = audit(root)
    assert report.item("infra-4").score == 1  # a step of the pipeline every model passes
    assert report.item("monitor-4").score < 1
    assert report.item("infra-3").score == 0.5


def test_disabled_schedule_is_not_a_schedule(repo):
    root = repo(pf.sagemaker_repo(schedule=pf.SAGEMAKER_CFN.replace("State: ENABLED", "State: DISABLED")))
    assert "(disabled)" in runners(root, "pipelines/churn/evaluate.py")[0]
    stale = audit(root).item("monitor-4")
    # RUBRIC.md: a disabled schedule is 0.5, cited at the rule that declares it
    assert stale.score == 0.5 and [(e.path, e.runner) for e in stale.evidence] == [
        ("infra/retrain-schedule.yaml", "CloudFormation WeeklyRetrainRule")
    ]


def test_codebuild_is_hand_run_unless_infrastructure_code_creates_its_trigger(repo):
    buildspec = """
    version: 0.2
    phases:
      build:
        commands:
          - run-pipeline --module-name pipelines.churn.pipeline --role-arn $ROLE
    """
    files = {**pf.sagemaker_repo(schedule=""), "codebuild-buildspec.yml": buildspec}
    root = repo(files)
    chain = runners(root, "pipelines/churn/evaluate.py")[-1]
    assert "(on manual)" in chain and chain.startswith("codebuild-buildspec.yml")
    assert "sagemaker pipeline 'ChurnTrainPipeline' step 'EvaluateChurnModel'" in chain
    ctx = AuditContext(root)
    assert not ctx.ci[0].jobs[0].automatic
    ctx.close()
    cdk = """
    from aws_cdk import Stack
    from aws_cdk import aws_codebuild as codebuild
    from aws_cdk import aws_codepipeline as codepipeline
    from aws_cdk import aws_codepipeline_actions as actions


    class ModelBuildStack(Stack):
        def __init__(self, scope, construct_id, **kwargs):
            super().__init__(scope, construct_id, **kwargs)
            source = codepipeline.Artifact()
            project = codebuild.PipelineProject(
                self, "Build", build_spec=codebuild.BuildSpec.from_source_filename("codebuild-buildspec.yml")
            )
            codepipeline.Pipeline(self, "ModelBuild", stages=[
                codepipeline.StageProps(stage_name="Source", actions=[
                    actions.CodeStarConnectionsSourceAction(
                        action_name="Source", owner="acme", repo="churn", branch="main",
                        connection_arn="arn:aws:codestar-connections:x", output=source)]),
                codepipeline.StageProps(stage_name="Build", actions=[
                    actions.CodeBuildAction(action_name="Build", project=project, input=source)]),
            ])
    """
    root = make_repo(root, {"infra/model_build_stack.py": cdk})
    chain = runners(root, "pipelines/churn/evaluate.py")[0]  # an automatic CI chain ranks first
    assert "(on push)" in chain and chain.startswith("codebuild-buildspec.yml")


def test_cdk_eventbridge_schedule_starts_the_pipeline(repo):
    cdk = """
    from aws_cdk import Duration, Stack
    from aws_cdk import aws_events as events
    from aws_cdk import aws_events_targets as targets


    class RetrainStack(Stack):
        def __init__(self, scope, construct_id, pipeline_arn, **kwargs):
            super().__init__(scope, construct_id, **kwargs)
            events.Rule(
                self,
                "NightlyRetrain",
                schedule=events.Schedule.cron(minute="0", hour="3"),
                targets=[targets.SageMakerStartPipelineExecution(pipeline=pipeline_arn)],
            )
    """
    root = repo({**pf.sagemaker_repo(schedule=""), "infra/retrain_stack.py": cdk})
    chain = runners(root, "src/train.py")[0]
    assert chain.endswith("(on schedule cron(minute=0 hour=3), CDK NightlyRetrain) step 'TrainChurnModel'")
    assert audit(root).item("monitor-4").score == 1


# -- Kubeflow / Vertex -----------------------------------------------------------------------------
def test_kfp_components_are_runner_chains_scheduled_by_terraform(repo):
    root = repo(pf.kfp_repo())
    pipeline = "pipeline/churn_pipeline.py vertex pipeline 'churn-training' "
    pipeline += "(on schedule 0 4 * * 1, Terraform google_cloud_scheduler_job.weekly_training)"
    assert runners(root, "src/evaluate.py") == [f"{pipeline} step 'evaluate_op'"]
    assert runners(root, "src/churn/train.py") == [f"{pipeline} step 'train'"]
    assert any("step 'make_features'" in r for r in runners(root, "src/churn/features.py"))  # imported in a component
    report = audit(root)
    gate = report.item("infra-4")
    assert gate.score == 1 and "churn-training" in gate.evidence[0].runner
    assert report.item("monitor-4").score == 1
    assert report.item("infra-3").score == 1
    registry = report.item("infra-7")
    assert registry.score == 0.5 and "ModelUploadOp" in registry.evidence[0].detail
    assert "vertex pipeline 'churn-training' (on schedule 0 4 * * 1" in terminal_report(root)


def test_paused_or_example_only_schedule_is_not_a_schedule(repo, tmp_path):
    paused = pf.KFP_TERRAFORM.replace('time_zone   = "Europe/Berlin"', 'time_zone   = "Europe/Berlin"\n  paused = true')
    root = repo(pf.kfp_repo(terraform=paused))
    assert "(disabled)" in runners(root, "src/evaluate.py")[0]
    assert audit(root).item("monitor-4").score == 0.5
    files = pf.kfp_repo(terraform="")
    files["examples/scheduler.tf"] = pf.KFP_TERRAFORM
    root = make_repo(tmp_path / "example", files)
    assert "(disabled)" in runners(root, "src/evaluate.py")[0]


# -- Flyte -------------------------------------------------------------------------------------------
def test_flyte_tasks_run_in_the_workflow_its_launch_plan_schedules(repo, tmp_path):
    root = repo(pf.flyte_repo())
    chains = runners(root, "workflows/churn.py")
    assert any(
        c.startswith("workflows/churn.py flyte pipeline 'training_workflow' (on schedule 0 2 * * *, Flyte launch plan)")
        for c in chains
    )
    report = audit(root)
    assert report.item("infra-4").score == 1  # the AUC gate raises inside a task of the workflow
    assert report.item("monitor-4").score == 1
    unscheduled = pf.FLYTE_WORKFLOW.replace('schedule=CronSchedule(schedule="0 2 * * *"),', "")
    root = make_repo(tmp_path / "unscheduled", {**pf.flyte_repo(), "workflows/churn.py": unscheduled})
    assert audit(root).item("monitor-4").score < 1


# -- Serving configs ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("files", "canary", "rollback", "what"),
    [
        ({"deploy/isvc.yaml": pf.KSERVE}, 1, 1, "KServe canary"),
        ({"deploy/rollout.yaml": pf.ARGO_ROLLOUT}, 1, 1, "Argo Rollouts"),
        # a split nothing checks automatically: a person promotes (RUBRIC.md), the manual form
        ({"deploy/seldon.yaml": pf.SELDON}, 0.5, 0.5, "Seldon traffic split"),
        (
            {"serving/config.properties": pf.TORCHSERVE_PROPERTIES, "scripts/package.sh": pf.TORCHSERVE_PACKAGE},
            0,
            0.5,
            "torch-model-archiver --version",
        ),
        ({"model_repository/churn/config.pbtxt": pf.TRITON_CONFIG}, 0, 1, "Triton version policy"),
    ],
)
def test_serving_configs(repo, files, canary, rollback, what):
    report = audit(repo(pf.serving_repo(**files)))
    assert report.item("infra-6").score == canary
    assert report.item("infra-7").score == rollback
    details = " ".join(e.detail for t in ("infra-6", "infra-7") for e in report.item(t).evidence)
    assert what in details


# -- Differential privacy -------------------------------------------------------------------------
def test_differentially_private_training_is_a_privacy_control(tmp_path):
    report = audit(make_repo(tmp_path / "opacus", {"src/train.py": pf.OPACUS_TRAIN, "dvc.yaml": pf.DVC_TRAIN_STAGE}))
    privacy = report.item("data-5")
    assert privacy.score == 1 and "opacus.PrivacyEngine" in privacy.evidence[0].detail  # a pipeline stage
    report = audit(make_repo(tmp_path / "tf-privacy", {"src/model.py": pf.TF_PRIVACY_TRAIN}))
    privacy = report.item("data-5")
    assert privacy.score == 0.5 and "DPKerasSGDOptimizer" in privacy.evidence[0].detail  # nothing runs it


# -- Experiment trackers ------------------------------------------------------------------------------
def test_tracker_system_metrics_are_training_telemetry_but_loss_curves_are_not(tmp_path):
    report = audit(make_repo(tmp_path / "tracked", {"src/churn/train.py": pf.TRACKED_TRAIN}))
    telemetry = report.item("monitor-6")
    assert telemetry.score == 0.5
    assert "records training speed and memory" in telemetry.evidence[0].detail
    report = audit(make_repo(tmp_path / "untracked", {"src/churn/train.py": pf.UNTRACKED_TRAIN}))
    assert report.item("monitor-6").score == 0


# -- Prefect -------------------------------------------------------------------------------------------
def test_prefect_deployment_schedule_runs_the_flow(tmp_path):
    files = {"flows/train_flow.py": pf.PREFECT_FLOW, "prefect.yaml": pf.PREFECT_YAML}
    root = make_repo(tmp_path / "scheduled", files)
    assert runners(root, "flows/train_flow.py")[0] == (
        "prefect.yaml prefect pipeline 'weekly-training' (schedule 0 5 * * 1) step 'training_flow'"
    )
    assert audit(root).item("monitor-4").score == 1
    paused = pf.PREFECT_YAML.replace("active: true", "active: false")
    root = make_repo(tmp_path / "paused", {**files, "prefect.yaml": paused})
    assert "started by hand" in runners(root, "flows/train_flow.py")[0]
    assert audit(root).item("monitor-4").score == 0.5  # declared, but paused


def test_sagemaker_clarify_bias_check_step_is_an_automated_inclusion_test(tmp_path):
    clarify = (
        pf.SAGEMAKER_PIPELINE.replace(
            "from sagemaker.workflow.condition_step import ConditionStep",
            "from sagemaker.clarify import BiasConfig, DataConfig, ModelConfig\n"
            "from sagemaker.workflow.check_job_config import CheckJobConfig\n"
            "from sagemaker.workflow.clarify_check_step import ClarifyCheckStep, ModelBiasCheckConfig\n"
            "from sagemaker.workflow.condition_step import ConditionStep",
        )
        .replace(
            "    return Pipeline(",
            "    step_bias = ClarifyCheckStep(\n"
            '        name="CheckModelBias",\n'
            "        clarify_check_config=ModelBiasCheckConfig(\n"
            '            data_config=DataConfig(s3_data_input_path="s3://x", s3_output_path="s3://y", label="churn"),\n'
            '            data_bias_config=BiasConfig(label_values_or_threshold=[1], facet_name="gender"),\n'
            '            model_config=ModelConfig(model_name="churn", instance_count=1, instance_type="ml.m5.xlarge"),\n'
            "        ),\n"
            '        check_job_config=CheckJobConfig(role=role, instance_count=1, instance_type="ml.m5.xlarge"),\n'
            "        skip_check=False,\n"
            "    )\n"
            "    return Pipeline(",
        )
        .replace(
            "steps=[step_process, step_train, step_eval, step_cond]",
            "steps=[step_process, step_train, step_eval, step_bias, step_cond]",
        )
    )
    root = make_repo(tmp_path / "clarify", {**pf.sagemaker_repo(), "pipelines/churn/pipeline.py": clarify})
    inclusion = audit(root).item("model-7")
    assert inclusion.score == 1 and "sagemaker pipeline 'ChurnTrainPipeline'" in inclusion.evidence[0].runner


# -- Dagster ------------------------------------------------------------------------------------------
def test_dagster_schedule_counts_when_the_code_starts_it_running(tmp_path):
    root = make_repo(tmp_path / "stopped", {"orchestration/definitions.py": pf.DAGSTER})
    chain = runners(root, "orchestration/definitions.py")[0]
    assert "dagster pipeline 'training_job'" in chain and "STOPPED until turned on in the UI" in chain
    assert audit(root).item("monitor-4").score == 0.5  # Dagster starts schedules stopped: declared, not on
    running = pf.DAGSTER.replace(
        'cron_schedule="0 6 * * 1")', 'cron_schedule="0 6 * * 1", default_status=DefaultScheduleStatus.RUNNING)'
    ).replace("from dagster import ", "from dagster import DefaultScheduleStatus, ")
    root = make_repo(tmp_path / "running", {"orchestration/definitions.py": running})
    report = audit(root)
    assert report.item("monitor-4").score == 1 and report.item("infra-3").score == 1


def test_terraform_event_rule_and_codepipeline_start_the_sagemaker_pipeline(tmp_path):
    buildspec = "version: 0.2\nphases:\n  build:\n    commands:\n      - python pipelines/churn/pipeline.py\n"
    files = {**pf.sagemaker_repo(schedule=""), "infra/main.tf": pf.AWS_TERRAFORM, "buildspec.yml": buildspec}
    root = make_repo(tmp_path / "tf", files)
    chains = runners(root, "pipelines/churn/evaluate.py")
    assert chains[0].startswith("buildspec.yml job 'build' step 'build' (on push)")  # CodePipeline source action
    assert any(
        "(on schedule cron(0 3 1 * ? *), Terraform aws_cloudwatch_event_rule.monthly_retrain) step 'EvaluateChurnModel'"
        in c
        for c in chains
    )
    assert audit(root).item("monitor-4").score == 1
