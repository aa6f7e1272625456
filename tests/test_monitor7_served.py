"""monitor-7: a scheduled job scoring logged predictions against actuals, found by what it does."""

from __future__ import annotations

from conftest import audit

JOB = """
import pandas as pd
import sqlalchemy
from sklearn.metrics import roc_auc_score

engine = sqlalchemy.create_engine("postgresql://db")
served = pd.read_sql("select id, score from prediction_log", engine)
outcomes = pd.read_sql("select id, churned as label from outcomes", engine)
both = served.merge(outcomes, on="id")
print(roc_auc_score(both["label"], both["score"]))
"""
CRON = """
on:
  schedule:
    - cron: "0 3 * * *"
jobs:
  nightly:
    runs-on: ubuntu-latest
    steps:
      - run: python jobs/nightly.py
"""


def test_scheduled_join_of_logged_predictions_with_outcomes_is_served_evaluation(repo):
    root = repo({"jobs/nightly.py": JOB, ".github/workflows/nightly.yml": CRON})
    item = audit(root).item("monitor-7")
    assert item.score == 0.5 and item.evidence[0].path == "jobs/nightly.py"


def test_offline_evaluation_that_calls_the_model_is_not_served_evaluation(repo):
    offline = JOB.replace(
        'print(roc_auc_score(both["label"], both["score"]))', 'print(roc_auc_score(both["label"], model.predict(both)))'
    )
    root = repo({"jobs/nightly.py": "model = None\n" + offline, ".github/workflows/nightly.yml": CRON})
    assert audit(root).item("monitor-7").score == 0.0
