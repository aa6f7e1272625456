"""The command line as users run it: the installed console script, in a subprocess."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_repo, write_tree

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = shutil.which("mltestscore", path=str(Path(sys.executable).parent)) or "mltestscore"


def run(*args, cwd=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return subprocess.run([SCRIPT, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


def test_version():
    from mltestscore import __version__

    result = run("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"mltestscore {__version__}"


def test_version_matches_pyproject():
    import re

    from mltestscore import __version__

    text = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^version = "([^"]+)"', text, re.M).group(1) == __version__


def test_help_lists_commands_and_examples():
    result = run("--help")
    assert result.returncode == 0
    for word in ("audit", "checks", "explain", "--fail-under 2"):
        assert word in result.stdout


def test_checks_lists_all_28():
    result = run("checks")
    assert result.returncode == 0
    for section in ("data", "model", "infra", "monitor"):
        for n in range(1, 8):
            assert f"{section}-{n}" in result.stdout


def test_explain(tmp_path):
    result = run("explain", "infra-1")
    assert result.returncode == 0
    assert "Training is reproducible" in result.stdout and "How to earn it" in result.stdout
    unknown = run("explain", "infra-9")
    assert unknown.returncode == 2 and "unknown test id 'infra-9'" in unknown.stderr


def test_default_command_audits_the_current_directory(tmp_path):
    make_repo(tmp_path, {"train.py": "print('hi')\n"})
    result = run("--no-color", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "ML Test Score: 0" in result.stdout and "More of a research project" in result.stdout
    assert "Traceback" not in result.stderr


def test_json_output_file_validates_against_documented_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    make_repo(tmp_path / "r", {"train.py": "import random\nrandom.seed(1)\n", "requirements.txt": "numpy==2.1.3\n"})
    out = tmp_path / "out" / "score.json"
    result = run("audit", str(tmp_path / "r"), "--format", "json", "--output", str(out))
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text())
    schema = json.loads((ROOT / "docs" / "report.schema.json").read_text())
    jsonschema.validate(data, schema)
    assert data["schema_version"] == 1 and len(data["repository"]["commit"]) == 40
    infra1 = data["sections"]["infra"]["items"][0]
    assert infra1["id"] == "infra-1" and infra1["score"] == 0.5 and infra1["status"] == "manual"
    assert {"path": "train.py", "line": 2, "detail": "calls random.seed", "runner": None, "kind": "proof"} in infra1[
        "evidence"
    ]


def test_json_on_stdout_is_pure_json(tmp_path):
    make_repo(tmp_path, {"a.py": ""})
    result = run("audit", str(tmp_path), "-f", "json")
    assert json.loads(result.stdout)["tool"]["name"] == "mltestscore"


def test_fail_under_exit_codes(tmp_path):
    make_repo(tmp_path, {"a.py": ""})
    below = run("audit", str(tmp_path), "--fail-under", "1", "-f", "json")
    assert below.returncode == 1 and "below the fail-under threshold 1" in below.stderr
    assert run("audit", str(tmp_path), "--fail-under", "0", "-f", "json").returncode == 0
    assert run("audit", str(tmp_path), "--fail-under", "1", "--exit-zero", "-f", "json").returncode == 0


def test_config_fail_under_and_flag_override(tmp_path):
    make_repo(tmp_path, {"a.py": "", ".mltestscore.yaml": "fail_under: 2\n"})
    assert run("audit", str(tmp_path), "-f", "json").returncode == 1
    assert run("audit", str(tmp_path), "-f", "json", "--fail-under", "0").returncode == 0


@pytest.mark.parametrize(
    "files, message",
    [
        ({".mltestscore.yaml": "fail_under: lots\n"}, "config error"),
        ({".mltestscore.yaml": "ignore: [infra-1]\n"}, "ignore must map a test id"),
        ({"pyproject.toml": "[tool.mltestscore]\nfail_udner = 2\n"}, "unknown setting 'fail_udner'"),
    ],
)
def test_bad_config_exits_2_without_traceback(tmp_path, files, message):
    make_repo(tmp_path, {"a.py": "", **files})
    result = run("audit", str(tmp_path))
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_paths_exit_2(tmp_path):
    missing = run("audit", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "path does not exist" in missing.stderr
    write_tree(tmp_path, {"file.txt": "x"})
    not_dir = run("audit", str(tmp_path / "file.txt"))
    assert not_dir.returncode == 2 and "not a folder" in not_dir.stderr
    assert run("audit", str(tmp_path), "--format", "yaml").returncode == 2


def test_empty_folder_and_no_git(tmp_path):
    result = run("audit", str(tmp_path), "-f", "json")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["score"] == 0 and data["repository"]["commit"] is None


def test_history_and_badge_run_from_a_subfolder_audit_the_project_root(tmp_path):
    root = make_repo(
        tmp_path / "proj",
        {
            ".mltestscore.yaml": "fail_under: 0\n",
            "src/pkg/__init__.py": "",
            "src/pkg/train.py": "import random\nrandom.seed(0)\n",
        },
    )
    inside = root / "src" / "pkg"
    history = run("history", "--format", "json", cwd=inside)
    assert history.returncode == 0, history.stderr
    assert str(root) in history.stderr  # says which root it audits, as `audit` does
    badge = run("badge", "--output", str(tmp_path / "b.svg"), cwd=inside)
    assert badge.returncode == 0, badge.stderr
    assert (tmp_path / "b.svg").read_text(encoding="utf-8").startswith("<svg")
