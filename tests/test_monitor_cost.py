"""What the monitoring checks parse: library code, tests that compare nothing and evidence past
what an outcome shows are never parsed; and the cheap prefilters still find every shape they skip
ahead of (options on guards, request models in imported modules, memory-limit marks)."""

from __future__ import annotations

from test_monitor_checks import ON_PUSH, PROJECT, SERVE, check, details, workflow

from mltestscore.checks import monitor as M
from mltestscore.context import AuditContext
from mltestscore.evidence.monitoring import serving_files

# Library code that saves models but trains nothing, and only mentions serving frameworks in prose.
LIBRARY_MODULE = '''
"""A pipeline; its docs say to wrap it in a fastapi or flask app."""
import torch


class Pipeline{number}:
    def save(self, folder):
        # like the fastapi examples, save then reload
        torch.save(self.state_dict(), folder + "/weights.pt")
        self.save_pretrained(folder)
'''
FINITE_TEST = """
import numpy as np

from churn.features import build_features


def test_features_{number}_are_finite():
    assert np.isfinite(build_features([{{"tenure_months": {number}, "total_charges": 1.0}}]).to_numpy()).all()
"""
PLAIN_TEST = """
from churn.serve import app
from churn.train import main


def test_app_{number}_exists():
    assert app is not None and main is not None
"""
PARITY_TEST = """
from pandas.testing import assert_frame_equal

from churn import serve
from churn.train import build_features


def test_serving_features_match_training():
    rows = [{"tenure_months": 5, "total_charges": 400.0}]
    assert_frame_equal(serve.build_features(rows), build_features(rows))
"""


def fresh(root) -> AuditContext:
    ctx = AuditContext(root)
    ctx.python.words  # the one-pass scan every audit does first
    return ctx


def test_library_code_saving_models_without_training_is_not_parsed(repo):
    library = {f"src/churn/pipelines/p{n}.py": LIBRARY_MODULE.format(number=n) for n in range(20)}
    ctx = fresh(repo({**PROJECT, **library}))
    try:
        outcome = M.Monitor3().run(ctx)
        assert outcome.score == 0.0 and "no serving code found" in outcome.reason
        assert ctx.python.parses == 0  # neither the saves nor the words in comments call for a parse
    finally:
        ctx.close()


def test_parity_tests_parse_only_tests_that_compare(repo):
    plain = {f"tests/test_app_{n}.py": PLAIN_TEST.format(number=n) for n in range(12)}
    ctx = fresh(repo({**PROJECT, "src/churn/serve.py": SERVE, "tests/test_skew.py": PARITY_TEST, **plain}))
    try:
        outcome = M.Monitor3().run(ctx)
        assert (
            outcome.score == 0.5
            and "test compares training (src/churn/train.py) and serving (src/churn/serve.py)" in details(outcome)
        )
        assert ctx.python.parses < 5  # serve.py and test_skew.py, not the twelve tests that compare nothing
    finally:
        ctx.close()


def test_monitor5_stops_reading_once_the_shown_evidence_is_settled(repo):
    tests = {f"tests/test_finite_{n}.py": FINITE_TEST.format(number=n) for n in range(6)}
    tests["tests/test_finite_9.py"] = "import numpy as np\n\n\ndef test_broken(:\n    assert np.isfinite(1.0)\n"
    outcome, warnings = check(
        repo({**PROJECT, **tests, ".github/workflows/ci.yml": workflow(ON_PUSH, "pytest tests/")}), M.Monitor5
    )
    assert outcome.score == 1.0 and len(outcome.evidence) == 5
    assert [e.path for e in outcome.evidence] == [f"tests/test_finite_{n}.py" for n in range(5)]
    assert not warnings  # tests/test_finite_9.py (a syntax error) was never parsed


def test_monitor5_option_guards_count_only_with_the_option_on(repo):
    trainer = "from lightning.pytorch import Trainer\n\n\ndef main(model):\n    Trainer(max_epochs=5, detect_anomaly=True).fit(model)\n"
    stopping = "from lightning.pytorch.callbacks import EarlyStopping\n\nSTOP = EarlyStopping(monitor='val_loss', check_finite=True)\n"
    plain = "from lightning.pytorch import Trainer\n\n\ndef main(model):\n    Trainer(max_epochs=5).fit(model)\n"
    for name, code, score in (("anomaly", trainer, 1.0), ("stopping", stopping, 1.0), ("plain", plain, 0.0)):
        outcome, _ = check(repo({**PROJECT, "src/churn/train_loop.py": code}, name=name), M.Monitor5)
        assert outcome.score == score, name
    outcome, _ = check(repo({**PROJECT, "src/churn/train_loop.py": trainer}, name="shown"), M.Monitor5)
    assert "NaN/Inf guard lightning.pytorch.Trainer" in details(outcome)


def test_monitor2_request_model_in_an_imported_module_is_found(repo):
    schemas = "from pydantic import BaseModel, Field\n\n\nclass Customer(BaseModel):\n    tenure_months: int = Field(ge=0, le=600)\n"
    serve = SERVE.replace("from pydantic import BaseModel, Field\n", "from churn.schemas import Customer\n")
    serve = serve[: serve.index("class Customer")] + serve[serve.index("@app.post") :]
    outcome, _ = check(repo({**PROJECT, "src/churn/schemas.py": schemas, "src/churn/serve.py": serve}), M.Monitor2)
    assert outcome.score == 0.5
    assert (
        outcome.evidence[0].path == "src/churn/schemas.py"
        and "request model Customer enforces tenure_months" in outcome.evidence[0].detail
    )


def test_monitor6_memory_limit_mark_in_ci_is_a_threshold(repo):
    memray = "import pytest\n\nfrom churn.features import build_features\n\n\n@pytest.mark.limit_memory('24 MB')\ndef test_features_fit_in_memory():\n    build_features([])\n"
    outcome, _ = check(
        repo(
            {
                **PROJECT,
                "tests/test_memory.py": memray,
                ".github/workflows/ci.yml": workflow(ON_PUSH, "pytest tests/ --memray"),
            }
        ),
        M.Monitor6,
    )
    assert outcome.score == 1.0 and "memory limit test test_features_fit_in_memory" in details(outcome)


def test_a_pyfunc_model_imported_as_a_module_attribute_serves(repo):
    server = "from mlflow import pyfunc\n\n\nclass ChurnModel(pyfunc.PythonModel):\n    def predict(self, context, rows):\n        return rows\n"
    ctx = fresh(repo({**PROJECT, "src/churn/serving.py": server}))
    try:
        assert ctx.fact(serving_files) == {"src/churn/serving.py": "ChurnModel serves a mlflow.pyfunc.PythonModel"}
    finally:
        ctx.close()
