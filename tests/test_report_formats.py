"""The report formats: HTML (self-contained, escaped), SARIF 2.1.0 (schema-valid, GitHub-shaped),
JUnit (parsed back), Markdown (escaped, compact), GitLab Code Quality (unique fingerprints), and
several outputs from one audit run."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from conftest import git_commit_all, make_repo, write_tree
from report_fixtures import HOSTILE, all_test_ids, attested_repo, sample_report
from report_fixtures import audit_repo as audit

from mltestscore.cli import cli
from mltestscore.report import RENDERERS, renderer
from mltestscore.results import Evidence, Status

SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


class Elements(HTMLParser):
    """Every start tag with its attributes, and the page's text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def named(self, tag: str) -> list[dict]:
        return [attrs for name, attrs in self.tags if name == tag]


@pytest.fixture
def report(tmp_path):
    return sample_report(tmp_path / "repo")


# -- HTML ------------------------------------------------------------------------------------
def test_html_is_one_self_contained_file_with_everything(report):
    html = renderer("html")(report)
    page = Elements(html)
    assert page.named("script") == [] and page.named("link") == [] and page.named("img") == []
    assert "http://" not in html and "https://" not in html  # no CDN, font, or any other URL
    assert len(page.named("style")) == 1
    # the final score and band at the top, the section chart, every test with its score and status
    assert "".join(page.text).count(report.band) == 1
    assert html.index('id="final-score"') < html.index("<svg")
    assert len([a for a in page.named("g") if a.get("class") == "section-row"]) == 4
    articles = {a["id"]: a for a in page.named("article")}
    assert list(articles) == [item.id for item in report.items()]
    for item in report.items():
        assert articles[item.id]["data-score"] == f"{item.score:g}"
        assert articles[item.id]["data-status"] == item.status.value
    text = "".join(page.text)
    assert "src/train.py:2" in text and "run by .github/workflows/ci.yml job 'test' (on push)" in text
    assert "do the thing for data-3" in text  # how to earn a missing point
    assert report.commit in text and report.tool_version in text and report.generated_at in text
    assert "invalid YAML near <b>here</b>" in text  # warnings, as text


def test_html_escapes_hostile_text_everywhere(report):
    html = renderer("html")(report)
    assert "<script" not in html and "<b>here" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert Elements(html).named("script") == [] and Elements(html).named("b") != []  # only our own <b>


def test_html_escapes_file_names_and_yaml_values_from_a_real_audit(repo):
    hostile_doc = f"docs/{HOSTILE}.md"
    root = repo(
        {
            hostile_doc: "# Review\n",
            "train.py": "print('train')\n",
            ".mltestscore.yaml": yaml.safe_dump(
                {
                    "attestations": {
                        "model-1": {"path": hostile_doc, "note": "<script>alert('yaml')</script>"},
                        "model-2": {"path": "docs/<img src=x onerror=alert(2)>.md"},  # missing: becomes a warning
                    }
                }
            ),
        }
    )
    report = audit(root)
    evidence = report.item("model-1").evidence[0]
    assert evidence.path == hostile_doc and "<script>alert('yaml')</script>" in evidence.detail
    assert any("<img src=x" in w.path for w in report.warnings)
    html = renderer("html")(report)
    page = Elements(html)
    assert page.named("script") == [] and page.named("img") == []
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.md" in html
    assert "&lt;script&gt;alert(&#39;yaml&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


def test_html_template_ships_in_the_package():
    from importlib.resources import files

    templates = files("mltestscore.report") / "templates"
    assert {"base.html.j2", "report.html.j2", "history.html.j2"} <= {p.name for p in templates.iterdir()}


# -- SARIF -----------------------------------------------------------------------------------
def _sarif(report) -> dict:
    return json.loads(renderer("sarif")(report))


def test_sarif_validates_against_the_official_2_1_0_schema(report):
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"].endswith("sarif-schema-2.1.0.json")
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(_sarif(report)), key=str)
    assert errors == []
    broken = _sarif(report)
    broken["runs"][0]["results"][0]["level"] = "fatal"  # the schema is really checked
    assert list(validator.iter_errors(broken))


