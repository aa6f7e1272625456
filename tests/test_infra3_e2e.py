"""infra-3 judged by what a test or job exercises, not by its name."""

from __future__ import annotations

from conftest import audit

CI = """
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: python -m pytest checks
"""
FLOW = """
import pickle
from sklearn.tree import DecisionTreeClassifier
from sklearn.metrics import roc_auc_score

def fit_and_score(rows, labels):
    model = DecisionTreeClassifier().fit(rows, labels)
    pickle.dump(model, open("model.pkl", "wb"))
    return roc_auc_score(labels, model.predict(rows))
"""


def test_a_test_driving_training_through_evaluation_is_end_to_end_whatever_its_name(repo):
    root = repo(
        {
            "lib/flow.py": FLOW,
            "lib/__init__.py": "",
            "checks/check_flow.py": "from lib.flow import fit_and_score\n\ndef test_runs():\n    assert fit_and_score([[0], [1]], [0, 1])\n",
            "pytest.ini": "[pytest]\npython_files = check_*.py\n",
            ".github/workflows/ci.yml": CI,
        }
    )
    item = audit(root).item("infra-3")
    assert item.score == 1.0 and "drives training" in item.evidence[0].detail


def test_an_integration_folder_test_of_a_web_api_is_no_pipeline_run(repo):
    root = repo(
        {
            "lib/flow.py": FLOW,
            "lib/api.py": "def health():\n    return 'ok'\n",
            "checks/integration/test_api.py": "from lib.api import health\n\ndef test_health():\n    assert health() == 'ok'\n",
            ".github/workflows/ci.yml": CI,
        }
    )
    assert audit(root).item("infra-3").score == 0.0


def test_a_dispatch_job_that_trains_then_evaluates_is_a_hand_run_pipeline(repo):
    root = repo(
        {
            "jobs/train_model.py": FLOW,
            "jobs/score.py": "print('scored')\n",
            ".github/workflows/run.yml": """
                on: workflow_dispatch
                jobs:
                  run:
                    runs-on: ubuntu-latest
                    steps:
                      - run: python jobs/train_model.py
                      - run: python jobs/score.py
                """,
        }
    )
    assert audit(root).item("infra-3").score == 0.5
