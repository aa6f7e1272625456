"""The Model Development checks (model-1 … model-7) on real-shaped repositories: real GitHub
Actions YAML, real dvc.yaml, real notebooks, real test files, real git history."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import audit, git, git_commit_all, write_tree

from mltestscore.cli import cli
from mltestscore.evidence.modelspec import OwnerRule, _pattern_regex, fairness_section, owner_rule
from mltestscore.results import Status

PUSH_AND_PR = """
on:
  push:
    branches: [main]
  pull_request:
"""
PUSH_ONLY = """
on:
  push:
    branches: [main]
"""
MANUAL_ONLY = """
on:
  workflow_dispatch:
"""
NIGHTLY = """
on:
  schedule:
    - cron: "0 2 * * *"
"""


def workflow(triggers: str, *commands: str, name: str = "ci") -> str:
    steps = "".join(f"      - run: {command}\n" for command in commands)
    return (
        f"name: {name}\n{triggers.strip()}\n"
        "jobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - run: pip install -r requirements.txt\n"
        f"{steps}"
    )


def notebook(*cells: str) -> str:
    """A real .ipynb with a markdown cell and the given code cells."""
    body = [{"cell_type": "markdown", "metadata": {}, "source": ["# Experiments\n"]}]
    body += [
        {"cell_type": "code", "execution_count": i, "metadata": {}, "outputs": [], "source": c.strip().splitlines(True)}
        for i, c in enumerate(cells, start=1)
    ]
    return json.dumps(
        {"cells": body, "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
    )


DVC_EVALUATE = """
stages:
  train:
    cmd: python src/train.py
    deps: [src/train.py, data/train.csv]
    outs: [models/model.joblib]
  evaluate:
    cmd: python src/evaluate.py
    deps: [src/evaluate.py, models/model.joblib]
    metrics:
      - metrics.json:
          cache: false
"""
TRAIN = """
import joblib
import pandas as pd
from sklearn.ensemble import RandomForestClassifier


def main():
    df = pd.read_csv("data/train.csv")
    model = RandomForestClassifier(n_estimators=200).fit(df.drop(columns=["y"]), df["y"])
    joblib.dump(model, "models/model.joblib")


if __name__ == "__main__":
    main()
