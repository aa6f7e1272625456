"""model-5: a linear model and a forest built in different branches of one if/elif on a configured model
type are a choice of one model, not a baseline comparison; both trained side by side are one."""

from __future__ import annotations

from conftest import audit

CHOICE = """
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score


class Trainer:
    def __init__(self, model_type, params):
        self.model_type, self.params = model_type, params

    def build(self):
        if self.model_type == "random_forest":
            model = RandomForestClassifier(n_estimators=self.params.get("n_estimators", 100))
        elif self.model_type == "logistic_regression":
            model = LogisticRegression(C=self.params.get("C", 1.0), max_iter=1000)
        else:
            model = RandomForestClassifier(n_estimators=100)
        return model

    def evaluate(self, model, X, y):
        return accuracy_score(y, model.predict(X))
"""

SIDE_BY_SIDE = """
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score


def compare(X_train, y_train, X_test, y_test):
    scores = {}
    linear = LogisticRegression(max_iter=1000).fit(X_train, y_train)
    forest = RandomForestClassifier().fit(X_train, y_train)
    scores["linear"] = accuracy_score(y_test, linear.predict(X_test))
    scores["forest"] = accuracy_score(y_test, forest.predict(X_test))
    return scores
"""


def test_models_in_exclusive_branches_are_a_choice_not_a_baseline(repo):
    assert audit(repo({"src/train.py": CHOICE})).item("model-5").score == 0


def test_a_linear_model_trained_beside_a_forest_is_a_baseline(repo):
    result = audit(repo({"src/compare.py": SIDE_BY_SIDE})).item("model-5")
    assert result.score == 0.5 and "beside" in result.evidence[0].detail
