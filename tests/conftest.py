"""Shared helpers: build real-shaped repositories in tmp_path, commit them with real git, audit them."""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from mltestscore.audit import run_audit
from mltestscore.config import Config, parse_config

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Ada Lovelace",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada Lovelace",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write files (relative path -> content; str is dedented) under root."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def git(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run real git in root, isolated from the caller's git environment (hooks export GIT_*)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    clean.update(GIT_ENV)
    clean.update(env or {})
    result = subprocess.run(["git", *args], cwd=root, env=clean, capture_output=True, text=True, check=True)
    return result.stdout


def git_commit_all(root: Path, message: str = "initial", env: dict[str, str] | None = None) -> str:
    if not (root / ".git").exists():
        git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message, env=env)
    return git(root, "rev-parse", "HEAD").strip()


def make_repo(root: Path, files: dict[str, str | bytes], commit: bool = True) -> Path:
    write_tree(root, files)
    if commit:
        git_commit_all(root)
    return root


def audit(root: Path, config: dict | Config | None = None):
    if isinstance(config, dict):
        config = parse_config(config, "test config")
    return run_audit(root, config)


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """CLI audits in tests fill a cache of their own, never the user's ~/.cache/mltestscore."""
    saved = os.environ.get("MLTESTSCORE_CACHE_DIR")
    os.environ["MLTESTSCORE_CACHE_DIR"] = str(tmp_path_factory.mktemp("fact-cache"))
    yield
    if saved is None:
        os.environ.pop("MLTESTSCORE_CACHE_DIR", None)
    else:
        os.environ["MLTESTSCORE_CACHE_DIR"] = saved


@pytest.fixture
def repo(tmp_path: Path):
    """A factory: repo({path: content}, commit=True) -> Path of a real git repository."""

    def build(files: dict[str, str | bytes], commit: bool = True, name: str = "repo") -> Path:
        return make_repo(tmp_path / name, files, commit)

    return build
