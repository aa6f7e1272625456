"""Platform readers, second round: Kedro, Metaflow, ZenML, Step Functions, TypeScript CDK and a
registry approval event starting a deploy CodePipeline. Each fixture is written from the platform's
documented syntax; each test asserts the runner chain the report shows and the RUBRIC.md scores."""

from __future__ import annotations

import platform2_fixtures as pf2
import platform_fixtures as pf
import pytest
from conftest import audit, make_repo
from test_platforms import runners, terminal_report

from mltestscore.context import AuditContext


# -- Kedro ----------------------------------------------------------------------------------------
def test_kedro_nodes_are_steps_that_kedro_run_in_ci_starts(tmp_path):
    root = make_repo(tmp_path / "kedro", pf2.kedro_repo())
    chains = runners(root, "src/churn/pipelines/data_science/nodes.py")
    assert chains[0] == (
        ".github/workflows/retrain.yml job 'retrain' step 'kedro run --pipeline data_science' (on schedule)"
        " → kedro pipeline 'data_science' step 'split_data_node'"
    )
    assert (
        "src/churn/pipelines/data_science/pipeline.py kedro pipeline 'data_science' step 'train_model_node'" in chains
    )
    report = audit(root)
    assert report.item("monitor-4").score == 1  # a scheduled job runs the training node
    assert report.item("infra-3").score == 1
    gate = report.item("infra-4")
    assert gate.score == 1 and "kedro pipeline 'data_science'" in gate.evidence[0].runner


def test_kedro_run_of_another_pipeline_does_not_start_this_one_and_no_ci_is_not_retraining(tmp_path):
    other = pf2.KEDRO_CI.replace("--pipeline data_science", "--pipeline=data_processing")
    root = make_repo(tmp_path / "other", pf2.kedro_repo(other))
    assert not any(c.startswith(".github/") for c in runners(root, "src/churn/pipelines/data_science/nodes.py"))
    root = make_repo(tmp_path / "default", pf2.kedro_repo(pf2.KEDRO_CI.replace(" --pipeline data_science", "")))
    assert runners(root, "src/churn/pipelines/data_science/nodes.py")[0].startswith(
        ".github/workflows/retrain.yml job 'retrain' step 'kedro run' (on schedule) → kedro pipeline 'data_science'"
    )
    report = audit(make_repo(tmp_path / "noci", pf2.kedro_repo(None)))
    assert report.item("infra-4").score == 1  # a node every model passes through, whoever runs it
    assert report.item("monitor-4").score == 0 and report.item("infra-3").score == 0.5


# -- Metaflow -------------------------------------------------------------------------------------
def test_metaflow_schedule_is_on_when_ci_deploys_the_flow(tmp_path):
    files = {"flows/train_flow.py": pf2.METAFLOW_FLOW, ".github/workflows/deploy.yml": pf2.METAFLOW_DEPLOY_CI}
    root = make_repo(tmp_path / "deployed", files)
    chains = runners(root, "flows/train_flow.py")
    assert (
        ".github/workflows/deploy.yml job 'deploy' step 'python flows/train_flow.py --with retry argo-workflows crea…'"
        " (on push) → metaflow pipeline 'ChurnTrainFlow' step 'train'"
    ) in chains
    assert not any(c.count("metaflow pipeline") > 1 for c in chains)  # a step running its own flow file: no loop
    assert (
        "flows/train_flow.py metaflow pipeline 'ChurnTrainFlow' (on schedule weekly, Metaflow @schedule (on once "
        "deployed: argo-workflows/step-functions/airflow create), registered by .github/workflows/deploy.yml job "
        "'deploy') step 'train'"
    ) in chains
    report = audit(root)
    assert report.item("monitor-4").score == 1 and report.item("infra-4").score == 1
    assert "registered by .github/workflows/deploy.yml" in terminal_report(root)


def test_metaflow_schedule_nobody_deploys_is_only_declared(tmp_path):
    root = make_repo(tmp_path / "declared", {"flows/train_flow.py": pf2.METAFLOW_FLOW})
    assert "(on schedule weekly (disabled), Metaflow @schedule" in runners(root, "flows/train_flow.py")[0]
    assert audit(root).item("monitor-4").score == 0.5  # RUBRIC: a schedule a person registers is 0.5
    run_only = pf2.METAFLOW_DEPLOY_CI.replace("--with retry argo-workflows create", "run")
    root = make_repo(tmp_path / "run", {"flows/train_flow.py": pf2.METAFLOW_FLOW, ".github/workflows/ci.yml": run_only})
    assert audit(root).item("monitor-4").score == 0.5  # `run` executes the flow once; it registers no schedule


# -- ZenML ----------------------------------------------------------------------------------------
def test_zenml_steps_run_their_files_and_the_schedule_ci_registers_retrains(tmp_path):
    root = make_repo(tmp_path / "zenml", pf2.zenml_repo())
    assert runners(root, "steps/train.py") == [
        "pipelines/training.py zenml pipeline 'training_pipeline' (on schedule 0 4 * * 1, ZenML Schedule registered "
        "by running run.py, registered by .github/workflows/schedule.yml job 'schedule') step 'train_model'"
    ]
    report = audit(root)
    assert report.item("monitor-4").score == 1 and report.item("infra-3").score == 1
    assert report.item("infra-4").score == 1  # the accuracy gate raises inside a step
    unregistered = audit(make_repo(tmp_path / "by-hand", pf2.zenml_repo(None)))
    assert unregistered.item("monitor-4").score == 0.5 and unregistered.item("infra-4").score == 1


