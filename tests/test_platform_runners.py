"""Platform readers (evidence/platforms): their pipelines become runner chains in the wiring."""

from __future__ import annotations

from conftest import audit

from mltestscore.context import AuditContext

TRAIN = (
    "import joblib\nfrom sklearn.linear_model import LogisticRegression\njoblib.dump(LogisticRegression(), 'm.pkl')\n"
)
GATE = "import sys\nfrom sklearn.metrics import accuracy_score\nacc = accuracy_score([0], [0])\nif acc < 0.8:\n    sys.exit(1)\n"


def context(root) -> AuditContext:
    return AuditContext(root)


# -- Azure Pipelines ------------------------------------------------------------------------------
def test_azure_pipeline_in_any_folder_expands_templates_and_task_inputs(repo):
    root = repo(
        {
            "ci/build.yml": """
                trigger: [main]
                stages:
                - stage: test
                  jobs:
                  - job: unit
                    steps:
                    - template: templates/tests.yml
                    - task: Bash@3
                      inputs:
                        targetType: filePath
                        filePath: scripts/smoke.sh
                    - task: PythonScript@0
                      inputs:
                        scriptSource: filePath
                        scriptPath: src/check.py
                        arguments: --strict
                - stage: rollback
                  condition: failed()
                  jobs:
                  - job: undo
                    steps:
                    - task: AzureCLI@2
                      inputs:
                        scriptLocation: inlineScript
                        inlineScript: |
                          az ml online-endpoint update --traffic "blue=100"
                """,
            "ci/templates/tests.yml": "steps:\n- script: python -m pytest tests/\n  displayName: unit tests\n",
            "scripts/smoke.sh": "python src/train.py\n",
            "src/train.py": TRAIN,
            "src/check.py": "print('ok')\n",
        }
    )
    ctx = context(root)
    [pipeline] = [p for p in ctx.ci if p.system == "azure-pipelines"]
    assert pipeline.path == "ci/build.yml"  # the template is not a pipeline of its own
    steps = {s.name: s.commands for s in pipeline.jobs[0].steps}
    assert steps["template ci/templates/tests.yml: unit tests"] == ["python -m pytest tests/"]
    assert steps["Bash@3"] == ["bash scripts/smoke.sh"]
    assert steps["PythonScript@0"] == ["python src/check.py --strict"]
    assert any(name.startswith("[failed()] ") and "az ml online-endpoint" in cmds[0] for name, cmds in steps.items())
    runners = ctx.wiring.runners_for("src/train.py")
    assert runners and runners[0].automatic
    assert "scripts/smoke.sh" in runners[0].describe()


def test_yaml_that_only_looks_like_steps_is_not_an_azure_pipeline(repo):
    root = repo(
        {
            "conf/recipe.yml": "steps:\n- name: clean\n  params: {k: 1}\n",
            "k8s/job.yaml": "apiVersion: batch/v1\nkind: Job\nspec: {}\n",
        }
    )
    assert [p for p in context(root).ci if p.system == "azure-pipelines"] == []


# -- Azure ML ---------------------------------------------------------------------------------------
def test_azureml_v2_yaml_pipeline_steps_are_pipeline_runners(repo):
    root = repo(
        {
            "pipelines/train.yml": """
                $schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
                type: pipeline
                jobs:
                  train:
                    type: command
                    code: ../src
                    command: python train.py --data ${{inputs.data}}
                  evaluate:
                    component: file:../components/evaluate.yml
                """,
            "components/evaluate.yml": """
                $schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
                name: evaluate
                code: ../src
                command: python evaluate.py
                """,
            "src/train.py": TRAIN,
            "src/evaluate.py": GATE,
        }
    )
    ctx = context(root)
    [pipeline] = ctx.platform_pipelines
    assert [s.name for s in pipeline.steps] == ["train", "evaluate"]
    runner = ctx.wiring.runners_for("src/evaluate.py")[0]
    assert runner.kind == "pipeline" and "azureml pipeline" in runner.describe()
    assert audit(root).item("infra-4").score == 1.0


def test_azureml_sdk_v1_pipeline_started_by_hand_is_still_a_pipeline_step(repo):
    root = repo(
        {
            "aml/build.py": """
                from azureml.pipeline.core import Pipeline
                from azureml.pipeline.steps import PythonScriptStep
                train = PythonScriptStep(name="train", script_name="train.py", source_directory="../src")
                Pipeline(workspace=None, steps=[train]).submit("exp")
                """,
            "src/train.py": TRAIN,
        }
    )
    ctx = context(root)
    [pipeline] = ctx.platform_pipelines
    assert pipeline.steps[0].cwd == "src" and pipeline.steps[0].commands == ("python train.py",)
    assert not pipeline.scheduled
    assert ctx.wiring.runners_for("src/train.py")[0].kind == "pipeline"


# -- Airflow ----------------------------------------------------------------------------------------
def test_airflow_operators_become_steps_and_schedule_none_is_by_hand(repo):
    root = repo(
        {
            "orchestration/dags/train_dag.py": """
                from airflow import DAG
                from airflow.operators.python import PythonOperator
                from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
                from project.pipeline import evaluate_model

                with DAG("train", schedule=None) as dag:
                    fit = KubernetesPodOperator(task_id="fit", cmds=["python"], arguments=["/app/project/train.py"])
                    check = PythonOperator(task_id="check", python_callable=evaluate_model)
                    fit >> check
                """,
            "project/__init__.py": "",
            "project/train.py": TRAIN,
            "project/pipeline.py": "def evaluate_model():\n    return 1\n",
        }
    )
    ctx = context(root)
    [dag] = ctx.platform_pipelines
    assert dag.platform == "airflow" and not dag.scheduled and "started by hand" in dag.trigger_note
    steps = {s.name: s.commands for s in dag.steps}
    assert steps == {"fit": ("python project/train.py",), "check": ("python project/pipeline.py",)}
    assert "airflow pipeline 'train'" in ctx.wiring.runners_for("project/train.py")[0].describe()
    assert audit(root).item("monitor-4").score < 1.0


