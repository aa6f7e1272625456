"""A repository full of hostile and broken inputs: every problem is a warning, the audit finishes.
Plus property-based tests: no exception escapes the YAML, CI, DVC and notebook readers."""

import json
import os
import subprocess
import sys

import pytest
from conftest import git, git_commit_all, make_repo, write_tree
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mltestscore.context import AuditContext
from mltestscore.evidence.ci import parse_azure, parse_bitbucket, parse_circleci, parse_github_workflow, parse_gitlab_ci
from mltestscore.evidence.dvc import parse_dvc_yaml
from mltestscore.index.cache import SCHEMA
from mltestscore.index.parsed import Parsed

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(9)
)


def hostile_files() -> dict:
    huge_output = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": 1,
                "source": ["print('x')"],
                "outputs": [{"output_type": "stream", "name": "stdout", "text": ["x" * 100 + "\n"] * 40000}],
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return {
        ".github/workflows/tabs.yml": "on:\n\tpush:\n",
        ".github/workflows/dupes.yml": "on: push\non: pull_request\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: pytest\n",
        ".github/workflows/bomb.yml": BOMB,
        ".github/workflows/tag.yml": "on: !!python/object/apply:os.system ['echo pwned']\n",
        ".gitlab-ci.yml": "[" * 5000 + "]" * 5000 + "\n",
        "dvc.yaml": "stages: [not, a, mapping]\n",
        "dvc.lock": "schema: '2.0'\nstages: 7\n",
        "params.yaml": "{{ not yaml\n",
        "notebooks/broken.ipynb": '{"cells": [',
        "notebooks/not_a_notebook.ipynb": "[1, 2, 3]",
        "notebooks/huge_outputs.ipynb": json.dumps(huge_output),
        "src/binary.py": b"\x7fELF\x00\x00\x00binary",
        "src/latin1.py": "nom = 'caf\xe9'\n".encode("latin-1"),
        "src/long_line.py": "x = '" + "a" * 1_500_000 + "'\n",
        "src/nested.py": "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n",
        "data/nested.json": "[" * 100000 + "]" * 100000,
        "tests/test_ok.py": "def test_ok():\n    assert True\n",
        "pyproject.toml": "[tool.pytest.ini_options\ntestpaths = [\n",
        "tox.ini": "[testenv\ncommands = pytest\n",
        "Makefile": "test:\n\tpytest\n\tmake test\n",  # self-recursive target
        ".pre-commit-config.yaml": "repos: 5\n",
    }


def build_hostile(root, outside):
    make_repo(root, hostile_files())
    with open(root / "data" / "huge.bin", "wb") as handle:  # 200 MB, sparse: cheap to make
        handle.truncate(200 * 1024 * 1024)
    write_tree(root, {"src/huge.py": b""})
    with open(root / "src" / "huge.py", "wb") as handle:
        handle.truncate(200 * 1024 * 1024)
    os.symlink(outside, root / "src" / "outside.py")
    os.symlink(root / "src" / "loop_b.py", root / "src" / "loop_a.py")
    os.symlink(root / "src" / "loop_a.py", root / "src" / "loop_b.py")
    os.symlink(root, root / "src" / "self_dir")
    write_tree(root, {"src/locked.py": "import torch\ntorch.manual_seed(0)\n"})
    os.chmod(root / "src" / "locked.py", 0)
    return root


