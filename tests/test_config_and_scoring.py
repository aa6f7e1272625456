"""Config validation, ignores, attestations, the paper's arithmetic and bands."""

import pytest
from conftest import audit, git_commit_all, write_tree

from mltestscore.config import ConfigError, load_config, parse_config
from mltestscore.results import Status
from mltestscore.rubric import load_rubric


def test_rubric_has_28_tests_in_four_sections():
    rubric = load_rubric()
    assert [s.id for s in rubric.sections] == ["data", "model", "infra", "monitor"]
    assert len(rubric.tests) == 28
    assert all(len(s.tests) == 7 for s in rubric.sections)


@pytest.mark.parametrize(
    "score, start",
    [
        (0, "More of a research project"),
        (0.5, "Not totally untested"),
        (1.0, "Not totally untested"),
        (1.5, "There's been a first pass"),
        (2.0, "There's been a first pass"),
        (3.0, "Reasonably tested"),
        (3.5, "Strong levels"),
        (5.0, "Strong levels"),
        (5.5, "Exceptional"),
        (7, "Exceptional"),
    ],
)
def test_bands_are_open_below_closed_above(score, start):
    assert load_rubric().band(score).startswith(start)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"fail_under": "high"}, "fail_under must be a number from 0 to 7"),
        ({"fail_under": 9}, "from 0 to 7"),
        ({"treshold": 2}, "unknown setting 'treshold'"),
        ({"section_minimums": {"infrastructure": 2}}, "unknown section 'infrastructure'"),
        ({"exclude": "vendor"}, "exclude must be a list"),
        ({"ignore": {"monitor-3": ""}}, "give the reason as text"),
        ({"attestations": {"data-3": {"note": "x"}}}, "needs `path`"),
        ({"attestations": {"data-9": "docs/x.md"}}, "unknown test id 'data-9'"),
        ({"attestations": {"data-3": {"path": "docs/x.md", "max_age_days": -1}}}, "positive whole number"),
        (["not", "a", "mapping"], "expected a mapping"),
    ],
)
def test_bad_config_is_a_clear_error(data, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(data, ".mltestscore.yaml")


def test_config_found_in_yaml_then_pyproject(tmp_path):
    write_tree(tmp_path, {"pyproject.toml": "[tool.mltestscore]\nfail_under = 1.5\n"})
    assert load_config(tmp_path).fail_under == 1.5
    write_tree(tmp_path, {".mltestscore.yaml": "fail_under: 2\nexclude: [vendor/]\n"})
    config = load_config(tmp_path)
    assert config.fail_under == 2 and config.exclude == ["vendor/"]
    write_tree(tmp_path, {".mltestscore.yaml": "fail_under: [\n"})
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_config(tmp_path)


def test_ignore_is_shown_as_skipped_with_reason_and_unknown_ignore_warns(repo):
    root = repo({"train.py": "print(1)\n"})
    report = audit(root, {"ignore": {"infra-6": "batch scoring, no online serving", "infra-99": "typo"}})
    item = report.item("infra-6")
    assert item.status == Status.SKIPPED and item.reason == "skipped: batch scoring, no online serving"
    assert any("infra-99" in w.message for w in report.warnings)


def test_attestation_needs_an_existing_document(repo):
    root = repo({"docs/reviews/privacy.md": "# Privacy review 2026-10\n\nPII columns are hashed.\n"})
    report = audit(
        root,
        {
            "attestations": {
                "data-5": {"path": "docs/reviews/privacy.md", "note": "quarterly privacy review"},
                "data-3": {"path": "docs/missing.md"},
            }
        },
    )
    attested = report.item("data-5")
    assert attested.score == 0.5 and attested.status == Status.ATTESTED
    assert (
        attested.evidence[0].path == "docs/reviews/privacy.md"
        and "quarterly privacy review" in attested.evidence[0].detail
    )
    assert report.item("data-3").score == 0
    assert any(w.path == "docs/missing.md" and "does not exist" in w.message for w in report.warnings)


def test_attestation_expires_by_last_commit_date(tmp_path):
    write_tree(tmp_path, {"docs/feature-costs.md": "| feature | cost |\n"})
    old = {"GIT_AUTHOR_DATE": "2020-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2020-01-01T00:00:00Z"}
    git_commit_all(tmp_path, "cost table", env=old)
    report = audit(tmp_path, {"attestations": {"data-3": {"path": "docs/feature-costs.md", "max_age_days": 365}}})
    assert report.item("data-3").score == 0
    assert any("expired" in w.message for w in report.warnings)


def test_attestation_with_verified_runner_is_worth_one(repo):
    root = repo(
        {
            "docs/canary.md": "Canary procedure\n",
            ".github/workflows/canary.yml": "on:\n  schedule:\n    - cron: '0 6 * * *'\njobs:\n  drill:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./scripts/canary_drill.sh\n",
        }
    )
    report = audit(
        root, {"attestations": {"infra-6": {"path": "docs/canary.md", "runner": ".github/workflows/canary.yml"}}}
    )
    assert report.item("infra-6").score == 1 and report.item("infra-6").status == Status.ATTESTED


def test_final_score_is_the_minimum_section(repo):
    root = repo({"docs/a.md": "x\n"})
    attest = {f"infra-{n}": "docs/a.md" for n in range(1, 8)}
    report = audit(root, {"attestations": attest})
    assert report.section("infra").score == 3.5
    assert report.score == min(s.score for s in report.sections) == 0
