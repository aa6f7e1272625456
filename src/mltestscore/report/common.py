"""What several renderers share: findings, where to anchor them, colours, fingerprints.

Renderers read only the AuditReport, plus the audited folder on disk to pick an anchor file for
a finding that has no evidence (SARIF and GitLab reject a finding without a file).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from mltestscore.results import AuditReport, Status, TestResult

PROJECT_URL = "https://github.com/mltestscore/mltestscore"
CHECKS_DOC_URL = f"{PROJECT_URL}/blob/main/docs/checks.md"

# Where a finding without evidence is anchored: the files that define what the section looks at.
SECTION_ANCHORS = {
    "data": ("dvc.yaml", "params.yaml", "great_expectations.yml", "gx/great_expectations.yml"),
    "model": ("dvc.yaml", "params.yaml", "MLproject"),
    "infra": ("dvc.yaml", ".gitlab-ci.yml", "Makefile"),
    "monitor": ("dvc.yaml", ".gitlab-ci.yml"),
}
# A workflow named like the project's main CI is a better anchor than, say, the docs build.
_MAIN_WORKFLOW = re.compile(r"^(ci|tests?|checks?|main|pipeline|train\w*|ml\w*)[-_.]", re.I)
GENERAL_ANCHORS = (
    ".gitlab-ci.yml",
    "dvc.yaml",
    "pyproject.toml",
    "setup.cfg",
    "setup.py",
    "requirements.txt",
    "README.md",
    "README.rst",
    "README",
)

PROJECT_CONFIG_FILES = (".mltestscore.yaml", ".mltestscore.yml")
PROJECT_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "README.md", "README.rst", "README")
REPOSITORY_LEVEL = "Repository-level finding: no file holds evidence for it."

# Band colours by final score: (shields.io colour name, hex). Upper bounds are inclusive.
BAND_COLORS = (
    (0, "red", "#e05d44"),
    (1, "orange", "#fe7d37"),
    (2, "yellow", "#dfb317"),
    (3, "yellowgreen", "#a4a61d"),
    (5, "green", "#97ca00"),
    (7, "brightgreen", "#44cc11"),
)


def score_text(score: float) -> str:
    return f"{score:g}"


def band_color(score: float, maximum: float = 7.0) -> tuple[str, str]:
    """The colour of the paper's band; another rubric's score is first scaled to the paper's 0-7."""
    if maximum and maximum != 7:
        score = score * 7 / maximum
    for upper, name, hex_color in BAND_COLORS:
        if score <= upper:
            return name, hex_color
    return BAND_COLORS[-1][1:]


def findings(report: AuditReport) -> list[TestResult]:
    """Tests below full credit that count: skipped (ignored with a reason) tests are not findings."""
    return [item for item in report.items() if item.score < 1 and item.status != Status.SKIPPED]


def effort(item: TestResult) -> int:
    """A rough cost of the next level: 1 when the repository nearly has it (done by hand, or
    evidence found that only lacks a runner: a test file no CI job runs, a hook missing from a
    pre-commit config), 3 when it must be built from nothing."""
    return 1 if item.score > 0 or item.evidence else 3


def next_steps(report: AuditReport, limit: int = 3) -> list[TestResult]:
    """Missing points in the weakest sections first (those lift the final, minimum score); within
    a section, points gained per effort, so what the repository nearly has comes before advice to
    build something new."""
    steps = [
        (section.score, -(1 - item.score) / effort(item), item.id, item)
        for section in report.sections
        for item in section.items
        if item.score < 1 and item.status not in (Status.SKIPPED, Status.NOT_ASSESSED)
    ]
    steps.sort(key=lambda step: step[:3])
    return [step[3] for step in steps[:limit]]


def finding_message(item: TestResult) -> str:
    """One sentence for CI tools: what scored, why, and how to earn the rest."""
    text = f"{item.id} ({item.title}) scores {score_text(item.score)}/{score_text(item.max)}: {item.reason}."
    todo = item.missing or item.remediation
    return f"{text} To earn it: {todo}" if todo else text


def fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


class Anchors:
    """Picks the file a finding points at: its strongest evidence, else the file that defines
    what the section looks at, else the CI config or project file. Paths are relative to the
    git top level when the audited folder sits inside a repository (what SARIF and GitLab want)."""

    def __init__(self, report: AuditReport) -> None:
        self.root = Path(report.repository)
        self.prefix = _prefix_in_git(self.root)
        self._evidence_paths = [e.path for item in report.items() for e in item.evidence if self._is_file(e.path)]
        workflows = (
            [
                str(p.relative_to(self.root)).replace(os.sep, "/")
                for p in (self.root / ".github" / "workflows").glob("*.y*ml")
            ]
            if self.root.is_dir()
            else []
        )
        self._workflows = sorted(workflows, key=lambda path: (not _MAIN_WORKFLOW.search(path.rsplit("/", 1)[-1]), path))

    def evidence_location(self, item: TestResult) -> tuple[str, int] | None:
        """(repo-relative path, line) of the finding's strongest evidence in a file, or None: a
        repository-level finding (nothing found, so no file to point at)."""
        with_line = [e for e in item.evidence if e.line and self._is_file(e.path)]
        any_file = [e for e in item.evidence if self._is_file(e.path)]
        if with_line or any_file:
            chosen = (with_line or any_file)[0]
            return self.uri(chosen.path), chosen.line or 1
        return None

    def project_file(self) -> str | None:
        """The project's config file (mltestscore's own, else the project's), where a
        repository-level finding is anchored when a format needs a file, rather than on some
        workflow's line 1 next to unrelated findings."""
        for name in (*PROJECT_CONFIG_FILES, *PROJECT_FILES):
            if (self.root / name).is_file():
                return self.uri(name)
        return None

    def location(self, item: TestResult) -> tuple[str, int]:
        """(repo-relative path, 1-based line) for a finding."""
        found = self.evidence_location(item)
        if found is not None:
            return found
        project = self.project_file()
        if project is not None:
            return project, 1
        for candidate in (*SECTION_ANCHORS.get(item.section, ()), *self._workflows, *GENERAL_ANCHORS):
            if (self.root / candidate).is_file():
                return self.uri(candidate), 1
        fallback = self._evidence_paths[0] if self._evidence_paths else self._first_file()
        return self.uri(fallback), 1

    def uri(self, path: str) -> str:
        path = path.strip("/")
        return f"{self.prefix}/{path}" if self.prefix else path

    def _is_file(self, path: str) -> bool:
        if not path or path in (".", "config") or path.startswith(("/", "..")):
            return False
        return (self.root / path).is_file() if self.root.is_dir() else True

    def _first_file(self) -> str:
        try:
            names = sorted(n for n in os.listdir(self.root) if (self.root / n).is_file())
        except OSError:
            names = []
        return names[0] if names else "README.md"


def _prefix_in_git(root: Path) -> str:
    """The audited folder's path below the git top level ('' at the top or outside git)."""
    for folder in (root, *root.parents):
        if (folder / ".git").exists():
            rel = os.path.relpath(root, folder).replace(os.sep, "/")
            return "" if rel == "." else rel
    return ""