"""


def item(root, test_id):
    return audit(root).item(test_id)


def shows(result, text: str) -> bool:
    return any(text in e.detail or text in e.path or (e.runner and text in e.runner) for e in result.evidence)


# -- model-1 ------------------------------------------------------------------------------------
MODEL_CODE = {
    "src/churn/models/train.py": TRAIN,
    "requirements.txt": "scikit-learn==1.5.0\n",
}


def test_model1_code_without_specs_or_review_is_zero(repo):
    root = repo({**MODEL_CODE, "README.md": "All model changes are reviewed by the ML team before merging.\n"})
    result = item(root, "model-1")
    assert result.score == 0 and result.status == Status.MISSING
    assert not result.evidence  # the README's promise of review is not evidence of specs or review


def test_model1_params_file_is_half(repo):
    root = repo({**MODEL_CODE, "params.yaml": "train:\n  n_estimators: 200\n  max_depth: 8\n"})
    result = item(root, "model-1")
    assert result.score == 0.5
    assert shows(result, "params.yaml")
    assert "CODEOWNERS" in result.missing


def test_model1_training_config_recognised_by_keys_not_name(repo):
    root = repo(
        {
            **MODEL_CODE,
            "conf/experiment.yaml": "model:\n  hidden_size: 128\n  dropout: 0.1\noptim:\n  lr: 0.001\n  batch_size: 64\n",
            "deploy/service.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: churn\n",
        }
    )
    result = item(root, "model-1")
    assert result.score == 0.5
    assert shows(result, "conf/experiment.yaml") and not shows(result, "deploy/service.yaml")


def test_model1_hydra_main_and_model_card(repo):
    root = repo(
        {
            "src/train.py": """
            import hydra

            @hydra.main(version_base=None, config_path="../configs", config_name="train")
            def main(cfg):
                print(cfg.model)
        """,
            "configs/train.yaml": "defaults:\n  - model: mlp\n  - _self_\nseed: 1\n",
            "MODEL_CARD.md": "# Model card\n\n## Intended use\nRanking support tickets.\n",
        }
    )
    result = item(root, "model-1")
    assert result.score == 0.5
    assert shows(result, "configs/train.yaml") and shows(result, "MODEL_CARD.md")


def test_model1_codeowners_and_pull_request_ci_is_one(repo):
    root = repo(
        {
            **MODEL_CODE,
            "params.yaml": "train:\n  n_estimators: 200\n  max_depth: 8\n",
            ".github/CODEOWNERS": "# ML owners\n*.md @acme/docs\n/src/churn/models/ @acme/ml-team\nparams.yaml @acme/ml-team\n",
            ".github/workflows/ci.yml": workflow(PUSH_AND_PR, "pytest"),
        }
    )
    result = item(root, "model-1")
    assert result.score == 1 and result.status == Status.AUTOMATED
    owners = next(e for e in result.evidence if e.path == ".github/CODEOWNERS")
    assert owners.line in (3, 4) and "@acme/ml-team" in owners.detail and "owns 2 model files" in owners.detail
    assert any(e.runner and "pull_request" in e.runner for e in result.evidence)


def test_model1_codeowners_without_pull_request_ci_is_half(repo):
    root = repo(
        {
            **MODEL_CODE,
            ".github/CODEOWNERS": "/src/churn/ @acme/ml-team\n",
            ".github/workflows/ci.yml": workflow(PUSH_ONLY, "pytest"),
        }
    )
    result = item(root, "model-1")
    assert result.score == 0.5
    assert "pull_request" in result.missing


def test_model1_codeowners_not_covering_model_code_is_not_enforcement(repo):
    root = repo(
        {
            **MODEL_CODE,
            "params.yaml": "train:\n  n_estimators: 200\n  max_depth: 8\n",
            ".github/CODEOWNERS": "/docs/ @acme/docs\n",
            ".github/workflows/ci.yml": workflow(PUSH_AND_PR, "pytest"),
        }
    )
    assert item(root, "model-1").score == 0.5


def test_model1_branch_protection_as_code_is_one(repo):
    root = repo(
        {
            **MODEL_CODE,
            ".github/settings.yml": """
            branches:
              - name: main
                protection:
                  required_pull_request_reviews:
                    required_approving_review_count: 1
                  required_status_checks: null
                  enforce_admins: true
                  restrictions: null
        """,
        }
    )
    result = item(root, "model-1")
    assert result.score == 1
    assert shows(result, "requires pull-request reviews")


def _merged_pull_request(root, train_path: str, extra: dict[str, str] | None = None):
    """A repository whose model code changed on a branch merged as pull request #12."""
    write_tree(root, {train_path: TRAIN, **(extra or {})})
    git_commit_all(root, "initial")
    git(root, "checkout", "-q", "-b", "tune-depth")
    (root / train_path).write_text(TRAIN.replace("200", "300"))
    git_commit_all(root, "Deeper forest")
    git(root, "checkout", "-q", "main")
    git(root, "merge", "-q", "--no-ff", "tune-depth", "-m", "Merge pull request #12 from acme/tune-depth")
    return root


def test_model1_merged_pull_requests_in_history_are_context_not_review(tmp_path):
    # "(#12)" or "Merge pull request" shows a merge through a PR, not that anyone reviewed it.
    root = _merged_pull_request(tmp_path / "repo", "src/churn/models/train.py", {"README.md": "# churn\n"})
    result = item(root, "model-1")
    assert result.score == 0
    assert shows(result, "1 of the last 2 commits to model code/configs were merged through a PR")
    assert all(e.is_context for e in result.evidence)


def test_model1_reviewed_history_is_found_when_auditing_a_subfolder(tmp_path):
    # A monorepo audited at its ML project folder: git names paths from the top.
    root = _merged_pull_request(tmp_path / "mono", "ml/src/churn/models/train.py", {"web/app.js": "x()\n"})
    result = item(root / "ml", "model-1")
    assert result.score == 0
    assert shows(result, "1 of the last 2 commits")


