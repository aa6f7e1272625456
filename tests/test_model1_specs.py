"""model-1: pipeline definitions and spaCy configs are versioned model specs; a template's placeholder
module named for training is not model code."""

from __future__ import annotations

from conftest import audit

from mltestscore.results import Status

KFP_PIPELINE = """
from kfp import dsl

from components import evaluate_op, preprocess_op, train_op


@dsl.pipeline(name="attrition-training")
def training_pipeline(data_uri: str, max_depth: int = 6):
    prepared = preprocess_op(data_uri=data_uri)
    model = train_op(dataset=prepared.outputs["dataset"], max_depth=max_depth)
    evaluate_op(model=model.outputs["model"], dataset=prepared.outputs["dataset"])
"""

SPACY_CONFIG = """[paths]
train = "corpus/train.spacy"

[nlp]
lang = "en"
pipeline = ["tok2vec","ner"]

[components.ner]
factory = "ner"

[training]
dropout = 0.1
max_steps = 20000
"""

PLACEHOLDER_TRAIN = """
from pathlib import Path

import typer
from loguru import logger

app = typer.Typer()


@app.command()
def main(model_path: Path = Path("models/model.pkl")):
    logger.info("Training some model...")
    logger.success("Done.")
"""


def model1(root):
    return audit(root).item("model-1")


def test_a_pipeline_definition_is_a_versioned_spec(repo):
    result = model1(repo({"pipeline/training.py": KFP_PIPELINE, "components/__init__.py": ""}))
    assert result.score == 0.5 and result.status == Status.MANUAL
    assert result.evidence[0].path == "pipeline/training.py"
    assert "pipeline definition" in result.evidence[0].detail and "pipeline definition" in result.reason


def test_a_spacy_training_config_is_a_model_spec(repo):
    root = repo({"models/ner_sm/config.cfg": SPACY_CONFIG, "setup.cfg": "[metadata]\nname = x\n"})
    result = model1(root)
    assert result.score == 0.5
    assert [e.path for e in result.evidence] == ["models/ner_sm/config.cfg"]


def test_a_template_placeholder_named_train_is_not_model_code(tmp_path, repo):
    from conftest import git

    root = repo({"proj/modeling/train.py": PLACEHOLDER_TRAIN, "README.md": "x\n"})
    # a reviewed merge of that placeholder would otherwise count as review of model code
    git(root, "checkout", "-q", "-b", "feature")
    (root / "proj/modeling/train.py").write_text(PLACEHOLDER_TRAIN + "\n# tweak\n")
    git(root, "commit", "-qam", "tweak placeholder")
    git(root, "checkout", "-q", "-")
    git(root, "merge", "-q", "--no-ff", "feature", "-m", "Merge pull request #3 from someone/feature")
    result = model1(root)
    assert result.score == 0 and result.status == Status.MISSING

    real = PLACEHOLDER_TRAIN.replace(
        "import typer", "import typer\nfrom sklearn.linear_model import LogisticRegression"
    )
    (root / "proj/modeling/train.py").write_text(real)
    git(root, "commit", "-qam", "real model")
    result = model1(root)
    # Real model code now: its merge through a PR is listed, as context (a merge shows no review).
    merged = [e for e in result.evidence if "merged through a PR" in e.detail]
    assert merged and all(e.kind == "context" for e in merged)


SWEEP = """program: src/project/train.py
name: sweep_lr_and_batch
method: bayes
metric:
  goal: maximize
  name: val_accuracy
parameters:
  lr:
    min: 0.0001
    max: 0.1
    distribution: log_uniform_values
  batch-size:
    values: [16, 32, 64]
"""

TRAIN_TORCH = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
"""

SPEC_CLASSES = """
from typing import Any, Dict

from pydantic import BaseModel, Field


class ModelSpec(BaseModel):
    model_name: str
    random_state: int | None = None


class BoostingSpec(ModelSpec):
    algorithm: str = "gradient_boosting"
    hyperparameters: Dict[str, Any] = Field(
        default_factory=lambda: {"n_estimators": 100, "learning_rate": 0.1, "max_depth": 3}
    )
"""

SETTINGS_NOT_A_SPEC = """
from dataclasses import dataclass


@dataclass
class ServerSettings:
    host: str = "0.0.0.0"
    port: int = 8080
    optimizer: str = "none"
"""


def test_a_wandb_sweep_config_is_a_model_spec(repo):
    # its search space names `batch-size` CLI style: the same hyperparameter as batch_size
    root = repo({"configs/sweep.yaml": SWEEP, "configs/model/model.yaml": "", "src/project/model.py": TRAIN_TORCH})
    result = model1(root)
    assert result.score == 0.5 and result.status == Status.MANUAL
    assert result.evidence[0].path == "configs/sweep.yaml"
    assert "sweep" in result.evidence[0].detail and "batch-size" in result.evidence[0].detail


def test_a_hyphenated_training_config_counts_its_keys(repo):
    root = repo({"conf/train.yaml": "batch-size: 32\nweight-decay: 0.01\n", "src/model.py": TRAIN_TORCH})
    result = model1(root)
    assert result.score == 0.5 and result.evidence[0].path == "conf/train.yaml"


def test_a_typed_spec_class_naming_hyperparameters_is_a_model_spec(repo):
    root = repo({"specs/model_spec.py": SPEC_CLASSES, "module/classifier.py": TRAIN_TORCH})
    result = model1(root)
    assert result.score == 0.5 and result.status == Status.MANUAL
    spec = result.evidence[0]
    assert spec.path == "specs/model_spec.py" and "BoostingSpec" in spec.detail and "n_estimators" in spec.detail


def test_model_code_with_only_a_settings_class_has_no_spec(repo):
    # one hyperparameter-like field in a server settings dataclass is not a model spec
    root = repo({"app/settings.py": SETTINGS_NOT_A_SPEC, "src/model.py": TRAIN_TORCH})
    result = model1(root)
    assert result.score == 0 and result.status == Status.MISSING


AZUREML_COMPONENT = """$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
name: train_fare_model
display_name: TrainFareModel
version: 1
type: command
inputs:
  training_data:
    type: uri_folder
outputs:
  model_output:
    type: uri_folder
code: ../../
environment: azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest
command: >-
  python -m fares.train --training_data ${{inputs.training_data}} --model_output ${{outputs.model_output}}
"""

KFP_COMPONENT = """name: Train model
inputs:
- {name: dataset, type: Dataset}
outputs:
- {name: model, type: Model}
implementation:
  container:
    image: registry.example.com/train:1.0
    command: [python, train.py, --data, {inputPath: dataset}, --model, {outputPath: model}]
"""


def test_platform_component_specs_are_versioned_model_specs(repo):
    root = repo({"mlops/components/train.yml": AZUREML_COMPONENT, "fares/train.py": TRAIN_TORCH})
    result = model1(root)
    assert result.score == 0.5 and result.evidence[0].path == "mlops/components/train.yml"
    assert "Azure ML command spec 'train_fare_model'" in result.evidence[0].detail
    result = model1(repo({"components/train/component.yaml": KFP_COMPONENT, "src/model.py": TRAIN_TORCH}, name="kfp"))
    assert result.score == 0.5 and "Kubeflow component spec 'Train model'" in result.evidence[0].detail
    # a CI workflow is no component spec
    ci = "name: ci\non: [push]\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n"
    assert model1(repo({".github/workflows/ci.yml": ci, "src/model.py": TRAIN_TORCH}, name="ci")).score == 0
