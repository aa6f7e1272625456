"""infra-2: tests reaching model code through imports the static resolver cannot place (a nested
installable package, a folder put on PYTHONPATH by hand, a load by file path), and Jenkins jobs,
whose trigger lives on the Jenkins server, counting as hand-run."""

from __future__ import annotations

from conftest import audit

MODEL = """
import torch
from torch import nn


class AudioNet(nn.Module):
    def __init__(self, classes: int = 3):
        super().__init__()
        self.head = nn.Linear(16, classes)

    def forward(self, x):
        return self.head(x)
"""
TEST_BODY = """

def test_output_shape():
    out = AudioNet()(torch.ones(2, 16))
    assert out.shape == (2, 3)
"""


def test_nested_src_layout_package_installed_by_hand(repo):
    root = repo(
        {
            "classifier/pyproject.toml": "[project]\nname = 'classifier'\n",
            "classifier/src/classifier/__init__.py": "",
            "classifier/src/classifier/nets.py": MODEL,
            "classifier/tests/test_nets.py": "import torch\nfrom classifier.nets import AudioNet\n" + TEST_BODY,
        }
    )
    item = audit(root).item("infra-2")
    assert item.score == 0.5
    assert item.evidence[0].path == "classifier/tests/test_nets.py"


def test_nested_package_without_packaging_file_is_not_guessed(repo):
    root = repo(
        {
            "classifier/src/classifier/__init__.py": "",
            "classifier/src/classifier/nets.py": MODEL,
            "classifier/tests/test_nets.py": "import torch\nfrom classifier.nets import AudioNet\n" + TEST_BODY,
        }
    )
    assert audit(root).item("infra-2").score == 0.0


def test_ambiguous_package_path_is_not_guessed(repo):
    root = repo(
        {
            "a/pyproject.toml": "[project]\nname = 'a'\n",
            "a/src/audio/__init__.py": "",
            "a/src/audio/nets.py": MODEL,
            "b/setup.py": "from setuptools import setup\nsetup()\n",
            "b/audio/__init__.py": "",
            "b/audio/nets.py": MODEL,
            "tests/test_nets.py": "import torch\nfrom audio.nets import AudioNet\n" + TEST_BODY,
        }
    )
    assert audit(root).item("infra-2").score == 0.0


LOADER_TEST = (
    """
import importlib.util
import os

import torch

ROOT = os.path.dirname(os.path.dirname(__file__))


def load(filename, name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


nets = load("acoustic net.py", "nets")
AudioNet = nets.AudioNet
"""
    + TEST_BODY
)


def test_module_loaded_by_file_path_run_by_a_jenkins_job_is_hand_run(repo):
    root = repo(
        {
            "acoustic net.py": MODEL,
            "tests/test_all.py": LOADER_TEST,
            "Jenkinsfile": """
                pipeline {
                  agent any
                  stages {
                    stage('Unit Tests') { steps { sh 'python -m pytest tests' } }
                  }
                }
                """,
        }
    )
    item = audit(root).item("infra-2")
    assert item.score == 0.5
    assert item.evidence[0].path == "tests/test_all.py"


def test_jenkins_job_polling_the_repository_is_automated(repo):
    root = repo(
        {
            "acoustic net.py": MODEL,
            "tests/test_all.py": LOADER_TEST,
            "Jenkinsfile": """
                pipeline {
                  agent any
                  triggers { pollSCM('H/5 * * * *') }
                  stages {
                    stage('Unit Tests') { steps { sh 'python -m pytest tests' } }
                  }
                }
                """,
        }
    )
    assert audit(root).item("infra-2").score == 1.0


TRAINED_MODEL_TEST = """
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer


def test_probabilities_of_the_trained_model():
    model = AutoModelForSequenceClassification.from_pretrained("{target}")
    tokenizer = AutoTokenizer.from_pretrained("distilbert-base-uncased")
    logits = model(**tokenizer("a fine film", return_tensors="pt")).logits
    probs = torch.softmax(logits, dim=-1)
    assert probs.shape == (1, 2)
"""
PULL_AND_TEST = """
on: [push]
jobs:
  t:
    runs-on: ubuntu-latest
    steps:
      - run: dvc pull
      - run: pytest -v
"""


def test_test_of_the_dvc_versioned_trained_model_counts(repo):
    root = repo(
        {
            "src/models/train_model.py": "from transformers import Trainer\n\ndef train():\n    Trainer().train()\n",
            "models.dvc": "outs:\n- md5: 0a1b2c.dir\n  path: models\n",
            "tests/test_model.py": TRAINED_MODEL_TEST.format(target="models"),
            ".github/workflows/tests.yml": PULL_AND_TEST,
        }
    )
    item = audit(root).item("infra-2")
    assert item.score == 1.0
    assert item.evidence[0].path == "tests/test_model.py"


def test_test_of_a_hub_model_the_project_does_not_hold_does_not_count(repo):
    root = repo(
        {
            "src/models/train_model.py": "from transformers import Trainer\n\ndef train():\n    Trainer().train()\n",
            "tests/test_model.py": TRAINED_MODEL_TEST.format(target="bert-base-uncased"),
            ".github/workflows/tests.yml": PULL_AND_TEST,
        }
    )
    assert audit(root).item("infra-2").score == 0.0