def test_codeowners_patterns_follow_gitignore_rules():
    def rule(pattern, *owners):
        return OwnerRule("CODEOWNERS", 1, pattern, owners, _pattern_regex(pattern))

    rules = [rule("*", "@all"), rule("*.yaml", "@ops"), rule("/src/models/", "@ml"), rule("src/models/legacy.py")]
    assert owner_rule(rules, "src/models/net.py").owners == ("@ml",)
    assert owner_rule(rules, "src/models/sub/deep.py").owners == ("@ml",)
    assert owner_rule(rules, "lib/src/models/net.py").owners == ("@all",)  # anchored at the root
    assert owner_rule(rules, "configs/train.yaml").owners == ("@ops",)  # *.yaml matches at any depth
    assert owner_rule(rules, "src/models/legacy.py") is None  # a later rule without owners un-owns
    assert _pattern_regex("configs/**/model.yaml").match("configs/a/b/model.yaml")
    assert not _pattern_regex("docs/*.md").match("src/docs.md")


# -- model-2 ------------------------------------------------------------------------------------
CORRELATE = """
import pandas as pd
from scipy.stats import spearmanr


def main():
    runs = pd.read_csv("reports/model_versions.csv")
    rho, p = spearmanr(runs["offline_auc"], runs["online_ctr"])
    print(f"offline AUC vs online CTR: rho={rho:.2f} (p={p:.3f})")


if __name__ == "__main__":
    main()
"""


def test_model2_nothing_is_zero_and_says_attest(repo):
    root = repo({**MODEL_CODE, "README.md": "Offline AUC correlates with online CTR (we checked in 2023).\n"})
    result = item(root, "model-2")
    assert result.score == 0
    assert "not observable in the repository" in result.reason


def test_model2_notebook_correlating_offline_and_online_is_half(repo):
    root = repo(
        {
            "notebooks/ab_analysis.ipynb": notebook(
                "import numpy as np\nimport pandas as pd",
                "df = pd.read_csv('ab_results.csv')\nnp.corrcoef(df['auc'], df['conversion_rate'])",
            )
        }
    )
    result = item(root, "model-2")
    assert result.score == 0.5
    assert shows(result, "(cell 3)")


def test_model2_scheduled_correlation_job_is_one(repo):
    root = repo(
        {
            "analysis/offline_online.py": CORRELATE,
            ".github/workflows/weekly.yml": workflow(NIGHTLY, "python analysis/offline_online.py", name="weekly"),
        }
    )
    result = item(root, "model-2")
    assert result.score == 1
    assert result.evidence[0].line == 7 and "schedule" in result.evidence[0].runner


def test_model2_correlation_between_features_is_not_evidence(repo):
    root = repo(
        {
            "analysis/features.py": CORRELATE.replace(
                'runs["offline_auc"], runs["online_ctr"]', 'runs["age"], runs["income"]'
            )
        }
    )
    assert item(root, "model-2").score == 0


def test_model2_experiment_sdk_is_half(repo):
    root = repo(
        {
            "serving/app.py": """
        from growthbook import Experiment, GrowthBook

        gb = GrowthBook(attributes={"id": "user-1"})
        variant = gb.run(Experiment(key="ranker-v2", variations=["v1", "v2"])).value
    """
        }
    )
    result = item(root, "model-2")
    assert result.score == 0.5
    assert shows(result, "growthbook")


# -- model-3 ------------------------------------------------------------------------------------
SEARCH = """
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import RandomizedSearchCV


def run_search(X, y):
    search = RandomizedSearchCV(RandomForestClassifier(), {"max_depth": [4, 8, 16]}, n_iter=3)
    return search.fit(X, y).best_params_


def unrelated():
    return 42
"""


def test_model3_optuna_only_in_requirements_is_zero(repo):
    root = repo(
        {
            "requirements.txt": "optuna==3.6.1\nscikit-learn==1.5.0\n",
            "src/train.py": TRAIN,
            "README.md": "Hyperparameters were tuned with Optuna.\n",
        }
    )
    result = item(root, "model-3")
    assert result.score == 0 and result.status == Status.MISSING


