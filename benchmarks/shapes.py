"""Repository shapes that real projects have and a uniform generator lacks, as {path: text}.

`gx_shape(S, R, T)`: a Great Expectations project with S suites, R runs that name no suite (so
each is a check site of every suite, as in great_expectations' own repository), and T test files,
each importing one run's module, run by CI. Every cross-file question of data-1 (which tests import
a run, what imports it, which real data a test reads) meets this shape; the audit's work counters
must grow linearly when S, R and T double. Used by the counter tests and by bench.py.
"""

from __future__ import annotations

import json

GX_CONFIG = "config_version: 4\nfluent_datasources: {}\n"
WORKFLOW = """name: ci
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install -r requirements.txt
      - run: pytest tests
      - run: python scripts/nightly.py
"""
RUN = '''"""Validation helper {n}: runs a checkpoint chosen at run time (it names no suite)."""
import great_expectations as gx

from shop.common import CHECKPOINTS


def validate_{n}(name):
    checkpoint = gx.get_context().checkpoints.get(CHECKPOINTS[name])
    result = checkpoint.run()
    return result.success
'''
TEST = """from shop.validate_{r} import validate_{r}


def test_validate_{n}():
    assert validate_{r}("orders_{n}") in (True, False)
"""
# Every fourth test names a committed sample: its run is checked "on real data".
TEST_ON_SAMPLE = """import pandas as pd

from shop.validate_{r} import validate_{r}


def test_validate_{n}_on_sample():
    frame = pd.read_csv("data/orders.csv")
    assert validate_{r}("orders_{n}") and len(frame)
"""
NIGHTLY = """from shop.registry import VALIDATORS

for validate in VALIDATORS:
    validate("nightly")
"""


def _suite(n: int) -> str:
    expectations = [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": f"col_{n}"}, "meta": {}, "id": f"{n}-0"},
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": f"col_{n}", "min_value": 0, "max_value": n + 1},
            "meta": {},
            "id": f"{n}-1",
        },
    ]
    return json.dumps({"name": f"suite_{n}", "id": f"s-{n}", "expectations": expectations, "meta": {}}, indent=2)


def gx_shape(suites: int, runs: int, tests: int) -> dict[str, str]:
    files = {
        "requirements.txt": "great_expectations==1.2.0\npandas==2.2.3\n",
        ".github/workflows/ci.yml": WORKFLOW,
        "gx/great_expectations.yml": GX_CONFIG,
        "shop/__init__.py": "",
        "shop/common.py": "CHECKPOINTS = {}\n",
        "scripts/nightly.py": NIGHTLY,
        "data/orders.csv": "order_id,amount\n1,9.5\n2,3.0\n",
    }
    # Even runs are reached from CI through an import chain (nightly -> registry -> run), odd ones only by tests.
    registered = range(0, runs, 2)
    files["shop/registry.py"] = "".join(f"from shop.validate_{n} import validate_{n}\n" for n in registered) + (
        "\nVALIDATORS = [" + ", ".join(f"validate_{n}" for n in registered) + "]\n"
    )
    for n in range(suites):
        files[f"gx/expectations/suite_{n}.json"] = _suite(n)
    for n in range(runs):
        files[f"shop/validate_{n}.py"] = RUN.format(n=n)
    for n in range(tests):
        files[f"tests/test_validate_{n}.py"] = (TEST_ON_SAMPLE if n % 4 == 1 else TEST).format(n=n, r=n % runs)
    return files
