"""model-3: an Azure ML sweep, as a step of a pipeline job (automated) or a standalone sweep job."""

from __future__ import annotations

from conftest import audit

from mltestscore.results import Status

PIPELINE = """
$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
type: pipeline
display_name: credit-training
jobs:
  prepare_step:
    type: command
    code: ../../
    command: python src/prepare.py --out ${{outputs.prepared}}

  tune_step:
    type: sweep
    inputs:
      prepared: ${{parent.jobs.prepare_step.outputs.prepared}}
    sampling_algorithm: random
    search_space:
      n_estimators:
        type: uniform
        min_value: 100
        max_value: 1000
    objective:
      goal: maximize
      primary_metric: validation_auc
    limits:
      max_total_trials: 20
    trial: ../components/train_trial.yml
"""

SWEEP_JOB = """
$schema: https://azuremlschemas.azureedge.net/latest/sweepJob.schema.json
type: sweep
sampling_algorithm: bayesian
search_space:
  learning_rate:
    type: loguniform
    min_value: -6
    max_value: -1
objective:
  goal: minimize
  primary_metric: val_loss
trial:
  command: python train.py --lr ${{search_space.learning_rate}}
"""


def test_a_sweep_step_of_a_pipeline_job_is_automated(repo):
    result = audit(repo({"jobs/pipelines/train.yml": PIPELINE})).item("model-3")
    assert result.score == 1 and result.status == Status.AUTOMATED
    first = result.evidence[0]
    assert (first.path, first.line) == ("jobs/pipelines/train.yml", 10)
    assert "pipeline 'credit-training' step 'tune_step'" in first.runner


def test_a_standalone_sweep_job_is_a_search_a_person_submits(repo):
    result = audit(repo({"jobs/sweep.yml": SWEEP_JOB})).item("model-3")
    assert result.score == 0.5 and result.status == Status.MANUAL
    assert "Azure ML sweep job (bayesian sampling)" in result.evidence[0].detail