def test_model3_commented_out_grid_search_is_zero(repo):
    root = repo(
        {
            "src/train.py": '''
        """Train the model. (We used to run GridSearchCV here.)"""
        from sklearn.ensemble import RandomForestClassifier
        # from sklearn.model_selection import GridSearchCV
        # search = GridSearchCV(RandomForestClassifier(), {"max_depth": [4, 8]})
        model = RandomForestClassifier(max_depth=8)
    '''
        }
    )
    assert item(root, "model-3").score == 0


def test_model3_grid_search_in_notebook_is_half(repo):
    root = repo(
        {
            "notebooks/tuning.ipynb": notebook(
                "from sklearn.model_selection import GridSearchCV\nfrom sklearn.svm import SVC",
                "%matplotlib inline\nsearch = GridSearchCV(SVC(), {'C': [0.1, 1, 10]}, cv=5)\nsearch.fit(X, y)",
            )
        }
    )
    result = item(root, "model-3")
    assert result.score == 0.5
    assert "GridSearchCV" in result.evidence[0].detail and "(cell 3)" in result.evidence[0].detail


def test_model3_optuna_as_dvc_stage_is_one(repo):
    root = repo(
        {
            "dvc.yaml": "stages:\n  tune:\n    cmd: python src/tune.py\n    deps: [src/tune.py]\n    outs: [best_params.json]\n",
            "src/tune.py": """
            import optuna


            def objective(trial):
                depth = trial.suggest_int("max_depth", 2, 16)
                return depth / 16


            study = optuna.create_study(direction="maximize")
            study.optimize(objective, n_trials=50)
        """,
        }
    )
    result = item(root, "model-3")
    assert result.score == 1
    assert result.evidence[0].path == "src/tune.py" and result.evidence[0].line == 9
    assert "dvc.yaml stage 'tune'" in result.evidence[0].runner


def test_model3_search_reached_through_an_import_is_one(repo):
    root = repo(
        {
            "dvc.yaml": "stages:\n  train:\n    cmd: python src/train.py\n    deps: [src/train.py, src/search.py]\n",
            "src/search.py": SEARCH,
            "src/train.py": "from search import run_search\n\nprint(run_search([[0], [1]], [0, 1]))\n",
        }
    )
    result = item(root, "model-3")
    assert result.score == 1
    assert "src/train.py uses src/search.py:run_search" in result.evidence[0].runner


def test_model3_search_reached_through_src_package_import_is_one(repo):
    root = repo(
        {
            "dvc.yaml": "stages:\n  train:\n    cmd: python train.py\n",
            "src/__init__.py": "",
            "src/ml/__init__.py": "",
            "src/ml/search.py": SEARCH,
            "train.py": "from src.ml.search import run_search\n\nrun_search([[0], [1]], [0, 1])\n",
        }
    )
    result = item(root, "model-3")
    assert result.score == 1
    assert "train.py uses src/ml/search.py:run_search" in result.evidence[0].runner


def test_model3_unit_test_of_the_search_code_does_not_automate_tuning(repo):
    root = repo(
        {
            "src/search.py": SEARCH,
            "tests/test_search.py": "from search import run_search\n\n\ndef test_run_search():\n    assert run_search([[0], [1]] * 3, [0, 1] * 3)\n",
            ".github/workflows/ci.yml": workflow(PUSH_AND_PR, "pytest tests"),
        }
    )
    assert item(root, "model-3").score == 0.5


def test_model3_import_of_another_function_does_not_reach_the_search(repo):
    root = repo(
        {
            "dvc.yaml": "stages:\n  train:\n    cmd: python src/train.py\n",
            "src/search.py": SEARCH,
            "src/train.py": "from search import unrelated\n\nprint(unrelated())\n",
        }
    )
    assert item(root, "model-3").score == 0.5