def test_hostile_repository_audit_finishes_with_warnings(tmp_path):
    outside = tmp_path / "outside.py"
    outside.write_text("import random\nrandom.seed(1)\n")
    root = build_hostile(tmp_path / "hostile", outside)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    result = subprocess.run(
        [sys.executable, "-m", "mltestscore", "audit", str(root), "-f", "json", "--no-cache"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    warned = {w["path"] for w in report["warnings"]}
    for path in (
        ".github/workflows/tabs.yml",
        ".github/workflows/bomb.yml",
        ".github/workflows/tag.yml",
        "notebooks/broken.ipynb",
        "notebooks/not_a_notebook.ipynb",
        "notebooks/huge_outputs.ipynb",
        "src/binary.py",
        "src/latin1.py",
        "src/huge.py",
        "src/outside.py",
        "src/loop_a.py",
        "pyproject.toml",
    ):
        assert path in warned, f"no warning for {path}: {sorted(warned)}"
    assert len(report["sections"]) == 4
    assert all(len(s["items"]) == 7 for s in report["sections"].values())
    assert not [w for w in report["warnings"] if "failed" in w["message"]], report["warnings"]
    assert not (root / "pwned").exists()


def test_empty_folder_empty_repo_and_repo_without_commits(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}

    def run(path):
        return subprocess.run(
            [sys.executable, "-m", "mltestscore", "audit", str(path), "-f", "json", "--no-cache"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )

    empty = tmp_path / "empty"
    empty.mkdir()
    assert json.loads(run(empty).stdout)["score"] == 0
    no_commits = tmp_path / "nocommits"
    no_commits.mkdir()
    git(no_commits, "init", "-q")
    result = run(no_commits)
    assert result.returncode == 0 and json.loads(result.stdout)["repository"]["commit"] is None
    git_commit_all(no_commits, "empty commit")
    assert run(no_commits).returncode == 0


def test_fifos_in_a_plain_folder_are_skipped_not_read(tmp_path):
    # Outside git the walk lists every name; opening a FIFO for reading would block forever.
    root = write_tree(tmp_path / "plain", {"train.py": "import random\nrandom.seed(0)\n"})
    (root / ".github" / "workflows").mkdir(parents=True)
    os.mkfifo(root / "src.py")
    os.mkfifo(root / ".github" / "workflows" / "ci.yml")
    result = subprocess.run(
        [sys.executable, "-m", "mltestscore", "audit", str(root), "-f", "json", "--no-cache"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    warned = {w["path"]: w["message"] for w in json.loads(result.stdout)["warnings"]}
    assert "not a regular file" in warned["src.py"]
    assert "not a regular file" in warned[".github/workflows/ci.yml"]


LONG_LINES = {
    "letters": "a" * 300_000,
    "words": "a " * 150_000,
    "spaces": "a" + " " * 300_000 + "b",
    "dotted": "a." * 150_000,
    "targets": "t " * 150_000 + ":",
}
LONG_LINE_FILES = (
    "Makefile",
    "justfile",
    "pyproject.toml",
    "mise.toml",
    ".github/workflows/ci.yml",
    "dvc.yaml",
    "requirements.txt",
    "setup.cfg",
    "tox.ini",
    "src/train.py",
    "tests/test_train.py",
    "Dockerfile",
    "CODEOWNERS",
    "scripts/run.sh",
    "notebooks/explore.ipynb",
    ".pre-commit-config.yaml",
    "README.md",
)


@pytest.mark.parametrize("shape", sorted(LONG_LINES))
def test_very_long_lines_in_every_kind_of_file_finish(tmp_path, shape):
    # Regexes that backtrack (a lazy part next to \\s*) and tomllib's dotted keys were quadratic:
    # one 300 kB line took minutes. The timeout is a hang guard, not a speed target.
    line = LONG_LINES[shape]
    files = {}
    for name in LONG_LINE_FILES:
        if name.endswith(".ipynb"):
            files[name] = json.dumps(
                {
                    "cells": [{"cell_type": "code", "source": line, "metadata": {}, "outputs": []}],
                    "metadata": {},
                    "nbformat": 4,
                    "nbformat_minor": 5,
                }
            )
        elif name.endswith((".yml", ".yaml")):
            files[name] = f"run: {line}\nsteps: |\n  {line}\n"
        else:
            files[name] = f"{line}\n{line}:\n\t{line}\n"
    root = write_tree(tmp_path / shape, files)
    result = subprocess.run(
        [sys.executable, "-m", "mltestscore", "audit", str(root), "-f", "json", "--no-cache"],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["sections"]) == 4


def test_no_git_executable_lists_files_with_a_warning(repo, tmp_path):
    root = repo(
        {"train.py": "import random\nrandom.seed(0)\n", "tests/test_train.py": "def test_x():\n    assert True\n"}
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["PATH"] = str(tmp_path / "no-such-bin")  # no git anywhere on PATH
    result = subprocess.run(
        [sys.executable, "-m", "mltestscore", "audit", str(root), "-f", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["repository"]["commit"] is None
    assert any("git executable not found" in w["message"] for w in report["warnings"])
    assert report["sections"]["infra"]["items"][0]["evidence"], "files were still listed and read"


def test_hostile_repository_twice_with_a_cache_gives_the_same_report(tmp_path):
    outside = tmp_path / "outside.py"
    outside.write_text("import random\nrandom.seed(1)\n")
    root = build_hostile(tmp_path / "hostile", outside)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["MLTESTSCORE_CACHE_DIR"] = str(tmp_path / "cache")
    reports = []
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-m", "mltestscore", "audit", str(root), "-f", "json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
        reports.append(json.loads(result.stdout))
    for report in reports:
        report.pop("generated_at")
    assert reports[0] == reports[1]
    (tmp_path / "cache" / f"facts-v{SCHEMA}.sqlite3").write_bytes(b"this is not a database" * 100)
    result = subprocess.run(
        [sys.executable, "-m", "mltestscore", "audit", str(root), "-f", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    damaged = json.loads(result.stdout)
    assert any("fact cache unavailable" in w["message"] for w in damaged["warnings"])
    assert [i["score"] for s in damaged["sections"].values() for i in s["items"]] == [
        i["score"] for s in reports[0]["sections"].values() for i in s["items"]
    ]


# -- properties: readers never raise -------------------------------------------------------------
yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10) | st.booleans(), children, max_size=4)
    ),
    max_leaves=20,
)
PARSERS = [parse_github_workflow, parse_gitlab_ci, parse_azure, parse_circleci, parse_bitbucket]


@given(data=yaml_values, text=st.text(max_size=200))
@settings(max_examples=150, deadline=None)
def test_ci_parsers_accept_any_yaml_value(data, text):
    for parser in PARSERS:
        parser("ci.yml", data, text)
    parse_dvc_yaml("dvc.yaml", data, text)
    parse_dvc_yaml("dvc.yaml", {"stages": data}, text)
    parse_github_workflow("w.yml", {"on": data, "jobs": {"j": {"steps": data}}}, text)
    parse_gitlab_ci("g.yml", {"job": {"script": data, "rules": data, "extends": data}}, text)


@given(content=st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_file_readers_never_raise(tmp_path, content):
    write_tree(
        tmp_path,
        {"f.yml": content, "f.ipynb": content, "f.py": content, "f.json": content, "f.toml": content, "f.ini": content},
    )
    ctx = AuditContext(tmp_path)
    parsed = Parsed(ctx.files, ctx.warn)
    parsed.yaml("f.yml")
    parsed.notebook("f.ipynb")
    parsed.python("f.ipynb")
    parsed.python("f.py")
    parsed.json("f.json")
    parsed.toml("f.toml")
    parsed.ini("f.ini")
    ctx.python.outline("f.py")


@pytest.mark.parametrize(
    "cells",
    [
        [{"cell_type": "code", "source": 5}],
        [{"cell_type": "code"}],
        ["not a cell"],
        [
            {"cell_type": "code", "source": ["%%bash\n", "ls"]},
            {"cell_type": "code", "source": "!pip install x\nimport os"},
        ],
    ],
)
def test_odd_notebook_cells(tmp_path, cells):
    write_tree(tmp_path, {"n.ipynb": json.dumps({"cells": cells})})
    ctx = AuditContext(tmp_path)
    notebook = Parsed(ctx.files, ctx.warn).notebook("n.ipynb")
    assert notebook is not None
