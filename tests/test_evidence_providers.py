"""Evidence providers a plugin adds beyond CI: a schema library, an alerting system, a model server
and an orchestrator, each from a real entry point of an installed distribution (a dist-info on
PYTHONPATH, as pip leaves it), each changing the score of the checks that read that evidence."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_repo, write_tree
from test_rubrics_and_plugins import install_plugin, run_cli

from mltestscore import plugins, vocabulary

CONTRACT_REPO = {
    "src/__init__.py": "",
    "src/contracts.py": """
        from acme_contracts import Contract

        TRANSACTIONS = Contract(columns={"amount": {"type": "float", "min": 0}})
    """,
    "src/validate.py": """
        import pandas as pd
        import acme_contracts
        from src.contracts import TRANSACTIONS


        def main():
            acme_contracts.enforce(pd.read_csv("data/transactions.csv"), TRANSACTIONS)


        if __name__ == "__main__":
            main()
    """,
    "src/train.py": """
        import pandas as pd
        from sklearn.linear_model import LogisticRegression


        def train():
            frame = pd.read_csv("data/transactions.csv")
            return LogisticRegression().fit(frame[["amount"]], frame["label"])
    """,
}

SCHEDULED_VALIDATION = {
    ".github/workflows/data.yml": """
        name: data
        on:
          schedule:
            - cron: "0 4 * * *"
        jobs:
          validate:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - run: python -m src.validate
    """,
}

# A second plugin with the three other kinds: an alerting system, a model server, an orchestrator.
OPS_PLUGIN = {
    "ops_plugin/__init__.py": """
        from mltestscore.evidence.ci import SCHEDULE
        from mltestscore.evidence.platforms import PlatformPipeline, PlatformStep
        from mltestscore.evidence.providers import AlertProvider, PipelineProvider, ServingProvider


        def read_alerts(path, data, text):
            return [(n + 1, rule["name"], rule["expression"]) for n, rule in enumerate(data["alerts"])]


        def read_models(path, data, text):
            return [(1, f"Harbor serves {m['name']} pinned to version {m['version']}") for m in data["models"]]


        def read_flows(python):
            found = []
            for path in python.files.matching(r"(^|/)conveyor\\.ya?ml$"):
                data = python.parsed.yaml(path)
                steps = tuple(PlatformStep(s["name"], None, (s["run"],)) for s in data["steps"])
                kinds = frozenset({SCHEDULE}) if data.get("schedule") else frozenset()
                found.append(PlatformPipeline("conveyor", data["name"], path, 1, steps, kinds, "schedule"))
            return found


        PROVIDERS = [
            AlertProvider("opsbeacon", r"(^|/)opsbeacon\\.ya?ml$", read_alerts),
            ServingProvider("harbor", r"(^|/)harbor\\.ya?ml$", read_models),
            PipelineProvider("conveyor", read_flows),
        ]
    """,
    "ops_plugin-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: ops-plugin\nVersion: 1.0\n",
    "ops_plugin-1.0.dist-info/entry_points.txt": "[mltestscore.evidence]\nops = ops_plugin:PROVIDERS\n",
}


def audit(repo: Path, out: Path, site: Path | None = None) -> dict[str, dict]:
    result = run_cli("audit", str(repo), "--no-cache", "-f", "json", "-d", str(out), site=site)
    assert result.returncode == 0, result.stderr
    data = json.loads((out / "mltestscore.json").read_text())
    return {item["id"]: item for section in data["sections"].values() for item in section["items"]}


@pytest.fixture(scope="module")
def acme_site(tmp_path_factory) -> Path:
    return install_plugin(tmp_path_factory.mktemp("site"))


def test_a_plugin_schema_library_is_data_1_evidence(tmp_path, acme_site):
    repo = make_repo(tmp_path / "repo", {**CONTRACT_REPO, **SCHEDULED_VALIDATION})
    assert audit(repo, tmp_path / "without")["data-1"]["score"] == 0  # nothing the built-ins know
    item = audit(repo, tmp_path / "with", acme_site)["data-1"]
    assert item["score"] == 1
    cited = {(e["path"], e["runner"]) for e in item["evidence"]}
    # the contract, and the enforce call a scheduled CI job runs (python -m src.validate)
    assert ("src/contracts.py", None) in cited
    assert any(path == "src/validate.py" and runner and "schedule" in runner for path, runner in cited)


def test_a_plugin_schema_file_without_a_check_site_is_written_down_only(tmp_path, acme_site):
    repo = make_repo(
        tmp_path / "repo",
        {
            "contracts/transactions.yaml": "contract: transactions\ncolumns:\n  amount: {type: float, min: 0}\n",
            "contracts/broken.yaml": "columns: [unclosed\n",
            "src/train.py": CONTRACT_REPO["src/train.py"],
        },
    )
    item = audit(repo, tmp_path / "out", acme_site)["data-1"]
    assert item["score"] == 0.5
    assert [e["path"] for e in item["evidence"]][:1] == ["contracts/transactions.yaml"]


def test_plugin_alert_serving_and_pipeline_readers_feed_the_checks(tmp_path, acme_site):
    site = install_plugin(write_tree(tmp_path / "site", OPS_PLUGIN))  # acme's contracts and the ops readers
    files = {
        **CONTRACT_REPO,
        "deploy/opsbeacon.yaml": """
            alerts:
              - name: model_latency_p99
                expression: histogram_quantile(0.99, request_latency_seconds) > 0.5
        """,
        "deploy/harbor.yaml": "models:\n  - name: fraud\n    version: 7\n",
        "conveyor.yaml": """
            name: nightly-validation
            schedule: "0 4 * * *"
            steps:
              - name: validate
                run: python -m src.validate
        """,
    }
    repo = make_repo(tmp_path / "repo", files)
    without, with_ops = audit(repo, tmp_path / "without", acme_site), audit(repo, tmp_path / "with", site)
    # alerting: a latency alert rule, written down but deployed by nothing (0.5)
    assert (without["monitor-6"]["score"], with_ops["monitor-6"]["score"]) == (0, 0.5)
    assert with_ops["monitor-6"]["evidence"][0]["path"] == "deploy/opsbeacon.yaml"
    # serving: a model pinned by version is a rollback procedure (0.5)
    assert (without["infra-7"]["score"], with_ops["infra-7"]["score"]) == (0, 0.5)
    assert with_ops["infra-7"]["evidence"][0]["path"] == "deploy/harbor.yaml"
    # orchestrator: its scheduled step runs the contract check, so data-1 becomes automated
    assert (without["data-1"]["score"], with_ops["data-1"]["score"]) == (0.5, 1)
    runners = [e["runner"] or "" for e in with_ops["data-1"]["evidence"] if e["path"] == "src/validate.py"]
    assert any("conveyor" in runner and "nightly-validation" in runner for runner in runners), runners


def test_a_plugin_reader_that_raises_warns_and_the_audit_goes_on(tmp_path):
    broken = {**OPS_PLUGIN}
    broken["ops_plugin/__init__.py"] = OPS_PLUGIN["ops_plugin/__init__.py"].replace(
        'return [(n + 1, rule["name"]', 'raise KeyError("alerts")\n            return [(n + 1, rule["name"]'
    )
    site = write_tree(tmp_path / "site", broken)
    repo = make_repo(tmp_path / "repo", {**CONTRACT_REPO, "deploy/opsbeacon.yaml": "alerts: []\n"})
    result = run_cli("audit", str(repo), "--no-cache", "-f", "terminal", site=site)
    assert result.returncode == 0, result.stderr
    assert "deploy/opsbeacon.yaml" in result.stdout + result.stderr
    assert "opsbeacon alert config could not be read" in result.stdout + result.stderr


def test_provider_words_join_the_scan_vocabulary_from_the_registry(tmp_path, monkeypatch, acme_site):
    """The acme contract calls are words of the scan (found from the word index, not by a byte search)
    as soon as the plugin is registered, whatever was imported before."""
    monkeypatch.syspath_prepend(str(acme_site))
    plugins.reset()
    try:
        assert {"Contract", "enforce", "acme_contracts"} <= vocabulary.words()
    finally:
        monkeypatch.undo()
        sys.modules.pop("acme_mltestscore", None)
        plugins.reset()
    assert "enforce" not in vocabulary.words()


def test_the_scan_vocabulary_does_not_depend_on_what_was_imported_first():
    """A process that only imported one probe scans with the same vocabulary as a full audit
    (before the registry, it scanned with none of the checks' words and a different cache key)."""
    probe_only = (
        "import mltestscore.probes.tests_import\n"
        "from mltestscore import vocabulary\n"
        "print(len(vocabulary.words()), len(vocabulary.parts()))\n"
    )
    full = (
        "from mltestscore.checks.registry import all_checks\n"
        "all_checks()\n"
        "from mltestscore import vocabulary\n"
        "print(len(vocabulary.words()), len(vocabulary.parts()))\n"
    )
    counts = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        for code in (probe_only, full)
    ]
    assert counts[0] == counts[1]
    words, parts = map(int, counts[0].split())
    assert words > 100 and parts > 10  # the checks' words are in, not only the probe's


def test_a_registered_probe_declares_its_words():
    from mltestscore import probes

    class FindsWidgets(probes.Probe):
        name = "finds-widgets-for-the-vocabulary-test"
        names = ("widgetlib.make_widget",)
        parts = ("widgetish",)

    vocabulary.reset()
    assert "make_widget" not in vocabulary.words()
    probes.register(FindsWidgets)
    try:
        vocabulary.reset()
        assert {"make_widget", "widgetlib"} <= vocabulary.words() and "widgetish" in vocabulary.parts()
    finally:
        probes._REGISTRY.pop(FindsWidgets.name)
        vocabulary.reset()
