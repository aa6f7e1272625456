"""Builders shared by the report, gate, history and pre-commit tests.

`attested_repo` makes a real git repository whose scores come from attestations in
.mltestscore.yaml (each attested test earns 0.5), so thresholds can be tested without depending
on what the section checks find. `sample_report` is an AuditReport with every status and hostile
repository text, for the renderers.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from conftest import git_commit_all, write_tree

from mltestscore.results import AuditReport, AuditWarning, Evidence, SectionResult, Status, TestResult
from mltestscore.rubric import load_rubric

HOSTILE = "<script>alert(1)</script>"


def all_test_ids(skip: tuple[str, ...] = ()) -> list[str]:
    return [t.id for t in load_rubric().tests if t.id not in skip]


def attested_config(test_ids, document: str = "docs/review.md", note: str = "reviewed by hand", **settings) -> str:
    config = {"attestations": {tid: {"path": document, "note": note} for tid in test_ids}, **settings}
    return yaml.safe_dump(config, sort_keys=False)


def attested_repo(root: Path, test_ids=None, commit: bool = True, **settings) -> Path:
    """Every listed test (default: all 28) attested: 3.5 per section, final 3.5."""
    write_tree(
        root,
        {
            "docs/review.md": "# Review\nThe team reviewed the model by hand.\n",
            "train.py": "print('training')\n",
            ".mltestscore.yaml": attested_config(all_test_ids() if test_ids is None else test_ids, **settings),
        },
    )
    if commit:
        git_commit_all(root)
    return root


def sample_report(root: Path) -> AuditReport:
    """Every status once or more, evidence with lines and runners, hostile text in file names,
    details, reasons and warnings. `root` gets the files the evidence points at."""
    write_tree(
        root,
        {
            ".github/workflows/ci.yml": "on: push\njobs: {}\n",
            "dvc.yaml": "stages: {}\n",
            "src/train.py": "import random\nrandom.seed(0)\n",
            f"docs/{HOSTILE}.md": "# hostile name\n",
        },
    )
    rubric = load_rubric()
    statuses = [
        Status.AUTOMATED,
        Status.MANUAL,
        Status.MISSING,
        Status.ATTESTED,
        Status.SKIPPED,
        Status.NOT_ASSESSED,
        Status.MISSING,
    ]
    points = {Status.AUTOMATED: 1.0, Status.MANUAL: 0.5, Status.ATTESTED: 0.5}
    sections = []
    for s_index, section in enumerate(rubric.sections):
        items = []
        for t_index, test in enumerate(section.tests):
            status = statuses[(t_index + s_index) % len(statuses)]
            score = points.get(status, 0.0)
            evidence = []
            if status == Status.AUTOMATED:
                evidence = [
                    Evidence("src/train.py", 2, "calls random.seed", ".github/workflows/ci.yml job 'test' (on push)")
                ]
            elif status == Status.ATTESTED:
                evidence = [Evidence(f"docs/{HOSTILE}.md", None, f"attested by the team: {HOSTILE}")]
            elif status == Status.MANUAL:
                evidence = [Evidence("dvc.yaml", 1, "a stage a person runs | by hand")]
            reason = {Status.SKIPPED: "skipped: batch model, no serving", Status.NOT_ASSESSED: "not yet assessed"}.get(
                status, f"reason for {test.id} with {HOSTILE}"
            )
            items.append(
                TestResult(
                    test.id,
                    section.id,
                    test.title,
                    score,
                    status,
                    reason,
                    evidence,
                    "" if score >= 1 else f"do the thing for {test.id}",
                    f"remediation for {test.id}",
                )
            )
        sections.append(SectionResult(section.id, section.title, items))
    score = min(s.score for s in sections)
    return AuditReport(
        "0.1.0",
        str(root),
        "0123456789abcdef0123456789abcdef01234567",
        "2026-01-02T03:04:05+00:00",
        sections,
        score,
        rubric.band(score),
        [AuditWarning(f"{HOSTILE}.yml", "invalid YAML near <b>here</b>")],
    )


def audit_repo(root: Path) -> AuditReport:
    """Audit with the repository's own config file, as the CLI does."""
    from mltestscore.audit import run_audit
    from mltestscore.config import load_config

    return run_audit(root, load_config(root))
