"""KFP v2: a pipeline loading a compiled component YAML (deploymentSpec executor running
`--function_to_execute f`) runs the project's `@dsl.component def f`, and a module's own components win
over same-named components of another pipeline module."""

from __future__ import annotations

from conftest import audit

TUNE = """
from kfp import dsl
from kfp.dsl import Input, Dataset


@dsl.component(base_image="python:3.11")
def modeling(train_csv: Input[Dataset], n_trials: int = 5):
    import optuna
    import pandas as pd
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import cross_val_score

    frame = pd.read_csv(train_csv.path)

    def objective(trial):
        model = RandomForestClassifier(max_depth=trial.suggest_int("max_depth", 2, 8))
        return cross_val_score(model, frame.drop(columns=["y"]), frame["y"]).mean()

    optuna.create_study(direction="maximize").optimize(objective, n_trials=n_trials)
"""

COMPILED = """# PIPELINE DEFINITION
# Name: modeling
components:
  comp-modeling:
    executorLabel: exec-modeling
deploymentSpec:
  executors:
    exec-modeling:
      container:
        args:
        - --executor_input
        - '{{$}}'
        - --function_to_execute
        - modeling
        command:
        - sh
        - -c
        - python3 -m kfp.dsl.executor_main
        image: python:3.11
root:
  dag:
    tasks:
      modeling:
        componentRef:
          name: comp-modeling
"""

PIPELINE = """
from pathlib import Path

from kfp import dsl
from kfp.components import load_component_from_file

HERE = Path(__file__).parent
modeling_op = load_component_from_file(HERE / "components" / "model.yaml")


@dsl.pipeline(name="underwriting")
def underwriting(train_uri: str):
    modeling_op(train_csv=train_uri)
"""

OLD_PIPELINE = """
from kfp import dsl
from kfp.components import create_component_from_func


def old_training(path: str):
    print(path)


modeling_op = create_component_from_func(old_training)


@dsl.pipeline(name="old")
def old(path: str):
    modeling_op(path=path)
"""


def test_a_compiled_component_runs_the_function_it_was_compiled_from(repo):
    root = repo(
        {
            "pipes/current/script/modeling.py": TUNE,
            "pipes/current/components/model.yaml": COMPILED,
            "pipes/current/pipeline.py": PIPELINE,
            "pipes/legacy/pipeline.py": OLD_PIPELINE,
        }
    )
    result = audit(root).item("model-3")
    assert result.score == 1
    chain = result.evidence[0]
    assert chain.path == "pipes/current/script/modeling.py"
    assert "pipeline 'underwriting' step 'modeling_op'" in chain.runner
