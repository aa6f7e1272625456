"""`--profile` and MLTESTSCORE_PROFILE=1 say where an audit's time goes, on stderr, and change nothing else."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import make_repo

SCRIPT = shutil.which("mltestscore", path=str(Path(sys.executable).parent)) or "mltestscore"
FILES = {
    "train.py": "import pandas as pd\n\nframe = pd.read_csv('data/train.csv')\n",
    "tests/test_train.py": "def test_nothing():\n    assert 1 + 1 == 2\n",
    "data/train.csv": "a,b\n1,2\n",
    ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n",
}


def _audit(root: Path, *args: str, profile_env: bool = False) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "MLTESTSCORE_PROFILE"}
    if profile_env:
        env["MLTESTSCORE_PROFILE"] = "1"
    command = [SCRIPT, "audit", str(root), "--no-cache", "--format", "json", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


def _without_time(report: str) -> dict:
    data = json.loads(report)
    data.pop("generated_at", None)
    return data


def test_profile_flag_prints_phases_checks_and_work_to_stderr_only(tmp_path):
    root = make_repo(tmp_path / "repo", FILES)
    plain = _audit(root)
    profiled = _audit(root, "--profile")
    assert plain.returncode == profiled.returncode == 0
    assert "mltestscore profile" not in plain.stderr
    assert "mltestscore profile:" in profiled.stderr
    for expected in ("index (list and read the files)", "data-1", "monitor-7", "work: sites judged"):
        assert expected in profiled.stderr
    assert _without_time(profiled.stdout) == _without_time(plain.stdout)


def test_profile_from_the_environment(tmp_path):
    root = make_repo(tmp_path / "repo", FILES)
    result = _audit(root, profile_env=True)
    assert result.returncode == 0 and "mltestscore profile:" in result.stderr and "infra-1" in result.stderr
