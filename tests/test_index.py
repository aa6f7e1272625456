"""The file index: git listing or walk, bounded read-once access, warnings for bad files."""

import os

import pytest
from conftest import git, write_tree

from mltestscore.context import AuditContext


def context(root, **config):
    from mltestscore.config import parse_config

    return AuditContext(root, parse_config(config, "test") if config else None)


def test_git_listing_has_tracked_and_untracked_but_not_ignored(repo):
    root = repo({".gitignore": "data/\n*.log\n", "train.py": "print(1)\n", "data/raw.csv": "a,b\n"})
    write_tree(root, {"notes.py": "x = 1\n", "debug.log": "noise\n"})
    ctx = context(root)
    assert ctx.files.paths == [".gitignore", "notes.py", "train.py"]
    assert ctx.git.commit and not ctx.git.shallow
    ctx.close()


def test_walk_outside_git_skips_environments_and_caches(tmp_path):
    write_tree(
        tmp_path,
        {
            "train.py": "",
            ".venv/lib/site.py": "",
            "env/pyvenv.cfg": "",
            "env/lib/x.py": "",
            "node_modules/a/index.js": "",
            "pkg/__pycache__/m.cpython-311.pyc": b"\x00",
            ".dvc/cache/ab/cdef": "",
            "pkg/m.py": "",
        },
    )
    ctx = context(tmp_path)
    assert ctx.files.paths == ["pkg/m.py", "train.py"]
    assert ctx.git.available is False


def test_exclude_patterns(repo):
    root = repo({"vendor/lib.py": "", "src/a.py": "", "notebooks/scratch/x.ipynb": "{}"})
    ctx = context(root, exclude=["vendor/", "notebooks/scratch/*"])
    assert ctx.files.paths == ["src/a.py"]
    ctx.close()


def test_each_file_read_once_across_checks(repo):
    from mltestscore.audit import _audit
    from mltestscore.config import Config

    root = repo(
        {
            "train.py": "import random\nrandom.seed(0)\n",
            "tests/test_x.py": "def test_a():\n    assert True\n",
            ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: pytest\n",
        }
    )
    ctx = AuditContext(root, Config())
    _audit(ctx)
    assert ctx.files.reads <= len(ctx.files.paths)
    opened = set(ctx.files._bytes)
    assert ctx.files.reads == len(opened)
    ctx.close()


def test_bad_files_become_warnings(repo, tmp_path):
    outside = tmp_path / "secret.py"
    outside.write_text("print('outside')\n")
    root = repo(
        {
            "binary.py": b"\x00\x01\x02import os\n",
            "latin1.py": "caf\xe9 = 1\n".encode("latin-1"),
            "big.py": "x = 1\n" * 200_000,
            "broken.py": "def (:\n",
            "notebook.ipynb": "{not json",
            ".github/workflows/tabs.yml": "on:\n\tpush: {}\n",
        }
    )
    os.symlink(outside, root / "link.py")
    os.symlink(root / "loop_a.py", root / "loop_b.py")
    os.symlink(root / "loop_b.py", root / "loop_a.py")
    write_tree(root, {"locked.py": "x = 1\n"})
    os.chmod(root / "locked.py", 0)
    ctx = context(root, max_file_size_kb=512)
    for path in ctx.files.with_suffix(".py", ".ipynb"):
        ctx.parsed.python(path)
    ctx.ci
    messages = {}
    for warning in ctx.warnings:
        messages[warning.path] = messages.get(warning.path, "") + warning.message + "; "
    assert "binary" in messages["binary.py"]
    assert "UTF-8" in messages["latin1.py"]
    assert "larger than 512 KiB" in messages["big.py"]
    assert "syntax error" in messages["broken.py"]
    assert "invalid JSON" in messages["notebook.ipynb"]
    assert "outside the repository" in messages["link.py"]
    assert "cannot be read" in messages["loop_a.py"]
    assert "invalid YAML" in messages[".github/workflows/tabs.yml"]
    if os.geteuid() != 0:  # root reads chmod 000 files
        assert "cannot be read" in messages["locked.py"]
    ctx.close()


def test_subfolder_of_a_repository_is_audited_alone(repo):
    root = repo({"projects/churn/train.py": "", "projects/other/x.py": "", "top.py": ""})
    ctx = context(root / "projects" / "churn")
    assert ctx.files.paths == ["train.py"]
    ctx.close()


