"""The data section on real-shaped repositories: GX 0.x and 1.x projects, code-defined suites,
pandera, TFDV, pydantic, and the features checks, each at 0, 0.5 and 1."""

from __future__ import annotations

import json

import pytest
from conftest import audit

from mltestscore.context import AuditContext
from mltestscore.evidence.gx import read_gx_project, suite_name_from_path
from mltestscore.results import Status


def workflow(*commands: str, on: str = "[push, pull_request]") -> str:
    steps = "\n".join(f"      - run: {c}" for c in commands)
    return f"""
name: ci
on: {on}
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
{steps}
"""


def dvc_stage(name: str, cmd: str) -> str:
    return f"stages:\n  {name}:\n    cmd: {cmd}\n    deps:\n      - data/raw.csv\n"


def suite_v1(name: str, expectations: list[tuple[str, dict]]) -> str:
    items = [
        {"type": kind, "kwargs": kwargs, "meta": {}, "id": f"id-{i}", "severity": "critical"}
        for i, (kind, kwargs) in enumerate(expectations)
    ]
    return json.dumps(
        {
            "name": name,
            "id": "s-1",
            "expectations": items,
            "meta": {"great_expectations_version": "1.24.1"},
            "notes": None,
        },
        indent=2,
    )


def suite_v0(name: str, expectations: list[tuple[str, dict]]) -> str:
    items = [{"expectation_type": kind, "kwargs": kwargs, "meta": {}} for kind, kwargs in expectations]
    return json.dumps(
        {
            "expectation_suite_name": name,
            "expectations": items,
            "data_asset_type": None,
            "meta": {"great_expectations_version": "0.18.21"},
            "ge_cloud_id": None,
        },
        indent=2,
    )


TAXI = [
    ("expect_column_values_to_not_be_null", {"column": "fare"}),
    ("expect_column_values_to_be_between", {"column": "fare", "min_value": 0, "max_value": 500}),
    ("expect_column_values_to_be_in_set", {"column": "payment", "value_set": ["card", "cash"]}),
]
GX1_PROJECT = {
    "gx/great_expectations.yml": "config_version: 4\nfluent_datasources: {}\n",
    "gx/expectations/.ge_store_backend_id": "store_backend_id = 1\n",
    "gx/expectations/taxi/warning.json": suite_v1("taxi.warning", TAXI),
    "gx/validation_definitions/taxi_vd.json": json.dumps(
        {
            "name": "taxi_vd",
            "id": "v-1",
            "data": {
                "datasource": {"name": "files", "id": "d"},
                "asset": {"name": "trips", "id": "a"},
                "batch_definition": {"name": "all", "id": "b"},
            },
            "suite": {"name": "taxi.warning", "id": "s-1"},
        }
    ),
    "gx/checkpoints/taxi_cp.json": json.dumps(
        {
            "name": "taxi_cp",
            "id": "c-1",
            "actions": [],
            "result_format": "SUMMARY",
            "validation_definitions": [{"id": "v-1", "name": "taxi_vd"}],
        }
    ),
    "scripts/validate.py": """
        import great_expectations as gx

        context = gx.get_context()
        result = context.checkpoints.get("taxi_cp").run()
        if not result.success:
            raise SystemExit(1)
    """,
}
GX0_PROJECT = {
    "great_expectations/great_expectations.yml": "config_version: 3.0\ndatasources: {}\n",
    "great_expectations/expectations/churn/raw.json": suite_v0(
        "churn.raw",
        [
            ("expect_column_values_to_not_be_null", {"column": "customer_id"}),
            ("expect_column_values_to_be_between", {"column": "tenure", "min_value": 0}),
        ],
    ),
    "great_expectations/checkpoints/churn_cp.yml": """
        name: churn_cp
        config_version: 1.0
        class_name: Checkpoint
        validations:
          - batch_request:
              datasource_name: files
              data_asset_name: raw
            expectation_suite_name: churn.raw
        action_list: []
    """,
}


def item(root, test_id):
    return audit(root).item(test_id)


# -- the GX reader ---------------------------------------------------------------------------
def test_reader_reads_both_generations_with_nested_names_and_columns(repo):
    root = repo({**GX1_PROJECT, **GX0_PROJECT})
    ctx = AuditContext(root)
    project = read_gx_project(ctx)
    assert project.roots == {"gx": "1.x", "great_expectations": "0.x"}
    suites = {s.name: s for s in project.suites}
    assert set(suites) == {"taxi.warning", "churn.raw"}
    assert suites["taxi.warning"].generation == "1.x" and suites["churn.raw"].generation == "0.x"
    assert suites["taxi.warning"].per_column() == {"fare": 2, "payment": 1}
    assert [e.line for e in suites["taxi.warning"].expectations] == sorted(
        e.line for e in suites["taxi.warning"].expectations
    )
    checkpoints = {c.name: c.suites for c in project.checkpoints}
    assert checkpoints == {"taxi_cp": ["taxi.warning"], "churn_cp": ["churn.raw"]}
    assert project.suites_named(("taxi_cp",)) == [suites["taxi.warning"]]
    assert not ctx.warnings
    ctx.close()