# -- Cloud Build ------------------------------------------------------------------------------------
CLOUDBUILD = """
steps:
- name: 'python:3.11'
  entrypoint: 'bash'
  args: ['-c', 'pip install -r requirements.txt && python -m pytest tests/check_model.py']
- name: gcr.io/cloud-builders/docker
  args: ['build', '-t', 'img', '.']
"""


def test_cloud_build_without_trigger_is_hand_run(repo):
    root = repo(
        {
            "build/cloudbuild.yaml": CLOUDBUILD,
            "src/model.py": "import torch\nclass Net(torch.nn.Module):\n    pass\n",
            "tests/check_model.py": "from src.model import Net\ndef test_net():\n    assert Net()\n",
        }
    )
    ctx = context(root)
    [pipeline] = [p for p in ctx.ci if p.system == "cloud-build"]
    assert [s.commands for s in pipeline.jobs[0].steps][1] == ["docker build -t img ."]
    assert not pipeline.jobs[0].automatic
    runner = ctx.wiring.runners_for("tests/check_model.py")[0]
    assert not runner.automatic and "hand-run" in runner.describe()
    assert audit(root).item("infra-2").score == 0.5


def test_cloud_build_with_a_terraform_trigger_is_automatic(repo):
    root = repo(
        {
            "cloudbuild.yaml": CLOUDBUILD,
            "infra/main.tf": 'resource "google_cloudbuild_trigger" "ci" {\n  filename = "cloudbuild.yaml"\n  github {\n    push { branch = "main" }\n  }\n}\n',
            "src/model.py": "import torch\nclass Net(torch.nn.Module):\n    pass\n",
            "tests/check_model.py": "from src.model import Net\ndef test_net():\n    assert Net()\n",
        }
    )
    assert audit(root).item("infra-2").score == 1.0


def test_cloud_build_submitted_by_a_ci_job_takes_its_triggers(repo):
    root = repo(
        {
            "cloudbuild.yaml": CLOUDBUILD,
            ".github/workflows/deploy.yml": """
                on: [push]
                jobs:
                  build:
                    runs-on: ubuntu-latest
                    steps:
                      - run: gcloud builds submit --config=cloudbuild.yaml .
                """,
        }
    )
    [pipeline] = [p for p in context(root).ci if p.system == "cloud-build"]
    assert pipeline.jobs[0].automatic


def test_azure_failed_stage_that_moves_traffic_back_is_an_automatic_rollback(repo):
    root = repo(
        {
            "azure-pipelines.yml": """
                trigger: [main]
                stages:
                - stage: deploy
                  jobs:
                  - job: release
                    steps:
                    - script: az ml online-endpoint update -n ep --traffic "green=100"
                - stage: rollback
                  condition: failed()
                  jobs:
                  - job: undo
                    steps:
                    - script: az ml online-endpoint update -n ep --traffic "blue=100 green=0"
                      displayName: back to blue
                """,
        }
    )
    item = audit(root).item("infra-7")
    assert item.score == 1.0 and "failed()" in item.evidence[0].detail


def test_github_step_on_success_is_no_rollback(repo):
    root = repo(
        {
            ".github/workflows/cd.yml": """
                on: [push]
                jobs:
                  deploy:
                    runs-on: ubuntu-latest
                    steps:
                      - run: helm upgrade --install api chart/
                      - if: failure()
                        run: helm rollback api
                      - if: success()
                        run: echo "previous release kept"
                """,
        }
    )
    item = audit(root).item("infra-7")
    assert item.score == 1.0 and [e.detail for e in item.evidence if "failure()" in e.detail]
    assert not [e for e in item.evidence if "success()" in e.detail]


def test_azure_cli_action_script_runs_an_sdk_v2_pipeline_with_components_found_by_their_tail(repo):
    root = repo(
        {
            ".github/workflows/pr.yml": """
                on: [pull_request]
                jobs:
                  run:
                    runs-on: ubuntu-latest
                    steps:
                      - uses: azure/cli@v1
                        with:
                          inlineScript: |
                            python -m mlops.build_pipeline --wait True
                """,
            "mlops/__init__.py": "",
            "mlops/build_pipeline.py": """
                import os
                from azure.ai.ml import load_component
                from azure.ai.ml.dsl import pipeline

                here = os.path.dirname(__file__)

                @pipeline()
                def flow():
                    train = load_component(source=here + "/components/train.yml")
                    score = load_component(source=here + "/components/score.yml")
                    return train, score
                """,
            "mlops/components/train.yml": "$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json\ncode: ../../\ncommand: python -m model.train\n",
            "mlops/components/score.yml": "$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json\ncode: ../../\ncommand: python -m model.score\n",
            "model/__init__.py": "",
            "model/train.py": TRAIN,
            "model/score.py": GATE,
        }
    )
    ctx = context(root)
    runner = ctx.wiring.runners_for("model/score.py")[0]
    assert runner.kind == "ci" and runner.automatic
    assert "azureml pipeline 'build_pipeline.py' step" in runner.describe()
    assert audit(root).item("infra-3").score == 1.0