def test_model3_module_level_search_reached_by_a_plain_import_is_one(repo):
    root = repo(
        {
            ".github/workflows/train.yml": workflow(PUSH_ONLY, "python -m churn.train", name="train"),
            "src/churn/__init__.py": "",
            "src/churn/tuning.py": "from sklearn.model_selection import GridSearchCV\n\nSEARCH = GridSearchCV(None, {'C': [1, 10]})\n",
            "src/churn/train.py": "from . import tuning\n\nprint(tuning.SEARCH)\n",
        }
    )
    result = item(root, "model-3")
    assert result.score == 1
    assert "src/churn/train.py uses src/churn/tuning.py" in result.evidence[0].runner


def test_model3_search_under_main_guard_is_not_reached_by_importers(repo):
    root = repo(
        {
            "dvc.yaml": "stages:\n  train:\n    cmd: python src/train.py\n",
            "src/search.py": """
            from sklearn.model_selection import GridSearchCV

            DEFAULT_C = 1.0

            if __name__ == "__main__":
                GridSearchCV(None, {"C": [0.1, 1, 10]}).fit([[0], [1]], [0, 1])
        """,
            "src/train.py": "import search\n\nprint(search.DEFAULT_C)\n",
        }
    )
    result = item(root, "model-3")
    assert result.score == 0.5  # importing search.py runs its top level, never its main block


def test_model3_hydra_multirun_in_ci_is_one(repo):
    root = repo(
        {
            "src/train.py": TRAIN,
            "configs/hparams_search/optuna.yaml": """
            # @package _global_
            defaults:
              - override /hydra/sweeper: optuna
            hydra:
              mode: "MULTIRUN"
              sweeper:
                n_trials: 20
                params:
                  model.lr: interval(0.0001, 0.1)
        """,
            ".github/workflows/tune.yml": workflow(
                NIGHTLY, "python src/train.py -m hparams_search=optuna", name="tune"
            ),
        }
    )
    result = item(root, "model-3")
    assert result.score == 1
    assert any(e.runner and "tune.yml" in e.runner for e in result.evidence)


MAKEFILE_TUNE = "tune:\n\tdvc exp run --queue -S 'train.lr=0.001,0.01,0.1'\n\tdvc queue start\n"


def test_model3_dvc_experiment_grid_in_makefile_is_half(repo):
    root = repo({"Makefile": MAKEFILE_TUNE, "src/train.py": TRAIN})
    result = item(root, "model-3")
    assert result.score == 0.5
    assert result.evidence[0].path == "Makefile" and "dvc exp run --queue" in result.evidence[0].detail


def test_model3_dvc_experiment_grid_scheduled_through_make_is_one(repo):
    root = repo(
        {
            "Makefile": MAKEFILE_TUNE,
            "src/train.py": TRAIN,
            ".github/workflows/tune.yml": workflow(NIGHTLY, "make tune", name="tune"),
        }
    )
    result = item(root, "model-3")
    assert result.score == 1
    assert "make tune" in result.evidence[0].runner and "schedule" in result.evidence[0].runner


def test_model3_wandb_sweep_config_run_by_hand_is_half(repo):
    root = repo(
        {
            "sweep.yaml": "program: train.py\nmethod: bayes\nmetric:\n  name: val_loss\n  goal: minimize\nparameters:\n  lr:\n    min: 0.0001\n    max: 0.1\n",
            "train.py": TRAIN,
        }
    )
    result = item(root, "model-3")
    assert result.score == 0.5
    assert shows(result, "wandb sweep config")


def test_model3_search_job_started_only_by_hand_is_half(repo):
    root = repo(
        {
            "src/tune.py": SEARCH + "\nrun_search([[0], [1]], [0, 1])\n",
            ".github/workflows/tune.yml": workflow(MANUAL_ONLY, "python src/tune.py", name="tune"),
        }
    )
    result = item(root, "model-3")
    assert result.score == 0.5
    assert [e.path for e in result.evidence] == ["src/tune.py"]
    assert (result.evidence[0].runner or "").endswith("(on manual)")  # the workflow's only trigger is a person