def test_suite_name_from_nested_path():
    assert suite_name_from_path("gx/expectations/taxi/warning.json") == "taxi.warning"
    assert suite_name_from_path("great_expectations/expectations/a/b/c.json") == "a.b.c"
    assert suite_name_from_path("data/other.json") is None


def test_suite_name_that_does_not_match_its_path_is_a_warning(repo):
    root = repo(
        {
            "gx/great_expectations.yml": "config_version: 4\n",
            "gx/expectations/taxi/warning.json": suite_v1("taxi_warning", TAXI),
        }
    )
    report = audit(root)
    assert any(
        "does not match its path" in w.message and w.path == "gx/expectations/taxi/warning.json"
        for w in report.warnings
    )


# -- data-1 with GX ------------------------------------------------------------------------------
def test_gx1_checkpoint_run_by_ci_scores_1(repo):
    root = repo(
        {
            **GX1_PROJECT,
            ".github/workflows/ci.yml": workflow("pip install great_expectations", "python scripts/validate.py"),
        }
    )
    result = item(root, "data-1")
    assert result.score == 1
    run = next(e for e in result.evidence if e.path == "scripts/validate.py")
    assert run.line == 4 and "ci.yml job 'check'" in run.runner
    assert any("suite 'taxi.warning'" in e.detail and "fare (2)" in e.detail for e in result.evidence)


def test_gx1_checkpoint_nothing_runs_scores_half(repo):
    result = item(repo(GX1_PROJECT), "data-1")
    assert result.score == 0.5 and result.status == Status.MANUAL
    # the checkpoint run and the suite are both cited; nothing automatic runs either
    assert {e.path for e in result.evidence} == {"scripts/validate.py", "gx/expectations/taxi/warning.json"}
    assert not any(e.runner for e in result.evidence)
    assert "DVC stage or CI job" in result.missing


def test_gx0_checkpoint_run_by_a_dvc_stage_scores_1(repo):
    root = repo({**GX0_PROJECT, "dvc.yaml": dvc_stage("validate", "great_expectations checkpoint run churn_cp")})
    result = item(root, "data-1")
    assert result.score == 1
    assert any("dvc.yaml stage 'validate'" in (e.runner or "") for e in result.evidence)


def test_gx_suite_that_nothing_runs_is_half_even_when_another_checkpoint_runs(repo):
    files = {**GX0_PROJECT, "dvc.yaml": dvc_stage("validate", "great_expectations checkpoint run orders_cp")}
    files["great_expectations/checkpoints/orders_cp.yml"] = "name: orders_cp\nexpectation_suite_name: orders\n"
    result = item(repo(files), "data-1")
    assert result.score == 0.5
    # only the churn suite is cited, with no runner: the DVC stage runs another checkpoint
    assert [(e.path, e.runner) for e in result.evidence] == [("great_expectations/expectations/churn/raw.json", None)]


def test_empty_expectations_folder_scores_0(repo):
    root = repo(
        {
            "gx/great_expectations.yml": "config_version: 4\n",
            "gx/expectations/.ge_store_backend_id": "store_backend_id = 1\n",
            "gx/.gitignore": "uncommitted/\n",
        }
    )
    result = item(root, "data-1")
    assert result.score == 0 and result.status == Status.MISSING
    assert [e.path for e in result.evidence] == ["gx/great_expectations.yml"]  # the config, no suite


def test_suite_with_no_expectations_scores_0(repo):
    root = repo(
        {
            "great_expectations/great_expectations.yml": "config_version: 3.0\n",
            "great_expectations/expectations/empty.json": suite_v0("empty", []),
        }
    )
    result = item(root, "data-1")
    assert result.score == 0 and result.status == Status.MISSING
    assert [e.path for e in result.evidence] == [
        "great_expectations/great_expectations.yml",
        "great_expectations/expectations/empty.json",
    ]


def test_great_expectations_only_in_requirements_scores_0(repo):
    root = repo(
        {
            "requirements.txt": "pandas==2.2.2\ngreat_expectations==0.18.21\n",
            "train.py": "import pandas as pd\ndf = pd.read_csv('data.csv')\n",
        }
    )
    result = item(root, "data-1")
    assert result.score == 0 and result.status == Status.MISSING
    assert [(e.path, e.line) for e in result.evidence] == [("requirements.txt", None)]  # the dependency only


def test_structural_only_suite_run_in_ci_scores_half(repo):
    files = dict(GX1_PROJECT)
    files["gx/expectations/taxi/warning.json"] = suite_v1(
        "taxi.warning",
        [
            ("expect_table_row_count_to_be_between", {"min_value": 1}),
            ("expect_column_to_exist", {"column": "fare"}),
        ],
    )
    files[".github/workflows/ci.yml"] = workflow("python scripts/validate.py")
    result = item(repo(files), "data-1")
    # CI runs the checkpoint, yet the suite checks shape only (row count, column exists): 0.5, not 1
    assert result.score == 0.5
    run = next(e for e in result.evidence if e.path == "scripts/validate.py")
    assert "ci.yml job 'check'" in (run.runner or "")


