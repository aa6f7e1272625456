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
