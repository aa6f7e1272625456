"""Where an audit starts when no PATH is given, and whether a folder holds anything to audit.

Like ruff and pytest: from the current folder up, the nearest folder holding `.mltestscore.yaml`
(or `.yml`) or a pyproject.toml with `[tool.mltestscore]` is the project root; failing that, the
git top level; failing that, the current folder. The search never climbs above the git top level,
so a config in a parent project does not leak into a nested repository.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from mltestscore.config import CONFIG_FILES, declares_tool_table

# Files an ML repository's audit reads: code, notebooks, CI, pipeline and serving configs.
_AUDITABLE_SUFFIXES = {
    ".py",
    ".ipynb",
    ".yaml",
    ".yml",
    ".toml",
    ".cfg",
    ".ini",
    ".json",
    ".sql",
    ".r",
    ".scala",
    ".java",
    ".sh",
    ".dvc",
}
_AUDITABLE_NAMES = {"makefile", "dockerfile", "mlproject", "jenkinsfile", "justfile", "noxfile", "tox.ini"}
_SKIPPED_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__"}


def find_project_root(start: Path) -> tuple[Path, str]:
    """(project root, why it is the root) for an audit started in `start`."""
    start = start.resolve()
    for folder in (start, *start.parents):
        for name in CONFIG_FILES:
            if (folder / name).is_file():
                return folder, f"it holds {name}"
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and declares_tool_table(pyproject):
            return folder, "its pyproject.toml has [tool.mltestscore]"
        if (folder / ".git").exists():
            return folder, "it is the git top level"
    return start, "the current folder (no config file or git repository above it)"


def has_anything_to_audit(root: Path) -> bool:
    """Whether any file below `root` is of a kind the audit reads (stops at the first one)."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _SKIPPED_DIRS]
        for name in files:
            lower = name.lower()
            if lower in _AUDITABLE_NAMES or os.path.splitext(lower)[1] in _AUDITABLE_SUFFIXES:
                return True
    return False


_SUBMODULE_PATH = re.compile(r"^\s*path\s*=\s*(.+?)\s*$", re.M)


def unaudited_repositories(files) -> list[tuple[str, str]]:
    """(path, kind) of the git submodules and nested repositories inside the audited tree: git
    lists neither's files, so the audit does not read them, and the report must say so."""
    found: dict[str, str] = {}
    if ".gitmodules" in files:
        for path in _SUBMODULE_PATH.findall(files.text(".gitmodules") or ""):
            found[path.strip("/")] = "git submodule"
    for path in files:
        if path.endswith("/"):  # `git ls-files --others` shows a nested repository as its folder
            found.setdefault(path.rstrip("/"), "nested git repository")
    return sorted(found.items())