def test_gx_action_and_manual_dispatch(repo):
    action = """
name: data
on: [workflow_dispatch]
jobs:
  validate:
    runs-on: ubuntu-latest
    steps:
      - uses: great-expectations/great_expectations_action@main
        with:
          CHECKPOINTS: taxi_cp
"""
    root = repo({**GX1_PROJECT, ".github/workflows/data.yml": action})
    result = item(root, "data-1")
    assert result.score == 0.5  # only a person starts it
    assert any("great_expectations_action" in e.detail for e in result.evidence)


# -- data-1 with code-defined suites -----------------------------------------------------------------
CODE_SUITE = """
import great_expectations as gx
import pandas as pd

context = gx.get_context()
suite = context.suites.add(gx.ExpectationSuite(name="orders"))
suite.add_expectation(gx.expectations.ExpectColumnValuesToBeBetween(column="amount", min_value=0))
suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeNull(column="order_id"))
batch_definition = context.data_sources.add_pandas("p").add_dataframe_asset("o").add_batch_definition_whole_dataframe("b")
validation_definition = gx.ValidationDefinition(name="orders_vd", data=batch_definition, suite=suite)
result = validation_definition.run(batch_parameters={"dataframe": pd.read_csv("data/raw.csv")})
"""


def test_code_defined_suite_run_by_pipeline_scores_1(repo):
    root = repo(
        {"src/validate_orders.py": CODE_SUITE, "dvc.yaml": dvc_stage("validate", "python src/validate_orders.py")}
    )
    result = item(root, "data-1")
    assert result.score == 1
    assert any("code-defined suite 'orders'" in e.detail and "amount (1)" in e.detail for e in result.evidence)


def test_code_defined_suite_in_a_notebook_scores_half(repo):
    cells = [
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": CODE_SUITE.strip().splitlines(keepends=True),
        }
    ]
    notebook = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    result = item(repo({"notebooks/validate.ipynb": notebook}), "data-1")
    assert result.score == 0.5
    assert any(e.path == "notebooks/validate.ipynb" and "(cell 1)" in e.detail for e in result.evidence)


def test_legacy_validator_expectations_imported_by_a_ci_script(repo):
    root = repo(
        {
            "src/shop/checks.py": """
            def expect_orders(validator):
                validator.expect_column_values_to_be_between("amount", min_value=0)
                validator.expect_column_values_to_not_be_null(column="order_id")
        """,
            "src/shop/__init__.py": "",
            "scripts/run_checks.py": """
            import great_expectations as ge
            from shop.checks import expect_orders

            context = ge.get_context()
            validator = context.get_validator(expectation_suite_name="orders")
            expect_orders(validator)
        """,
            ".github/workflows/ci.yml": workflow(
                "python scripts/run_checks.py", on="{schedule: [{cron: '0 3 * * *'}]}"
            ),
        }
    )
    result = item(root, "data-1")
    assert result.score == 1


# -- data-1 with pandera, TFDV, pydantic ----------------------------------------------------------------
PANDERA_SCHEMA = """
import pandera as pa
from pandera.typing import Series


class Customers(pa.DataFrameModel):
    tenure: Series[int] = pa.Field(ge=0, le=600)
    plan: Series[str] = pa.Field(isin=["basic", "premium"])

    class Config:
        strict = True
"""
PANDERA_LOADER = """
import pandas as pd

from churn.schemas import Customers


def load(path="data/raw.csv"):
    return Customers.validate(pd.read_csv(path))


if __name__ == "__main__":
    load()
"""


def test_pandera_validate_in_a_pipeline_stage_scores_1(repo):
    root = repo(
        {
            "src/churn/__init__.py": "",
            "src/churn/schemas.py": PANDERA_SCHEMA,
            "src/churn/load.py": PANDERA_LOADER,
            "dvc.yaml": dvc_stage("load", "python src/churn/load.py"),
        }
    )
    result = item(root, "data-1")
    assert result.score == 1
    site = next(e for e in result.evidence if e.path == "src/churn/load.py")
    assert site.detail == "calls Customers.validate" and "stage 'load'" in site.runner


def test_pandera_checked_only_in_tests_on_fixtures_scores_half(repo):
    test = """
        import pandas as pd
        from churn.load import load

        def test_load(tmp_path):
            path = tmp_path / "x.csv"
            pd.DataFrame({"tenure": [1], "plan": ["basic"]}).to_csv(path, index=False)
            assert len(load(path)) == 1
    """
    root = repo(
        {
            "src/churn/__init__.py": "",
            "src/churn/schemas.py": PANDERA_SCHEMA,
            "src/churn/load.py": PANDERA_LOADER,
            "tests/test_load.py": test,
            ".github/workflows/ci.yml": workflow("pytest tests"),
        }
    )
    result = item(root, "data-1")
    assert result.score == 0.5
    assert "only in tests, on data the tests make" in result.reason


