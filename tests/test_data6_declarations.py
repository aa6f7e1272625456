"""data-6: feature declarations beyond YAML feature lists: SageMaker feature group configs, Data
Wrangler flows, kind-last feature lists in JSON configs, feature SQL tasks as config entries, and
Feast feature views without a feature_store.yaml."""

from __future__ import annotations

import json

from conftest import audit

from mltestscore.results import Status

FEATURE_GROUP = {
    "FeatureGroupName": "customers",
    "RecordIdentifierFeatureName": "policy_id",
    "EventTimeFeatureName": "event_time",
    "FeatureDefinitions": [
        {"FeatureName": "policy_id", "FeatureType": "Integral"},
        {"FeatureName": "customer_age", "FeatureType": "Integral"},
        {"FeatureName": "months_as_customer", "FeatureType": "Integral"},
        {"FeatureName": "event_time", "FeatureType": "Fractional"},
    ],
}

FLOW = {
    "metadata": {"version": 1},
    "nodes": [
        {"node_id": "a", "type": "SOURCE", "operator": "sagemaker.s3_source_0.1"},
        {"node_id": "b", "type": "TRANSFORM", "operator": "sagemaker.spark.encode_categorical_0.1"},
        {"node_id": "c", "type": "TRANSFORM", "operator": "sagemaker.spark.custom_pandas_0.1"},
    ],
}

SQL_TASKS = """
dag_name: feature_engineering
schedule: "@daily"
queries:
  - task_id: create_user_features
    sql_file: create_user_features.sql
    destination_table: user_features
  - task_id: create_order_features
    sql_file: create_order_features.sql
    destination_table: order_features
"""

INGEST_TASKS = SQL_TASKS.replace("user_features", "raw_users").replace("order_features", "raw_orders")

FEAST_VIEWS = """
from datetime import timedelta

from feast import Entity, FeatureView, Field, FileSource
from feast.types import Float64

driver = Entity(name="driver", join_keys=["driver_id"])
source = FileSource(path="data/driver_stats.parquet", timestamp_field="event_timestamp")

driver_stats = FeatureView(
    name="driver_stats",
    entities=[driver],
    ttl=timedelta(days=1),
    schema=[Field(name="conv_rate", dtype=Float64), Field(name="acc_rate", dtype=Float64)],
    source=source,
)
"""


def data6(root):
    return audit(root).item("data-6")


def test_feature_group_configs_and_flows_are_declarations(repo):
    root = repo(
        {
            "ingestion/configurations/customers.fg.json": json.dumps(FEATURE_GROUP, indent=2),
            "ingestion/pipelines/customers.flow": json.dumps(FLOW),
        }
    )
    result = data6(root)
    assert result.score == 0.5 and result.status == Status.MANUAL
    details = {e.path: e.detail for e in result.evidence}
    assert details["ingestion/pipelines/customers.flow"] == "Data Wrangler flow (2 transform steps)"
    assert (
        "feature group config 'customers' (4 feature definitions)"
        in details["ingestion/configurations/customers.fg.json"]
    )


def test_a_kind_last_feature_list_in_a_json_config(repo):
    config = {"time_columns_categorical": ["dayofweek", "month", "weekend"], "validation_start_date": "2016-04-01"}
    result = data6(repo({"config/features/config.json": json.dumps(config)}))
    assert result.score == 0.5
    assert "time_columns_categorical" in result.evidence[0].detail


def test_feature_sql_tasks_in_config_but_not_ingestion_tasks(repo):
    result = data6(repo({"config/feature_engineering.yaml": SQL_TASKS}, name="features"))
    assert result.score == 0.5 and "2 feature SQL tasks" in result.evidence[0].detail
    assert data6(repo({"config/ingestion.yaml": INGEST_TASKS}, name="ingest")).score == 0


def test_feast_views_count_without_feature_store_yaml(repo):
    result = data6(repo({"feature_store/definitions.py": FEAST_VIEWS}))
    assert result.score == 0.5
    assert any(e.line and "feast.FeatureView" in e.detail for e in result.evidence)


def test_a_package_json_or_a_geojson_is_no_feature_declaration(repo):
    geo = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}}, {"type": "Feature"}]}
    root = repo({"package.json": json.dumps({"name": "x", "features": ["a", "b"]}), "maps/city.json": json.dumps(geo)})
    assert data6(root).score == 0
