"""The optional [gx] extra with the real Great Expectations library: `audit --gx-verify` and
`validate-data`. Skipped when great_expectations is not installed, except the tests of what
happens without it (exit 2 and the install hint)."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mltestscore.cli import cli

GOOD_SUITE = {
    "name": "taxi.warning",
    "expectations": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "fare"}},
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "fare", "min_value": 0, "max_value": 500}},
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "payment", "value_set": ["card", "cash"]}},
    ],
    "meta": {},
}
BAD_SUITE = {
    "name": "orders",
    "expectations": [
        {"type": "expect_column_values_to_be_sparkly", "kwargs": {"column": "fare"}},
        {"type": "expect_column_values_to_be_between", "kwargs": {"min_value": 0}},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "fare"}},
    ],
    "meta": {},
}
V0_SUITE = {
    "expectation_suite_name": "churn.raw",
    "data_asset_type": None,
    "ge_cloud_id": None,
    "meta": {},
    "expectations": [
        {"expectation_type": "expect_column_values_to_not_be_null", "kwargs": {"column": "fare"}, "meta": {}}
    ],
}


def project(repo, suites: dict[str, dict]) -> Path:
    files = {
        "gx/great_expectations.yml": "config_version: 4\nfluent_datasources: {}\n",
        "data/sample_good.csv": "fare,payment\n12.5,card\n3.0,cash\n",
        "data/sample_bad.csv": "fare,payment\n-4.0,card\n,bitcoin\n",
    }
    files.update({path: json.dumps(suite, indent=2) for path, suite in suites.items()})
    return repo(files)


def tree_hash(root: Path) -> dict[str, str]:
    """Every file under root (including .git) with its content hash."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def run(args: list[str]):
    return CliRunner().invoke(cli, args, catch_exceptions=False)


# -- without the extra ---------------------------------------------------------------------------
@pytest.fixture
def without_gx(monkeypatch):
    """great_expectations made unimportable, as in an install without the extra."""
    for name in [m for m in sys.modules if m == "great_expectations" or m.startswith("great_expectations.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "great_expectations", None)


def test_gx_verify_without_the_extra_exits_2_with_the_install_hint(repo, without_gx):
    root = project(repo, {"gx/expectations/taxi/warning.json": GOOD_SUITE})
    result = run(["audit", str(root), "--gx-verify"])
    assert result.exit_code == 2
    assert "pip install 'mltestscore[gx]'" in result.output


def test_validate_data_without_the_extra_exits_2(repo, without_gx):
    root = project(repo, {"gx/expectations/taxi/warning.json": GOOD_SUITE})
    result = run(["validate-data", str(root / "gx/expectations/taxi/warning.json"), str(root / "data/sample_good.csv")])
    assert result.exit_code == 2
    assert "pip install 'mltestscore[gx]'" in result.output


def test_the_audit_itself_never_needs_the_extra(repo, without_gx):
    root = project(repo, {"gx/expectations/taxi/warning.json": GOOD_SUITE})
    result = run(["audit", str(root), "--format", "json"])
    assert result.exit_code == 0
    data1 = next(i for s in json.loads(result.stdout)["sections"].values() for i in s["items"] if i["id"] == "data-1")
    assert data1["score"] == 0.5


# -- with the extra --------------------------------------------------------------------------------
@pytest.fixture
def gx():
    return pytest.importorskip("great_expectations")


def test_gx_verify_reports_the_suites_gx_rejects_and_leaves_the_repo_untouched(repo, gx, monkeypatch):
    root = project(repo, {"gx/expectations/taxi/warning.json": GOOD_SUITE, "gx/expectations/orders.json": BAD_SUITE})
    before = tree_hash(root)
    monkeypatch.chdir(root)  # an ephemeral context must not pick up or scaffold ./gx either
    result = run(["audit", ".", "--gx-verify", "--format", "json"])
    assert result.exit_code == 1
    warnings = [w for w in json.loads(result.stdout)["warnings"] if w["message"].startswith("GX rejects")]
    assert {w["path"] for w in warnings} == {"gx/expectations/orders.json"}
    messages = " | ".join(w["message"] for w in warnings)
    assert "unknown type 'expect_column_values_to_be_sparkly' (GX drops it silently)" in messages
    assert "expectation 2 (expect_column_values_to_be_between)" in messages and "column" in messages
    assert "GX verified 2 suites: 2 problems" in result.output
    assert tree_hash(root) == before


def test_gx_verify_passes_on_good_suites_and_notes_0x_suites(repo, gx):
    root = project(
        repo,
        {"gx/expectations/taxi/warning.json": GOOD_SUITE, "great_expectations/expectations/churn/raw.json": V0_SUITE},
    )
    result = run(["audit", str(root), "--gx-verify", "--format", "json"])
    assert result.exit_code == 0
    assert "GX 0.x suite 'churn.raw' not verified" in result.output
    assert "GX verified 1 suite: 0 problems" in result.output


def test_validate_data_passes_on_good_data_fails_on_bad_and_writes_nothing(repo, gx, monkeypatch):
    root = project(repo, {"gx/expectations/taxi/warning.json": GOOD_SUITE})
    before = tree_hash(root)
    monkeypatch.chdir(root)
    good = run(["validate-data", "taxi.warning", "data/sample_good.csv"])
    assert good.exit_code == 0, good.output
    assert good.output.count("PASS") == 3 and "expectations: 3 met, 0 not met" in good.output
    bad = run(["validate-data", "gx/expectations/taxi/warning.json", "data/sample_bad.csv"])
    assert bad.exit_code == 1
    assert "FAIL  expect_column_values_to_be_between column=fare: 1 unexpected" in bad.output
    assert "FAIL  expect_column_values_to_be_in_set column=payment" in bad.output and "bitcoin" in bad.output
    assert tree_hash(root) == before


def test_validate_data_converts_0x_suites_and_reports_rejected_expectations(repo, gx):
    root = project(
        repo, {"great_expectations/expectations/churn/raw.json": V0_SUITE, "gx/expectations/orders.json": BAD_SUITE}
    )
    converted = run(["validate-data", "churn.raw", str(root / "data/sample_bad.csv"), "--repo", str(root)])
    assert converted.exit_code == 1
    assert "converted from the GX 0.x format" in converted.output
    assert "FAIL  expect_column_values_to_not_be_null column=fare" in converted.output
    rejected = run(["validate-data", str(root / "gx/expectations/orders.json"), str(root / "data/sample_good.csv")])
    assert rejected.exit_code == 1  # every accepted expectation holds, but two were rejected
    assert rejected.output.count("REJECTED") == 2 and "1 met, 0 not met, 2 rejected by GX" in rejected.output


def test_validate_data_unknown_suite_or_unreadable_data_exits_2(repo, gx):
    root = project(repo, {"gx/expectations/taxi/warning.json": GOOD_SUITE})
    missing = run(["validate-data", "nope", str(root / "data/sample_good.csv"), "--repo", str(root)])
    assert missing.exit_code == 2 and "suites found: taxi.warning" in missing.output
    (root / "data/sample.xml").write_text("<rows/>")
    unreadable = run(["validate-data", "taxi.warning", str(root / "data/sample.xml"), "--repo", str(root)])
    assert unreadable.exit_code == 2 and "unsupported data format" in unreadable.output
    (root / "data/other.csv").write_text("amount\n1\n")
    absent = run(["validate-data", "taxi.warning", str(root / "data/other.csv"), "--repo", str(root)])
    assert absent.exit_code == 1 and 'error: Error: The column "fare" in BatchData does not exist.' in absent.output