def test_pandera_checked_in_ci_tests_on_a_committed_sample_scores_1(repo):
    test = """
        from churn.schemas import Customers
        import pandas as pd

        def test_sample_matches_schema():
            Customers.validate(pd.read_csv("data/sample.csv"))
    """
    root = repo(
        {
            "src/churn/__init__.py": "",
            "src/churn/schemas.py": PANDERA_SCHEMA,
            "data/sample.csv": "tenure,plan\n3,basic\n",
            "tests/test_data.py": test,
            ".github/workflows/ci.yml": workflow("pytest"),
        }
    )
    result = item(root, "data-1")
    assert result.score == 1
    assert any("on data/sample.csv" in e.detail for e in result.evidence)


def test_unparsable_schema_files_are_warnings_not_failures(repo):
    broken = json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "metadata": {},
                    "outputs": [],
                    "execution_count": None,
                    "source": ["import pandera as pa\n", "schema = pa.DataFrameSchema({\n"],
                }
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )
    root = repo(
        {
            "notebooks/schema.ipynb": broken,
            "src/x.py": "import pydantic\nclass (:\n",
            "gx/great_expectations.yml": "config_version: [4\n",
            "gx/expectations/a.json": '{"expectations": [{"type": ',
        }
    )
    report = audit(root)
    assert not any("check " in w.message and "failed" in w.message for w in report.warnings)
    assert report.item("data-1").score == 0
    assert {w.path for w in report.warnings} >= {"notebooks/schema.ipynb", "gx/expectations/a.json"}


def test_pandera_schema_without_validation_scores_half_and_check_types_counts(repo):
    root = repo({"src/churn/__init__.py": "", "src/churn/schemas.py": PANDERA_SCHEMA})
    assert item(root, "data-1").score == 0.5
    decorated = """
        import pandera as pa
        from pandera.typing import DataFrame
        from churn.schemas import Customers

        @pa.check_types
        def clean(df: DataFrame[Customers]) -> DataFrame[Customers]:
            return df
    """
    root = repo(
        {
            "src/churn/__init__.py": "",
            "src/churn/schemas.py": PANDERA_SCHEMA,
            "src/churn/clean.py": decorated,
            "dvc.yaml": dvc_stage("clean", "python -m churn.clean"),
        },
        name="decorated",
    )
    result = item(root, "data-1")
    assert result.score == 1
    assert any("@check_types" in e.detail for e in result.evidence)


TFX_PIPELINE = """
from tfx import v1 as tfx


def create_pipeline(root, data_root):
    example_gen = tfx.components.CsvExampleGen(input_base=data_root)
    statistics_gen = tfx.components.StatisticsGen(examples=example_gen.outputs["examples"])
    schema_gen = tfx.components.ImportSchemaGen(schema_file="schema/schema.pbtxt")
    example_validator = tfx.components.ExampleValidator(
        statistics=statistics_gen.outputs["statistics"], schema=schema_gen.outputs["schema"])
    return tfx.dsl.Pipeline(pipeline_name="taxi", pipeline_root=root,
                            components=[example_gen, statistics_gen, schema_gen, example_validator])
"""
SCHEMA_PBTXT = """
feature {
  name: "fare"
  type: FLOAT
  presence {
    min_fraction: 1.0
  }
}
feature {
  name: "payment_type"
  type: BYTES
  domain: "payment_type"
}
string_domain {
  name: "payment_type"
  value: "Cash"
  value: "Credit Card"
}
"""


def test_tfx_example_validator_in_the_pipeline_scores_1(repo):
    root = repo({"pipeline/pipeline.py": TFX_PIPELINE, "schema/schema.pbtxt": SCHEMA_PBTXT})
    result = item(root, "data-1")
    assert result.score == 1
    assert any("ExampleValidator" in e.detail and "tfx pipeline" in (e.runner or "") for e in result.evidence)


def test_tfdv_schema_and_a_notebook_check_score_half_and_a_serving_config_is_not_a_schema(repo):
    notebook = json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "metadata": {},
                    "outputs": [],
                    "execution_count": None,
                    "source": [
                        "import tensorflow_data_validation as tfdv\n",
                        "schema = tfdv.load_schema_text('schema/schema.pbtxt')\n",
                        "stats = tfdv.generate_statistics_from_csv('data/eval.csv')\n",
                        "anomalies = tfdv.validate_statistics(stats, schema)\n",
                    ],
                }
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )
    root = repo({"schema/schema.pbtxt": SCHEMA_PBTXT, "notebooks/check.ipynb": notebook})
    result = item(root, "data-1")
    assert result.score == 0.5
    assert any("2 features, 3 domain/presence constraints" in e.detail for e in result.evidence)
    serving = repo(
        {"models/models.config.pbtxt": 'model_config_list {\n  config {\n    name: "taxi"\n  }\n}\n'}, name="serving"
    )
    assert item(serving, "data-1").score == 0


PYDANTIC_API = """
from typing import Literal

from fastapi import FastAPI
from pydantic import BaseModel, Field

app = FastAPI()


class Trip(BaseModel):
    fare: float = Field(ge=0, le=500)
    payment: Literal["card", "cash"]
    passengers: int


class ModelSettings(BaseModel):
    learning_rate: float = Field(gt=0)
    epochs: int = Field(ge=1)


@app.post("/predict")
def predict(trip: Trip) -> dict:
    return {"fare": trip.fare}
"""


