"""The data section's fast path: prefilters that rule files out without changing what the checks
find, and a library-shaped repository (hundreds of modules with @register_to_config, preprocess
methods, `transformers` folders) that the section audits with almost no parse."""

from __future__ import annotations

import ast
import textwrap

from mltestscore.checks.registry import load_checks
from mltestscore.context import AuditContext
from mltestscore.evidence.features import feature_modules
from mltestscore.evidence.importers import may_import
from mltestscore.evidence.prefilters import passing, prefilter
from mltestscore.evidence.python import outline_of

FEATURES = (
    "import pandas as pd\n\ndef add_ratio(df: pd.DataFrame) -> pd.DataFrame:\n    return df.assign(r=df.a / df.b)\n"
)


def context(root) -> AuditContext:
    ctx = AuditContext(root)
    load_checks()  # declares every check's words and prefilters before the scan
    return ctx


def importers(ctx: AuditContext, targets) -> set[str]:
    """Test files that really import a target, as tests_importing resolves them."""
    return {t for t in ctx.tests.files if set(ctx.python.project_imports(t)) & set(targets)}


# -- which test files may import the targets -------------------------------------------------
def test_may_import_keeps_every_form_of_import_and_drops_look_alikes(repo):
    root = repo(
        {
            "src/pkg/__init__.py": "",
            "src/pkg/features.py": FEATURES,
            "src/otherpkg/features.py": FEATURES,
            "tests/test_from_module.py": "from pkg.features import add_ratio\n\ndef test_a():\n    assert add_ratio\n",
            "tests/test_from_package.py": "from pkg import (\n    features,\n)\n\ndef test_a():\n    assert features\n",
            "tests/test_import_as.py": "import pkg.features as f\n\ndef test_a():\n    assert f\n",
            "tests/test_src_package.py": "from src.pkg.features import add_ratio\n\ndef test_a():\n    assert add_ratio\n",
            "src/pkg/tests/test_relative.py": "from ..features import add_ratio\n\ndef test_a():\n    assert add_ratio\n",
            "tests/test_other_package.py": "from otherpkg.features import add_ratio\n\ndef test_a():\n    assert add_ratio\n",
            "tests/test_nested_name.py": "from lib.pkg import features\n\ndef test_a():\n    assert features\n",
            "tests/test_nothing.py": "import pandas\n\ndef test_a():\n    assert pandas\n",
        }
    )
    ctx = context(root)
    targets = {"src/pkg/features.py": "feature module"}
    kept = set(may_import(ctx.python, targets, ctx.tests.files))
    assert importers(ctx, targets) == {
        "tests/test_from_module.py",
        "tests/test_from_package.py",
        "tests/test_import_as.py",
        "tests/test_src_package.py",
        "src/pkg/tests/test_relative.py",
    }
    assert kept >= importers(ctx, targets)
    assert not kept & {"tests/test_other_package.py", "tests/test_nested_name.py", "tests/test_nothing.py"}


def test_may_import_a_top_level_module_even_through_a_relative_import_that_climbs_to_the_top(repo):
    root = repo(
        {
            "features.py": FEATURES,
            "tests/test_plain.py": "import features\n\ndef test_a():\n    assert features\n",
            "tests/test_climbs.py": "from ..features import add_ratio\n\ndef test_a():\n    assert add_ratio\n",
            "tests/test_suffix.py": "import testing_features\n\ndef test_a():\n    assert testing_features\n",
        }
    )
    ctx = context(root)
    targets = {"features.py": "feature module"}
    assert importers(ctx, targets) == {"tests/test_plain.py", "tests/test_climbs.py"}
    assert set(may_import(ctx.python, targets, ctx.tests.files)) == importers(ctx, targets)


