"""data-1 from dbt column tests and Soda checks: written down is 0.5, run by CI on a schedule is 1."""

from __future__ import annotations

from conftest import audit

from mltestscore.results import Status

DBT_PROJECT = """
name: churn_features
version: "1.0.0"
profile: churn
model-paths: ["models"]
"""

DBT_SCHEMA = """
version: 2

models:
  - name: customer_features
    description: One row per customer, the training table.
    columns:
      - name: customer_id
        data_tests:
          - unique
          - not_null
      - name: tenure_months
        data_tests:
          - not_null
          - dbt_utils.accepted_range:
              min_value: 0
              max_value: 600
      - name: plan
        data_tests:
          - accepted_values:
              values: ["basic", "pro", "enterprise"]
"""

DBT_KEYS_ONLY = """
version: 2
models:
  - name: customer_features
    columns:
      - name: customer_id
        tests: [unique]
"""

DBT_WORKFLOW = """
name: features
on:
  schedule:
    - cron: "0 4 * * *"
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install dbt-duckdb==1.8.1
      - run: dbt build --project-dir warehouse --profiles-dir warehouse
"""

SODA_CHECKS = """
checks for customer_features:
  - row_count > 0
  - missing_count(tenure_months) = 0
  - invalid_count(plan) = 0:
      valid values: [basic, pro, enterprise]
  - schema:
      fail:
        when required column missing: [customer_id, tenure_months, plan]
"""

SODA_WORKFLOW = """
name: data-quality
on: [push]
jobs:
  scan:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install soda-core-duckdb==3.3.1
      - run: soda scan -d features -c soda/configuration.yml soda/checks/customer_features.yml
"""

TRAIN = "import pandas as pd\n\n\ndef load():\n    return pd.read_parquet('data/customer_features.parquet')\n"


def item(root, test_id):
    return audit(root).item(test_id)


def test_dbt_column_tests_without_a_runner_are_written_down_only(repo):
    root = repo(
        {"warehouse/dbt_project.yml": DBT_PROJECT, "warehouse/models/schema.yml": DBT_SCHEMA, "train.py": TRAIN}
    )
    result = item(root, "data-1")
    assert result.score == 0.5 and result.status == Status.MANUAL
    assert any(e.path == "warehouse/models/schema.yml" and "5 on 3 columns" in e.detail for e in result.evidence), (
        result.evidence
    )


def test_dbt_build_in_scheduled_ci_checks_the_tables(repo):
    root = repo(
        {
            "warehouse/dbt_project.yml": DBT_PROJECT,
            "warehouse/models/schema.yml": DBT_SCHEMA,
            "train.py": TRAIN,
            ".github/workflows/features.yml": DBT_WORKFLOW,
        }
    )
    result = item(root, "data-1")
    assert result.score == 1 and result.status == Status.AUTOMATED
    assert any(e.runner and "dbt build" in e.detail for e in result.evidence), result.evidence


def test_dbt_key_tests_alone_are_structural(repo):
    root = repo(
        {
            "warehouse/dbt_project.yml": DBT_PROJECT,
            "warehouse/models/schema.yml": DBT_KEYS_ONLY,
            "train.py": TRAIN,
            ".github/workflows/features.yml": DBT_WORKFLOW,
        }
    )
    result = item(root, "data-1")
    # a scheduled job runs the tests, yet `unique` constrains keys, not feature values: 0.5, not 1
    assert result.score == 0.5
    assert any("schedule" in (e.runner or "") for e in result.evidence)
    assert any(e.path == "warehouse/models/schema.yml" for e in result.evidence)


def test_yaml_with_tests_outside_a_dbt_project_is_not_a_schema(repo):
    root = repo({"models/schema.yml": DBT_SCHEMA, "train.py": TRAIN})
    assert item(root, "data-1").score == 0


def test_soda_checks_run_by_ci_are_automated(repo):
    root = repo(
        {
            "soda/checks/customer_features.yml": SODA_CHECKS,
            "soda/configuration.yml": "data_source features:\n  type: duckdb\n",
            "train.py": TRAIN,
            ".github/workflows/quality.yml": SODA_WORKFLOW,
        }
    )
    result = item(root, "data-1")
    assert result.score == 1
    assert any("soda scan" in e.detail for e in result.evidence), result.evidence


def test_soda_checks_scanned_from_code_follow_that_code(repo):
    scan = (
        "from soda.scan import Scan\n\n\n"
        "def check_features():\n"
        "    scan = Scan()\n"
        "    scan.set_data_source_name('features')\n"
        "    scan.add_sodacl_yaml_file('soda/checks/customer_features.yml')\n"
        "    scan.execute()\n"
        "    scan.assert_no_checks_fail()\n"
    )
    root = repo({"soda/checks/customer_features.yml": SODA_CHECKS, "src/quality.py": scan, "train.py": TRAIN})
    result = item(root, "data-1")
    assert result.score == 0.5  # nothing runs src/quality.py on its own
    assert any(e.path == "src/quality.py" for e in result.evidence), result.evidence