def test_pydantic_model_validating_every_request_scores_1(repo):
    result = item(repo({"app/main.py": PYDANTIC_API}), "data-1")
    assert result.score == 1
    assert any("endpoint '/predict' validates every request with Trip" in e.detail for e in result.evidence)
    assert not any("ModelSettings" in e.detail for e in result.evidence)


def test_pydantic_row_model_parsing_in_a_hand_run_script_scores_half_and_settings_alone_score_0(repo):
    script = """
        import json
        from pydantic import BaseModel, Field

        class Record(BaseModel):
            age: int = Field(ge=0, le=130)
            country: str = Field(min_length=2, max_length=2)

        rows = [Record.model_validate(r) for r in json.load(open("data/rows.json"))]
    """
    result = item(repo({"scripts/load_rows.py": script}), "data-1")
    assert result.score == 0.5
    assert any("parses records with Record.model_validate" in e.detail for e in result.evidence)
    settings = """
        from typing import Literal
        from pydantic import BaseModel, Field

        class TrainConfig(BaseModel):
            lr: float = Field(gt=0)
            epochs: int = Field(ge=1)

        class ParquetReader(BaseModel):
            KIND: Literal["ParquetReader"] = "ParquetReader"
            path: str
            limit: int | None = Field(default=None, gt=0)
    """
    assert item(repo({"train/config.py": settings}, name="settings"), "data-1").score == 0


# -- data-2 ------------------------------------------------------------------------------------
def test_data2_levels(repo):
    assert item(repo({"train.py": "import pandas as pd\n"}, name="none"), "data-2").score == 0
    analysis = """
        from sklearn.inspection import permutation_importance

        def report(model, X, y):
            return permutation_importance(model, X, y, n_repeats=5)
    """
    result = item(repo({"analysis/importance.py": analysis}, name="manual"), "data-2")
    assert result.score == 0.5 and result.evidence[0].line == 4
    train = """
        from sklearn.feature_selection import SelectKBest, f_classif
        from sklearn.pipeline import make_pipeline
        from sklearn.linear_model import LogisticRegression

        model = make_pipeline(SelectKBest(f_classif, k=10), LogisticRegression())
    """
    result = item(
        repo({"src/train.py": train, "dvc.yaml": dvc_stage("train", "python src/train.py")}, name="auto"), "data-2"
    )
    assert result.score == 1 and "stage 'train'" in result.evidence[0].runner


def test_data2_importance_metric_stage_and_ablation_loop(repo):
    stage = "stages:\n  importance:\n    cmd: python importance.py\n    metrics:\n      - metrics/feature_importance.json:\n          cache: false\n"
    result = item(repo({"dvc.yaml": stage, "importance.py": "print(1)\n"}, name="stage"), "data-2")
    assert result.score == 1 and "feature_importance.json" in result.evidence[0].detail
    ablation = """
        from sklearn.model_selection import cross_val_score

        def ablate(model, X, y):
            scores = {}
            for feature in X.columns:
                model.fit(X.drop(columns=[feature]), y)
                scores[feature] = model.score(X.drop(columns=[feature]), y)
            return scores
    """
    result = item(repo({"research/ablation.py": ablation}, name="ablation"), "data-2")
    assert result.score == 0.5 and "leave-one-out loop over 'feature'" in result.evidence[0].detail
    commented = "def train(model):\n    model.fit(X, y)\n    # plot(model.feature_importances_)\n    return model\n"
    assert (
        item(
            repo({"train.py": commented, "dvc.yaml": dvc_stage("train", "python train.py")}, name="comment"), "data-2"
        ).score
        == 0
    )
    used = "def train(model):\n    model.fit(X, y)\n    log(model.feature_importances_)\n    return model\n"
    result = item(repo({"train.py": used, "dvc.yaml": dvc_stage("train", "python train.py")}, name="used"), "data-2")
    assert result.score == 1 and result.evidence[0].line == 3


# -- data-3 ------------------------------------------------------------------------------------
FEATURES = """
import pandas as pd


def add_ratio(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(ratio=df["a"] / df["b"])
"""
BENCH = """
import pandas as pd
from shop.features import add_ratio


def test_add_ratio_speed(benchmark):
    df = pd.DataFrame({"a": range(1000), "b": range(1, 1001)})
    benchmark(add_ratio, df)
"""


def test_data3_levels(repo):
    base = {"src/shop/__init__.py": "", "src/shop/features.py": FEATURES}
    result = item(repo(base, name="none"), "data-3")
    assert result.score == 0 and "not observable in the repository" in result.reason
    result = item(
        repo(
            {**base, "tests/test_bench.py": BENCH, ".github/workflows/ci.yml": workflow("pytest tests")}, name="bench"
        ),
        "data-3",
    )
    assert result.score == 0.5 and "benchmark test test_add_ratio_speed" in result.evidence[0].detail
    gated = workflow("pytest tests --benchmark-compare --benchmark-compare-fail=mean:10%")
    result = item(
        repo({**base, "tests/test_bench.py": BENCH, ".github/workflows/ci.yml": gated}, name="gated"), "data-3"
    )
    assert result.score == 1