def test_repository_without_commits(tmp_path):
    write_tree(tmp_path, {"train.py": "print(1)\n"})
    git(tmp_path, "init", "-q")
    ctx = context(tmp_path)
    assert ctx.git.available and ctx.git.commit is None
    assert ctx.files.paths == ["train.py"]
    ctx.close()


def test_shallow_clone_warns(repo, tmp_path):
    from conftest import git_commit_all

    source = repo({"a.py": "x = 1\n"})
    write_tree(source, {"b.py": "y = 2\n"})
    git_commit_all(source, "second")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{source}", str(clone))
    ctx = context(clone)
    assert ctx.files.paths == ["a.py", "b.py"]
    assert ctx.git.shallow
    assert any("shallow clone" in w.message for w in ctx.warnings)
    ctx.close()


@pytest.mark.parametrize(
    "text",
    [
        "a: &a [1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        + "".join(f"c{i}: &c{i} [" + ", ".join([f"*{'b' if i == 0 else f'c{i - 1}'}"] * 9) + "]\n" for i in range(10)),
        "x: !!python/object/apply:os.system ['touch pwned']\n",
    ],
)
def test_hostile_yaml_is_refused(tmp_path, text):
    write_tree(tmp_path, {".github/workflows/ci.yml": text})
    ctx = context(tmp_path)
    assert ctx.ci == []
    assert [w.path for w in ctx.warnings] == [".github/workflows/ci.yml"]
    assert not (tmp_path / "pwned").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand the repository to another owner")
def test_dubious_ownership_falls_back_to_a_walk_with_a_warning(repo, monkeypatch):
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")  # no safe.directory=* from the machine
    root = repo({"train.py": "import random\nrandom.seed(0)\n", ".gitignore": "*.log\n"})
    write_tree(root, {"run.log": "x\n"})
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.lchown(os.path.join(dirpath, name), 65534, 65534)
    os.lchown(root, 65534, 65534)
    ctx = context(root)
    try:
        assert ctx.git.available is False
        assert "train.py" in ctx.files.paths
        assert any("git refused" in w.message or "dubious" in w.message for w in ctx.warnings), ctx.warnings
    finally:
        ctx.close()


def test_warm_cache_replays_the_same_warnings(repo, tmp_path):
    from mltestscore.audit import run_audit

    root = repo(
        {
            "train.py": "import random\nrandom.seed(0\n",  # syntax error in a file the seed query parses
            "notebooks/a.ipynb": '{"cells": [{"cell_type": "code", "source": "x = !ls\\nimport random\\nrandom.seed(1)"}]}',
            "src/bin.py": b"\x00\x01random.seed",
            "src/latin.py": "random = 'caf\xe9'\n".encode("latin-1"),
        }
    )
    cache = tmp_path / "cache"
    cold = run_audit(root, None, cache)
    write_tree(root, {"README.md": "# a change, so the report memo misses and per-file facts answer\n"})
    warm = run_audit(root, None, cache)
    assert sorted((w.path, w.message) for w in cold.warnings) == sorted((w.path, w.message) for w in warm.warnings)
    assert {"train.py", "src/bin.py", "src/latin.py"} <= {w.path for w in warm.warnings}
    assert [i.score for i in cold.items()] == [i.score for i in warm.items()]


def test_one_text_at_two_paths_resolves_relative_imports_per_path(repo, tmp_path):
    # Identical files in two packages share a blob id; their relative imports name different modules.
    train = "from .model import Net\n\n\ndef fit():\n    return Net()\n"
    root = repo(
        {
            "src/churn/train.py": train,
            "src/churn/model.py": "class Net: ...\n",
            "src/fraud/train.py": train,
            "src/fraud/model.py": "class Net: ...\n",
        }
    )
    for run in ("cold", "warm"):
        ctx = AuditContext(root, cache_dir=tmp_path / "cache")
        try:
            assert "churn.model.Net" in ctx.python.outline("src/churn/train.py").imports, run
            assert "fraud.model.Net" in ctx.python.outline("src/fraud/train.py").imports, run
            assert "fraud.model.Net" in ctx.python.facts("src/fraud/train.py").imports, run
        finally:
            ctx.close()