# -- Step Functions -------------------------------------------------------------------------------
def test_step_functions_tasks_are_steps_started_by_the_sam_schedule(tmp_path):
    root = make_repo(tmp_path / "sfn", pf2.stepfunctions_repo())
    prefix = (
        "template.yaml stepfunctions pipeline 'churn-training' (on schedule rate(7 days), "
        "SAM TrainingStateMachine event WeeklyRetrain)"
    )
    assert runners(root, "src/train.py") == [f"{prefix} step 'Train'"]  # HyperParameters sagemaker_program
    assert runners(root, "src/preprocess.py") == [f"{prefix} step 'Preprocess'"]  # container entrypoint path
    assert runners(root, "functions/evaluate/app.py") == [
        f"{prefix} step 'Evaluate'"
    ]  # Lambda handler via substitution
    report = audit(root)
    assert report.item("monitor-4").score == 1 and report.item("infra-3").score == 1
    assert f"run by {prefix} step 'Train'" in terminal_report(root)


def test_cloudformation_event_rule_starts_the_state_machine_it_targets(tmp_path):
    files = {"infra/retrain.yaml": pf2.SFN_CLOUDFORMATION, "src/train.py": pf2.SFN_TRAIN}
    root = make_repo(tmp_path / "cfn", files)
    assert runners(root, "src/train.py") == [
        "infra/retrain.yaml stepfunctions pipeline 'churn-retrain' (on schedule cron(0 5 1 * ? *), "
        "CloudFormation MonthlyRetrainRule) step 'Train'"
    ]
    assert audit(root).item("monitor-4").score == 1
    disabled = pf2.SFN_CLOUDFORMATION.replace("State: ENABLED", "State: DISABLED")
    assert (
        audit(make_repo(tmp_path / "disabled", {**files, "infra/retrain.yaml": disabled})).item("monitor-4").score
        == 0.5
    )


# -- TypeScript CDK ---------------------------------------------------------------------------------
def test_typescript_cdk_source_action_and_schedule_start_the_codebuild_project(tmp_path):
    files = {
        "lib/model-build-stack.ts": pf2.CDK_TS_STACK,
        "buildspec.yml": pf2.BUILDSPEC_TRAIN,
        "src/train_job.py": pf2.TRAIN_JOB,
        "package.json": '{"dependencies": {"aws-cdk-lib": "2.150.0", "constructs": "10.3.0"}}\n',
    }
    root = make_repo(tmp_path / "cdk", files)
    assert runners(root, "src/train_job.py") == ["buildspec.yml job 'build' step 'build' (on push, schedule)"]
    assert audit(root).item("infra-3").score == 1
    root = make_repo(tmp_path / "console", {k: v for k, v in files.items() if not k.startswith("lib/")})
    assert runners(root, "src/train_job.py") == [
        "buildspec.yml job 'build' step 'build' (on manual)"
    ]  # console trigger
    assert audit(root).item("infra-3").score == 0


def test_typescript_cdk_schedule_starts_the_sagemaker_pipeline(tmp_path):
    stack = pf2.CDK_TS_SAGEMAKER_SCHEDULE.replace("ENABLED", "true")
    root = make_repo(tmp_path / "on", {**pf.sagemaker_repo(schedule=""), "cdk/lib/retrain-stack.ts": stack})
    assert runners(root, "pipelines/churn/evaluate.py") == [
        "pipelines/churn/pipeline.py sagemaker pipeline 'ChurnTrainPipeline' (on schedule cron(minute=0 hour=4 "
        "weekDay=MON), CDK (TypeScript) MondayRetrain) step 'EvaluateChurnModel'"
    ]
    assert audit(root).item("monitor-4").score == 1
    stack = pf2.CDK_TS_SAGEMAKER_SCHEDULE.replace("ENABLED", "false")
    root = make_repo(tmp_path / "off", {**pf.sagemaker_repo(schedule=""), "cdk/lib/retrain-stack.ts": stack})
    assert audit(root).item("monitor-4").score == 0.5  # declared disabled


