"""infra-1: a seed the default config turns off is no seed; a test reproduces training only by training twice."""

from __future__ import annotations

from conftest import audit

TRAIN = """
import random
import numpy as np

def train(cfg):
    if cfg.get("seed") is not None:
        np.random.seed(cfg["seed"])
        random.seed(cfg["seed"])
    return np.random.rand()
"""


def test_seed_guarded_by_a_null_default_is_no_seed_but_a_set_default_is(repo):
    off = repo({"src/train.py": TRAIN, "conf/config.yaml": "seed: null\nlr: 0.1\n"}, name="off")
    item = audit(off).item("infra-1")
    assert item.score == 0.0 and "found: none" in item.reason
    on = repo({"src/train.py": TRAIN, "conf/config.yaml": "seed: 7\nlr: 0.1\n"}, name="on")
    item = audit(on).item("infra-1")
    assert item.score == 0.5 and "seeds" in item.reason


def test_a_test_training_twice_is_a_reproduction_and_a_seeded_forward_pass_is_not(repo):
    base = {
        "src/train.py": TRAIN,
        "uv.lock": "version = 1\n",
        ".github/workflows/ci.yml": "on: [push]\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: pytest tests\n",
    }
    twice = repo(
        {
            **base,
            "tests/test_repro.py": "from src.train import train\n\ndef test_reproducible():\n    assert train({'seed': 1}) == train({'seed': 1})\n",
        },
        name="twice",
    )
    assert audit(twice).item("infra-1").score == 1.0
    once = repo(
        {
            **base,
            "tests/test_repro.py": "import numpy as np\n\ndef test_deterministic():\n    np.random.seed(0)\n    a = np.random.rand()\n    np.random.seed(0)\n    assert a == np.random.rand()\n",
        },
        name="once",
    )
    assert audit(once).item("infra-1").score == 0.5


def test_a_seed_given_as_a_number_to_any_call_or_params_dict_is_a_seed(repo):
    root = repo(
        {
            "src/fit.py": 'import xgboost\nparams = {"max_depth": 3, "seed": 0}\nmodel = xgboost.train(params, None)\n',
        }
    )
    item = audit(root).item("infra-1")
    assert item.score == 0.5 and "seed set to a number" in item.evidence[0].detail


def test_a_seed_in_the_training_config_is_a_seed(repo):
    root = repo(
        {
            "src/fit.py": "def fit(params):\n    return params\n",
            "conf/parameters.yml": "random_state: 3\ntest_size: 0.2\n",
        }
    )
    item = audit(root).item("infra-1")
    assert item.score == 0.5 and "random_state: 3" in item.evidence[0].detail
