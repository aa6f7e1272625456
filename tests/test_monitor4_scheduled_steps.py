"""monitor-4: a scheduled platform pipeline retrains only when one of its steps trains; a scheduled
drift report or data export is not retraining."""

from __future__ import annotations

from conftest import audit

DRIFT_PIPELINE = """
$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
type: pipeline
display_name: data-drift
jobs:
  drift_step:
    type: command
    code: ../../
    command: python src/drift.py --reference ${{inputs.reference}} --target ${{inputs.target}}
"""

SCHEDULE = """
$schema: https://azuremlschemas.azureedge.net/latest/schedule.schema.json
name: nightly
trigger:
  type: cron
  expression: "0 0 * * 0"
create_job: ../pipelines/{pipeline}.yml
"""

DRIFT = """
import pandas as pd
from scipy.stats import ks_2samp


def main(reference: str, target: str) -> dict:
    ref, cur = pd.read_csv(reference), pd.read_csv(target)
    return {c: ks_2samp(ref[c], cur[c]).pvalue for c in ref.columns}
"""

REFIT = """
import joblib
import pandas as pd
from sklearn.linear_model import LogisticRegression


def main(data: str) -> None:
    frame = pd.read_csv(data)
    model = LogisticRegression().fit(frame.drop(columns=["y"]), frame["y"])
    joblib.dump(model, "outputs/model.pkl")
"""

REFIT_PIPELINE = DRIFT_PIPELINE.replace("data-drift", "weekly-refit").replace("src/drift.py", "src/refresh.py")


def monitor4(root):
    return audit(root).item("monitor-4")


def test_a_scheduled_drift_pipeline_is_not_retraining(repo):
    root = repo(
        {
            "core/jobs/pipelines/data_drift.yml": DRIFT_PIPELINE,
            "core/jobs/schedules/data_drift.yml": SCHEDULE.format(pipeline="data_drift"),
            "core/src/drift.py": DRIFT,
        }
    )
    assert monitor4(root).score == 0


def test_a_scheduled_pipeline_whose_step_fits_a_model_retrains(repo):
    root = repo(
        {
            "core/jobs/pipelines/refit.yml": REFIT_PIPELINE,
            "core/jobs/schedules/refit.yml": SCHEDULE.format(pipeline="refit"),
            "core/src/refresh.py": REFIT,
        }
    )
    result = monitor4(root)
    assert result.score == 1
    assert "core/jobs/schedules/refit.yml" in result.evidence[0].runner
