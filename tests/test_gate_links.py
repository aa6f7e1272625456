"""Findings that point somewhere real: repository-level findings anchored at the project's
config and saying so; evidence linked to the file at the audited commit on its host."""

import json

import pytest
from conftest import audit, git, make_repo

from mltestscore.report import RENDERERS  # noqa: F401  (the registry the CLI renders through)
from mltestscore.report.html import render as render_html
from mltestscore.report.links import web_url
from mltestscore.report.sarif import render as render_sarif


def _repo(tmp_path):
    return make_repo(
        tmp_path / "repo",
        {
            ".mltestscore.yaml": "attestations:\n  data-5: docs/privacy.md\n",
            "docs/privacy.md": "reviewed\n",
            ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: pytest tests\n",
            "tests/test_model.py": "def test_fit():\n    assert 1\n",
            "train.py": "print(1)\n",
        },
    )


def test_repository_level_findings_are_marked_and_anchored_at_the_config(tmp_path):
    root = _repo(tmp_path)
    results = json.loads(render_sarif(audit(root)))["runs"][0]["results"]
    level = [r for r in results if r["properties"]["repositoryLevel"]]
    assert level, "a bare repository has findings with no evidence"
    for result in level:
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == ".mltestscore.yaml"
        assert "Repository-level finding" in result["message"]["text"]
    workflow_hits = [
        r
        for r in results
        if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == ".github/workflows/ci.yml"
    ]
    assert all(not r["properties"]["repositoryLevel"] for r in workflow_hits)


@pytest.mark.parametrize(
    "remote, kind, url",
    [
        ("git@github.com:acme/models.git", "github", "https://github.com/acme/models"),
        ("https://user:secret@gitlab.com/acme/ml/models.git", "gitlab", "https://gitlab.com/acme/ml/models"),
        ("ssh://git@bitbucket.org/acme/models.git", "bitbucket", "https://bitbucket.org/acme/models"),
        ("/srv/git/models.git", None, None),
    ],
)
def test_remote_urls_become_web_urls_without_credentials(remote, kind, url):
    found = web_url(remote)
    assert (found == (kind, url)) if kind is not None else found is None


def test_sarif_provenance_and_html_links_point_at_the_audited_commit(tmp_path):
    root = _repo(tmp_path)
    git(root, "remote", "add", "origin", "git@github.com:acme/models.git")
    report = audit(root, {"attestations": {"data-5": "docs/privacy.md"}})
    run = json.loads(render_sarif(report))["runs"][0]
    assert run["versionControlProvenance"] == [
        {
            "repositoryUri": "https://github.com/acme/models",
            "revisionId": report.commit,
            "mappedTo": {"uriBaseId": "%SRCROOT%"},
        }
    ]
    html = render_html(report)
    assert f'href="https://github.com/acme/models/blob/{report.commit}/docs/privacy.md"' in html


def test_no_remote_no_links(tmp_path):
    root = _repo(tmp_path)
    report = audit(root, {"attestations": {"data-5": "docs/privacy.md"}})
    assert "docs/privacy.md" in render_html(report)
    assert "versionControlProvenance" not in json.loads(render_sarif(report))["runs"][0]
    assert "/blob/" not in render_html(report)


def test_next_steps_put_what_the_repository_nearly_has_first(tmp_path):
    from mltestscore.report.common import next_steps

    root = make_repo(tmp_path / "near", {"docs/drill.md": "procedure\n", "train.py": "print(1)\n"})
    half_done = ["data-7", "infra-7", "model-7", "monitor-7"]
    report = audit(root, {"attestations": {test_id: "docs/drill.md" for test_id in half_done}})
    assert all(report.item(test_id).score == 0.5 for test_id in half_done)
    # every section is equally weak; finishing what is done by hand beats building from nothing
    assert [step.id for step in next_steps(report, limit=4)] == half_done


def test_ci_evidence_points_at_the_command_not_the_run_block(tmp_path):
    workflow = (
        "on: [push]\n"
        "jobs:\n"
        "  test:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - run: |\n"
        "          pip install -e .\n"
        "          python -m pip check\n"
        "          pytest tests\n"
    )
    tests = "from src.model import train\n\ndef test_train_is_reproducible():\n    assert train(1) == train(1)\n"
    root = make_repo(
        tmp_path,
        {
            ".github/workflows/ci.yml": workflow,
            "src/model.py": "import sklearn.linear_model\n\ndef train(x):\n    return x\n",
            "tests/test_model.py": tests,
        },
    )
    from mltestscore.config import Config
    from mltestscore.context import AuditContext

    ctx = AuditContext(root, Config(), None)
    try:
        wired = [c for c in ctx.wiring.commands if c.command.startswith("pytest")]
    finally:
        ctx.close()
    assert wired and wired[0].runner.line == 10  # `pytest tests`, not line 8 (the block's first command)
