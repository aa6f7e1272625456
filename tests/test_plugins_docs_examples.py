"""Registration through entry points (built-ins and a real third-party plugin), generated docs,
the bundled examples, and the promise that audited code never runs."""

import json
import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

from conftest import make_repo, write_tree

from mltestscore.audit import run_audit
from mltestscore.checks.registry import load_checks
from mltestscore.docs import checks_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_builtin_checks_register_through_the_public_entry_point_group():
    names = {ep.name: ep.value for ep in entry_points(group="mltestscore.checks")}
    assert names["infra"] == "mltestscore.checks.infra:CHECKS"
    assert {"data", "model", "infra", "monitor"} <= set(names)
    checks = load_checks()
    assert list(checks) == [f"{s}-{n}" for s in ("data", "model", "infra", "monitor") for n in range(1, 8)]
    for check in checks.values():
        assert check.title and check.rationale and check.remediation, check.id


def test_a_third_party_plugin_replaces_a_check(tmp_path):
    site = tmp_path / "site"
    write_tree(
        site,
        {
            "acme_checks.py": """
            from mltestscore.checks.base import Check
            from mltestscore.results import Outcome, Status, Evidence

            class FeatureCost(Check):
                id = "data-3"
                section = "data"
                title = "No feature's cost is too much"
                rationale = "ACME tracks feature cost in its feature registry."
                remediation = "Register the feature's cost in registry.yaml."

                def run(self, ctx):
                    if "registry.yaml" in ctx.files:
                        return Outcome(0.5, Status.MANUAL, "cost registry present", [Evidence("registry.yaml", 1, "cost table")], "automate it")
                    return Outcome(0.0, Status.MISSING, "no registry", [], self.remediation)

            CHECKS = [FeatureCost]
        """,
            "acme_checks-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: acme-checks\nVersion: 1.0\n",
            "acme_checks-1.0.dist-info/entry_points.txt": "[mltestscore.checks]\nacme = acme_checks:CHECKS\n",
        },
    )
    audited = make_repo(tmp_path / "audited", {"registry.yaml": "features: {}\n"})
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GIT_")}, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-m", "mltestscore", "audit", str(audited), "-f", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    item = json.loads(result.stdout)["sections"]["data"]["items"][2]
    assert item["id"] == "data-3" and (item["score"], item["status"]) == (0.5, "manual")
    assert [(e["path"], e["line"]) for e in item["evidence"]] == [("registry.yaml", 1)]  # the plugin's evidence


def test_docs_checks_md_is_generated_and_current():
    current = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    assert current == checks_markdown(load_checks()), (
        "docs/checks.md is stale: run `mltestscore checks --format markdown > docs/checks.md`"
    )


def test_research_example_scores_zero():
    report = run_audit(ROOT / "examples" / "research-notebook")
    assert report.score == 0
    assert report.section("infra").score == 0
    assert report.band.startswith("More of a research project")


def test_production_example_infra_scores_well():
    report = run_audit(ROOT / "examples" / "production-pipeline")
    infra = report.section("infra")
    assert infra.score >= 5.5
    scores = {item.id: item.score for item in infra.items}
    assert scores["infra-1"] == scores["infra-2"] == scores["infra-3"] == scores["infra-4"] == 1
    assert not [w for w in report.warnings if "examples" in w.path]


BOOBY_TRAP = "import pathlib\npathlib.Path({marker!r}).write_text('executed {name}')\n"


def test_audit_never_imports_or_runs_the_audited_code(tmp_path):
    marker = tmp_path / "MARKER"
    trap = lambda name: BOOBY_TRAP.format(marker=str(marker), name=name)  # noqa: E731
    notebook = {
        "cells": [
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": [trap("notebook")]}
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    root = make_repo(
        tmp_path / "trap",
        {
            "conftest.py": trap("conftest"),
            "setup.py": trap("setup.py"),
            "noxfile.py": "import nox\n"
            + trap("noxfile")
            + "\n@nox.session\ndef tests(session):\n    session.run('pytest')\n",
            "src/pkg/__init__.py": trap("package"),
            "src/pkg/model.py": "import torch\n" + trap("model"),
            "tests/test_model.py": "from pkg.model import *\n"
            + trap("test module")
            + "\ndef test_x():\n    assert True\n",
            "sitecustomize.py": trap("sitecustomize"),
            "evil.pth": f"import pathlib; pathlib.Path({str(marker)!r}).write_text('pth')\n",
            "notebooks/explore.ipynb": json.dumps(notebook),
            ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: nox -s tests\n      - run: python setup.py test\n",
            ".mltestscore.yaml": "exclude: []\n",
            "params.yaml": "x: !!python/object/apply:os.system ['touch " + str(marker) + "']\n",
        },
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["MLTESTSCORE_CACHE_DIR"] = str(tmp_path / "cache")
    reports = tmp_path / "reports"
    commands = [
        [
            "audit",
            str(root),
            "-f",
            "terminal",
            "-f",
            "json",
            "-f",
            "html",
            "-f",
            "markdown",
            "-f",
            "sarif",
            "-f",
            "junit",
            "-f",
            "gitlab",
            "--output-dir",
            str(reports),
        ],
        ["audit", str(root), "-f", "json", "--no-cache"],
        ["history", str(root), "--last", "5"],
        ["badge", str(root), "-o", str(tmp_path / "badge.svg")],
        ["baseline", "save", str(root), "-o", str(tmp_path / "baseline.json")],
    ]
    for command in commands:
        result = subprocess.run(
            [sys.executable, "-m", "mltestscore", *command],
            capture_output=True,
            text=True,
            env=env,
            cwd=root,
            timeout=120,
        )
        assert result.returncode == 0, (command, result.stderr)
    assert len(list(reports.iterdir())) == 6
    assert not marker.exists(), marker.read_text()
