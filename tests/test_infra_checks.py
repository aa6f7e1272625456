"""The infrastructure checks at 0, 0.5 and 1 on real-shaped repositories."""

import pytest
from conftest import audit

from mltestscore.results import Status

CI = """
name: ci
on:
  push:
    branches: [main]
  pull_request:
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with: {{python-version: "3.11"}}
      - run: pip install -r requirements.txt
{steps}
"""


def ci(*commands: str) -> str:
    return CI.format(steps="\n".join(f"      - run: {c}" for c in commands))


TRAIN = """
import random

import joblib
import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier


def train(df: pd.DataFrame, seed: int = 42) -> RandomForestClassifier:
    random.seed(seed)
    np.random.seed(seed)
    model = RandomForestClassifier(n_estimators=50, random_state=seed)
    model.fit(df.drop(columns=["churned"]), df["churned"])
    return model


if __name__ == "__main__":
    frame = pd.read_csv("data/train.csv")
    joblib.dump(train(frame), "models/model.joblib")
"""

TEST_TRAIN = """
import numpy as np
import pandas as pd

from churn.models.train import train


def frame(n=40):
    rng = np.random.default_rng(0)
    return pd.DataFrame({"tenure": rng.integers(1, 60, n), "churned": rng.integers(0, 2, n)})


def test_predict_proba_shape():
    model = train(frame())
    assert model.predict_proba(frame().drop(columns=["churned"])).shape == (40, 2)


def test_same_seed_reproducible():
    a, b = train(frame(), seed=1), train(frame(), seed=1)
    x = frame().drop(columns=["churned"])
    assert (a.predict(x) == b.predict(x)).all()
"""

DVC_YAML = """
stages:
  prepare:
    cmd: python src/churn/data/prepare.py
    deps: [data/raw.csv, src/churn/data/prepare.py]
    outs: [data/train.csv]
  train:
    cmd: python src/churn/models/train.py
    deps: [data/train.csv]
    params: [train.seed]
    outs: [models/model.joblib]
  evaluate:
    cmd: python src/churn/models/evaluate.py
    deps: [models/model.joblib]
    metrics:
      - metrics.json:
          cache: false
"""

DVC_LOCK = """
schema: '2.0'
stages:
  prepare:
    cmd: python src/churn/data/prepare.py
    outs:
    - path: data/train.csv
      md5: 1a79a4d60de6718e8e5b326e338ae533
      size: 1024
  train:
    cmd: python src/churn/models/train.py
    params:
      params.yaml:
        train.seed: 42
    outs:
    - path: models/model.joblib
      md5: 9e107d9d372bb6826bd81d3542a419d6
      size: 20480
  evaluate:
    cmd: python src/churn/models/evaluate.py
"""

GATE = """
import json
import sys


def main() -> int:
    scores = json.load(open("metrics.json"))
    if scores["auc"] < 0.8:
        print("auc below threshold")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
"""


def project(**extra):
    files = {
        "src/churn/__init__.py": "",
        "src/churn/models/__init__.py": "",
        "src/churn/models/train.py": TRAIN,
        "src/churn/data/prepare.py": "import pandas as pd\n\npd.read_csv('data/raw.csv').dropna().to_csv('data/train.csv')\n",
        "pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["tests"]\npythonpath = ["src"]\n',
        "requirements.txt": "pandas==2.2.3\nnumpy==2.1.3\nscikit-learn==1.5.2\njoblib==1.4.2\n",
    }
    files.update(extra)
    return files


def item(root, test_id, config=None):
    return audit(root, config).item(test_id)


# -- infra-1 --------------------------------------------------------------------------------
def test_infra1_seed_alone_is_manual_a_lock_alone_is_not_enough(repo):
    files = project()
    files["requirements.txt"] = "pandas\nscikit-learn\n"
    result = item(repo(files, name="seeded"), "infra-1")
    assert result.score == 0.5 and result.status == Status.MANUAL  # fixed seeds: the same run can be repeated by hand
    unseeded = project(**{"src/churn/models/train.py": "import pandas as pd\n\ndef train(df):\n    return df.mean()\n"})
    result = item(repo(unseeded, name="pinned"), "infra-1")
    assert result.score == 0 and result.status == Status.MISSING
    assert [e.path for e in result.evidence] == ["requirements.txt"]  # a pinned environment alone is 0


