"""A rubric chosen by the user changes every output; plugins add checks, a CI system and a report
format; a broken plugin stops every command; the memo follows plugin edits.

The plugin is examples/plugin, made importable as an installed distribution: its sources and a
dist-info (entry points read from its pyproject) in a site folder on PYTHONPATH. The slow test at
the end pip-installs the project and the plugin into a fresh virtualenv, as a user would.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]
from pathlib import Path

import jsonschema
import pytest
from conftest import make_repo, write_tree

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "examples" / "plugin"

COURSE_REPO = {
    ".drone.yml": """
        kind: pipeline
        name: test
        trigger:
          event: [push, pull_request]
        steps:
          - name: unit
            image: python:3.11
            commands:
              - pip install -r requirements.txt
              - pytest tests
        ---
        kind: secret
        name: token
    """,
    "MODEL_CARD.md": "# Model card\n\nIntended use: course project.\n",
    "requirements.txt": "scikit-learn==1.5.0\npandas==2.2.2\n",
    "src/features.py": "def scale(x):\n    return x / 10\n",
    "tests/test_features.py": "from src.features import scale\n\ndef test_scale():\n    assert scale(10) == 1\n",
    "train.py": "import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n",
    ".mltestscore.yaml": "rubric: mlops-course\n",
}


def install_plugin(site: Path, source: Path = PLUGIN, name: str = "mltestscore_acme") -> Path:
    """The plugin as pip would leave it: its package and a dist-info with its entry points."""
    project = tomllib.loads((source / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    shutil.copytree(source / "src" / "acme_mltestscore", site / "acme_mltestscore", dirs_exist_ok=True)
    groups = "".join(
        f"[{group}]\n" + "".join(f"{key} = {value}\n" for key, value in points.items()) + "\n"
        for group, points in project["entry-points"].items()
    )
    write_tree(
        site,
        {
            f"{name}-{project['version']}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n",
            f"{name}-{project['version']}.dist-info/entry_points.txt": groups,
        },
    )
    return site


def run_cli(*args: str, site: Path | None = None, cache: Path | None = None, cwd: Path | None = None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.pop("PYTHONPATH", None)
    if site is not None:
        env["PYTHONPATH"] = str(site)
    if cache is not None:
        env["MLTESTSCORE_CACHE_DIR"] = str(cache)
    return subprocess.run(
        [sys.executable, "-m", "mltestscore", *args], capture_output=True, text=True, env=env, timeout=180, cwd=cwd
    )


@pytest.fixture(scope="module")
def acme_site(tmp_path_factory) -> Path:
    return install_plugin(tmp_path_factory.mktemp("site"))


def test_a_custom_rubric_changes_every_output_consistently(tmp_path, acme_site):
    repo = make_repo(tmp_path / "course", COURSE_REPO)
    out = tmp_path / "reports"
    formats = ["terminal", "json", "html", "sarif", "markdown", "junit", "csv"]
    result = run_cli(
        "audit", str(repo), *[a for f in formats for a in ("-f", f)], "--output-dir", str(out), site=acme_site
    )
    assert result.returncode == 0, result.stderr
    report = json.loads((out / "mltestscore.json").read_text())
    jsonschema.validate(report, json.loads((ROOT / "docs" / "report.schema.json").read_text()))
    assert report["rubric"] == {"id": "mlops-course", "name": "MLOps Course Checklist", "aggregation": "sum", "max": 11}
    assert list(report["sections"]) == ["data", "model", "pipeline", "monitor"]
    assert [s["max"] for s in report["sections"].values()] == [2, 4, 4, 1]
    items = {i["id"]: i for s in report["sections"].values() for i in s["items"]}
    assert len(items) == 10 and "infra-1" not in items and "pipeline-1" in items
    # The plugin's CI parser feeds the plugin's check: Drone runs pytest on push.
    assert items["course-ci"]["score"] == 1 and items["course-ci"]["evidence"][0]["path"] == ".drone.yml"
    # The model card counts double (weight 2): by hand it earns 0.5 × 2.
    assert items["course-card"]["score"] == 1 and items["course-card"]["max"] == 2
    sums = [s["score"] for s in report["sections"].values()]
    assert report["score"] == pytest.approx(sum(sums)) and report["score"] > min(sums)

    score = f"{report['score']:g}"
    terminal = result.stdout
    assert f"MLOps Course Checklist: {score} / 11" in terminal and "sum of the four section scores" in terminal
    assert "Pipeline and CI" in terminal and "ML Infrastructure" not in terminal
    html = (out / "mltestscore.html").read_text()
    assert f'{score}<span class="of">/ 11</span>' in html and "each of the 10 tests" in html
    assert "/ 7" not in html and "28 tests" not in html
    markdown = (out / "mltestscore.md").read_text()
    assert markdown.startswith(f"## MLOps Course Checklist: {score} / 11")
    sarif = json.loads((out / "mltestscore.sarif").read_text())["runs"][0]
    assert [r["id"] for r in sarif["tool"]["driver"]["rules"]] == list(items)
    assert sarif["properties"]["maxScore"] == 11 and sarif["properties"]["rubric"] == "MLOps Course Checklist"
    assert {r["properties"]["tags"][0] for r in sarif["tool"]["driver"]["rules"]} == {"mlops-course"}
    csv_lines = (out / "mltestscore.csv").read_text().splitlines()
    assert csv_lines[0].startswith("rubric,section,id") and len(csv_lines) == 1 + 10 + 1

    badge = run_cli("badge", str(repo), site=acme_site)
    assert badge.returncode == 0, badge.stderr
    assert "MLOps Course Checklist" in badge.stdout and f"{score} / 11" in badge.stdout
    endpoint = run_cli("badge", "--from-report", str(out / "mltestscore.json"), "--style", "endpoint", site=acme_site)
    assert json.loads(endpoint.stdout)["message"] == f"{score} / 11", endpoint.stderr

    history = run_cli("history", str(repo), "-f", "json", site=acme_site)
    assert history.returncode == 0, history.stderr
    (point,) = json.loads(history.stdout)["commits"]
    assert point["max"] == 11 and list(point["sections"]) == ["data", "model", "pipeline", "monitor"]
    assert point["score"] == report["score"]
    page = run_cli("history", str(repo), "-f", "html", site=acme_site).stdout
    assert f"{score} / 11</b>" in page and "MLOps Course Checklist history" in page

    listing = run_cli("checks", "--rubric", "mlops-course", site=acme_site)
    assert "10 tests" in listing.stdout and "course-ci" in listing.stdout
    explain = run_cli("explain", "course-ci", "--rubric", "mlops-course", site=acme_site)
    assert explain.returncode == 0 and "scored by check acme-1" in explain.stdout


def test_gates_follow_the_rubric(tmp_path, acme_site):
    repo = make_repo(tmp_path / "course", COURSE_REPO)
    above = run_cli("audit", str(repo), "--fail-under", "10", "--section-minimum", "pipeline=1", site=acme_site)
    assert above.returncode == 1 and "below the fail-under threshold 10" in above.stderr  # 10 is allowed: max 11
    beyond = run_cli("audit", str(repo), "--fail-under", "12", site=acme_site)
    assert beyond.returncode == 2 and "from 0 to 11" in beyond.stderr
    unknown = run_cli("audit", str(repo), "--section-minimum", "infra=1", site=acme_site)
    assert unknown.returncode == 2 and "data, model, pipeline, monitor" in unknown.stderr


def test_rubric_from_a_file_and_bad_rubrics_exit_2(tmp_path):
    rubric = write_tree(
        tmp_path / "r",
        {
            "mini.yaml": """
                name: Mini
                aggregation: mean
                sections:
                  - {id: a, title: Alpha, tests: {a-1: {title: Reproducible, check: infra-1}}}
                  - {id: b, title: Beta, tests: {b-1: {title: Schema, check: data-1}}}
                bands:
                  - {upper: 0.5, text: low}
                  - {lower: 0.5, text: high}
            """,
            "bad.yaml": "name: Bad\nsections: []\n",
        },
    )
    repo = make_repo(tmp_path / "repo", {"train.py": "print(1)\n"})
    result = run_cli("audit", str(repo), "--rubric", str(rubric / "mini.yaml"), "-f", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["rubric"]["max"] == 1 and list(report["sections"]) == ["a", "b"] and report["band"] == "low"
    for spec, message in ((str(rubric / "bad.yaml"), "sections"), ("no-such-rubric", "unknown rubric")):
        bad = run_cli("audit", str(repo), "--rubric", spec)
        assert bad.returncode == 2 and message in bad.stderr, bad.stderr
    # A rubric naming a check nobody registers: exit 2, saying which.
    needs = run_cli("audit", str(repo), "--rubric", "mlops-course")
    assert needs.returncode == 2 and "acme-2" in needs.stderr and "plugin" in needs.stderr


def test_version_lists_plugins_and_a_broken_plugin_stops_every_command(tmp_path, acme_site):
    version = run_cli("--version", site=acme_site)
    assert version.returncode == 0 and "plugins: mltestscore-acme 0.1.0 (checks, evidence, reports)" in version.stdout
    broken = write_tree(
        tmp_path / "broken",
        {
            "broken_plugin.py": "raise ImportError('needs acme-sdk')\n",
            "broken_plugin-2.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: broken-plugin\nVersion: 2.0\n",
            "broken_plugin-2.0.dist-info/entry_points.txt": "[mltestscore.evidence]\nx = broken_plugin:PROVIDERS\n",
        },
    )
    repo = make_repo(tmp_path / "repo", {"train.py": "print(1)\n"})
    for args in (
        ["--version"],
        ["checks"],
        ["explain", "data-1"],
        ["audit", str(repo)],
        [str(repo)],
        ["badge", str(repo)],
    ):
        result = run_cli(*args, site=broken)
        assert result.returncode == 2, (args, result.stdout)
        assert "plugin failed to load" in result.stderr and "broken-plugin 2.0" in result.stderr, args


def test_the_memo_is_never_stale_across_plugin_changes(tmp_path):
    site = install_plugin(tmp_path / "site")
    repo = make_repo(tmp_path / "course", COURSE_REPO)
    cache = tmp_path / "cache"

    def course_ci() -> tuple[float, bool]:
        result = run_cli(
            "audit", str(repo), "-f", "terminal", "-f", "json", "-d", str(tmp_path / "out"), site=site, cache=cache
        )
        assert result.returncode == 0, result.stderr
        data = json.loads((tmp_path / "out" / "mltestscore.json").read_text())
        return data["sections"]["pipeline"]["items"][3]["score"], "comes from the cache" in result.stdout

    assert course_ci() == (1, False)
    assert course_ci() == (1, True)  # nothing changed: the memo answers
    checks = site / "acme_mltestscore" / "checks.py"
    checks.write_text(checks.read_text().replace('"pytest" in command', '"pytest --strict" in command'))
    assert course_ci() == (0, False)  # same size class, same folder times: the hashes tell
    version = next(site.glob("*.dist-info"))
    (version / "METADATA").write_text((version / "METADATA").read_text().replace("0.1.0", "0.1.1"))
    assert course_ci() == (0, False)  # a new version: recomputed too


def test_plugin_fingerprint_pins_sources_and_gives_up_without_them(tmp_path, monkeypatch):
    from mltestscore import plugins

    site = install_plugin(tmp_path / "site")
    monkeypatch.syspath_prepend(str(site))
    plugins.reset()
    try:
        first = plugins.fingerprint()
        assert first and first == plugins.fingerprint()
        (site / "acme_mltestscore" / "drone.py").write_text("# edited\n", encoding="utf-8")
        assert plugins.fingerprint() not in (None, first)
        shutil.rmtree(site / "acme_mltestscore")  # entry points whose code is nowhere: memo skipped
        assert plugins.fingerprint() is None
    finally:
        monkeypatch.undo()
        plugins.reset()


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_example_plugin_pip_installs_into_a_fresh_venv_and_audits(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "VIRTUAL_ENV", "PYTHONPATH"))}
    pip = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(ROOT), str(PLUGIN)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert pip.returncode == 0, pip.stderr[-2000:]
    tool = venv / "bin" / "mltestscore"
    version = subprocess.run([str(tool), "--version"], capture_output=True, text=True, env=env, timeout=60)
    assert re.search(r"plugins: mltestscore-acme 0\.1\.0", version.stdout), version.stdout + version.stderr
    repo = make_repo(tmp_path / "course", COURSE_REPO)
    audit = subprocess.run(
        [str(tool), "audit", str(repo), "-f", "json", "--no-cache"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert audit.returncode == 0, audit.stderr
    report = json.loads(audit.stdout)
    items = {i["id"]: i for s in report["sections"].values() for i in s["items"]}
    assert report["rubric"]["id"] == "mlops-course" and items["course-ci"]["score"] == 1
    # The Drone parser also feeds built-in checks under the default rubric.
    default = subprocess.run(
        [str(tool), "audit", str(repo), "--rubric", "ml-test-score", "-f", "json", "--no-cache"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert default.returncode == 0, default.stderr
    assert ".drone.yml" in default.stdout