# -- Registry approval event ----------------------------------------------------------------------------
def test_model_approval_event_starts_the_deploy_codepipeline(tmp_path):
    files = {
        "infra/deploy-pipeline.yml": pf2.DEPLOY_CFN,
        "deploy/buildspec.yml": pf2.DEPLOY_BUILDSPEC,
        "deploy/build.py": pf2.DEPLOY_BUILD,
    }
    root = make_repo(tmp_path / "approved", files)
    assert runners(root, "deploy/build.py") == ["deploy/buildspec.yml job 'build' step 'build' (on event)"]
    ctx = AuditContext(root)
    try:
        rule = next(
            t
            for t in ctx.platform_triggers
            if t.source == "CloudFormation ModelApprovedRule" and t.target == "codebuild"
        )
        assert "SageMaker Model Package State Change" in rule.text
        assert "ModelApprovalStatus" in rule.text
        assert ctx.wiring.automatic_runner("deploy/build.py") is not None
    finally:
        ctx.close()
    # without the rule the deploy pipeline (PollForSourceChanges: false) is started by hand
    root = make_repo(tmp_path / "by-hand", {k: v for k, v in files.items() if not k.startswith("infra/")})
    assert runners(root, "deploy/build.py") == ["deploy/buildspec.yml job 'build' step 'build' (on manual)"]
    polling = pf2.DEPLOY_CFN.replace("PollForSourceChanges: false", "PollForSourceChanges: true")
    root = make_repo(tmp_path / "polling", {**files, "infra/deploy-pipeline.yml": polling})
    assert runners(root, "deploy/build.py") == ["deploy/buildspec.yml job 'build' step 'build' (on event, push)"]


# -- Serving rollouts (read by checks/infra.py's config searches; pinned here) -----------------------------
@pytest.mark.parametrize(
    ("files", "canary", "rollback", "what"),
    [
        ({"deploy/canary.yaml": pf2.FLAGGER_CANARY}, 1, 1, "Flagger canary"),
        ({"serving/models.config": pf2.TF_SERVING_MODEL_CONFIG}, 0, 1, "TF Serving serves several versions"),
        ({"infra/endpoint.yml": pf2.SAGEMAKER_ENDPOINT_CFN}, 1, 0, "SageMaker weighted/shadow variants"),
    ],
)
def test_rollout_configs(tmp_path, files, canary, rollback, what):
    report = audit(make_repo(tmp_path / "serving", pf.serving_repo(**files)))
    assert report.item("infra-6").score == canary
    assert report.item("infra-7").score == rollback
    assert what in " ".join(e.detail for t in ("infra-6", "infra-7") for e in report.item(t).evidence)


def test_rollout_reader_tells_checked_canaries_from_hand_promoted_ones(tmp_path):
    from mltestscore.evidence.platforms.rollouts import rollouts

    files = {
        "deploy/rollout.yaml": pf.ARGO_ROLLOUT,
        "deploy/manual-rollout.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: x}\n---\n"
        + pf2.ARGO_ROLLOUT_NO_ANALYSIS,
        "deploy/canary.yaml": pf2.FLAGGER_CANARY,
        "deploy/seldon.yaml": pf.SELDON,
        "infra/endpoint.yml": pf2.SAGEMAKER_ENDPOINT_CFN,
        "serving/models.config": pf2.TF_SERVING_MODEL_CONFIG,
        "model_repository/churn/config.pbtxt": pf.TRITON_CONFIG,
    }
    ctx = AuditContext(make_repo(tmp_path / "rollouts", files))
    try:
        found = {r.path: r for r in rollouts(ctx)}
    finally:
        ctx.close()
    assert found["deploy/rollout.yaml"].checked and found["deploy/rollout.yaml"].split
    manual = found["deploy/manual-rollout.yaml"]
    assert manual.split and not manual.checked and "no analysis: a person promotes" in manual.detail
    flagger = found["deploy/canary.yaml"]
    assert flagger.checked and "request-success-rate, request-duration" in flagger.detail
    assert found["deploy/seldon.yaml"].split and not found["deploy/seldon.yaml"].checked
    assert "main 90%, candidate 10%" in found["deploy/seldon.yaml"].detail
    assert "0.9 / 0.1" in found["infra/endpoint.yml"].detail and not found["infra/endpoint.yml"].checked
    assert found["serving/models.config"].versions and found["serving/models.config"].system == "tf-serving"
    assert found["model_repository/churn/config.pbtxt"].system == "triton"


def test_kedro_run_through_a_makefile_target_or_python_m(tmp_path):
    makefile = "train:\n\tpython -m kedro run --pipeline=data_science\n"
    ci = pf2.KEDRO_CI.replace("kedro run --pipeline data_science", "make train")
    root = make_repo(tmp_path / "make", {**pf2.kedro_repo(ci), "Makefile": makefile})
    assert runners(root, "src/churn/pipelines/data_science/nodes.py")[0] == (
        ".github/workflows/retrain.yml job 'retrain' step 'make train' (on schedule) → make train"
        " → kedro pipeline 'data_science' step 'split_data_node'"
    )
    assert audit(root).item("monitor-4").score == 1


def test_infra6_a_canary_without_automatic_analysis_is_the_manual_form(repo):
    unchecked = repo({"deploy/rollout.yaml": pf2.ARGO_ROLLOUT_NO_ANALYSIS}, name="hand-promoted")
    result = audit(unchecked).item("infra-6")
    assert result.score == 0.5 and result.evidence[0].path == "deploy/rollout.yaml"
    assert "a person promotes" in result.evidence[0].detail
    checked = repo({"deploy/rollout.yaml": pf.ARGO_ROLLOUT}, name="analysed")
    assert audit(checked).item("infra-6").score == 1