def test_infra1_seeded_training_alone_is_manual_and_a_lone_unpinned_environment_nothing(repo):
    files = project()
    files["requirements.txt"] = "pandas\nscikit-learn\n"
    result = item(repo(files), "infra-1")
    assert result.score == 0.5 and result.status == Status.MANUAL
    assert {(e.path, e.runner) for e in result.evidence} == {("src/churn/models/train.py", None)}  # its seeds
    unseeded = {k: v for k, v in files.items() if not k.endswith("train.py")}
    unseeded["Dockerfile"] = "FROM python:3.11\n"
    result = item(repo(unseeded, name="unseeded"), "infra-1")
    assert result.score == 0 and [e.path for e in result.evidence] == ["Dockerfile"]


def test_infra1_seeds_and_pins_are_manual(repo):
    result = item(repo(project()), "infra-1")
    assert result.score == 0.5 and result.status == Status.MANUAL
    paths = {e.path for e in result.evidence}
    assert {"src/churn/models/train.py", "requirements.txt"} <= paths
    assert "dvc repro" in result.missing


def test_infra1_ci_repro_and_lock_diff_is_automated(repo):
    root = repo(
        project(
            **{
                "dvc.yaml": DVC_YAML,
                "dvc.lock": DVC_LOCK,
                "params.yaml": "train:\n  seed: 42\n",
                ".github/workflows/ci.yml": ci("dvc repro", "git diff --exit-code dvc.lock"),
            }
        )
    )
    result = item(root, "infra-1")
    assert result.score == 1 and result.status == Status.AUTOMATED
    chain = result.evidence[0]
    assert chain.path == ".github/workflows/ci.yml" and "git diff --exit-code dvc.lock" in chain.detail
    assert "job 'test'" in chain.runner


# -- infra-2: the same test file, with and without a CI job that reaches it -------------------------
def test_infra2_levels_follow_the_wiring(repo):
    no_tests = item(repo(project(), name="none"), "infra-2")
    assert no_tests.score == 0 and "no test imports them" in no_tests.reason

    manual = item(repo(project(**{"tests/test_train.py": TEST_TRAIN}), name="manual"), "infra-2")
    assert manual.score == 0.5 and manual.status == Status.MANUAL
    assert manual.evidence[0].path == "tests/test_train.py" and manual.evidence[0].runner is None

    wired = item(
        repo(project(**{"tests/test_train.py": TEST_TRAIN, ".github/workflows/ci.yml": ci("pytest")}), name="wired"),
        "infra-2",
    )
    assert wired.score == 1 and wired.status == Status.AUTOMATED
    assert wired.evidence[0].path == "tests/test_train.py"
    assert ".github/workflows/ci.yml job 'test'" in wired.evidence[0].runner
    assert "pytest collects tests/test_train.py" in wired.evidence[0].runner


def test_infra2_test_that_imports_nothing_of_the_project_does_not_count(repo):
    files = project(
        **{"tests/test_math.py": "def test_add():\n    assert 1 + 1 == 2\n", ".github/workflows/ci.yml": ci("pytest")}
    )
    assert item(repo(files), "infra-2").score == 0


# -- infra-3 --------------------------------------------------------------------------------
def test_infra3_levels(repo):
    assert item(repo(project(), name="script"), "infra-3").score == 0
    pipeline = project(**{"dvc.yaml": DVC_YAML})
    manual = item(repo(pipeline, name="dvc"), "infra-3")
    assert manual.score == 0.5 and "3 stages" in manual.evidence[0].detail
    pipeline[".github/workflows/ci.yml"] = ci("dvc repro")
    wired = item(repo(pipeline, name="ci"), "infra-3")
    assert wired.score == 1 and "dvc repro" in wired.evidence[0].detail


def test_infra3_dispatch_only_pipeline_job_is_manual(repo):
    workflow = ci("dvc repro").replace("on:\n  push:\n    branches: [main]\n  pull_request:", "on: workflow_dispatch")
    result = item(repo(project(**{"dvc.yaml": DVC_YAML, ".github/workflows/train.yml": workflow})), "infra-3")
    assert result.score == 0.5
    assert any("on manual" in (e.runner or "") for e in result.evidence)


# -- infra-4 --------------------------------------------------------------------------------
def test_infra4_levels(repo):
    assert item(repo(project(), name="none"), "infra-4").score == 0
    manual = item(repo(project(**{"scripts/check_metrics.py": GATE}), name="gate"), "infra-4")
    assert manual.score == 0.5 and manual.evidence[0].path == "scripts/check_metrics.py"
    wired = item(
        repo(
            project(
                **{"scripts/check_metrics.py": GATE, ".github/workflows/ci.yml": ci("python scripts/check_metrics.py")}
            ),
            name="ci",
        ),
        "infra-4",
    )
    assert wired.score == 1 and wired.evidence[0].line == 7


