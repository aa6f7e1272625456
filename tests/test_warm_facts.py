"""A warm audit after a one-file edit (the pre-commit case): answers about each file come from the
fact cache by content id, so unchanged files are neither read nor parsed again, every outcome and
warning is what a cold audit gives, and an edit to a file a cached answer depends on is seen."""

from __future__ import annotations

import ast

import pytest

from mltestscore.audit import run_audit
from mltestscore.context import AuditContext
from mltestscore.evidence.perfile import per_file
from mltestscore.index.files import RepoFiles

TRAIN = """
import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from shop.features import build_features
from shop.model import Net


def train(frame, seed: int = 0):
    torch.manual_seed(seed)
    features = build_features(frame)
    model = Net()
    loss = model(torch.tensor(features.to_numpy())).mean()
    if not torch.isfinite(loss):
        raise ValueError("loss is not finite")
    baseline = LogisticRegression()
    baseline.fit(features, frame.label)
    for region, group in frame.groupby("region"):
        print(region, roc_auc_score(group.label, baseline.predict(group[features.columns])))
    return model
"""
MODEL = """
import torch


class Net(torch.nn.Module):
    def forward(self, x):
        return x.sum(dim=1)
"""
FEATURES = """
import pandas as pd


def build_features(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[["tenure", "charges"]].fillna(0)
"""
GATE = """
import json
import sys


def main() -> int:
    metrics = json.load(open("metrics.json"))
    if metrics["auc"] < 0.8:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
"""
BENCHMARK_TEST = """
import pandas as pd

from shop.features import build_features


def test_build_features_speed(benchmark):
    frame = pd.DataFrame({"tenure": [1, 2], "charges": [3.0, 4.0]})
    benchmark(build_features, frame)
"""
QUALITY_TEST = """
from shop.train import train


def test_model_beats_baseline():
    model_auc, baseline_auc = 0.9, 0.7
    assert model_auc > baseline_auc + 0.05
"""
REPRO_TEST = """
from shop.train import train


def test_training_is_reproducible():
    assert train(None) is train(None)
"""
E2E_TEST = """
from shop.train import train


def test_pipeline_end_to_end():
    assert callable(train)
"""
WORKFLOW = """
name: ci
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install -r requirements.txt
      - run: pytest -q tests --benchmark-compare-fail=mean:10%
      - run: python src/shop/gate.py
"""
ROLLOUT = """
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: shop
spec:
  revisionHistoryLimit: 3
  strategy:
    canary:
      steps:
        - setWeight: 10
        - analysis:
            templates:
              - templateName: shop-error-rate
"""
SHOP = {
    "src/shop/__init__.py": "",
    "src/shop/train.py": TRAIN,
    "src/shop/model.py": MODEL,
    "src/shop/features.py": FEATURES,
    "src/shop/gate.py": GATE,
    "tests/test_features_benchmark.py": BENCHMARK_TEST,
    "tests/test_model_quality.py": QUALITY_TEST,
    "tests/test_reproducible.py": REPRO_TEST,
    "tests/test_pipeline_e2e.py": E2E_TEST,
    ".github/workflows/ci.yml": WORKFLOW,
    "deploy/rollout.yaml": ROLLOUT,
    "requirements.txt": "numpy==1.26.4\ntorch==2.3.0\n",
    "notes/scratch.py": "x = 1\n",
}


def audited(root, cache):
    """An audit with the per-file cache but no whole-report memo (as after any edit)."""
    return run_audit(root, ctx=AuditContext(root, cache_dir=cache))


def answers(report):
    return [(i.id, i.score, i.status, i.reason, i.evidence, i.missing) for i in report.items()], report.warnings


@pytest.fixture
def opened(monkeypatch):
    """Files the index opens and parses from now on: (reads, parses)."""
    reads: list[str] = []
    parses: list[str] = []
    real_read, real_parse = RepoFiles._read, ast.parse

    def read(self, path, head=None):
        reads.append(path)
        return real_read(self, path, head)

    def parse(source, filename="<unknown>", *args, **kwargs):
        parses.append(filename)
        return real_parse(source, filename, *args, **kwargs)

    monkeypatch.setattr(RepoFiles, "_read", read)
    monkeypatch.setattr(ast, "parse", parse)
    return reads, parses