# -- model-4 ------------------------------------------------------------------------------------
MONTHLY_EVAL = """
import json

import pandas as pd
from sklearn.metrics import roc_auc_score

scored = pd.read_csv("data/scored_history.csv", parse_dates=["scored_at"])
by_month = {
    str(month): roc_auc_score(g["label"], g["score"])
    for month, g in scored.groupby(scored["scored_at"].dt.to_period("M"))
}
json.dump(by_month, open("metrics/auc_by_month.json", "w"))
"""


def test_model4_nothing_is_zero_and_says_attest(repo):
    root = repo({**MODEL_CODE})
    result = item(root, "model-4")
    assert result.score == 0 and "attest" in result.reason


def test_model4_time_series_split_notebook_is_half(repo):
    root = repo(
        {
            "notebooks/backtest.ipynb": notebook(
                "from sklearn.model_selection import TimeSeriesSplit, cross_val_score",
                "scores = cross_val_score(model, X, y, cv=TimeSeriesSplit(n_splits=6))",
            )
        }
    )
    result = item(root, "model-4")
    assert result.score == 0.5
    assert shows(result, "TimeSeriesSplit")


def test_model4_metrics_by_month_in_pipeline_is_one(repo):
    root = repo(
        {
            "dvc.yaml": "stages:\n  decay:\n    cmd: python src/decay.py\n    metrics: [metrics/auc_by_month.json]\n",
            "src/decay.py": MONTHLY_EVAL,
        }
    )
    result = item(root, "model-4")
    assert result.score == 1
    assert "per time period" in result.evidence[0].detail


# -- model-5 ------------------------------------------------------------------------------------
EVALUATE_WITH_BASELINE = """
import json

import joblib
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.metrics import roc_auc_score

train, test = pd.read_csv("data/train.csv"), pd.read_csv("data/test.csv")
model = joblib.load("models/model.joblib")
baseline = DummyClassifier(strategy="prior").fit(train.drop(columns=["y"]), train["y"])
scores = {
    "auc": roc_auc_score(test["y"], model.predict_proba(test.drop(columns=["y"]))[:, 1]),
    "baseline_auc": roc_auc_score(test["y"], baseline.predict_proba(test.drop(columns=["y"]))[:, 1]),
}
json.dump(scores, open("metrics.json", "w"))
"""


def test_model5_baseline_only_in_readme_is_zero(repo):
    root = repo(
        {"src/train.py": TRAIN, "README.md": "Our model beats the baseline (a DummyClassifier) by 12 AUC points.\n"}
    )
    result = item(root, "model-5")
    assert result.score == 0 and result.status == Status.MISSING


def test_model5_notebook_comparing_linear_and_boosted_models_is_half(repo):
    root = repo(
        {
            "notebooks/models.ipynb": notebook(
                "from sklearn.linear_model import LogisticRegression\nfrom sklearn.ensemble import GradientBoostingClassifier\n"
                "from sklearn.metrics import roc_auc_score",
                "for m in [LogisticRegression(max_iter=500), GradientBoostingClassifier()]:\n"
                "    m.fit(X_train, y_train)\n    print(type(m).__name__, roc_auc_score(y_test, m.predict_proba(X_test)[:, 1]))",
            )
        }
    )
    result = item(root, "model-5")
    assert result.score == 0.5
    assert shows(result, "LogisticRegression beside GradientBoostingClassifier")


def test_model5_dummy_baseline_in_dvc_evaluate_stage_is_one(repo):
    root = repo({"dvc.yaml": DVC_EVALUATE, "src/train.py": TRAIN, "src/evaluate.py": EVALUATE_WITH_BASELINE})
    result = item(root, "model-5")
    assert result.score == 1
    assert result.evidence[0].path == "src/evaluate.py" and "DummyClassifier" in result.evidence[0].detail
    assert "stage 'evaluate'" in result.evidence[0].runner


def test_model5_ci_test_asserting_model_beats_baseline_is_one(repo):
    root = repo(
        {
            "src/churn/train.py": TRAIN,
            "tests/test_quality.py": """
            import json


            def test_model_beats_baseline():
                scores = json.load(open("metrics.json"))
                assert scores["auc"] > scores["baseline_auc"] + 0.05
        """,
            ".github/workflows/ci.yml": workflow(PUSH_AND_PR, "pytest tests/"),
        }
    )
    result = item(root, "model-5")
    assert result.score == 1
    assert result.evidence[0].path == "tests/test_quality.py" and result.evidence[0].line == 6


