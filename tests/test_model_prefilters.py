"""The model section parses only the files that can hold what it looks for: identifier parts from
the word scan, the byte test for comparisons in asserts and gates, and the parse budget on a large
repository whose words look like ML (dummy inputs, classifier-free guidance, parametrized tests)."""

from __future__ import annotations

import ast
import json
import textwrap

import pytest
from conftest import audit, git_commit_all, write_tree

from mltestscore.context import AuditContext
from mltestscore.evidence import evaluation
from mltestscore.evidence.evaluation import BASELINE_TOKENS, FAIRNESS_TOKENS, checked_comparisons, may_compare
from mltestscore.evidence.python import code_bytes
from mltestscore.index import parsed as parsed_module

MODEL_IDS = [f"model-{n}" for n in range(1, 8)]


def notebook_one_string(source: str) -> str:
    """A notebook whose code cell is one string: its JSON holds the newlines as `\\n` escapes."""
    cell = {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [], "source": source}
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


# -- identifier parts from the word scan ----------------------------------------------------------
PART_FILES = {
    "src/a.py": "baseline_auc = 0.71\n",
    "src/b.py": "class BaselineModel:\n    pass\n",
    "src/c.py": "metrics = {'name': 'baseline'}\n",
    "src/d.py": "baselines2 = 1  # baseline in a comment is prose\n",
    "src/e.py": '"""A baseline in a docstring is prose too."""\nx = 1\n',
    "src/f.py": "def get_dummy_inputs():\n    return {}\n",
    "notebooks/g.ipynb": notebook_one_string("import numpy as np\nbaseline_rmse = 3.0\n"),
}


def test_parts_are_found_in_identifiers_and_strings_not_in_prose(tmp_path):
    root = write_tree(tmp_path / "repo", PART_FILES)
    git_commit_all(root)
    ctx = AuditContext(root)
    assert ctx.python.with_parts({"baseline"}) == ["notebooks/g.ipynb", "src/a.py", "src/b.py", "src/c.py"]
    assert ctx.python.with_parts({"dummy"}) == ["src/f.py"]
    assert ctx.python.with_parts(BASELINE_TOKENS, ["src/b.py", "src/d.py", "src/f.py"]) == ["src/b.py", "src/f.py"]


def test_parts_outside_the_scan_are_read_from_the_code(tmp_path):
    root = write_tree(tmp_path / "repo", PART_FILES)
    git_commit_all(root)
    assert AuditContext(root).python.with_parts({"rmse"}) == ["notebooks/g.ipynb"]  # not declared with parts(...)


def test_a_warm_cache_answers_like_a_cold_scan(tmp_path):
    root = write_tree(tmp_path / "repo", PART_FILES)
    git_commit_all(root)
    answers = []
    for _ in range(2):  # the first run fills the cache, the second reads it
        ctx = AuditContext(root, cache_dir=tmp_path / "cache")
        answers.append(
            (
                ctx.python.with_parts({"baseline"}),
                ctx.python.with_parts({"dummy"}),
                ctx.python.code("notebooks/g.ipynb"),
            )
        )
        ctx.close()
    assert answers[0] == answers[1]
    assert answers[1][2].startswith(b"import numpy as np\nbaseline_rmse")  # the notebook's code, not its JSON