def test_a_warm_audit_after_an_unrelated_edit_reads_and_parses_none_of_the_answered_files(repo, tmp_path, opened):
    root = repo(SHOP)
    cache = tmp_path / "cache"
    cold = audited(root, cache)
    scores = {i.id: i.score for i in cold.items()}
    # The answers the cache now holds are evidence here, so a wrong replay would show.
    assert scores["monitor-5"] == 1 and cold.item("monitor-5").evidence[0].path == "src/shop/train.py"  # finite check
    assert scores["infra-4"] == 1 and cold.item("infra-4").evidence[0].path == "src/shop/gate.py"  # metric gate
    assert scores["data-3"] == 1 and scores["monitor-6"] == 1  # benchmark test of feature code
    assert scores["model-5"] == 1 and scores["model-6"] == 0.5  # baseline comparison, metric per region
    assert scores["infra-1"] == 1 and scores["infra-3"] == 1  # reproducibility and end-to-end tests
    assert scores["infra-6"] == 1 and cold.item("infra-6").evidence[0].path == "deploy/rollout.yaml"  # config search

    (root / "notes/scratch.py").write_text("x = 2\n")
    reads, parses = opened
    reads.clear(), parses.clear()
    warm = audited(root, cache)
    assert parses == []
    assert not [p for p in reads if p.endswith(".py") and p != "notes/scratch.py"]
    assert answers(warm) == answers(cold)
    assert answers(warm) == answers(run_audit(root))  # and what an audit without any cache finds


def test_an_edit_to_a_file_a_cached_answer_depends_on_is_seen(repo, tmp_path):
    root = repo(SHOP)
    cache = tmp_path / "cache"
    audited(root, cache)
    (root / "src/shop/train.py").write_text(TRAIN.replace("if not torch.isfinite(loss):", "if loss is None:"))
    (root / "deploy/rollout.yaml").write_text(ROLLOUT.replace("kind: Rollout", "kind: Deployment"))
    (root / "src/shop/gate.py").write_text(GATE.replace('if metrics["auc"] < 0.8:', "if not metrics:"))
    warm = audited(root, cache)
    assert answers(warm) == answers(run_audit(root))
    assert warm.item("monitor-5").score < 1
    assert all(e.path != "deploy/rollout.yaml" for e in warm.item("infra-6").evidence)
    assert all(e.path != "src/shop/gate.py" for e in warm.item("infra-4").evidence)


def test_a_warm_audit_repeats_the_warnings_of_files_it_could_not_read(repo, tmp_path):
    broken = {
        "src/shop/guard.py": "import numpy as np\n\ndef check(x):\n    assert np.isfinite(x\n",  # syntax error
        "deploy/canary.yaml": b"kind: Rollout\nname: caf\xe9\n",  # not UTF-8
    }
    root = repo({**SHOP, **broken})
    cache = tmp_path / "cache"
    cold = audited(root, cache)
    messages = {(w.path, w.message.split(" ")[0]) for w in cold.warnings}
    assert ("src/shop/guard.py", "Python") in messages and ("deploy/canary.yaml", "not") in messages
    (root / "notes/scratch.py").write_text("x = 2\n")
    assert answers(audited(root, cache)) == answers(cold)


def test_per_file_answers_by_content_and_recomputes_what_it_may_not_keep(repo, tmp_path):
    root = repo({"a.py": "x = 1\n", "b.py": "x = 1\n", "c.py": "y = 2\n"})
    computed: list[str] = []

    def compute(path):
        computed.append(path)
        return len(path), path != "c.py"  # c.py's answer is never kept

    for _ in range(2):
        ctx = AuditContext(root, cache_dir=tmp_path / "cache")
        assert list(per_file(ctx, "test-length:1", ["a.py", "b.py", "c.py"], compute)) == [
            ("a.py", 4),
            ("b.py", 4),
            ("c.py", 4),
        ]
        ctx.close()
    assert computed == ["a.py", "c.py", "c.py"]  # b.py shares a.py's content id; c.py each time


def test_per_file_answers_again_from_memory_in_the_same_audit_even_without_a_cache(repo):
    root = repo({"a.py": "x = 1\n", "b.py": "y = 2\n"})
    computed: list[str] = []

    def compute(path):
        computed.append(path)
        return path == "a.py", True  # False is an answer too, not a miss

    ctx = AuditContext(root)  # --no-cache: the fact cache keeps nothing
    for _ in range(3):
        assert list(per_file(ctx, "test-first:1", ["a.py", "b.py"], compute)) == [("a.py", True), ("b.py", False)]
    ctx.close()
    assert computed == ["a.py", "b.py"]


def test_an_unchanged_test_is_matched_to_a_module_added_since(repo, tmp_path):
    """A test's resolved imports are cached under the module table: a new module is seen."""
    waiting = {
        "tests/test_ranker.py": "from shop.ranker import Ranker\n\n\ndef test_ranker_scores():\n    assert Ranker\n"
    }
    root = repo({**SHOP, **waiting})
    cache = tmp_path / "cache"
    audited(root, cache)  # outlines the tests
    before = audited(root, cache)  # resolves the cached outlines' imports and caches them
    assert "tests/test_ranker.py" not in {e.path for e in before.item("infra-2").evidence}
    (root / "src/shop/ranker.py").write_text("import torch\n\n\nclass Ranker(torch.nn.Module):\n    pass\n")
    after = audited(root, cache)
    assert "tests/test_ranker.py" in {e.path for e in after.item("infra-2").evidence}
    assert answers(after) == answers(run_audit(root))