# -- data-4 ------------------------------------------------------------------------------------
def test_data4_levels(repo):
    assert item(repo({"src/features.py": FEATURES}, name="none"), "data-4").score == 0
    denylist = """
        import pandas as pd

        SENSITIVE_COLUMNS = ["age", "gender", "zip_code"]


        def select_features(df: pd.DataFrame) -> pd.DataFrame:
            return df.drop(columns=[c for c in SENSITIVE_COLUMNS if c in df.columns])
    """
    result = item(repo({"src/features.py": denylist}, name="manual"), "data-4")
    assert result.score == 0.5
    assert result.evidence[0].detail == "SENSITIVE_COLUMNS (3 listed) applied at src/features.py:7"
    test = """
        import pandas as pd
        from features import select_features

        def test_no_protected_attributes():
            out = select_features(pd.DataFrame({"age": [1], "income": [2]}))
            assert "age" not in out.columns
    """
    root = repo(
        {"features.py": denylist, "tests/test_rules.py": test, ".github/workflows/ci.yml": workflow("pytest")},
        name="auto",
    )
    result = item(root, "data-4")
    assert result.score == 1
    assert any("test asserts a column is absent" in e.detail and e.runner for e in result.evidence)


def test_data4_strict_pandera_schema_is_data1_context_and_unused_denylist(repo):
    root = repo(
        {
            "src/churn/__init__.py": "",
            "src/churn/schemas.py": PANDERA_SCHEMA,
            "src/churn/load.py": PANDERA_LOADER,
            "dvc.yaml": dvc_stage("load", "python src/churn/load.py"),
        }
    )
    result = item(root, "data-4")  # a closed column list is a schema (data-1), not a meta-level rule
    assert result.score == 0 and [e.is_context for e in result.evidence] == [True]
    assert "closes the column list" in result.evidence[0].detail
    unused = repo({"src/constants.py": "BANNED_FEATURES = ['ssn']\n"}, name="unused")
    assert item(unused, "data-4").score == 0  # declared but applied nowhere


# -- data-5 ------------------------------------------------------------------------------------
def test_data5_levels(repo):
    assert item(repo({"train.py": "print(1)\n"}, name="none"), "data-5").score == 0
    # Hygiene is context (RUBRIC.md): listed in the report, worth 0.
    result = item(repo({".gitignore": "__pycache__/\n/data/\n", "train.py": "print(1)\n"}, name="ignored"), "data-5")
    assert result.score == 0 and result.evidence[0].is_context
    assert result.evidence[0].detail.startswith("keeps data out of git: /data/")
    precommit = """
        repos:
          - repo: https://github.com/gitleaks/gitleaks
            rev: v8.18.4
            hooks:
              - id: gitleaks
    """
    result = item(repo({".pre-commit-config.yaml": precommit, ".gitignore": "data/\n"}, name="scanned"), "data-5")
    assert result.score == 0 and "gitleaks" in result.evidence[0].detail
    assert all(e.is_context for e in result.evidence) and len(result.evidence) == 2


def test_data5_committed_personal_data_caps_the_score(repo):
    precommit = "repos:\n  - repo: https://github.com/Yelp/detect-secrets\n    rev: v1.5.0\n    hooks:\n      - id: detect-secrets\n"
    root = repo(
        {
            ".pre-commit-config.yaml": precommit,
            "data/customers.csv": "customer_id,email,phone,plan\n1,a@b.c,555,basic\n",
            "tests/fixtures/people.csv": "email,first_name\nx@y.z,Ann\n",
        }
    )
    result = item(root, "data-5")
    assert result.score == 0  # secret scanning is context, so nothing acts on the data
    assert result.evidence[0].path == "data/customers.csv" and "email, phone" in result.evidence[0].detail
    assert not result.evidence[0].is_context and result.evidence[-1].is_context
    assert not any(e.path.startswith("tests/") for e in result.evidence)


def test_data5_pii_masking_in_a_pipeline_stage(repo):
    scrub = """
        import hashlib
        import pandas as pd
        from presidio_analyzer import AnalyzerEngine

        def pseudonymise(df: pd.DataFrame) -> pd.DataFrame:
            df["user_id"] = df["user_id"].map(lambda v: hashlib.sha256(str(v).encode()).hexdigest())
            return df

        analyzer = AnalyzerEngine()
    """
    root = repo({"src/scrub.py": scrub, "dvc.yaml": dvc_stage("scrub", "python src/scrub.py")})
    result = item(root, "data-5")
    assert result.score == 1
    assert {e.detail for e in result.evidence} >= {
        "masks personal data: pseudonymise()",
        "privacy control: presidio_analyzer.AnalyzerEngine",
    }


# -- data-6 ------------------------------------------------------------------------------------
PARAMS = """
train:
  seed: 7
  features:
    - tenure
    - monthly_charges
    - plan
"""


