"""Reach follows a symbol through the functions of its own file that use it: CI runs train.py, which
calls run() of the workflow module, whose private _tune() builds the GridTuner class of tuning.py
through its factory make_tuner()."""

from __future__ import annotations

from conftest import audit

TUNING = """
from sklearn.model_selection import GridSearchCV


class GridTuner:
    def __init__(self, grid):
        self.grid = grid

    def search(self, estimator):
        return GridSearchCV(estimator, self.grid, cv=3)


def make_tuner(grid):
    return GridTuner(grid)
"""

WORKFLOW = """
from sklearn.ensemble import GradientBoostingClassifier

from lib.tuning import make_tuner


def _tune(model, X, y, grid):
    search = make_tuner(grid).search(model)
    search.fit(X, y)
    return search.best_estimator_


def run(X, y, grid):
    return _tune(GradientBoostingClassifier(), X, y, grid)
"""

TRAIN = """
from sklearn.datasets import make_classification

from lib.workflow import run

if __name__ == "__main__":
    X, y = make_classification(n_samples=60, random_state=0)
    run(X, y, {"n_estimators": [10, 20]})
"""

WORKFLOW_CI = """
name: ci
on: [push, pull_request]
jobs:
  train:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install scikit-learn
      - run: python train.py
"""

FILES = {"lib/__init__.py": "", "lib/tuning.py": TUNING, "lib/workflow.py": WORKFLOW, "train.py": TRAIN}


def test_a_search_built_by_a_factory_of_its_file_is_reached_from_ci(repo):
    result = audit(repo({**FILES, ".github/workflows/ci.yml": WORKFLOW_CI}, name="ci")).item("model-3")
    assert result.score == 1
    runner = result.evidence[0].runner or ""
    # the chain names both steps inside a file: make_tuner builds GridTuner, run calls _tune
    assert "lib/tuning.py:make_tuner uses GridTuner" in runner and "lib/workflow.py:run uses _tune" in runner
    assert "step 'python train.py'" in runner


def test_without_the_ci_job_the_same_search_is_started_by_hand(repo):
    assert audit(repo(FILES, name="bare")).item("model-3").score == 0.5


def test_a_class_no_function_of_its_file_uses_is_not_reached(repo):
    unused = TUNING.replace("    return GridTuner(grid)", "    return grid")
    files = {**FILES, "lib/tuning.py": unused, ".github/workflows/ci.yml": WORKFLOW_CI}
    assert audit(repo(files, name="unused")).item("model-3").score == 0.5