def test_model5_dummy_model_as_a_test_stand_in_is_zero(repo):
    root = repo(
        {
            "src/serving/app.py": "def predict(model, rows):\n    return model.predict(rows).tolist()\n",
            "tests/test_app.py": """
            from sklearn.dummy import DummyClassifier

            from serving.app import predict


            def test_predict_returns_list():
                model = DummyClassifier().fit([[0], [1]], [0, 1])
                assert predict(model, [[0]]) in ([0], [1])
        """,
        }
    )
    assert item(root, "model-5").score == 0


# -- model-6 ------------------------------------------------------------------------------------
SLICED = """
import pandas as pd
from sklearn.metrics import roc_auc_score

scored = pd.read_csv("data/scored.csv")
for region, group in scored.groupby("region"):
    print(region, roc_auc_score(group["label"], group["score"]))
"""


def test_model6_nothing_is_zero(repo):
    root = repo({"src/evaluate.py": SLICED.replace('scored.groupby("region")', '[("all", scored)]')})
    assert item(root, "model-6").score == 0


def test_model6_groupby_without_metric_is_zero(repo):
    root = repo(
        {
            "src/report.py": """
        import pandas as pd

        df = pd.read_csv("data/orders.csv")
        for region, group in df.groupby("region"):
            print(region, len(group), group["amount"].sum())
    """
        }
    )
    assert item(root, "model-6").score == 0


def test_model6_per_class_metrics_are_not_slices(repo):
    root = repo(
        {
            "src/evaluate.py": """
        import numpy as np
        from sklearn.metrics import precision_score

        for cls in np.unique(y_true):
            print(cls, precision_score(y_true == cls, y_pred == cls))
    """
        }
    )
    assert item(root, "model-6").score == 0


def test_model6_sliced_script_run_by_hand_is_half(repo):
    root = repo({"src/evaluate.py": SLICED})
    result = item(root, "model-6")
    assert result.score == 0.5
    assert result.evidence[0].line == 5 and "'region'" in result.evidence[0].detail


def test_model6_ci_test_with_per_slice_thresholds_is_one(repo):
    root = repo(
        {
            "src/churn/train.py": TRAIN,
            "tests/test_slices.py": """
            import pandas as pd
            import pytest
            from sklearn.metrics import recall_score

            SCORED = pd.read_csv("tests/data/scored_sample.csv")


            @pytest.mark.parametrize("segment", ["consumer", "smb", "enterprise"])
            def test_recall_per_segment(segment):
                rows = SCORED[SCORED["segment"] == segment]
                assert recall_score(rows["label"], rows["pred"]) >= 0.7
        """,
            ".github/workflows/ci.yml": workflow(PUSH_AND_PR, "pytest tests"),
        }
    )
    result = item(root, "model-6")
    assert result.score == 1
    assert "parametrized over slices" in result.evidence[0].detail and "pull_request" in result.evidence[0].runner


TFX_PIPELINE = """
import tensorflow_model_analysis as tfma
from tfx.components import Evaluator
from tfx.orchestration import pipeline


def create_pipeline(examples, trainer):
    eval_config = tfma.EvalConfig(
        model_specs=[tfma.ModelSpec(label_key="churned")],
        slicing_specs=[tfma.SlicingSpec()SLICES],
    )
    evaluator = Evaluator(examples=examples, model=trainer.outputs["model"], eval_config=eval_config)
    return pipeline.Pipeline(pipeline_name="churn", pipeline_root="gs://acme/churn", components=[trainer, evaluator])
"""


def test_model6_tfma_slicing_by_feature_in_tfx_pipeline_is_one(repo):
    root = repo({"src/pipeline.py": TFX_PIPELINE.replace("SLICES", ', tfma.SlicingSpec(feature_keys=["country"])')})
    result = item(root, "model-6")
    assert result.score == 1
    assert result.evidence[0].line == 9 and "tfx pipeline" in result.evidence[0].runner


