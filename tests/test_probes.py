"""Probes computed one at a time on a repository given as files (mltestscore.probes.testing)."""

from __future__ import annotations

import pytest

from mltestscore.probes import ABSENT, AUTOMATED, MANUAL, all_probes
from mltestscore.probes.testing import compute_probe

FEATURES = {
    "src/shop/__init__.py": "",
    "src/shop/features.py": "def basket_size(items):\n    return len(items)\n",
}
TEST = "from shop.features import basket_size\n\n\ndef test_basket_size():\n    assert basket_size([1, 2]) == 2\n"
CI = """
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: python -m pytest tests
"""


def test_builtin_probes_are_registered_by_name():
    assert {"tests-import-feature-code", "metric-gate-in-pipeline"} <= set(all_probes())


@pytest.mark.parametrize(
    ("files", "outcome"),
    [
        ({**FEATURES}, ABSENT),
        ({**FEATURES, "tests/test_features.py": TEST}, MANUAL),
        ({**FEATURES, "tests/test_features.py": TEST, ".github/workflows/ci.yml": CI}, AUTOMATED),
        # A test that only names the module in a string imports nothing.
        ({**FEATURES, "tests/test_names.py": "def test_x():\n    assert 'shop.features'\n"}, ABSENT),
    ],
)
def test_tests_import_feature_code(files, outcome):
    result = compute_probe("tests-import-feature-code", files)
    assert result.outcome == outcome
    if outcome != ABSENT:
        assert result.evidence[0].path.startswith("tests/test_features.py")
    assert (result.runner is not None) == (outcome == AUTOMATED)


GATE = "import json, sys\n\nauc = json.load(open('metrics.json'))['auc']\nif auc < 0.8:\n    sys.exit(1)\n"


@pytest.mark.parametrize(
    ("files", "outcome"),
    [
        ({"evaluate.py": GATE}, MANUAL),
        ({"evaluate.py": GATE, "dvc.yaml": "stages:\n  evaluate:\n    cmd: python evaluate.py\n"}, AUTOMATED),
        # Printing the metric gates nothing: no exit, no assert.
        ({"evaluate.py": "auc = 0.9\nif auc < 0.8:\n    print('low')\n"}, ABSENT),
        (
            {"test_quality.py": "def test_auc():\n    auc = 0.9\n    assert auc >= 0.8\n"},
            ABSENT,
        ),  # a test, not project code
    ],
)
def test_metric_gate_in_pipeline(files, outcome):
    result = compute_probe("metric-gate-in-pipeline", files)
    assert result.outcome == outcome
    if result.found:
        assert result.evidence[0].path == "evaluate.py" and result.evidence[0].line == 4


def test_an_unknown_probe_names_the_known_ones():
    with pytest.raises(KeyError, match="tests-import-feature-code"):
        compute_probe("no-such-probe", {})


def test_docs_name_every_probe_and_every_shipped_rubric():
    from pathlib import Path

    from mltestscore.rubric import shipped_rubrics

    docs = Path(__file__).resolve().parents[1] / "docs"
    probes = (docs / "probes.md").read_text(encoding="utf-8")
    assert [name for name in all_probes() if f"`{name}`" not in probes] == []
    rubrics = (docs / "rubrics.md").read_text(encoding="utf-8")
    assert [name for name in shipped_rubrics() if f"`{name}`" not in rubrics] == []