# -- declared prefilters ---------------------------------------------------------------------
def test_prefilters_keep_to_their_pool_and_one_declared_late_runs_alone(repo):
    root = repo(
        {
            "src/app.py": "def redact(x):\n    return x\n",
            "tests/test_app.py": "def redact_test():\n    pass\n",
            "docs/example.py": "def redact_doc():\n    pass\n",
        }
    )
    ctx = context(root)
    late = prefilter("project", lambda data: b"def redact" in data)
    assert passing(ctx, late) == ["src/app.py"]  # docs and tests are not project code
    everywhere = prefilter("python", lambda data: b"def redact" in data)
    assert passing(ctx, everywhere) == ["docs/example.py", "src/app.py", "tests/test_app.py"]
    assert passing(ctx, prefilter("tests", lambda data: True)) == ["tests/test_app.py"]


# -- findings the quick paths must not lose ----------------------------------------------------
def test_a_camel_case_deny_list_is_still_found(repo):
    rules = """
        import pandas as pd

        dropCols = ["customer_id", "email"]


        def select(df: pd.DataFrame) -> pd.DataFrame:
            return df.drop(columns=dropCols)
    """
    result = load_checks()["data-4"].run(context(repo({"src/select.py": rules})))
    assert result.score == 0.5 and result.evidence[0].detail == "dropCols (2 listed) applied at src/select.py:7"


def test_a_feature_registry_decorator_found_through_its_import(repo):
    registry = """
        FEATURES = {}


        def register(function):
            FEATURES[function.__name__] = function
            return function
    """
    defined = """
        from shop.feature_registry import register


        @register
        def tenure_years(df):
            return df.tenure / 12
    """
    root = repo({"src/shop/__init__.py": "", "src/shop/feature_registry.py": registry, "src/shop/defs.py": defined})
    result = load_checks()["data-6"].run(context(root))
    assert result.score == 0.5
    assert result.evidence[0].detail == "feature registry: @shop.feature_registry.register"


def test_an_endpoint_in_a_file_without_models_still_validates_with_a_model_defined_elsewhere(repo):
    models = """
        from pydantic import BaseModel, Field


        class Trip(BaseModel):
            distance_km: float = Field(gt=0)
            passengers: int = Field(ge=1, le=8)
    """
    app = """
        from fastapi import FastAPI
        from pydantic import ValidationError

        from api.a_models import Trip

        app = FastAPI()


        @app.post("/predict")
        def predict(trip: Trip) -> dict:
            return {"fare": trip.distance_km * 2}
    """
    root = repo({"api/__init__.py": "", "api/a_models.py": models, "api/app.py": app})
    result = load_checks()["data-1"].run(context(root))
    assert result.score == 1
    assert any(e.path == "api/app.py" and "validates every request with Trip" in e.detail for e in result.evidence)


def test_a_feature_list_in_flow_style_beside_another_feature_key_is_found(repo):
    params = "feature_store: local\ntrain: {seed: 7, features: [tenure, plan, monthly_charges]}\n"
    result = load_checks()["data-6"].run(context(repo({"params.yaml": params})))
    assert result.score == 0.5 and result.evidence[0].detail == "feature list 'train.features' (3 entries) in config"


def test_outline_line_numbers_match_the_parser_in_a_long_module():
    source = (
        '"""A module."""\nimport os\n'
        + "".join(
            f"\n\nclass Model{i}(object):\n    '''doc\n    lines'''\n\n    def forward(self, x):\n        return x\n"
            for i in range(200)
        )
        + "\nfrom json import dumps\n\ndef last():\n    pass\n"
    )
    outline = outline_of(source.encode(), "pkg.mod")
    tree = ast.parse(source)
    defs = [(n.name, n.lineno) for n in ast.walk(tree) if isinstance(n, (ast.ClassDef, ast.FunctionDef))]
    assert sorted(line for _, line in outline.functions + [(c[0], c[2]) for c in outline.classes]) == sorted(
        line for _, line in defs
    )
    assert outline.imports == {
        "os": 2,
        "json": source.count("\n", 0, source.index("from json")) + 1,
        "json.dumps": source.count("\n", 0, source.index("from json")) + 1,
    }