def test_model6_bare_tfma_slicing_spec_is_the_overall_slice(repo):
    root = repo({"src/pipeline.py": TFX_PIPELINE.replace("SLICES", "")})
    assert item(root, "model-6").score == 0


def test_model6_time_slices_count_for_staleness_not_for_slices(repo):
    root = repo({"src/decay.py": MONTHLY_EVAL})
    assert item(root, "model-6").score == 0
    assert item(root, "model-4").score == 0.5


# -- model-7 ------------------------------------------------------------------------------------
CARD_TEMPLATE = """
# Model Card

## Model Details
Gradient boosting, v3.

## Ethical Considerations
<!-- Describe fairness analyses here -->
[More Information Needed]

## Caveats and Recommendations
TBD
"""
CARD_FILLED = CARD_TEMPLATE.replace(
    "<!-- Describe fairness analyses here -->\n[More Information Needed]",
    "Recall differs by 3 points between women (0.81) and men (0.84); false positive rates by race are within 1.5 points.",
)


def test_model7_template_fairness_section_is_zero(repo):
    root = repo({"model_card.md": CARD_TEMPLATE, "src/train.py": TRAIN})
    assert item(root, "model-7").score == 0


def test_model7_filled_fairness_section_is_half(repo):
    root = repo({"model_card.md": CARD_FILLED, "src/train.py": TRAIN})
    result = item(root, "model-7")
    assert result.score == 0.5
    assert result.evidence[0].path == "model_card.md" and result.evidence[0].line == 6


def test_model7_fairlearn_notebook_is_half(repo):
    root = repo(
        {
            "notebooks/fairness.ipynb": notebook(
                "from fairlearn.metrics import MetricFrame, selection_rate\nfrom sklearn.metrics import recall_score",
                "mf = MetricFrame(metrics={'recall': recall_score, 'sel': selection_rate}, y_true=y, y_pred=p, sensitive_features=df['sex'])",
            )
        }
    )
    result = item(root, "model-7")
    assert result.score == 0.5
    assert shows(result, "fairlearn.metrics.MetricFrame")
    assert item(root, "model-6").score == 0.5  # a MetricFrame is also a sliced evaluation


def test_model7_metric_per_protected_group_is_half(repo):
    root = repo({"src/audit.py": SLICED.replace('"region"', '"gender"')})
    result = item(root, "model-7")
    assert result.score == 0.5
    assert "protected group" in result.evidence[0].detail


def test_model7_ci_test_on_demographic_parity_is_one(repo):
    root = repo(
        {
            "src/churn/train.py": TRAIN,
            "tests/test_fairness.py": """
            import pandas as pd
            from fairlearn.metrics import demographic_parity_difference


            def test_demographic_parity_within_bound():
                df = pd.read_csv("tests/data/scored_sample.csv")
                gap = demographic_parity_difference(df["label"], df["pred"], sensitive_features=df["sex"])
                assert abs(gap) < 0.1
        """,
            ".github/workflows/ci.yml": workflow(PUSH_AND_PR, "python -m pytest tests"),
        }
    )
    result = item(root, "model-7")
    assert result.score == 1
    assert result.evidence[0].path == "tests/test_fairness.py" and "pull_request" in result.evidence[0].runner


def test_fairness_section_needs_real_content():
    assert fairness_section(CARD_TEMPLATE) is None
    assert fairness_section(CARD_FILLED.lstrip()) == (6, "Ethical Considerations")
    assert fairness_section("# Card\n## Bias, Risks, and Limitations\n\n## Usage\nCall predict().\n") is None


# -- explain ------------------------------------------------------------------------------------
@pytest.mark.parametrize("test_id", [f"model-{n}" for n in range(1, 8)])
def test_explain_prints_meaning_evidence_and_remediation(test_id):
    result = CliRunner().invoke(cli, ["explain", test_id])
    assert result.exit_code == 0
    assert "Evidence mltestscore recognises:" in result.output and "How to earn it:" in result.output
    assert "Not assessed" not in result.output
    assert ("attest it in config" in result.output) == (test_id in ("model-2", "model-4"))