def test_data6_levels(repo):
    result = item(repo({"train.py": "print(1)\n"}, name="none"), "data-6")
    assert result.score == 0 and "not observable in the repository" in result.reason
    result = item(repo({"params.yaml": PARAMS}, name="declared"), "data-6")
    assert result.score == 0.5 and result.evidence[0].detail == "feature list 'train.features' (3 entries) in config"
    stage = "stages:\n  train:\n    cmd: python train.py\n    params:\n      - train.features\n"
    root = repo(
        {
            "params.yaml": PARAMS,
            "dvc.yaml": stage,
            "train.py": "print(1)\n",
            ".github/workflows/ci.yml": workflow("dvc repro"),
        },
        name="auto",
    )
    result = item(root, "data-6")
    assert result.score == 1 and "feature list 'train.features'" in result.evidence[0].detail


def test_data6_feast_applied_by_ci(repo):
    views = """
        from datetime import timedelta
        from feast import Entity, FeatureView, Field, FileSource
        from feast.types import Float32

        driver = Entity(name="driver", join_keys=["driver_id"])
        stats = FeatureView(name="driver_stats", entities=[driver], ttl=timedelta(days=1),
                            schema=[Field(name="conv_rate", dtype=Float32)], owner="ml@acme.io",
                            source=FileSource(path="data/driver_stats.parquet", timestamp_field="ts"))
    """
    files = {
        "feature_repo/feature_store.yaml": "project: drivers\nprovider: local\n",
        "feature_repo/features.py": views,
    }
    assert item(repo(files, name="declared"), "data-6").score == 0.5
    root = repo({**files, ".github/workflows/ci.yml": workflow("cd feature_repo && feast apply")}, name="applied")
    assert item(root, "data-6").score == 1
    assert item(root, "data-4").score == 1  # owner metadata, enforced by feast apply in CI
    # A description documents a feature and sets no requirement: without owner or tags, no rule.
    described = {
        **files,
        "feature_repo/features.py": views.replace('owner="ml@acme.io"', 'description="conversion rate"'),
    }
    root = repo({**described, ".github/workflows/ci.yml": workflow("cd feature_repo && feast apply")}, name="described")
    assert item(root, "data-4").score == 0


# -- data-7 ------------------------------------------------------------------------------------
TEST_FEATURES = """
import pandas as pd
from shop.features import add_ratio


def test_ratio():
    assert add_ratio(pd.DataFrame({"a": [2], "b": [1]}))["ratio"].iloc[0] == 2
"""


def test_data7_levels(repo):
    base = {"src/shop/__init__.py": "", "src/shop/features.py": FEATURES}
    result = item(repo(base, name="none"), "data-7")
    assert result.score == 0 and [(e.path, e.runner) for e in result.evidence] == [("src/shop/features.py", None)]
    result = item(repo({**base, "tests/test_features.py": TEST_FEATURES}, name="manual"), "data-7")
    assert result.score == 0.5
    root = repo(
        {**base, "tests/test_features.py": TEST_FEATURES, ".github/workflows/ci.yml": workflow("pytest")}, name="auto"
    )
    result = item(root, "data-7")
    assert result.score == 1 and "pytest collects tests/test_features.py" in result.evidence[0].runner


def test_data7_a_test_named_for_features_that_imports_nothing_does_not_count(repo):
    fake = "import pandas as pd\n\ndef test_pandas():\n    assert pd.DataFrame().empty\n"
    root = repo(
        {
            "src/shop/__init__.py": "",
            "src/shop/features.py": FEATURES,
            "tests/test_features.py": fake,
            ".github/workflows/ci.yml": workflow("pytest"),
        }
    )
    assert item(root, "data-7").score == 0


@pytest.mark.parametrize("example, expected", [("production-pipeline", 3.0), ("research-notebook", 0.0)])
def test_examples_data_section(example, expected):
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "examples" / example
    assert audit(root).section("data").score == expected


# -- shapes seen in real repositories ------------------------------------------------------------
def test_gx_suite_built_by_code_and_stored_as_json_is_one_suite_run_by_a_src_package_stage(repo):
    configure = """
        import great_expectations as gx

        SUITE = "reviews"

        if __name__ == "__main__":
            context = gx.get_context(mode="file")
            suite = gx.ExpectationSuite(SUITE)
            suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeNull(column="text"))
            context.suites.add_or_update(suite)
    """
    validate = """
        import great_expectations as gx
        from src.data.configure import SUITE

        checkpoint = gx.get_context(mode="file").checkpoints.get("reviews_cp")
        checkpoint.run()
    """
    root = repo(
        {
            "src/__init__.py": "",
            "src/data/__init__.py": "",
            "src/data/configure.py": configure,
            "src/data/validate.py": validate,
            "gx/great_expectations.yml": "config_version: 4\n",
            "gx/expectations/reviews.json": suite_v1(
                "reviews", [("expect_column_values_to_not_be_null", {"column": "text"})]
            ),
            "dvc.yaml": dvc_stage("validate", "python3 -m src.data.validate"),
        }
    )
    ctx = AuditContext(root)
    assert [(s.name, s.generation) for s in read_gx_project(ctx).suites] == [("reviews", "1.x")]
    ctx.close()
    result = item(root, "data-1")
    assert result.score == 1 and result.status == Status.AUTOMATED
    assert any(
        e.path == "src/data/validate.py" and "dvc.yaml stage 'validate'" in (e.runner or "") for e in result.evidence
    )
    assert len(result.evidence) == len(set(result.evidence))


