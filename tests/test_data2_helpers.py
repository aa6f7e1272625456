"""data-2: an importance helper that only unit tests call measures no feature of the project; the same
helper called by the training code is an analysis."""

from __future__ import annotations

from conftest import audit

CLASSIFIER = """
from sklearn.ensemble import GradientBoostingClassifier


class Booster:
    def __init__(self, **params):
        self.model = GradientBoostingClassifier(**params)

    def fit(self, X, y):
        self.model.fit(X, y)
        return self

    def get_feature_importance(self, names):
        return dict(zip(names, self.model.feature_importances_))
"""

TEST_CLASSIFIER = """
from sklearn.datasets import make_classification

from shop.classifier import Booster


def test_importance_has_every_feature():
    X, y = make_classification(n_samples=40, n_features=3, random_state=0)
    booster = Booster(n_estimators=5).fit(X, y)
    assert set(booster.get_feature_importance(["a", "b", "c"])) == {"a", "b", "c"}
"""

TRAIN = """
import json

import pandas as pd

from shop.classifier import Booster


def main():
    df = pd.read_csv("data/train.csv")
    X, y = df.drop(columns="label"), df["label"]
    booster = Booster().fit(X, y)
    json.dump(booster.get_feature_importance(list(X.columns)), open("importance.json", "w"))


if __name__ == "__main__":
    main()
"""

CI = """
name: ci
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pytest
"""

FILES = {
    "shop/__init__.py": "",
    "shop/classifier.py": CLASSIFIER,
    "tests/test_classifier.py": TEST_CLASSIFIER,
    ".github/workflows/ci.yml": CI,
}


def test_an_importance_helper_only_tests_call_is_no_analysis(repo):
    result = audit(repo(FILES, name="tests-only")).item("data-2")
    assert result.score == 0


def test_the_helper_called_by_training_code_is_an_analysis(repo):
    result = audit(repo({**FILES, "train.py": TRAIN}, name="trained")).item("data-2")
    assert result.score == 0.5
    assert {e.path for e in result.evidence} == {"train.py", "shop/classifier.py"}
