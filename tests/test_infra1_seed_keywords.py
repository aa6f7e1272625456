"""infra-1: seeds that are not a call to np.random.seed & co. still fix a training run."""

from __future__ import annotations

from conftest import audit

from mltestscore.results import Status

XGB_TRAIN = """
import argparse

import pandas as pd
import xgboost as xgb


def main(args):
    frame = pd.read_csv(args.train)
    sample = frame.sample(frac=0.8, random_state=args.random_state)
    dtrain = xgb.DMatrix(sample.drop(columns=["label"]), label=sample["label"])
    params = {"objective": "binary:logistic", "max_depth": 5}
    booster = xgb.train(params, dtrain, num_boost_round=50)
    booster.save_model(args.output)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--train")
    parser.add_argument("--output")
    parser.add_argument("--random_state", type=int, default=7)
    main(parser.parse_args())
"""

HELPER_TRAIN = """
from lightning import Trainer

from shop.common.utils import seed_run_everything
from shop.model import Classifier


def run(cfg):
    seed_run_everything(cfg.train)
    Trainer(max_epochs=cfg.train.epochs).fit(Classifier(cfg.model))
"""

PIPELINE_JOB = """
$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
type: pipeline
jobs:
  prepare:
    type: command
    inputs:
      random_state: 42
    command: python prepare.py --random_state ${{inputs.random_state}}
"""

PREPARE = """
import argparse

import pandas as pd
from sklearn.model_selection import train_test_split


def main(path, random_state):
    frame = pd.read_csv(path)
    return train_test_split(frame, test_size=0.2, random_state=random_state)
"""


def infra1(root):
    return audit(root).item("infra-1")


def test_seed_keyword_with_a_variable_value_is_a_seed(repo):
    result = infra1(repo({"src/train.py": XGB_TRAIN, "requirements.txt": "pandas\nxgboost\n"}))
    assert result.score == 0.5 and result.status == Status.MANUAL
    assert any(e.path == "src/train.py" and "random_state=<variable>" in e.detail for e in result.evidence)


def test_a_project_seeding_helper_counts(repo):
    result = infra1(repo({"src/shop/run.py": HELPER_TRAIN}))
    assert result.score == 0.5
    assert result.evidence[0].detail == "calls seed_run_everything"


def test_a_seed_value_in_a_pipeline_config_counts(repo):
    root = repo(
        {
            "core/jobs/train.yml": PIPELINE_JOB,
            "core/src/prepare.py": PREPARE.replace("random_state=random_state", "shuffle=True"),
        }
    )
    result = infra1(root)
    assert result.score == 0.5
    assert any(e.path == "core/jobs/train.yml" and "random_state: 42" in e.detail for e in result.evidence)


def test_unseeded_training_with_a_null_seed_config_is_nothing(repo):
    unseeded = XGB_TRAIN.replace("random_state=args.random_state", "random_state=None")
    root = repo(
        {"src/train.py": unseeded, "conf/train.yaml": "seed: null\nepochs: 3\n", "requirements.txt": "pandas\n"}
    )
    result = infra1(root)
    assert result.score == 0 and result.status == Status.MISSING