# -- may_compare: the byte test before checked_comparisons ----------------------------------------
COMPARING = {
    "one line": "assert model_auc > baseline_auc\n",
    "black, parenthesised": """
        def test_beats_baseline():
            assert (
                evaluate(model)["auc"]
                > scores["baseline_auc"] + 0.05
            ), "the model must beat the baseline"
        """,
    "black, right-hand split": """
        def test_beats_baseline():
            assert torch.abs(
                output - target
            ).max() < dummy_error
        """,
    "gate over lines": """
        def gate(auc, baseline_auc):
            if (
                auc
                < baseline_auc
            ):
                raise SystemExit("model below baseline")
        """,
    "elif gate": """
        if auc is None:
            pass
        elif auc <= naive_auc:
            sys.exit(1)
        """,
    "assert after else": """
        if quick:
            pass
        else: assert score >= BaselineScore
        """,
    "in a notebook-style module": "scores = run()\nassert scores['model'] > scores['majority_class']\n",
}
NOT_COMPARING = {
    "equality only": "def test_shape():\n    assert output.shape == self.get_dummy_inputs()['sample'].shape\n",
    "word in the if body": "if len(x) > 3:\n    inputs = self.get_dummy_inputs(device)\n",
    "word outside any test": "inputs = get_dummy_inputs()\nassert np.abs(out - ref).max() < 1e-3\n",
    "membership": "assert 'dummy' in model.peft_config\n",
}


@pytest.mark.parametrize("name", sorted(COMPARING))
def test_may_compare_admits_every_comparison_the_parse_finds(name):
    source = textwrap.dedent(COMPARING[name]).lstrip("\n")
    assert checked_comparisons(ast.parse(source), BASELINE_TOKENS), "the fixture must hold a real comparison"
    assert may_compare(code_bytes(source.encode()), BASELINE_TOKENS)


@pytest.mark.parametrize("name", sorted(NOT_COMPARING))
def test_may_compare_turns_away_files_without_one(name):
    source = textwrap.dedent(NOT_COMPARING[name]).lstrip("\n")
    assert not checked_comparisons(ast.parse(source), BASELINE_TOKENS)
    assert not may_compare(code_bytes(source.encode()), BASELINE_TOKENS)


def test_may_compare_reads_fairness_words_on_either_side():
    source = "def test_parity(gap):\n    assert abs(demographic_parity_difference(y, p, sensitive_features=s)) < 0.1\n"
    assert checked_comparisons(ast.parse(source), FAIRNESS_TOKENS, one_sided=False)
    assert may_compare(code_bytes(source.encode()), FAIRNESS_TOKENS)
    assert not may_compare(code_bytes(source.encode()), evaluation.BASELINE_TOKENS)


# -- the parse budget -----------------------------------------------------------------------------
PIPELINE_TEST = """
import numpy as np
import pytest

from pkg.pipeline_{n} import Pipeline{n}


class TestPipeline{n}:
    def get_dummy_components(self):
        return {{"unet": None, "guidance": "classifier_free"}}

    def get_dummy_inputs(self, seed=0):
        return {{"prompt": "a cat", "seed": seed}}

    @pytest.mark.parametrize("batch_size", [1, 2])
    def test_inference(self, batch_size):
        pipe = Pipeline{n}(**self.get_dummy_components())
        image = pipe(**self.get_dummy_inputs(), batch_size=batch_size)
        assert image.shape == (batch_size, 64, 64, 3)
        assert np.abs(image.flatten()[:3] - np.array([0.1, 0.2, 0.3])).max() < 1e-3
        if len(np.unique(image)) > 1:
            assert self.get_dummy_inputs()["seed"] == 0
"""
PIPELINE = """
import itertools

import torch


class DummyObject(type):
    pass


class Pipeline{n}:
    def __init__(self, unet=None, guidance="classifier_free"):
        self.classifier_free_guidance = guidance == "classifier_free"
        self.scores = [torch.corrcoef(torch.rand(2, 4))]

    def __call__(self, prompt, seed=0, batch_size=1):
        grid = list(itertools.product(range(batch_size), range(2)))
        return torch.zeros(len(grid), 64, 64, 3).numpy()
"""
BASELINE_TEST = """
def test_model_beats_baseline(scores):
    assert (
        scores["auc"]
        > scores["dummy_auc"]
    )
"""