def test_infra4_metrics_diff_without_gate_is_manual(repo):
    files = project(**{"dvc.yaml": DVC_YAML, ".github/workflows/ci.yml": ci("dvc repro", "dvc metrics diff main --md")})
    result = item(repo(files), "infra-4")
    assert result.score == 0.5 and "compares metrics without failing" in result.evidence[0].detail


def test_infra4_metric_threshold_test_in_ci(repo):
    test = (
        "from churn.models.train import train\n\n\ndef test_auc_threshold():\n    auc = 0.91\n    assert auc >= 0.85\n"
    )
    result = item(repo(project(**{"tests/test_quality.py": test, ".github/workflows/ci.yml": ci("pytest")})), "infra-4")
    assert result.score == 1 and result.evidence[0].detail == "test asserts a metric threshold"


# -- infra-5 --------------------------------------------------------------------------------
EXPLAIN = """
import shap


def explain_one(model, row):
    explainer = shap.TreeExplainer(model)
    return explainer.shap_values(row)
"""


def test_infra5_levels(repo):
    assert item(repo(project(), name="none"), "infra-5").score == 0
    files = project(**{"src/churn/explain.py": EXPLAIN})
    manual = item(repo(files, name="manual"), "infra-5")
    assert manual.score == 0.5 and "shap.TreeExplainer" in manual.evidence[0].detail
    files["tests/test_explain.py"] = (
        "from churn.explain import explain_one\n\n\ndef test_explain_one_example():\n    assert explain_one is not None\n"
    )
    files[".github/workflows/ci.yml"] = ci("pytest")
    wired = item(repo(files, name="wired"), "infra-5")
    assert wired.score == 1 and wired.evidence[0].path == "tests/test_explain.py"


def test_infra5_commented_out_shap_does_not_count(repo):
    files = project(**{"src/churn/explain.py": "# import shap\n# shap.TreeExplainer(model)\n"})
    assert item(repo(files), "infra-5").score == 0


# -- infra-6 / infra-7 ----------------------------------------------------------------------
KSERVE = """
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: churn
spec:
  predictor:
    canaryTrafficPercent: 10
    model:
      modelFormat: {name: sklearn}
      storageUri: s3://acme-ml/churn/models/v12
"""

ROLLOUT = """
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: churn-api
spec:
  revisionHistoryLimit: 3
  strategy:
    canary:
      steps:
        - setWeight: 20
        - pause: {duration: 10m}
"""


def test_infra6_levels(repo):
    assert item(repo(project(), name="none"), "infra-6").score == 0
    staged = ci("echo build").replace(
        "jobs:",
        "jobs:\n  deploy-staging:\n    runs-on: ubuntu-latest\n    environment: staging\n    steps:\n      - run: ./deploy.sh staging\n  deploy-prod:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n      - run: ./deploy.sh prod",
        1,
    )
    manual = item(repo(project(**{".github/workflows/deploy.yml": staged}), name="staged"), "infra-6")
    assert manual.score == 0.5
    canary = item(repo(project(**{"deploy/isvc.yaml": KSERVE}), name="kserve"), "infra-6")
    assert canary.score == 1 and canary.evidence[0].line == 7


def test_infra7_levels(repo):
    assert item(repo(project(), name="none"), "infra-7").score == 0
    registry = project()
    registry["src/churn/models/register.py"] = "import mlflow\n\nmlflow.register_model('runs:/abc/model', 'churn')\n"
    manual = item(repo(registry, name="registry"), "infra-7")
    assert manual.score == 0.5 and "mlflow.register_model" in manual.evidence[0].detail
    rollout = item(repo(project(**{"deploy/rollout.yaml": ROLLOUT}), name="rollout"), "infra-7")
    assert rollout.score == 1


def test_registry_only_in_requirements_is_not_evidence(repo):
    files = project()
    files["requirements.txt"] += "mlflow==2.17.0\nshap==0.46.0\n"
    report = audit(repo(files))
    assert report.item("infra-7").score == 0 and report.item("infra-5").score == 0


@pytest.mark.parametrize("test_id", [f"infra-{n}" for n in range(1, 8)])
def test_every_missing_point_says_how_to_earn_it(repo, test_id, tmp_path):
    result = item(repo({"README.md": "# empty\n"}, name=test_id), test_id)
    assert result.score == 0 and result.missing
