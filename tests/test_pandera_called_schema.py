"""data-1: calling a pandera DataFrameSchema object (`schema(df, lazy=True)`) validates like `.validate`,
and a KFP component step running it checks every pipeline run's data."""

from __future__ import annotations

from conftest import audit

VALIDATION = """
import pandas as pd
import pandera as pa
from pandera import Check, Column

orders_schema = pa.DataFrameSchema(
    {
        "order_id": Column(int, Check.ge(1), unique=True, nullable=False),
        "status": Column(str, Check.isin(["open", "shipped", "returned"]), nullable=False),
        "amount": Column(float, Check.ge(0), nullable=False),
    },
    coerce=True,
)


def validate_orders(path: str) -> pd.DataFrame:
    df = pd.read_csv(path)
    return orders_schema(df, lazy=True)
"""

COMPONENT = """
from kfp.dsl import Dataset, Input, Output, component


@component(base_image="registry.example.com/orders:latest")
def validation_component(input_data: Input[Dataset], output_data: Output[Dataset]):
    import os

    from src.pipeline.validation import validate_orders

    df = validate_orders(os.path.join(input_data.path, "orders.csv"))
    df.to_csv(os.path.join(output_data.path, "orders.csv"), index=False)
"""

INGEST = """
from kfp.dsl import Dataset, Output, component


@component(base_image="registry.example.com/orders:latest")
def ingestion_component(output_data: Output[Dataset]):
    import shutil

    shutil.copy("/data/orders.csv", output_data.path)
"""

PIPELINE = """
from kfp import dsl

from kfp_parts.ingest import ingestion_component
from kfp_parts.validate import validation_component


@dsl.pipeline(name="orders-training")
def orders_pipeline():
    ingest = ingestion_component()
    validation_component(input_data=ingest.outputs["output_data"])
"""

OTHER = """
def schema(x):
    return x


def build(rows):
    return schema(rows)
"""


def _files():
    return {
        "src/__init__.py": "",
        "src/pipeline/__init__.py": "",
        "src/pipeline/validation.py": VALIDATION,
        "kfp_parts/__init__.py": "",
        "kfp_parts/ingest.py": INGEST,
        "kfp_parts/validate.py": COMPONENT,
        "kfp_parts/pipeline.py": PIPELINE,
    }


def test_a_called_schema_in_a_kfp_component_step_is_automated(repo):
    result = audit(repo(_files())).item("data-1")
    assert result.score == 1
    site = result.evidence[0]
    assert site.path == "src/pipeline/validation.py" and "calls orders_schema(...) to validate" in site.detail
    assert "validation_component" in (site.runner or "")


def test_a_called_schema_run_by_hand_is_manual_and_unrelated_calls_of_the_same_name_do_not_count(repo):
    files = _files()
    for path in ("kfp_parts/pipeline.py", "kfp_parts/validate.py", "kfp_parts/ingest.py"):
        del files[path]
    files["other/build.py"] = OTHER.replace("schema", "orders_schema")
    result = audit(repo(files)).item("data-1")
    assert result.score == 0.5
    assert [e.path for e in result.evidence if "to validate" in e.detail] == ["src/pipeline/validation.py"]