def test_sarif_has_a_rule_per_test_and_a_located_result_per_test_below_one(report):
    sarif = _sarif(report)
    run = sarif["runs"][0]
    assert sarif["version"] == "2.1.0" and run["tool"]["driver"]["name"] == "mltestscore"
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == all_test_ids()
    assert all(rule["help"]["text"] and rule["help"]["markdown"] and rule["shortDescription"]["text"] for rule in rules)
    below = [i.id for i in report.items() if i.score < 1 and i.status != Status.SKIPPED]
    assert [r["ruleId"] for r in run["results"]] == below
    root = Path(report.repository)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert (root / location["artifactLocation"]["uri"]).is_file()
        assert location["region"]["startLine"] >= 1
        assert result["message"]["text"].startswith(result["ruleId"])
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert by_rule["data-2"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "dvc.yaml"
    assert by_rule["data-2"]["level"] == "note" and by_rule["data-3"]["level"] == "warning"


def test_sarif_rule_help_comes_from_the_checks_metadata(report):
    rules = {rule["id"]: rule for rule in _sarif(report)["runs"][0]["tool"]["driver"]["rules"]}
    infra1 = rules["infra-1"]
    assert "Why it matters:" in infra1["help"]["text"] and "How to earn it:" in infra1["help"]["text"]
    assert infra1["helpUri"].endswith("checks.md#infra-1-training-is-reproducible")


def test_sarif_fingerprints_are_stable_when_lines_move_and_unique_per_rule(report):
    before = {r["ruleId"]: r["partialFingerprints"] for r in _sarif(report)["runs"][0]["results"]}
    data2 = report.item("data-2")
    data2.evidence = [replace(data2.evidence[0], line=40)]
    moved = {r["ruleId"]: r for r in _sarif(report)["runs"][0]["results"]}
    assert moved["data-2"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 40
    assert {k: v["partialFingerprints"] for k, v in moved.items()} == before
    values = [next(iter(fp.values())) for fp in before.values()]
    assert len(set(values)) == len(values)


def test_sarif_paths_are_relative_to_the_git_top_when_auditing_a_subfolder(tmp_path):
    top = tmp_path / "mono"
    attested_repo(top / "ml", test_ids=["data-1"], commit=False)
    write_tree(top, {"ml/dvc.yaml": "stages: {}\n", "README.md": "# mono\n"})
    git_commit_all(top)
    run = _sarif(audit(top / "ml"))["runs"][0]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris and all(uri.startswith("ml/") and (top / uri).is_file() for uri in uris)


def test_sarif_anchors_a_finding_without_evidence_to_a_real_file(tmp_path):
    root = make_repo(tmp_path / "bare", {"pyproject.toml": "[project]\nname = 'x'\n"})
    run = _sarif(audit(root))["runs"][0]
    assert run["results"] and {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    } == {"pyproject.toml"}


# -- JUnit -----------------------------------------------------------------------------------
def test_junit_has_a_suite_per_section_and_a_case_per_test(report):
    tree = ET.fromstring(renderer("junit")(report))
    assert tree.tag == "testsuites" and tree.get("tests") == "28"
    suites = tree.findall("testsuite")
    assert [s.get("name") for s in suites] == [s.title for s in report.sections]
    cases = {c.get("name").split(":")[0]: c for c in tree.iter("testcase")}
    assert list(cases) == all_test_ids()
    for item in report.items():
        case = cases[item.id]
        skipped, failure = case.find("skipped"), case.find("failure")
        if item.status in (Status.SKIPPED, Status.NOT_ASSESSED):
            assert skipped is not None and failure is None
        elif item.score < 1:
            assert failure is not None and failure.get("type") == item.status.value
            assert (item.missing or item.remediation) in failure.text
        else:
            assert skipped is None and failure is None
        assert case.get("classname") == f"mltestscore.{item.section}" and int(case.get("line")) >= 1
    failures = sum(1 for i in report.items() if i.score < 1 and i.status not in (Status.SKIPPED, Status.NOT_ASSESSED))
    assert tree.get("failures") == str(failures)
    assert sum(int(s.get("failures")) for s in suites) == failures


def test_junit_level_is_configurable_and_control_characters_do_not_break_xml(report):
    report.item("data-2").reason = "bell \x07 and form feed \x0c"
    strict = ET.fromstring(renderer("junit")(report))
    lenient = ET.fromstring(renderer("junit")(report, fail_below=0.5))
    manual_cases = [i.id for i in report.items() if i.score == 0.5]
    assert manual_cases
    for tree, failing in ((strict, True), (lenient, False)):
        for case in tree.iter("testcase"):
            if case.get("name").split(":")[0] in manual_cases:
                assert (case.find("failure") is not None) is failing
    assert int(lenient.get("failures")) == int(strict.get("failures")) - len(manual_cases)


# -- Markdown --------------------------------------------------------------------------------
def test_markdown_summary_is_compact_and_escaped(report):
    text = renderer("markdown")(report)
    assert text.startswith(f"## ML Test Score: {report.score:g} / 7")
    assert "<script" not in text and "&lt;script&gt;" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`data-" in line]
    assert len(rows) == 7
    for line in rows:  # an escaped pipe in a cell must not add a column
        assert line.replace("\\|", "").count("|") == 5
    assert "a stage a person runs" not in text  # evidence stays in the HTML report
    assert len(text.encode()) < 16 * 1024


# -- GitLab ----------------------------------------------------------------------------------
def test_gitlab_code_quality_issues_are_unique_and_located(report):
    issues = json.loads(renderer("gitlab")(report))
    below = [i for i in report.items() if i.score < 1 and i.status != Status.SKIPPED]
    assert [issue["check_name"] for issue in issues] == [i.id for i in below]
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)
    for issue in issues:
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert issue["description"].startswith(issue["check_name"])
        assert (Path(report.repository) / issue["location"]["path"]).is_file()
        assert issue["location"]["lines"]["begin"] >= 1


def test_every_format_renders_a_real_audit(tmp_path):
    root = attested_repo(tmp_path / "repo", test_ids=["infra-1", "data-1"])
    report = audit(root)
    for name in RENDERERS:
        assert renderer(name)(report).strip(), name


# -- several outputs in one run --------------------------------------------------------------
def test_one_run_writes_several_formats_to_a_folder_and_prints_the_terminal_report(tmp_path):
    root = attested_repo(tmp_path / "repo")
    out = tmp_path / "reports"
    result = CliRunner().invoke(
        cli,
        [
            "audit",
            str(root),
            "-f",
            "terminal",
            "-f",
            "html",
            "-f",
            "sarif",
            "-f",
            "junit",
            "-f",
            "markdown",
            "-f",
            "gitlab",
            "-f",
            "json",
            "--output-dir",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "ML Test Score: 3.5" in result.stdout
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [
            "mltestscore.html",
            "mltestscore.sarif",
            "mltestscore-junit.xml",
            "mltestscore.md",
            "gl-code-quality-report.json",
            "mltestscore.json",
        ]
    )
    assert json.loads((out / "mltestscore.json").read_text())["score"] == 3.5
    assert "wrote sarif report to" in result.stderr


def test_several_formats_without_a_folder_is_a_usage_error(tmp_path):
    root = attested_repo(tmp_path / "repo")
    result = CliRunner().invoke(cli, ["audit", str(root), "-f", "json", "-f", "sarif"])
    assert result.exit_code == 2 and "--output-dir" in result.stderr
    both = CliRunner().invoke(
        cli, ["audit", str(root), "-f", "json", "-o", str(tmp_path / "a.json"), "-d", str(tmp_path)]
    )
    assert both.exit_code == 2


def test_junit_level_flag_reaches_the_renderer(tmp_path):
    root = attested_repo(tmp_path / "repo")
    out = tmp_path / "junit.xml"
    strict = CliRunner().invoke(cli, ["audit", str(root), "-f", "junit", "-o", str(out)])
    assert strict.exit_code == 0 and ET.parse(out).getroot().get("failures") == "28"
    lenient = CliRunner().invoke(cli, ["audit", str(root), "-f", "junit", "-o", str(out), "--junit-fail-below", "0.5"])
    assert lenient.exit_code == 0 and ET.parse(out).getroot().get("failures") == "0"


def test_report_anchor_ignores_evidence_outside_the_repository(report):
    item = report.item("data-3")
    item.evidence = [Evidence("../outside.py", 3, "outside"), Evidence(".", None, "the repository")]
    run = _sarif(report)["runs"][0]
    location = next(r for r in run["results"] if r["ruleId"] == "data-3")["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "dvc.yaml"  # the data section's anchor file


def test_a_finding_without_evidence_prefers_the_main_ci_workflow(tmp_path):
    root = make_repo(
        tmp_path / "wf",
        {
            ".github/workflows/build_documentation.yml": "on: push\njobs: {}\n",
            ".github/workflows/tests.yml": "on: push\njobs: {}\n",
        },
    )
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in _sarif(audit(root))["runs"][0]["results"]
    }
    assert ".github/workflows/tests.yml" in uris and ".github/workflows/build_documentation.yml" not in uris