# -- a library-shaped repository -----------------------------------------------------------------
MODEL = """
from ...configuration_utils import register_to_config
from ..modeling_utils import ModelMixin


class {name}(ModelMixin):
    @register_to_config
    def __init__(self, dim: int = 8):
        super().__init__()
        self.dim = dim

    def preprocess(self, x):
        return x * 2

    def forward(self, x):
        return self.preprocess(x)
"""
MODEL_TEST = """
import unittest

from transformers import CLIPTextModel

from lib.models.transformers.transformer_{i} import Transformer{i}
from ..testing_utils import slow


class TestTransformer{i}(unittest.TestCase):
    def test_forward(self):
        assert Transformer{i}(dim=4).forward(1) == 2
"""


def test_a_library_with_hundreds_of_modules_is_audited_with_almost_no_parse(repo, monkeypatch):
    files = {
        "src/lib/__init__.py": "",
        "src/lib/configuration_utils.py": "def register_to_config(f):\n    return f\n",
        "src/lib/models/__init__.py": "",
        "src/lib/models/modeling_utils.py": "class ModelMixin:\n    pass\n",
        "src/lib/models/transformers/__init__.py": "",
        "tests/testing_utils.py": "def slow(f):\n    return f\n",
        "tests/__init__.py": "",
        "tests/models/__init__.py": "",
    }
    for i in range(120):
        files[f"src/lib/models/transformers/transformer_{i}.py"] = textwrap.dedent(MODEL).format(name=f"Transformer{i}")
        files[f"src/lib/pipelines/pipeline_{i}.py"] = (
            "from transformers import CLIPFeatureExtractor\n\n\nclass Pipeline:\n"
            "    def __init__(self, feature_extractor: CLIPFeatureExtractor):\n        self.feature_extractor = feature_extractor\n"
        )
        files[f"tests/models/test_transformer_{i}.py"] = textwrap.dedent(MODEL_TEST).format(i=i)
    root = repo(files)
    parses = []
    real_parse = ast.parse
    monkeypatch.setattr(ast, "parse", lambda *args, **kwargs: parses.append(args) or real_parse(*args, **kwargs))
    ctx = context(root)
    checks = load_checks()
    outcomes = {cid: check.run(ctx) for cid, check in checks.items() if cid.startswith("data-")}
    assert len(feature_modules(ctx)) == 120  # transformers/ modules are named for features
    assert outcomes["data-7"].score == 0.5 and outcomes["data-7"].reason.startswith(
        "120 test files exercise feature code"
    )
    assert outcomes["data-6"].score == 0  # @register_to_config is no feature registry
    assert parses == []  # the prefilters rule out all 360 files; main's data-6 parsed the 120 models


def test_declared_prefilters_reuse_the_scan_reads_when_bytes_are_not_kept(repo, monkeypatch):
    # On a large repository the scan cannot keep every file's bytes; the prefilters then must not
    # read those files again: the scan ran them on the bytes it had.
    from mltestscore.evidence import prefilters, python

    load_checks()  # the checks declare their prefilters when imported
    monkeypatch.setattr(python, "_KEEP_BYTES", 0)
    root = repo(
        {
            "src/shop/features.py": "FEATURES = ['age', 'income']\n\ndef build(df):\n    return df[FEATURES]\n",
            "src/shop/pii.py": "def mask_email(value):\n    return '***'\n",
            "tests/test_features.py": "from shop.features import build\n\ndef test_build():\n    assert build\n",
        }
    )
    ctx = AuditContext(root)
    try:
        ctx.python.words
        reads = ctx.files.reads
        found = ctx.fact(prefilters._run_declared)
        assert ctx.files.reads == reads
        assert found  # the declared prefilters did run
    finally:
        ctx.close()