def counting_parses(monkeypatch) -> list[str]:
    """The file names ast.parse sees from the index (the real parse still runs)."""
    seen: list[str] = []
    real = parsed_module.ast.parse

    def parse(source, filename="<unknown>", *args, **kwargs):
        seen.append(filename)
        return real(source, filename, *args, **kwargs)

    monkeypatch.setattr(parsed_module.ast, "parse", parse)
    return seen


def library_repo(root, copies: int = 30):
    files = {"pkg/__init__.py": ""}
    for n in range(copies):
        files[f"pkg/pipeline_{n}.py"] = PIPELINE.format(n=n)
        files[f"tests/test_pipeline_{n}.py"] = PIPELINE_TEST.format(n=n)
    return write_tree(root, files)


def test_model_section_parses_nothing_in_a_library_that_only_looks_like_ml(tmp_path, monkeypatch):
    root = library_repo(tmp_path / "repo")
    git_commit_all(root)
    parses = counting_parses(monkeypatch)
    ignore_others = {
        "ignore": {test.id: "parse budget" for test in audit(root).items() if not test.id.startswith("model-")}
    }
    parses.clear()
    report = audit(root, ignore_others)
    assert parses == []
    assert [report.item(i).score for i in MODEL_IDS] == [0.0] * 7


def test_model_section_parses_only_the_file_with_the_comparison(tmp_path, monkeypatch):
    root = library_repo(tmp_path / "repo")
    write_tree(root, {"tests/test_quality.py": BASELINE_TEST})
    git_commit_all(root)
    parses = counting_parses(monkeypatch)
    ignore_others = {
        "ignore": {test.id: "parse budget" for test in audit(root).items() if not test.id.startswith("model-")}
    }
    parses.clear()
    result = audit(root, ignore_others).item("model-5")
    assert set(parses) == {"tests/test_quality.py"}
    assert result.score == 0.5 and result.evidence[0].path == "tests/test_quality.py"
    assert "dummy_auc" in result.evidence[0].detail


# -- the import chain: searched only where something automatic can end it ----------------------------
SEARCH_HELPER = """
from sklearn.model_selection import GridSearchCV


def search(model, grid):
    return GridSearchCV(model, grid)
"""
CI_RUNS = """
name: ci
on: [push, pull_request]
jobs:
  train:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: {command}
"""


def chain_repo(root, links: int, command: str):
    """src/search.py, then src/step_1.py ... src/step_N.py, each calling the one before; the last
    is a script."""
    files = {"src/search.py": SEARCH_HELPER, ".github/workflows/ci.yml": CI_RUNS.format(command=command)}
    module, function = "search", "search"
    for n in range(1, links):
        files[f"src/step_{n}.py"] = (
            f"from {module} import {function}\n\n\ndef run_{n}():\n    return {function}(None, {{}})\n"
        )
        module, function = f"step_{n}", f"run_{n}"
    files[f"src/step_{links}.py"] = f"from {module} import {function}\n\n{function}(None, {{}})\n"
    return write_tree(root, files)


def test_the_chain_is_followed_three_imports_deep(tmp_path):
    root = chain_repo(tmp_path / "repo", 3, "python src/step_3.py")
    git_commit_all(root)
    result = audit(root).item("model-3")
    assert result.score == 1
    assert "src/step_3.py uses src/step_2.py" in result.evidence[0].runner


def test_a_runner_four_imports_away_is_out_of_reach(tmp_path):
    root = chain_repo(tmp_path / "repo", 4, "python src/step_4.py")
    git_commit_all(root)
    assert audit(root).item("model-3").score == 0.5


def test_no_importer_is_parsed_when_nothing_automatic_can_reach_the_file(tmp_path, monkeypatch):
    root = chain_repo(tmp_path / "repo", 3, "echo lint only")
    git_commit_all(root)
    parses = counting_parses(monkeypatch)
    assert audit(root, {"ignore": {f"model-{n}": "one check" for n in (1, 2, 4, 5, 6, 7)}}).item("model-3").score == 0.5
    assert not [p for p in parses if p.startswith("src/step_")]