def test_pandera_validation_through_a_helper_method_on_a_base_model(repo):
    schemas = """
        import pandera.pandas as pa
        import pandera.typing.pandas as papd


        class Schema(pa.DataFrameModel):
            class Config:
                strict = True

            @classmethod
            def check(cls, data):
                return cls.validate(data)


        class InputsSchema(Schema):
            hr: papd.Series[int] = pa.Field(ge=0, le=23)
            season: papd.Series[int] = pa.Field(isin=[1, 2, 3, 4])
    """
    job = """
        import pandas as pd
        from bikes import schemas

        inputs = schemas.InputsSchema.check(pd.read_parquet("data/inputs.parquet"))
    """
    root = repo(
        {
            "src/bikes/__init__.py": "",
            "src/bikes/schemas.py": schemas,
            "src/bikes/train.py": job,
            "dvc.yaml": dvc_stage("train", "python -m bikes.train"),
        }
    )
    result = item(root, "data-1")
    assert result.score == 1
    assert any(e.detail == "calls InputsSchema.check" for e in result.evidence)
    assert any(e.detail == "pandera DataFrameModel InputsSchema (2 fields)" for e in result.evidence)
    assert not any("DataFrameModel Schema " in e.detail for e in result.evidence)  # the field-less base


def test_a_committed_sample_named_in_conftest_counts_as_real_data(repo):
    conftest = """
        import os
        import pytest

        DATA = os.path.join(os.path.dirname(__file__), "data")

        @pytest.fixture
        def inputs_path():
            return os.path.join(DATA, "inputs_sample.csv")
    """
    test = """
        import pandas as pd
        from churn.schemas import Customers

        def test_sample(inputs_path):
            Customers.validate(pd.read_csv(inputs_path))
    """
    root = repo(
        {
            "src/churn/__init__.py": "",
            "src/churn/schemas.py": PANDERA_SCHEMA,
            "tests/conftest.py": conftest,
            "tests/data/inputs_sample.csv": "tenure,plan\n3,basic\n",
            "tests/test_schema.py": test,
            ".github/workflows/ci.yml": workflow("pytest"),
        }
    )
    result = item(root, "data-1")
    assert result.score == 1 and any("on tests/data/inputs_sample.csv" in e.detail for e in result.evidence)


def test_tests_on_a_dataset_the_ci_command_passes_count_as_real_data(repo):
    conftest = """
        import great_expectations as ge
        import pandas as pd
        import pytest

        def pytest_addoption(parser):
            parser.addoption("--dataset-loc", action="store", default=None)

        @pytest.fixture(scope="module")
        def df(request):
            return ge.dataset.PandasDataset(pd.read_csv(request.config.getoption("--dataset-loc")))
    """
    test = """
        def test_dataset(df):
            df.expect_column_values_to_not_be_null(column="tag")
            assert df.validate().success
    """
    root = repo(
        {
            "tests/data/conftest.py": conftest,
            "tests/data/test_dataset.py": test,
            ".github/workflows/ci.yml": workflow("pytest --dataset-loc=$DATASET_LOC tests/data"),
        }
    )
    result = item(root, "data-1")
    assert result.score == 1 and any("the dataset the runner passes" in e.detail for e in result.evidence)


def test_feature_functions_in_a_module_not_named_for_features_and_renamed_columns(repo):
    data = """
        import pandas as pd

        def clean_text(text: str) -> str:
            return text.lower().strip()

        def preprocess(df: pd.DataFrame) -> pd.DataFrame:
            df["text"] = df.title + " " + df.description
            df["text"] = df.text.apply(clean_text)
            return df.drop(columns=["title", "description"])
    """
    test = """
        import pandas as pd
        from shop import data

        def test_preprocess():
            df = data.preprocess(pd.DataFrame({"title": ["A"], "description": ["B"]}))
            assert "title" not in df.columns
            assert df.text[0] == "a b"
    """
    root = repo(
        {
            "src/shop/__init__.py": "",
            "src/shop/data.py": data,
            "tests/test_data.py": test,
            ".github/workflows/ci.yml": workflow("pytest"),
        }
    )
    assert item(root, "data-7").score == 1
    assert item(root, "data-4").score == 0  # dropping a renamed column is not a meta-level rule


def test_a_street_type_column_is_not_personal_data(repo):
    root = repo({"data/train.csv": "Id,MSZoning,Street,SalePrice\n1,RL,Pave,208500\n"})
    result = item(root, "data-5")
    assert result.score == 0 and "personal-data" not in result.reason


def test_advice_does_not_contradict_a_missing_subject(repo):
    # A training script with inline preprocessing and no feature module: data-3 and data-7 find no
    # feature code, so their first step is to make some, not to benchmark or test what is not there.
    root = repo(
        {
            "train.py": "import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
            "df = pd.read_csv('data.csv')\nLogisticRegression().fit(df[['a']], df['y'])\n"
        },
        name="no-features",
    )
    for test_id in ("data-3", "data-7"):
        result = item(root, test_id)
        assert result.score == 0 and "no feature" in result.reason
        assert result.missing.startswith("Move feature engineering"), result.missing
